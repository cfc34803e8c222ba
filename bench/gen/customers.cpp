#include "customers.hpp"

#include <iterator>
#include <utility>
#include <vector>

#include "dates.hpp"
#include "identity.hpp"
#include "names.hpp"
#include "places.hpp"
#include "rng.hpp"

namespace gen {
namespace {

// How a duplicate differs from the original record of the same entity.
enum Perturbation : unsigned {
    kNameTypo = 1u << 0,        // Latin names: swap, drop or replace one letter
    kNameSwap = 1u << 1,        // Latin person: given and family name exchanged ("Smith John")
    kPinyin = 1u << 2,          // Chinese person written in pinyin ("Wang Xiaoming")
    kHomophone = 1u << 3,       // one given-name character replaced by a homophone or variant
    kCompanyVariant = 1u << 4,  // company name with/without city prefix, other or no legal suffix
    kPhoneFormat = 1u << 5,     // same number, another format
    kDropPhone = 1u << 6,
    kDropEmail = 1u << 7,
    kEmailDomain = 1u << 8,  // same local part, another domain
    kEmailLocal = 1u << 9,   // another spelling of the local part (hard mode only)
    kDropBirthday = 1u << 10,
};

// Picks 1-3 applicable perturbations; without strong ids the e-mail never survives unchanged.
unsigned choose_perturbations(const Identity& id, Rng& rng, bool strong_ids) {
    const bool person = id.kind == EntityKind::Person;
    const bool has_email = !id.email_local.empty();
    int alt_slots[2];
    unsigned candidates[12];
    int n = 0;
    const auto offer = [&](unsigned p, bool applicable) {
        if (applicable) candidates[n++] = p;
    };
    offer(kNameTypo, id.latin);
    offer(kNameSwap, person && id.latin);
    offer(kPinyin, person && !id.latin);
    offer(kHomophone, person && !id.latin && given_alt_slots(id, alt_slots) > 0);
    offer(kCompanyVariant, !person);
    offer(kPhoneFormat, id.phone.kind != PhoneKind::None);
    offer(kDropPhone, id.phone.kind != PhoneKind::None);
    offer(kDropEmail, has_email);
    offer(kEmailDomain, has_email);
    offer(kDropBirthday, person && id.birthday_stated);

    const int want = rng.chance(0.5) ? 1 : rng.chance(0.7) ? 2 : 3;
    unsigned chosen = 0;
    for (int k = 0; k < want && k < n; ++k) {  // partial Fisher-Yates
        const int j = k + static_cast<int>(rng.below(static_cast<std::uint32_t>(n - k)));
        std::swap(candidates[k], candidates[j]);
        chosen |= candidates[k];
    }
    if (!strong_ids && has_email && (chosen & (kDropEmail | kEmailDomain)) == 0)
        chosen |= rng.chance(0.5) ? kEmailDomain : kEmailLocal;
    return chosen;
}

// Appends `domain` with another top-level domain: a company's web address registered twice.
void other_top_level_domain(std::string_view domain, Rng& rng, std::string& out) {
    static constexpr std::string_view tlds[] = {".com.cn", ".com", ".cn", ".net"};
    std::string_view current;
    for (std::string_view tld : tlds) {
        if (domain.ends_with(tld)) {
            current = tld;
            break;
        }
    }
    out.append(domain.substr(0, domain.size() - current.size()));
    std::string_view next;
    do next = rng.pick(tlds);
    while (next == current);
    out.append(next);
}

bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char other_letter(Rng& rng, char c) {
    const char base = c >= 'a' ? 'a' : 'A';
    char r;
    do r = static_cast<char>(base + rng.below(26));
    while (r == c);
    return r;
}

// One slip on the ASCII letters of `s` (never the first letter): swap two neighbours, drop one,
// or replace one.
void apply_typo(Rng& rng, std::string& s) {
    std::size_t positions[64];
    std::uint32_t n = 0;
    for (std::size_t i = 1; i < s.size() && n < 64; ++i)
        if (is_ascii_letter(s[i])) positions[n++] = i;
    if (n == 0) return;
    const std::size_t i = positions[rng.below(n)];
    switch (rng.below(3)) {
        case 0:
            if (i + 1 < s.size() && is_ascii_letter(s[i + 1]) && s[i + 1] != s[i]) {
                std::swap(s[i], s[i + 1]);
                return;
            }
            break;
        case 1:
            if (n >= 3) {
                s.erase(i, 1);
                return;
            }
            break;
        default:
            break;
    }
    s[i] = other_letter(rng, s[i]);
}

void capitalise(std::string& s) {
    if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 32);
}

void uppercase(std::string& s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
}

}  // namespace

