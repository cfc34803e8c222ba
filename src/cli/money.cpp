#include "money.hpp"

#include <limits>

#include "args.hpp"
#include "table.hpp"

namespace crmcli {

int currency_exponent(std::string_view code) {
    // ISO 4217 currencies whose minor unit is not 1/100; everything else has 2.
    static constexpr std::string_view kZero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
                                                 "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
    static constexpr std::string_view kThree[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
    for (const auto c : kZero)
        if (c == code) return 0;
    for (const auto c : kThree)
        if (c == code) return 3;
    return 2;
}

std::string currency_code(std::string_view text) {
    std::string code;
    for (const char c : text) {
        if (c >= 'a' && c <= 'z') code.push_back(static_cast<char>(c - 'a' + 'A'));
        else if (c >= 'A' && c <= 'Z') code.push_back(c);
        else throw UsageError("--currency: \"" + std::string(text) + "\" is not a currency code like CNY");
    }
    if (code.size() != 3) throw UsageError("--currency: \"" + std::string(text) + "\" is not a currency code like CNY");
    return code;
}

std::int64_t parse_amount(std::string_view text, std::string_view currency, std::string_view option) {
    const auto bad = [&](const std::string& why) -> UsageError {
        return UsageError(std::string(option) + ": \"" + std::string(text) + "\" " + why);
    };
    std::string_view s = text;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s.remove_prefix(1);
    }
    const auto dot = s.find('.');
    std::string_view whole = s.substr(0, dot);
    std::string_view frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    const auto all_digits = [](std::string_view d) {
        for (const char c : d)
            if (c < '0' || c > '9') return false;
        return true;
    };
    if ((whole.empty() && frac.empty()) || !all_digits(whole) || !all_digits(frac) ||
        (dot != std::string_view::npos && frac.empty()))
        throw bad("is not a decimal amount like 123.45");
    const int exponent = currency_exponent(currency);
    // Extra decimals are fine only when they are zeros ("19.990" CNY).
    while (frac.size() > static_cast<std::size_t>(exponent)) {
        if (frac.back() != '0')
            throw bad("has more than " + std::to_string(exponent) + " decimals for " + std::string(currency));
        frac.remove_suffix(1);
    }
    std::string digits(whole);
    digits += frac;
    digits.append(static_cast<std::size_t>(exponent) - frac.size(), '0');
    // Accumulate as a negative number: its range is one larger than the positive one.
    std::int64_t value = 0;
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    for (const char c : digits) {
        const int d = c - '0';
        if (value < (kMin + d) / 10) throw bad("is too large");
        value = value * 10 - d;
    }
    if (!negative) {
        if (value == kMin) throw bad("is too large");
        value = -value;
    }
    return value;
}

std::string format_amount(std::int64_t minor, std::string_view currency) {
    const int exponent = currency_exponent(currency);
    const bool negative = minor < 0;
    // Magnitude as unsigned: -INT64_MIN does not fit in int64.
    unsigned long long mag = negative ? 0ull - static_cast<unsigned long long>(minor) : static_cast<unsigned long long>(minor);
    unsigned long long scale = 1;
    for (int i = 0; i < exponent; ++i) scale *= 10;
    std::string out = group_digits(mag / scale);
    if (exponent > 0) {
        std::string frac = std::to_string(mag % scale);
        out += "." + std::string(static_cast<std::size_t>(exponent) - frac.size(), '0') + frac;
    }
    return negative ? "-" + out : out;
}

}  // namespace crmcli
