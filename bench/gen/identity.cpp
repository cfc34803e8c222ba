#include "identity.hpp"

#include <charconv>
#include <iterator>

#include "dates.hpp"
#include "names.hpp"
#include "places.hpp"
#include "texts.hpp"

namespace gen {
namespace {

// ---- small text helpers

void append_digits(Rng& rng, std::string& out, int count) {
    for (int i = 0; i < count; ++i) out.push_back(rng.digit());
}

void append_int(std::string& out, long v) {
    char tmp[24];
    auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
    out.append(tmp, end);
}

// '#' -> digit, '@' -> capital letter (those used in UK postcodes), anything else verbatim.
void append_pattern(Rng& rng, std::string& out, std::string_view pattern) {
    static constexpr std::string_view letters = "ABDEFGHJLNPQRSTUWXYZ";
    for (char c : pattern) {
        if (c == '#')
            out.push_back(rng.digit());
        else if (c == '@')
            out.push_back(letters[rng.below(static_cast<std::uint32_t>(letters.size()))]);
        else
            out.push_back(c);
    }
}

void append_upper(std::string& out, std::string_view s) {
    for (char c : s) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
}

int district_count(const City& city) {
    int n = 0;
    for (const auto& d : city.districts) n += d.hanzi.empty() ? 0 : 1;
    return n;
}

// ---- per-entity unique numbers

// A keyed bijection on [0, 2^bits): every step (add, multiply by an odd number, xor-shift) is
// invertible modulo 2^bits.
std::uint64_t permute_bits(std::uint64_t x, int bits, std::uint64_t key) {
    const std::uint64_t mask = (std::uint64_t{1} << bits) - 1;
    for (int round = 0; round < 3; ++round) {
        x = (x + (key >> (round * 16))) & mask;
        x = (x * 0x9E3779B97F4A7C15ull) & mask;
        x ^= x >> (bits / 2);
        x = (x * 0xC2B2AE3D27D4EB4Full) & mask;
        x ^= x >> (bits / 3 + 1);
    }
    return x;
}

// A keyed bijection on [0, n) (cycle walking over the next power of two): distinct inputs below
// n give distinct outputs, so entity numbers map to unique but scattered values.
std::uint64_t permute_below(std::uint64_t x, std::uint64_t n, std::uint64_t key) {
    int bits = 2;  // a 1-bit xor-shift by bits/2 would not be invertible
    while ((std::uint64_t{1} << bits) < n) ++bits;
    x %= n;
    do x = permute_bits(x, bits, key);
    while (x >= n);
    return x;
}

// ---- national id (GB 11643: region, birth date, sequence with gender parity, check digit)

char id_check_digit(std::string_view first17) {
    static constexpr int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (first17[static_cast<std::size_t>(i)] - '0') * weights[i];
    return "10X98765432"[sum % 11];
}

void make_national_id(Rng& rng, const Identity& id, std::string& out) {
    int city = id.city, district = id.district;
    if (rng.chance(0.3)) {  // born elsewhere
        city = static_cast<int>(rng.pick_index_weighted(kCities));
        district = static_cast<int>(rng.below(static_cast<std::uint32_t>(district_count(kCities[city]))));
    }
    out.assign(kCities[city].districts[district].code);
    std::string date;
    append_iso_date(date, id.birth_day);
    for (char c : date)
        if (c != '-') out.push_back(c);
    // Digits 15-17: (birth day, sequence) is unique per entity, so ids never collide.
    const int parity = id.male ? 1 : 0;  // the 17th digit is odd for men, even for women
    out.push_back(static_cast<char>('0' + id.id_sequence / 50));
    out.push_back(static_cast<char>('0' + id.id_sequence / 5 % 10));
    out.push_back(static_cast<char>('0' + 2 * (id.id_sequence % 5) + parity));
    out.push_back(id_check_digit(out));
}

// ---- addresses

void room_number(Rng& rng, std::string& out) {
    append_int(out, rng.range(1, 32) * 100 + rng.range(1, 12));
}

void chinese_address(Rng& rng, const City& city, int district, std::string& out) {
    out.clear();
    if (rng.chance(0.85)) out.append(city.districts[district].hanzi);
    out.append(rng.pick(kRoads).hanzi);
    append_int(out, rng.range(1, rng.chance(0.8) ? 200 : 1500));
    out.append("号");
    switch (rng.below(5)) {
        case 0:
            append_int(out, rng.range(1, 20));
            out.append("栋");
            room_number(rng, out);
            out.append("室");
            break;
        case 1:
            append_int(out, rng.range(1, 12));
            out.append("号楼");
            append_int(out, rng.range(1, 4));
            out.append("单元");
            room_number(rng, out);
            out.append("室");
            break;
        case 2:
            out.push_back(static_cast<char>('A' + rng.below(4)));
            out.append("座");
            room_number(rng, out);
            out.append("室");
            break;
        default:
            break;  // street number only
    }
}

void romanised_address(Rng& rng, const City& city, int district, std::string& out) {
    out.clear();
    if (rng.chance(0.6)) {
        out.append("Room ");
        room_number(rng, out);
        out.append(", ");
    }
    out.append("No. ");
    append_int(out, rng.range(1, 300));
    out.append(" ").append(rng.pick(kRoads).english);
    out.append(", ").append(city.districts[district].english);
}

void foreign_address(Rng& rng, Country country, std::string& out) {
    out.clear();
    const Street* street = nullptr;
    do street = &rng.pick(kStreets);
    while (street->country != country);
    const long number = rng.range(1, 400);
    if (street->number_after) {
        out.append(street->name).append(" ");
        append_int(out, number);
    } else {
        if (country == Country::UK && rng.chance(0.3)) {
            out.append("Flat ");
            append_int(out, rng.range(1, 40));
            out.append(", ");
        }
        append_int(out, number);
        out.append(" ").append(street->name);
        if (country == Country::US && rng.chance(0.4)) {
            out.append(rng.chance(0.5) ? ", Suite " : ", Apt ");
            append_int(out, rng.range(100, 2400));
        }
    }
}

}  // namespace

// ---- public renderers

int company_suffix_count(bool latin) {
    return static_cast<int>(latin ? std::size(kLatinCompanySuffixes) : std::size(kChineseCompanySuffixes));
}

void render_company(const CompanyName& name, CompanyVariant variant, int other_suffix, std::string& out) {
    out.clear();
    const int suffix = variant == CompanyVariant::OtherSuffix ? other_suffix : name.suffix;
    const bool with_suffix = variant != CompanyVariant::NoSuffix;
    if (name.latin) {
        const std::string_view head = kLatinBrandHeads[name.brand], rest = kLatinBrandTails[name.brand_tail];
        const std::string_view industry = kIndustries[name.industry].english;
        const std::string_view tail = kLatinCompanySuffixes[suffix].text;
        if (variant == CompanyVariant::UpperCase) {
            append_upper(out, head);
            append_upper(out, rest);
            out.push_back(' ');
            append_upper(out, industry);
            out.push_back(' ');
            append_upper(out, tail);
            return;
        }
        out.append(head).append(rest).append(" ").append(industry);
        if (with_suffix) out.append(" ").append(tail);
        return;
    }
    const bool prefix = name.city_prefix != (variant == CompanyVariant::TogglePrefix);
    if (prefix) out.append(kCities[name.city].city_bare);
    out.append(kBrandHeads[name.brand].hanzi).append(kBrandTails[name.brand_tail].hanzi);
    out.append(kIndustries[name.industry].hanzi);
    if (with_suffix) out.append(kChineseCompanySuffixes[suffix].text);
}

void hanzi_given(const Identity& id, int alt_slot, std::string& out) {
    out.clear();
    for (int i = 0; i < id.given_count; ++i) {
        const GivenChar& g = kGivenChars[id.given[i]];
        out.append(i == alt_slot ? g.alt : g.hanzi);
    }
}

void pinyin_family(const Identity& id, std::string& out) {
    out.assign(kSurnames[id.surname].pinyin);
}

void pinyin_given(const Identity& id, std::string& out) {
    out.clear();
    for (int i = 0; i < id.given_count; ++i) out.append(kGivenChars[id.given[i]].pinyin);
}

int given_alt_slots(const Identity& id, int slots[2]) {
    int n = 0;
    for (int i = 0; i < id.given_count; ++i)
        if (!kGivenChars[id.given[i]].alt.empty()) slots[n++] = i;
    return n;
}

void email_local(const Identity& id, int pattern, Rng& rng, std::string& out) {
    out.clear();
    if (id.kind == EntityKind::Company) {
        out.assign(kCompanyMailboxes[pattern % static_cast<int>(std::size(kCompanyMailboxes))]);
        return;
    }
    if (pattern == kNamePatterns) {  // QQ number
        append_int(out, static_cast<long>(id.qq));
        return;
    }
    // a/b: the name parts in the order people usually write them in an address.
    std::string a, b, initials;
    if (id.latin) {
        a.assign(kLatinGiven[id.latin_given].ascii);
        b.assign(kLatinFamily[id.latin_family].ascii);
        initials.assign(1, a[0]);
    } else {
        pinyin_family(id, a);
        pinyin_given(id, b);
        for (int i = 0; i < id.given_count; ++i) initials.push_back(kGivenChars[id.given[i]].pinyin[0]);
    }
    std::string date;  // YYYY-MM-DD
    append_iso_date(date, id.birth_day);
    const std::string_view d = date;
    switch (pattern) {
        case 0:
            out.append(a).append(".").append(b);
            break;  // wang.xiaoming / john.smith
        case 1:
            out.append(b).append(".").append(a);
            break;  // xiaoming.wang / smith.john
        case 2:
            out.append(a).append(b);
            break;  // wangxiaoming
        case 3:     // wangxm / jsmith
            if (id.latin)
                out.append(initials).append(b);
            else
                out.append(a).append(initials);
            break;
        case 4:  // wxm19880823 / smithj0823
            if (id.latin) {
                out.append(b).append(initials).append(d.substr(5, 2)).append(d.substr(8, 2));
            } else {
                out.push_back(a[0]);
                out.append(initials).append(d.substr(0, 4)).append(d.substr(5, 2)).append(d.substr(8, 2));
            }
            return;
        default:
            out.append(a).append("_").append(b);  // wang_xiaoming
    }
    // Mailbox providers hand out plain names once; most people carry some digits.
    switch (rng.below(10)) {
        case 0:
            break;
        case 1:
        case 2:
            out.append(d.substr(2, 2));
            break;  // 88
        case 3:
            out.append(d.substr(0, 4));
            break;  // 1988
        case 4:
        case 5:
            out.append(d.substr(5, 2)).append(d.substr(8, 2));
            break;  // 0823
        case 6:
        case 7:
            append_digits(rng, out, 3);
            break;
        default:
            append_digits(rng, out, 4);
    }
}

// ---- entity generation

IdentityMaker::IdentityMaker() {
    for (int i = 0; i < static_cast<int>(std::size(kGivenChars)); ++i) {
        if (kGivenChars[i].lean != Lean::Female) given_male_.push_back(i);
        if (kGivenChars[i].lean != Lean::Male) given_female_.push_back(i);
    }
    for (int i = 0; i < static_cast<int>(std::size(kLatinGiven)); ++i) {
        if (kLatinGiven[i].lean != Lean::Female) latin_male_.push_back(i);
        if (kLatinGiven[i].lean != Lean::Male) latin_female_.push_back(i);
    }
}

void IdentityMaker::make(std::uint64_t seed, std::uint64_t entity, Identity& id) const {
    Rng rng(seed, Stream::Identity, entity);
    id.kind = rng.chance(0.10) ? EntityKind::Company : EntityKind::Person;
    const bool person = id.kind == EntityKind::Person;
    id.latin = rng.chance(person ? 0.30 : 0.25);
    id.abroad = id.latin && rng.chance(person ? 0.45 : 0.5);
    if (id.abroad) {
        id.city = static_cast<int>(rng.pick_index_weighted(kForeignCities));
        id.district = 0;
    } else {
        id.city = static_cast<int>(rng.pick_index_weighted(kCities));
        id.district = static_cast<int>(rng.below(static_cast<std::uint32_t>(district_count(kCities[id.city]))));
    }

    // Birth and gender are drawn for companies too, so every entity uses the same number of
    // draws up to here; they are simply not written for companies.
    id.male = rng.chance(0.5);
    id.gender_stated = rng.chance(0.92);
    // Birth day and id sequence come from one slot unique per entity (for the first ~10 million).
    const int first_day = days_from_ymd(1950, 1, 1);
    const auto days = static_cast<std::uint64_t>(days_from_ymd(2005, 12, 31) - first_day + 1);
    const std::uint64_t slot = permute_below(entity, days * 500, seed);
    id.birth_day = first_day + static_cast<int>(slot % days);
    id.id_sequence = static_cast<int>(slot / days);
    id.qq = 100000 + permute_below(entity, 3'000'000'000ull - 100000, seed ^ 0x5151515151515151ull);
    id.birthday_stated = person && rng.chance(0.80);

    if (person) {
        make_person_name(rng, id);
        id.has_company = rng.chance(0.40);
        if (id.has_company) {
            const bool latin_employer = id.latin && (id.abroad || rng.chance(0.5));
            make_company(rng, latin_employer, id.abroad ? 0 : id.city, id.company, id.company_domain);
        }
    } else {
        id.has_company = true;
        make_company(rng, id.latin, id.abroad ? 0 : id.city, id.company, id.company_domain);
    }
    make_phones(rng, id);
    make_email(rng, id);
    make_place(rng, id);

    id.national_id.clear();
    if (person && !id.latin && !id.abroad && rng.chance(0.60)) make_national_id(rng, id, id.national_id);
}

void IdentityMaker::make_person_name(Rng& rng, Identity& id) const {
    if (id.latin) {
        const auto& pool = id.male ? latin_male_ : latin_female_;
        id.latin_given = pool[rng.below(static_cast<std::uint32_t>(pool.size()))];
        id.latin_family = static_cast<int>(rng.below(static_cast<std::uint32_t>(std::size(kLatinFamily))));
        return;
    }
    id.surname = static_cast<int>(rng.pick_index_weighted(kSurnames));
    const auto& pool = id.male ? given_male_ : given_female_;
    const auto draw = [&] { return pool[rng.below(static_cast<std::uint32_t>(pool.size()))]; };
    id.given_count = rng.chance(0.25) ? 1 : 2;
    id.given[0] = draw();
    id.given[1] = draw();
    const bool doubled = !id.male && rng.chance(0.04);  // 婷婷, 丽丽
    if (id.given_count == 2 && doubled) id.given[1] = id.given[0];
    // 小 only leads a given name (小明, not 明小).
    while (id.given_count == 2 && !doubled && (id.given[1] == id.given[0] || kGivenChars[id.given[1]].hanzi == "小"))
        id.given[1] = draw();
}

void IdentityMaker::make_company(Rng& rng, bool latin, int city, CompanyName& name, std::string& domain) const {
    const auto index = [&](std::size_t size) { return static_cast<int>(rng.below(static_cast<std::uint32_t>(size))); };
    name.latin = latin;
    name.city = city;
    name.industry = index(std::size(kIndustries));
    domain.clear();
    if (latin) {
        name.brand = index(std::size(kLatinBrandHeads));
        name.brand_tail = index(std::size(kLatinBrandTails));
        name.suffix = static_cast<int>(rng.pick_index_weighted(kLatinCompanySuffixes));
        name.city_prefix = false;
        for (char c : kLatinBrandHeads[name.brand])
            domain.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c));
        domain.append(kLatinBrandTails[name.brand_tail]);
        if (rng.chance(0.4)) domain.append(kIndustries[name.industry].domain);
        if (rng.chance(0.4)) domain.append(rng.pick(kDomainNumbers));
        domain.append(rng.chance(0.8) ? ".com" : ".net");
        return;
    }
    name.brand = index(std::size(kBrandHeads));
    do name.brand_tail = index(std::size(kBrandTails));
    while (kBrandTails[name.brand_tail].hanzi == kBrandHeads[name.brand].hanzi);
    name.suffix = static_cast<int>(rng.pick_index_weighted(kChineseCompanySuffixes));
    name.city_prefix = rng.chance(0.6);
    // hengda.com, sh-hengdatrade.com.cn, hengda168.cn
    if (rng.chance(0.5)) domain.append(kCities[city].abbr).append(rng.chance(0.4) ? "-" : "");
    domain.append(kBrandHeads[name.brand].pinyin).append(kBrandTails[name.brand_tail].pinyin);
    if (rng.chance(0.5)) domain.append(kIndustries[name.industry].domain);
    if (rng.chance(0.5)) domain.append(rng.pick(kDomainNumbers));
    const std::uint32_t tld = rng.below(20);
    domain.append(tld < 10 ? ".com" : tld < 17 ? ".com.cn" : ".cn");
}

