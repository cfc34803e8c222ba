// ISO-8601 at the JSON boundary, UTC milliseconds inside.
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

#include "common/error.hpp"
#include "common/time.hpp"
#include "support/errors.hpp"

namespace {

constexpr std::int64_t k20261123T09 = 1'795'424'400'000;  // 2026-11-23T09:00:00Z

}  // namespace

TEST_CASE("ISO-8601 instants are parsed to UTC milliseconds", "[common][time]") {
    const auto [text, expected] = GENERATE(table<std::string, std::int64_t>({
        {"2026-11-23T09:00:00Z", k20261123T09},
        {"2026-11-23T09:00:00z", k20261123T09},
        {"2026-11-23t09:00:00Z", k20261123T09},
        {"2026-11-23 09:00:00", k20261123T09},                 // no zone: UTC
        {"2026-11-23T09:00:00", k20261123T09},
        {"2026-11-23T17:00:00+08:00", k20261123T09},
        {"2026-11-23T04:00:00-05:00", k20261123T09},
        {"2026-11-23T14:30:00+05:30", k20261123T09},
        {"2026-11-23T09:00:00+00:00", k20261123T09},
        {"2026-11-23T09:00:00.123Z", k20261123T09 + 123},
        {"2026-11-23T17:00:00.123+08:00", k20261123T09 + 123},
        {"2026-11-23T09:00:00.5Z", k20261123T09 + 500},
        {"2026-11-23T09:00:00.05Z", k20261123T09 + 50},
        {"2026-11-23T09:00:00.123456789Z", k20261123T09 + 123},  // beyond ms: truncated
        {"2026-11-23", 1'795'392'000'000},                        // bare date: midnight UTC
        {"2024-02-29", 1'709'164'800'000},                        // leap day
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T08:00:00+08:00", 0},
        {"1969-12-31T23:59:59.999Z", -1},
        {"2000-03-01T12:34:56.789Z", 951'914'096'789},
        {"9999-12-31T23:59:59.999Z", 253'402'300'799'999},
        {"2026-11-24T00:30:00+15:30", k20261123T09},
    }));
    INFO(text);
    CHECK(crmlite::parse_instant(text, "interaction.occurred_at") == expected);
}

TEST_CASE("impossible or malformed times are rejected naming the field", "[common][time]") {
    const std::string text = GENERATE(as<std::string>{},
                                      "2026-02-30",                 // Feb 30
                                      "2026-02-29",                 // not a leap year
                                      "1900-02-29",                 // century, not a leap year
                                      "2026-13-01",                 // month 13
                                      "2026-00-10",                 // month 0
                                      "2026-04-31",                 // April has 30 days
                                      "2026-11-00",                 // day 0
                                      "2026-11-23T25:00:00Z",       // 25:00
                                      "2026-11-23T24:00:00Z",
                                      "2026-11-23T09:60:00Z",
                                      "2026-11-23T09:00:61Z",
                                      "2026-11-23T09:00Z",          // seconds missing
                                      "2026-11-23T09:00:00.Z",      // empty fraction
                                      "2026-11-23T09:00:00+24:00",
                                      "2026-11-23T09:00:00+08:60",
                                      "2026-11-23T09:00:00+0800",
                                      "2026-11-23T09:00:00+08",
                                      "2026-11-23T09:00:00ZZ",
                                      "2026-11-23T09:00:00 Z",
                                      "2026-11-23X09:00:00Z",
                                      "2026-11-23T",
                                      "2026-1-5",
                                      "26-11-23",
                                      "2026/11/23",
                                      "yesterday",
                                      "",
                                      "２０２６-11-23");
    INFO("input: \"" << text << "\"");
    const auto e = thrown([&] { crmlite::parse_instant(text, "interaction.occurred_at"); });
    CHECK(e.code() == CRM_EINVAL);
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith("interaction.occurred_at:"));
}

TEST_CASE("calendar dates are checked against the real calendar", "[common][time]") {
    SECTION("valid dates pass") {
        const std::string d = GENERATE(as<std::string>{}, "2024-02-29", "2000-02-29", "2026-12-31", "2026-01-01",
                                       "0001-01-01");
        CHECK_NOTHROW(crmlite::check_date(d, "customer.birthday"));
    }
    SECTION("invalid dates name the field") {
        const std::string d = GENERATE(as<std::string>{}, "2026-02-30", "2026-13-01", "2023-02-29", "2026-06-31",
                                       "2026-1-01", "2026-01-01T00:00:00Z", "20260101", "2026-01-0a");
        INFO(d);
        const auto e = thrown([&] { crmlite::check_date(d, "customer.birthday"); });
        CHECK(e.code() == CRM_EINVAL);
        CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith("customer.birthday:"));
    }
}

TEST_CASE("formatting an instant gives UTC ISO-8601 with milliseconds and parses back", "[common][time]") {
    const auto [ms, text] = GENERATE(table<std::int64_t, std::string>({
        {0, "1970-01-01T00:00:00.000Z"},
        {k20261123T09, "2026-11-23T09:00:00.000Z"},
        {k20261123T09 + 123, "2026-11-23T09:00:00.123Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {-86'400'000, "1969-12-31T00:00:00.000Z"},
        {1'709'164'800'000 + 86'399'999, "2024-02-29T23:59:59.999Z"},
        {253'402'300'799'999, "9999-12-31T23:59:59.999Z"},
    }));
    CHECK(crmlite::format_instant(ms) == text);
    CHECK(crmlite::parse_instant(text, "t") == ms);
}

TEST_CASE("days_from_civil counts days since the epoch in the proleptic Gregorian calendar", "[common][time]") {
    CHECK(crmlite::days_from_civil(1970, 1, 1) == 0);
    CHECK(crmlite::days_from_civil(1969, 12, 31) == -1);
    CHECK(crmlite::days_from_civil(2000, 3, 1) - crmlite::days_from_civil(2000, 2, 28) == 2);
    CHECK(crmlite::days_from_civil(2100, 3, 1) - crmlite::days_from_civil(2100, 2, 28) == 1);
    CHECK(crmlite::days_from_civil(2026, 11, 23) * 86'400'000 == 1'795'392'000'000);
}

TEST_CASE("now_ms is the current UTC time in milliseconds", "[common][time]") {
    const auto a = crmlite::now_ms();
    const auto b = crmlite::now_ms();
    CHECK(b >= a);
    CHECK(a > 1'700'000'000'000);  // after November 2023
}
