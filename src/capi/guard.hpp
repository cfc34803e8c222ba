// The exception firewall of the C ABI. Every exported function is noexcept and
// wraps its body in CRM_API_GUARD, which turns crmlite::Error, SQLite
// exceptions, JSON errors and std::bad_alloc into a crm_status plus the
// thread-local message read by crm_errmsg(). Nothing C++ escapes.
#pragma once

#include <SQLiteCpp/Exception.h>

#include <atomic>
#include <new>
#include <string>

#include "common/error.hpp"
#include "crmlite/crmlite.h"

namespace crmlite::capi {

struct LastError {
    crm_status code = CRM_OK;
    int sqlite_code = 0;
    std::string message;
};

LastError& last_error();
crm_status fail(crm_status code, const std::string& message, int sqlite_code = 0);
inline crm_status ok() {
    auto& e = last_error();
    e.code = CRM_OK;
    e.sqlite_code = 0;
    e.message.clear();
    return CRM_OK;
}
// Maps an SQLite primary result code to a crm_status.
crm_status from_sqlite(int extended_code);
crm_status from_current_exception();

// Live handle count: the leak oracle behind crm_live_handles().
extern std::atomic<std::int64_t> live_handles;

}  // namespace crmlite::capi

#define CRM_API_GUARD(...)                                    \
    try {                                                     \
        __VA_ARGS__                                           \
    } catch (...) {                                           \
        return ::crmlite::capi::from_current_exception();     \
    }

// Rejects a NULL argument with CRM_EINVAL naming it.
#define CRM_REQUIRE(arg)                                                                   \
    do {                                                                                   \
        if ((arg) == nullptr) return ::crmlite::capi::fail(CRM_EINVAL, #arg ": NULL argument"); \
    } while (0)
