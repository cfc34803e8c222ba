// Phone numbers through libphonenumber: E.164 form, the number type and
// whether the number is valid for its region. An unparseable or invalid number
// is flagged, never dropped: the caller keeps it with its digits.
#pragma once

#include <string>
#include <string_view>

namespace crmlite::normalize {

struct Phone {
    std::string e164;      // "+8613812345678"; the digits alone when the number cannot be parsed
    std::string type;      // mobile | fixed_line | fixed_line_or_mobile | toll_free | voip | ... | unknown
    std::string region;    // ISO 3166 region of the number ("CN"), "" when unknown
    bool parsed = false;   // libphonenumber understood it (then e164 is a real E.164 string)
    bool valid = false;    // a valid number for its region
};

// The region numbers without a country prefix belong to ("CN" unless configured).
constexpr const char* kDefaultRegion = "CN";

// Parses `raw` (full-width digits and "00" international prefixes accepted).
// Never throws for a bad number; see Phone::parsed and Phone::valid.
Phone parse_phone(std::string_view raw, std::string_view default_region = kDefaultRegion);
// True when `region` is a region libphonenumber knows ("CN", "US", ...).
bool known_region(std::string_view region);

}  // namespace crmlite::normalize
