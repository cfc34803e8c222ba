// The engine's one exception type: a crm_status code and a message.
// Internal C++ code throws it; the C ABI's firewall (src/capi/guard.hpp) turns it
// into a status + thread-local message. Nothing here crosses the ABI.
#pragma once

#include <stdexcept>
#include <string>

#include "crmlite/crmlite.h"

namespace crmlite {

class Error : public std::runtime_error {
public:
    Error(crm_status code, const std::string& message, int sqlite_code = 0)
        : std::runtime_error(message), code_(code), sqlite_code_(sqlite_code) {}

    crm_status code() const noexcept { return code_; }
    int sqlite_code() const noexcept { return sqlite_code_; }

private:
    crm_status code_;
    int sqlite_code_;
};

// Shorthand for the most common failure: a bad input field, named in the message.
[[noreturn]] inline void invalid(const std::string& field, const std::string& reason) {
    throw Error(CRM_EINVAL, field + ": " + reason);
}

}  // namespace crmlite
