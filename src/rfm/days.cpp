#include "rfm/days.hpp"

#include <unicode/timezone.h>

#include "common/error.hpp"

namespace crmlite {

struct LocalDays::Impl {
    std::unique_ptr<icu::TimeZone> tz;
};

LocalDays::LocalDays(const std::string& zone) : impl_(std::make_unique<Impl>()) {
    impl_->tz.reset(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone.empty() ? "UTC" : zone)));
    if (!impl_->tz) throw Error(CRM_ENOMEM, "time zone: out of memory");
}

LocalDays::~LocalDays() = default;

std::int64_t LocalDays::day(std::int64_t ms) const {
    std::int32_t raw = 0, dst = 0;
    UErrorCode status = U_ZERO_ERROR;
    impl_->tz->getOffset(static_cast<UDate>(ms), false, raw, dst, status);
    if (U_FAILURE(status)) raw = dst = 0;
    const std::int64_t local = ms + raw + dst;
    constexpr std::int64_t kDay = 86400000;
    return local >= 0 ? local / kDay : -((-local + kDay - 1) / kDay);
}

}  // namespace crmlite
