// Phone numbers for crm-gen: mainland mobiles, fixed lines with the city's area code and foreign
// numbers, each stored once as digits and rendered in any of several common formats.
#pragma once

#include <string>

#include "rng.hpp"

namespace gen {

enum class PhoneKind { None, Mobile, Fixed, Foreign };

struct Phone {
    PhoneKind kind = PhoneKind::None;
    int place = 0;       // kCities index (Fixed) or kForeignCities index (Foreign)
    int format = 0;      // index into the formats of its kind
    std::string digits;  // Mobile: 11 digits; Fixed/Foreign: local number without area code
};

void make_mobile(Rng& rng, Phone& phone);
void make_fixed(Rng& rng, int city, Phone& phone);            // city: kCities index
void make_foreign(Rng& rng, int foreign_city, Phone& phone);  // kForeignCities index

int phone_format_count(PhoneKind kind);
void render_phone(const Phone& phone, int format, std::string& out);

}  // namespace gen
