#include "common/json.hpp"

#include "common/error.hpp"
#include "common/time.hpp"

namespace crmlite {

Json parse_object(const char* text, const std::string& what) {
    if (text == nullptr) invalid(what, "NULL instead of a JSON object");
    Json j;
    try {
        j = Json::parse(text);
    } catch (const Json::parse_error& e) {
        // nlohmann reports both syntax errors and invalid UTF-8 here.
        invalid(what, std::string("invalid JSON: ") + e.what());
    }
    if (!j.is_object()) invalid(what, "expected a JSON object");
    return j;
}

std::string dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::size_t utf8_length(std::string_view s) {
    std::size_t n = 0;
    for (const char c : s)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
    return n;
}

bool utf8_valid(std::string_view s) {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        int len;
        std::uint32_t cp;
        if (c < 0x80) {
            ++i;
            continue;
        } else if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1F;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0F;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07;
        } else {
            return false;
        }
        if (i + static_cast<std::size_t>(len) > s.size()) return false;
        for (int k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
            if ((cc & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (cc & 0x3F);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += static_cast<std::size_t>(len);
    }
    return true;
}

Input::Input(const Json& obj, std::string record) : obj_(obj), record_(std::move(record)) {}

void Input::allow_only(std::initializer_list<std::string_view> allowed) const {
    for (const auto& [key, value] : obj_.items()) {
        bool ok = false;
        for (const auto a : allowed)
            if (a == key) ok = true;
        if (!ok) invalid(field(key), "unknown field");
    }
}

std::optional<std::string> Input::text(const char* key, std::size_t max_chars) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return std::nullopt;
    if (!it->is_string()) invalid(field(key), "expected a string");
    const auto& s = it->get_ref<const std::string&>();
    if (s.find('\0') != std::string::npos) invalid(field(key), "contains a NUL character");
    if (utf8_length(s) > max_chars) invalid(field(key), "longer than " + std::to_string(max_chars) + " characters");
    return s;
}

std::string Input::required_text(const char* key, std::size_t max_chars) const {
    auto v = text(key, max_chars);
    if (!v || v->empty()) invalid(field(key), "required");
    return *v;
}

std::optional<std::int64_t> Input::integer(const char* key, std::int64_t min, std::int64_t max) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return std::nullopt;
    if (!it->is_number_integer()) invalid(field(key), "expected an integer");
    std::int64_t v;
    if (it->is_number_unsigned()) {
        const auto u = it->get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(INT64_MAX)) invalid(field(key), "out of range");
        v = static_cast<std::int64_t>(u);
    } else {
        v = it->get<std::int64_t>();
    }
    if (v < min || v > max)
        invalid(field(key), "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return v;
}

std::optional<bool> Input::boolean(const char* key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return std::nullopt;
    if (!it->is_boolean()) invalid(field(key), "expected true or false");
    return it->get<bool>();
}

std::optional<std::string> Input::choice(const char* key, std::initializer_list<std::string_view> values) const {
    auto v = text(key, 64);
    if (!v) return v;
    for (const auto allowed : values)
        if (allowed == *v) return v;
    std::string list;
    for (const auto allowed : values) list += (list.empty() ? "" : ", ") + std::string(allowed);
    invalid(field(key), "\"" + *v + "\" is not one of: " + list);
}

std::optional<std::int64_t> Input::instant(const char* key) const {
    auto v = text(key, 64);
    if (!v) return std::nullopt;
    return parse_instant(*v, field(key));
}

std::optional<std::string> Input::date(const char* key) const {
    auto v = text(key, 10);
    if (v) check_date(*v, field(key));
    return v;
}

std::optional<std::string> Input::object_text(const char* key, std::size_t max_bytes) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return std::nullopt;
    if (!it->is_object()) invalid(field(key), "expected a JSON object");
    std::string s = it->dump();
    if (s.size() > max_bytes) invalid(field(key), "larger than " + std::to_string(max_bytes) + " bytes");
    return s;
}

}  // namespace crmlite