struct CustomerMaker::Impl {
    std::uint64_t seed;
    bool strong_ids;
    IdentityMaker identities;
    Identity id;
    std::string scratch;
    std::vector<int> tags_zh, tags_en;  // kTags indices usable for each language

    Impl(std::uint64_t s, bool strong) : seed(s), strong_ids(strong) {
        for (int i = 0; i < static_cast<int>(std::size(kTags)); ++i) {
            if (kTags[i].lang != Lang::En) tags_zh.push_back(i);
            if (kTags[i].lang != Lang::Zh) tags_en.push_back(i);
        }
    }

    void render_name(unsigned p, Rng& rng, CustomerRow& row);
    void render_company_name(unsigned p, Rng& rng, std::string& out);
    void render_contact(unsigned p, Rng& rng, CustomerRow& row);
    void render_email(unsigned p, Rng& rng, std::string& out);
    void render_place(bool duplicate, Rng& rng, CustomerRow& row);
    RecordTraits render_record_fields(Rng& rng, CustomerRow& row);
    void render_tags(Lang lang, Rng& rng, std::string& out);
};

void CustomerMaker::Impl::render_name(unsigned p, Rng& rng, CustomerRow& row) {
    std::string& display = row.field[kColDisplayName];
    std::string& family = row.field[kColFamilyName];
    std::string& given = row.field[kColGivenName];
    family.clear();
    given.clear();
    if (id.kind == EntityKind::Company) {
        row.field[kColKind] = "company";
        render_company_name(p, rng, display);
        return;
    }
    row.field[kColKind] = "person";
    if (id.latin) {
        given.assign(kLatinGiven[id.latin_given].name);
        family.assign(kLatinFamily[id.latin_family].name);
        if (p & kNameTypo) apply_typo(rng, rng.chance(0.6) ? family : given);
        if (p & kNameSwap) std::swap(given, family);
        display.assign(given).append(" ").append(family);
        return;
    }
    if (p & kPinyin) {
        pinyin_family(id, family);
        pinyin_given(id, given);
        capitalise(family);
        capitalise(given);
        if (rng.chance(0.7))
            display.assign(family).append(" ").append(given);
        else
            display.assign(given).append(" ").append(family);
        if (rng.chance(0.1)) uppercase(display);
        return;
    }
    int slots[2];
    const int n_slots = (p & kHomophone) ? given_alt_slots(id, slots) : 0;
    family.assign(kSurnames[id.surname].hanzi);
    hanzi_given(id, n_slots > 0 ? slots[rng.below(static_cast<std::uint32_t>(n_slots))] : -1, given);
    display.assign(family).append(given);
}