void IdentityMaker::make_phones(Rng& rng, Identity& id) const {
    const bool person = id.kind == EntityKind::Person;
    id.phone.kind = id.phone2.kind = PhoneKind::None;
    id.phone.digits.clear();
    id.phone2.digits.clear();
    if (rng.chance(0.05)) return;
    const auto make_one = [&](Phone& phone, bool prefer_fixed) {
        if (id.abroad)
            make_foreign(rng, id.city, phone);
        else if (prefer_fixed)
            make_fixed(rng, id.city, phone);
        else
            make_mobile(rng, phone);
    };
    make_one(id.phone, person ? rng.chance(0.10) : rng.chance(0.70));
    if (rng.chance(person ? 0.10 : 0.30)) make_one(id.phone2, id.phone.kind == PhoneKind::Mobile);
}

void IdentityMaker::make_email(Rng& rng, Identity& id) const {
    id.email_local.clear();
    id.email_domain.clear();
    if (rng.chance(0.10)) return;
    if (id.kind == EntityKind::Company) {
        id.email_pattern = static_cast<int>(rng.below(static_cast<std::uint32_t>(std::size(kCompanyMailboxes))));
        id.email_domain = id.company_domain;
        email_local(id, id.email_pattern, rng, id.email_local);
        return;
    }
    if (id.has_company && rng.chance(0.3)) {
        id.email_domain = id.company_domain;
    } else {
        const auto weight = [&](const Choice& c) { return static_cast<long>(id.latin ? c.weight_latin : c.weight_cn); };
        id.email_domain = kEmailDomains[rng.pick_index_weighted(kEmailDomains, weight)].name;
    }
    const bool qq = id.email_domain == "qq.com" || id.email_domain == "foxmail.com";
    id.email_pattern = qq && rng.chance(0.7) ? kNamePatterns : static_cast<int>(rng.below(kNamePatterns));
    email_local(id, id.email_pattern, rng, id.email_local);
}

void IdentityMaker::make_place(Rng& rng, Identity& id) const {
    id.has_place = rng.chance(0.92);
    id.province_bare = rng.chance(0.08);
    id.city_bare = rng.chance(0.08);
    id.address.clear();
    id.postcode.clear();
    const bool with_address = rng.chance(0.78);
    if (id.abroad) {
        const ForeignCity& fc = kForeignCities[id.city];
        if (with_address) foreign_address(rng, fc.country, id.address);
        append_pattern(rng, id.postcode, fc.postcode);
    } else {
        const City& city = kCities[id.city];
        if (with_address) {
            if (id.latin && rng.chance(0.7))
                romanised_address(rng, city, id.district, id.address);
            else
                chinese_address(rng, city, id.district, id.address);
        }
        append_pattern(rng, id.postcode, city.postcode);
    }
    if (!with_address || rng.chance(0.15)) id.postcode.clear();
}

}  // namespace gen
