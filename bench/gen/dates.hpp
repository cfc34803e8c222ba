// Calendar helpers for crm-gen: days since 1970-01-01 <-> ISO dates, ISO-8601 UTC timestamps.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace gen {

inline int days_from_ymd(int y, unsigned m, unsigned d) {
    using namespace std::chrono;
    return static_cast<int>(sys_days{year{y} / month{m} / day{d}}.time_since_epoch().count());
}

// "2026-11-01" -> days since the epoch; nullopt when malformed or not a real date.
inline std::optional<int> parse_iso_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    int parts[3] = {0, 0, 0};
    const int starts[3] = {0, 5, 8}, lengths[3] = {4, 2, 2};
    for (int i = 0; i < 3; ++i) {
        for (int k = 0; k < lengths[i]; ++k) {
            const char c = s[static_cast<std::size_t>(starts[i] + k)];
            if (c < '0' || c > '9') return std::nullopt;
            parts[i] = parts[i] * 10 + (c - '0');
        }
    }
    using namespace std::chrono;
    const year_month_day ymd{year{parts[0]}, month{static_cast<unsigned>(parts[1])},
                             day{static_cast<unsigned>(parts[2])}};
    if (!ymd.ok()) return std::nullopt;
    return static_cast<int>(sys_days{ymd}.time_since_epoch().count());
}

namespace detail {
inline void append_2(std::string& out, unsigned v) {
    out.push_back(static_cast<char>('0' + v / 10));
    out.push_back(static_cast<char>('0' + v % 10));
}
inline void append_ymd(std::string& out, int days) {
    using namespace std::chrono;
    const year_month_day ymd{sys_days{std::chrono::days{days}}};
    const int y = static_cast<int>(ymd.year());
    append_2(out, static_cast<unsigned>(y / 100));
    append_2(out, static_cast<unsigned>(y % 100));
    out.push_back('-');
    append_2(out, static_cast<unsigned>(ymd.month()));
    out.push_back('-');
    append_2(out, static_cast<unsigned>(ymd.day()));
}
}  // namespace detail

// "YYYY-MM-DD" (years 1000-9999).
inline void append_iso_date(std::string& out, int days) {
    detail::append_ymd(out, days);
}

// "YYYY-MM-DDTHH:MM:SSZ" for seconds since the epoch.
inline void append_iso_timestamp(std::string& out, std::int64_t seconds) {
    const std::int64_t day = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400;
    const auto secs = static_cast<unsigned>(seconds - day * 86400);
    detail::append_ymd(out, static_cast<int>(day));
    out.push_back('T');
    detail::append_2(out, secs / 3600);
    out.push_back(':');
    detail::append_2(out, secs / 60 % 60);
    out.push_back(':');
    detail::append_2(out, secs % 60);
    out.push_back('Z');
}

}  // namespace gen
