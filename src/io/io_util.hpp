// Small text helpers shared by the import and export code.
#pragma once

#include <string>
#include <string_view>

#include "common/json.hpp"

namespace crmlite::io {

// Cells from spreadsheets often carry stray spaces around values; they are
// never meaningful in a CRM field, so they are dropped.
inline std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

inline std::string ascii_lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// nlohmann's messages start with "[json.exception.parse_error.101] "; users
// need only the part after it.
inline std::string json_error_reason(const Json::exception& e) {
    std::string_view m = e.what();
    if (!m.empty() && m.front() == '[') {
        const auto close = m.find("] ");
        if (close != std::string_view::npos) m.remove_prefix(close + 2);
    }
    return "invalid JSON: " + std::string(m);
}

}  // namespace crmlite::io
