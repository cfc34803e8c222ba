#include "masking/masking.hpp"

#include <cstddef>
#include <string_view>

namespace crmlite::masking {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Length in bytes of the UTF-8 sequence starting with `c` (1 for invalid bytes).
std::size_t seq_len(unsigned char c) {
    if (c < 0x80) return 1;
    if ((c >> 5) == 0x6) return 2;
    if ((c >> 4) == 0xE) return 3;
    if ((c >> 3) == 0x1E) return 4;
    return 1;
}

bool is_email_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '.' || c == '_' || c == '-' ||
           c == '+' || c == '%';
}

}  // namespace

std::string phone(const std::string& value) {
    // Already masked (a device holding masked values, src/sync/masked.hpp):
    // masking again must not hide more of it.
    if (value.find('*') != std::string::npos) return value;
    std::size_t digits = 0;
    for (char c : value) digits += is_digit(c) ? 1 : 0;
    if (digits == 0) return "****";
    // A leading "+CC" country code of a Chinese mobile stays visible with the prefix.
    std::size_t keep_head = digits >= 11 ? 3 : (digits >= 8 ? 2 : 0);
    if (!value.empty() && value[0] == '+' && digits > 11) keep_head += digits - 11;
    const std::size_t keep_tail = digits >= 8 ? 4 : 2;
    std::string out;
    std::size_t i = 0;
    for (char c : value) {
        if (!is_digit(c)) {
            out.push_back(c);
            continue;
        }
        out.push_back(i < keep_head || i + keep_tail >= digits ? c : '*');
        ++i;
    }
    return out;
}

std::string email(const std::string& value) {
    const auto at = value.rfind('@');
    if (at == std::string::npos || at == 0) return "****";
    return value.substr(0, seq_len(static_cast<unsigned char>(value[0]))) + "****" + value.substr(at);
}

std::string id_number(const std::string& value) {
    if (value.size() <= 8) return std::string(value.size() ? value.size() : 4, '*');
    return value.substr(0, 3) + std::string(value.size() - 7, '*') + value.substr(value.size() - 4);
}

std::string address(const std::string& value) {
    std::size_t pos = 0;
    for (int n = 0; n < 6 && pos < value.size(); ++n) pos += seq_len(static_cast<unsigned char>(value[pos]));
    if (pos >= value.size()) return "****";
    return value.substr(0, pos) + "****";
}

std::string birthday(const std::string&) { return "****-**-**"; }

std::string text(const std::string& value) {
    std::string out;
    std::size_t i = 0;
    const std::size_t n = value.size();
    while (i < n) {
        const char c = value[i];
        if (is_digit(c) || (c == '+' && i + 1 < n && is_digit(value[i + 1]))) {
            // A run of digits with separators a phone may carry (and snippet marks).
            std::size_t j = i, digits = 0;
            while (j < n && (is_digit(value[j]) || value[j] == ' ' || value[j] == '-' || value[j] == '[' ||
                             value[j] == ']' || (j == i && value[j] == '+'))) {
                digits += is_digit(value[j]) ? 1 : 0;
                ++j;
            }
            std::string run = value.substr(i, j - i);
            if (digits >= 7) {
                // Mask every digit but the last four, whatever the marks.
                std::size_t seen = 0;
                for (char& d : run)
                    if (is_digit(d) && ++seen + 4 <= digits) d = '*';
            }
            out += run;
            i = j;
            continue;
        }
        if (c == '@' && !out.empty() && i + 1 < n && is_email_char(value[i + 1])) {
            // Mask the local part already copied (back to the previous non e-mail character).
            std::size_t k = out.size();
            while (k > 0 && (is_email_char(out[k - 1]) || out[k - 1] == '[' || out[k - 1] == ']')) --k;
            if (k < out.size()) {
                const std::string local = out.substr(k);
                out.resize(k);
                std::size_t first = 0;
                while (first < local.size() && (local[first] == '[' || local[first] == ']')) ++first;
                out += local.substr(0, first < local.size() ? first + 1 : first) + "****";
            }
            out.push_back('@');
            ++i;
            continue;
        }
        const std::size_t len = seq_len(static_cast<unsigned char>(c));
        out.append(value, i, len);
        i += len;
    }
    return out;
}

}  // namespace crmlite::masking
