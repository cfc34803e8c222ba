// A forward-only stream of JSON rows behind crm_cursor. Implementations keep
// their own prepared statement (never a cached one) and produce a keyset token
// that resumes after the last row returned.
#pragma once

#include <optional>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace crmlite {

class Cursor {
public:
    virtual ~Cursor() = default;
    // Fills `row` and returns true, or returns false at the end.
    virtual bool next(std::string& row) = 0;
    // Resumes after the last row returned; nullopt before the first row.
    virtual std::optional<std::string> token() const = 0;
};

// Keyset tokens: "v1:" + hex fields joined by ':'. Opaque to callers.
std::string make_token(std::initializer_list<std::string> parts);
// Splits and un-hexes a token made by make_token with `n` parts; throws
// CRM_EINVAL naming `field` when malformed.
// An integer part of a token; CRM_EINVAL naming `field` when it is not one.
std::int64_t token_int(const std::string& part, const std::string& field);
std::vector<std::string> parse_token(const std::string& token, std::size_t n, const std::string& field);

}  // namespace crmlite
