#include "store/cursor.hpp"

#include <charconv>
#include <vector>

#include "common/error.hpp"

namespace crmlite {

std::string make_token(std::initializer_list<std::string> parts) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "v1";
    for (const auto& p : parts) {
        out.push_back(':');
        for (const char c : p) {
            out.push_back(hex[static_cast<unsigned char>(c) >> 4]);
            out.push_back(hex[static_cast<unsigned char>(c) & 0xF]);
        }
    }
    return out;
}

std::int64_t token_int(const std::string& part, const std::string& field) {
    std::int64_t v = 0;
    const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (ec != std::errc() || end != part.data() + part.size() || part.empty())
        invalid(field, "not a token returned by this query");
    return v;
}

std::vector<std::string> parse_token(const std::string& token, std::size_t n, const std::string& field) {
    const auto bad = [&]() -> std::vector<std::string> { invalid(field, "not a token returned by this query"); };
    if (token.rfind("v1", 0) != 0) return bad();
    std::vector<std::string> parts;
    std::size_t pos = 2;
    while (pos < token.size()) {
        if (token[pos] != ':') return bad();
        ++pos;
        std::string part;
        while (pos < token.size() && token[pos] != ':') {
            if (pos + 1 >= token.size()) return bad();
            const auto nib = [](char c) { return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1; };
            const int hi = nib(token[pos]), lo = nib(token[pos + 1]);
            if (hi < 0 || lo < 0) return bad();
            part.push_back(static_cast<char>(hi << 4 | lo));
            pos += 2;
        }
        parts.push_back(std::move(part));
    }
    if (parts.size() != n) return bad();
    return parts;
}

}  // namespace crmlite
