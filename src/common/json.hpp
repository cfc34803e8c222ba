// JSON at the ABI boundary: parsing with field-naming errors, and a reader that
// checks an input object's keys and types so that every bad input is refused
// with CRM_EINVAL and a message naming the field ("customer.birthday: ...").
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

namespace crmlite {

using Json = nlohmann::json;

// Parses `text` (UTF-8, validated) as a JSON object. NULL, invalid JSON,
// invalid UTF-8 and non-objects fail with CRM_EINVAL naming `what`.
Json parse_object(const char* text, const std::string& what);
// Serialises; invalid UTF-8 in stored data is replaced rather than thrown on.
std::string dump(const Json& j);

// Checks and reads the fields of one input object.
class Input {
public:
    Input(const Json& obj, std::string record);

    // Fails on the first key not in `allowed`.
    void allow_only(std::initializer_list<std::string_view> allowed) const;
    bool has(const char* key) const { return obj_.contains(key); }
    bool is_null(const char* key) const { return obj_.contains(key) && obj_.at(key).is_null(); }
    const Json& raw(const char* key) const { return obj_.at(key); }
    std::string field(std::string_view key) const { return record_ + "." + std::string(key); }

    // Present and non-null string, at most max_chars code points, no NUL.
    // Absent or null: std::nullopt. Wrong type: CRM_EINVAL.
    std::optional<std::string> text(const char* key, std::size_t max_chars = 1000) const;
    // Like text() but absent/null/empty is an error.
    std::string required_text(const char* key, std::size_t max_chars = 1000) const;
    std::optional<std::int64_t> integer(const char* key, std::int64_t min, std::int64_t max) const;
    std::optional<bool> boolean(const char* key) const;
    // One of the listed values.
    std::optional<std::string> choice(const char* key, std::initializer_list<std::string_view> values) const;
    // An ISO-8601 instant, as UTC ms.
    std::optional<std::int64_t> instant(const char* key) const;
    // An ISO date "YYYY-MM-DD".
    std::optional<std::string> date(const char* key) const;
    // A JSON object (custom fields, attributes), re-serialised compactly; at most max_bytes.
    std::optional<std::string> object_text(const char* key, std::size_t max_bytes = 65536) const;

private:
    const Json& obj_;
    std::string record_;
};

// Number of Unicode code points in valid UTF-8.
std::size_t utf8_length(std::string_view s);
// True when s is valid UTF-8 (no overlongs, no surrogates).
bool utf8_valid(std::string_view s);

}  // namespace crmlite
