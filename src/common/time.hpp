// Time at the boundary: UTC milliseconds inside (int64), ISO-8601 text in JSON.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crmlite {

std::int64_t now_ms();

// "2026-11-23T09:00:00Z", "2026-11-23T17:00:00.123+08:00", "2026-11-23 09:00:00"
// (no zone = UTC), or a bare date "2026-11-23" (midnight UTC). Throws CRM_EINVAL
// naming `field` otherwise.
std::int64_t parse_instant(std::string_view text, const std::string& field);
// "2026-11-23T09:00:00.000Z"
std::string format_instant(std::int64_t ms);
// Validates a calendar date "YYYY-MM-DD" (real day of a real month).
void check_date(std::string_view text, const std::string& field);

// Days since 1970-01-01 for a civil date (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d);

}  // namespace crmlite
