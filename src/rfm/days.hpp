// Calendar days in the database's IANA time zone: day-based rules (recency in
// whole days, "within 3 days") count local midnights, not 24-hour spans.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

namespace crmlite {

class LocalDays {
public:
    explicit LocalDays(const std::string& zone);
    ~LocalDays();
    LocalDays(const LocalDays&) = delete;
    LocalDays& operator=(const LocalDays&) = delete;
    // Days since 1970-01-01 of the local calendar date of the UTC instant `ms`.
    std::int64_t day(std::int64_t ms) const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace crmlite
