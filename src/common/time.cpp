#include "common/time.hpp"

#include <chrono>
#include <cstdio>

#include "common/error.hpp"

namespace crmlite {

std::int64_t now_ms() {
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Howard Hinnant's public-domain civil calendar algorithms.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

namespace {

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = doy - (153 * mp + 2) / 5 + 1;
    m = mp < 10 ? mp + 3 : mp - 9;
    y += m <= 2;
}

bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

unsigned days_in_month(std::int64_t y, unsigned m) {
    static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

// Reads exactly n digits at pos; returns -1 when they are not all digits.
int digits(std::string_view s, std::size_t pos, std::size_t n) {
    if (pos + n > s.size()) return -1;
    int v = 0;
    for (std::size_t i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

[[noreturn]] void bad_time(std::string_view text, const std::string& field) {
    invalid(field, "not an ISO-8601 time: \"" + std::string(text.substr(0, 40)) + "\"");
}

}  // namespace

void check_date(std::string_view text, const std::string& field) {
    const int y = digits(text, 0, 4), m = digits(text, 5, 2), d = digits(text, 8, 2);
    if (text.size() != 10 || text[4] != '-' || text[7] != '-' || y < 0 || m < 1 || m > 12 || d < 1 ||
        d > static_cast<int>(days_in_month(y, static_cast<unsigned>(m))))
        invalid(field, "not a date YYYY-MM-DD: \"" + std::string(text.substr(0, 40)) + "\"");
}

std::int64_t parse_instant(std::string_view s, const std::string& field) {
    if (s.size() < 10) bad_time(s, field);
    check_date(s.substr(0, 10), field);
    const std::int64_t days = days_from_civil(digits(s, 0, 4), static_cast<unsigned>(digits(s, 5, 2)),
                                              static_cast<unsigned>(digits(s, 8, 2)));
    std::int64_t ms = days * 86400000;
    if (s.size() == 10) return ms;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') bad_time(s, field);
    const int hh = digits(s, 11, 2), mm = digits(s, 14, 2), ss = digits(s, 17, 2);
    if (s.size() < 19 || s[13] != ':' || s[16] != ':' || hh < 0 || hh > 23 || mm < 0 || mm > 59 ||
        ss < 0 || ss > 60)
        bad_time(s, field);
    ms += (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss) * 1000;
    std::size_t pos = 19;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        int frac_digits = 0;
        std::int64_t frac = 0;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (frac_digits < 3) {
                frac = frac * 10 + (s[pos] - '0');
                ++frac_digits;
            }
            ++pos;
        }
        if (frac_digits == 0) bad_time(s, field);
        while (frac_digits < 3) {
            frac *= 10;
            ++frac_digits;
        }
        ms += frac;
    }
    if (pos == s.size()) return ms;  // no zone: UTC
    if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) return ms;
    if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
        const int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59) bad_time(s, field);
        const std::int64_t off = (static_cast<std::int64_t>(oh) * 60 + om) * 60000;
        return s[pos] == '+' ? ms - off : ms + off;
    }
    bad_time(s, field);
}

std::string format_instant(std::int64_t ms) {
    std::int64_t days = ms / 86400000;
    std::int64_t rem = ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        --days;
    }
    std::int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y), m,
                  d, static_cast<long long>(rem / 3600000), static_cast<long long>(rem / 60000 % 60),
                  static_cast<long long>(rem / 1000 % 60), static_cast<long long>(rem % 1000));
    return buf;
}

}  // namespace crmlite
