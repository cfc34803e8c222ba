#include "normalize/phone.hpp"

#include <phonenumbers/phonenumber.pb.h>
#include <phonenumbers/phonenumberutil.h>

#include "common/text.hpp"

namespace crmlite::normalize {

namespace {

using i18n::phonenumbers::PhoneNumber;
using i18n::phonenumbers::PhoneNumberUtil;

const char* type_name(PhoneNumberUtil::PhoneNumberType t) {
    switch (t) {
    case PhoneNumberUtil::FIXED_LINE: return "fixed_line";
    case PhoneNumberUtil::MOBILE: return "mobile";
    case PhoneNumberUtil::FIXED_LINE_OR_MOBILE: return "fixed_line_or_mobile";
    case PhoneNumberUtil::TOLL_FREE: return "toll_free";
    case PhoneNumberUtil::PREMIUM_RATE: return "premium_rate";
    case PhoneNumberUtil::SHARED_COST: return "shared_cost";
    case PhoneNumberUtil::VOIP: return "voip";
    case PhoneNumberUtil::PERSONAL_NUMBER: return "personal_number";
    case PhoneNumberUtil::PAGER: return "pager";
    case PhoneNumberUtil::UAN: return "uan";
    case PhoneNumberUtil::VOICEMAIL: return "voicemail";
    default: return "unknown";
    }
}

}  // namespace

bool known_region(std::string_view region) {
    const auto* util = PhoneNumberUtil::GetInstance();
    return util->GetCountryCodeForRegion(std::string(region)) != 0;
}

Phone parse_phone(std::string_view raw, std::string_view default_region) {
    Phone out;
    std::string folded = text::nfkc(raw);
    const std::string digits = text::digits_only(folded);
    // "0086 138..." is the international prefix used from mainland China (and
    // most of the world): libphonenumber only knows it relative to the region.
    const auto first = folded.find_first_not_of(" \t");
    if (first != std::string::npos && folded.compare(first, 2, "00") == 0 && digits.size() > 4)
        folded = "+" + digits.substr(2);
    const auto* util = PhoneNumberUtil::GetInstance();
    PhoneNumber number;
    if (util->Parse(folded, std::string(default_region), &number) != PhoneNumberUtil::NO_PARSING_ERROR) {
        out.e164 = digits;
        out.type = "unknown";
        return out;
    }
    out.parsed = true;
    util->Format(number, PhoneNumberUtil::E164, &out.e164);
    out.valid = util->IsValidNumber(number);
    out.type = type_name(util->GetNumberType(number));
    util->GetRegionCodeForNumber(number, &out.region);
    if (out.region == "ZZ") out.region.clear();
    return out;
}

}  // namespace crmlite::normalize
