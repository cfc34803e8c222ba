// Entities for crm-gen: who a customer really is (name, gender, birth date, phones, e-mail,
// employer, address, national id), drawn from one random stream, plus the renderers that turn
// those facts into field text in the various spellings and formats duplicates use.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "phones.hpp"
#include "rng.hpp"

namespace gen {

enum class EntityKind { Person, Company };

struct CompanyName {
    bool latin = false;
    int brand = 0;       // head of the trade name (kBrandHeads / kLatinBrandHeads)
    int brand_tail = 0;  // its tail (kBrandTails / kLatinBrandTails)
    int industry = 0;
    int suffix = 0;
    int city = 0;              // kCities index for the optional city prefix (Chinese names)
    bool city_prefix = false;  // "上海恒达贸易有限公司" vs "恒达贸易有限公司"
};

enum class CompanyVariant { AsIs, TogglePrefix, OtherSuffix, NoSuffix, UpperCase };
int company_suffix_count(bool latin);
void render_company(const CompanyName& name, CompanyVariant variant, int other_suffix, std::string& out);

// Number of e-mail local-part spellings available for an entity (see email_local()).
inline constexpr int kNamePatterns = 6;

struct Identity {
    EntityKind kind = EntityKind::Person;
    bool latin = false;   // Latin-script name (person) or company name
    bool abroad = false;  // lives outside mainland China: foreign phone, address and currency
    int city = 0;         // kCities index, or kForeignCities index when abroad
    int district = 0;     // kCities[city].districts index (China only)

    bool male = false;
    bool gender_stated = true;                            // false: the source system says "unknown"
    int surname = 0, given[2] = {0, 0}, given_count = 0;  // Chinese names
    int latin_given = 0, latin_family = 0;                // Latin names
    int birth_day = 0;                                    // days since 1970-01-01
    int id_sequence = 0;   // 0..499, with birth_day unique per entity (national id digits 15-17)
    std::uint64_t qq = 0;  // QQ number, unique per entity
    bool birthday_stated = true;

    bool has_company = false;  // always true for companies; a person's employer otherwise
    CompanyName company;
    std::string company_domain;

    Phone phone, phone2;
    int email_pattern = 0;    // name pattern, QQ number (kNamePatterns) or company mailbox
    std::string email_local;  // empty: no e-mail
    std::string email_domain;

    bool has_place = true;                          // province and city known
    bool province_bare = false, city_bare = false;  // written without 省/市
    std::string address, postcode;
    std::string national_id;  // empty: none
};

class IdentityMaker {
public:
    IdentityMaker();
    // Everything about entity number `entity` under run seed `seed`.
    void make(std::uint64_t seed, std::uint64_t entity, Identity& id) const;

private:
    void make_person_name(Rng& rng, Identity& id) const;
    void make_company(Rng& rng, bool latin, int city, CompanyName& name, std::string& domain) const;
    void make_phones(Rng& rng, Identity& id) const;
    void make_email(Rng& rng, Identity& id) const;
    void make_place(Rng& rng, Identity& id) const;

    std::vector<int> given_male_, given_female_;  // kGivenChars indices (neutral in both)
    std::vector<int> latin_male_, latin_female_;  // kLatinGiven indices
};

// ---- name renderers (used by originals and duplicates alike)

// Chinese given name; alt_slot >= 0 writes that character's homophone/variant instead.
void hanzi_given(const Identity& id, int alt_slot, std::string& out);
// Lower-case pinyin: "ouyang", "xiaoming".
void pinyin_family(const Identity& id, std::string& out);
void pinyin_given(const Identity& id, std::string& out);
// Slots of the given name whose character has a homophone/variant; returns how many.
int given_alt_slots(const Identity& id, int slots[2]);

// E-mail local part for `pattern` (< kNamePatterns for name spellings, kNamePatterns for a QQ
// number); companies use pattern as an index into the role mailboxes.
void email_local(const Identity& id, int pattern, Rng& rng, std::string& out);

}  // namespace gen