void CustomerMaker::Impl::render_company_name(unsigned p, Rng& rng, std::string& out) {
    CompanyVariant variant = CompanyVariant::AsIs;
    int other_suffix = id.company.suffix;
    if (p & kCompanyVariant) {
        static constexpr CompanyVariant chinese[] = {CompanyVariant::TogglePrefix, CompanyVariant::OtherSuffix,
                                                     CompanyVariant::NoSuffix};
        static constexpr CompanyVariant latin[] = {CompanyVariant::OtherSuffix, CompanyVariant::NoSuffix,
                                                   CompanyVariant::UpperCase};
        variant = id.company.latin ? rng.pick(latin) : rng.pick(chinese);
        const int count = company_suffix_count(id.company.latin);
        other_suffix =
            (id.company.suffix + 1 + static_cast<int>(rng.below(static_cast<std::uint32_t>(count - 1)))) % count;
    }
    render_company(id.company, variant, other_suffix, out);
    if (p & kNameTypo) apply_typo(rng, out);
}

void CustomerMaker::Impl::render_contact(unsigned p, Rng& rng, CustomerRow& row) {
    const bool person = id.kind == EntityKind::Person;
    row.field[kColGender] = !person ? "" : !id.gender_stated ? "unknown" : id.male ? "male" : "female";
    row.field[kColBirthday].clear();
    if (person && id.birthday_stated && !(p & kDropBirthday)) append_iso_date(row.field[kColBirthday], id.birth_day);

    row.field[kColPhone].clear();
    if (id.phone.kind != PhoneKind::None && !(p & kDropPhone)) {
        int format = id.phone.format;
        if (p & kPhoneFormat) {
            const int count = phone_format_count(id.phone.kind);
            format = (format + 1 + static_cast<int>(rng.below(static_cast<std::uint32_t>(count - 1)))) % count;
        }
        render_phone(id.phone, format, row.field[kColPhone]);
    }
    render_phone(id.phone2, id.phone2.format, row.field[kColPhone2]);
    render_email(p, rng, row.field[kColEmail]);
    row.field[kColCompany].clear();
    if (person && id.has_company) render_company(id.company, CompanyVariant::AsIs, 0, row.field[kColCompany]);
    row.field[kColNationalId] = strong_ids ? id.national_id : std::string();
}

void CustomerMaker::Impl::render_email(unsigned p, Rng& rng, std::string& out) {
    out.clear();
    if (id.email_local.empty() || (p & kDropEmail)) return;
    if (p & kEmailLocal) {
        const bool company = id.kind == EntityKind::Company;
        const int patterns = company ? static_cast<int>(std::size(kCompanyMailboxes)) : kNamePatterns;
        int pattern = static_cast<int>(rng.below(static_cast<std::uint32_t>(patterns)));
        if (pattern == id.email_pattern) pattern = (pattern + 1) % patterns;
        email_local(id, pattern, rng, scratch);
        if (scratch == id.email_local) scratch.push_back(rng.digit());
        out.append(scratch);
    } else {
        out.append(id.email_local);
    }
    out.push_back('@');
    if ((p & kEmailDomain) && id.kind == EntityKind::Company) {
        other_top_level_domain(id.email_domain, rng, out);  // hengda.com -> hengda.com.cn
    } else if (p & kEmailDomain) {
        const auto weight = [&](const Choice& c) {
            return c.name == id.email_domain ? 0L : static_cast<long>(id.latin ? c.weight_latin : c.weight_cn);
        };
        out.append(kEmailDomains[rng.pick_index_weighted(kEmailDomains, weight)].name);
    } else {
        out.append(id.email_domain);
    }
}

void CustomerMaker::Impl::render_place(bool duplicate, Rng& rng, CustomerRow& row) {
    std::string& province = row.field[kColProvince];
    std::string& city = row.field[kColCity];
    province.clear();
    city.clear();
    // A duplicate was typed in separately: its spelling of the place is drawn again.
    const bool province_bare = duplicate ? rng.chance(0.08) : id.province_bare;
    const bool city_bare = duplicate ? rng.chance(0.08) : id.city_bare;
    if (id.has_place) {
        if (id.abroad) {
            province.assign(kForeignCities[id.city].region);
            city.assign(kForeignCities[id.city].city);
        } else {
            const City& c = kCities[id.city];
            province.assign(province_bare ? c.province_bare : c.province);
            city.assign(city_bare ? c.city_bare : c.city);
        }
    }
    const bool keep_address = !duplicate || rng.chance(0.85);
    row.field[kColAddress] = keep_address ? id.address : std::string();
    row.field[kColPostcode] = keep_address ? id.postcode : std::string();
}

void CustomerMaker::Impl::render_tags(Lang lang, Rng& rng, std::string& out) {
    out.clear();
    const std::vector<int>& pool = lang == Lang::Zh ? tags_zh : tags_en;
    static constexpr int kCountWeights[] = {35, 35, 20, 10};
    const auto count = rng.pick_index_weighted(kCountWeights, [](int w) { return static_cast<long>(w); });
    int chosen[3] = {-1, -1, -1};
    for (std::size_t k = 0; k < count; ++k) {
        int tag;
        do tag = pool[rng.below(static_cast<std::uint32_t>(pool.size()))];
        while (tag == chosen[0] || tag == chosen[1]);
        chosen[k] = tag;
        if (!out.empty()) out.push_back(';');
        out.append(kTags[tag].path);
    }
    if (lang == Lang::Zh && !id.abroad && rng.chance(0.2)) {
        if (!out.empty()) out.push_back(';');
        out.append("区域/").append(kCities[id.city].region);
    }
}

RecordTraits CustomerMaker::Impl::render_record_fields(Rng& rng, CustomerRow& row) {
    RecordTraits traits;
    traits.lang = id.latin ? Lang::En : Lang::Zh;
    const auto source_weight = [&](const Choice& c) {
        return static_cast<long>(id.latin ? c.weight_latin : c.weight_cn);
    };
    row.field[kColSource] = kSources[rng.pick_index_weighted(kSources, source_weight)].name;
    const StageRow& stage = rng.pick_weighted(kStages);
    traits.stage = stage.stage;
    row.field[kColStage] = stage.name;
    traits.owner = 1 + static_cast<int>(rng.below(kOwners));
    std::string& owner = row.field[kColOwner];  // u01..u20
    owner.resize(3);
    owner[0] = 'u';
    owner[1] = static_cast<char>('0' + traits.owner / 10);
    owner[2] = static_cast<char>('0' + traits.owner % 10);
    row.field[kColConsent].assign(1, rng.chance(0.7) ? '1' : '0');
    row.field[kColNotes].clear();
    if (rng.chance(0.35)) row.field[kColNotes] = traits.lang == Lang::Zh ? rng.pick(kNotesZh) : rng.pick(kNotesEn);
    render_tags(traits.lang, rng, row.field[kColTags]);

    traits.currency = id.abroad ? kForeignCities[id.city].currency : std::string_view("CNY");
    traits.order_median = (id.abroad ? 5000.0 : 30000.0) * (id.kind == EntityKind::Company ? 4.0 : 1.0);
    return traits;
}

CustomerMaker::CustomerMaker(std::uint64_t seed, bool strong_ids) : impl_(std::make_unique<Impl>(seed, strong_ids)) {}
CustomerMaker::~CustomerMaker() = default;

RecordTraits CustomerMaker::make(std::uint64_t entity, int copy, CustomerRow& row) {
    Impl& m = *impl_;
    m.identities.make(m.seed, entity, m.id);

    const std::uint64_t record_key = entity * 4 + static_cast<std::uint64_t>(copy);
    Rng perturb_rng(m.seed, Stream::Perturb, record_key);
    const unsigned p = copy > 0 ? choose_perturbations(m.id, perturb_rng, m.strong_ids) : 0u;
    m.render_name(p, perturb_rng, row);
    m.render_contact(p, perturb_rng, row);

    Rng record_rng(m.seed, Stream::Record, record_key);
    m.render_place(copy > 0, record_rng, row);
    return m.render_record_fields(record_rng, row);
}

}  // namespace gen
