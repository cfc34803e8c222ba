// A customer as the duplicate detector sees it: every field normalised
// (src/normalize), plus the blocking keys that decide which customers are ever
// compared. Derived from the record; never stored beyond the local key index.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::dedup {

struct Profile {
    Uuid id;
    std::string kind;
    std::string name;       // text() of the display name
    std::string name_key;   // romanised, tokens sorted (normalize::name_key)
    std::string surname;    // romanised family name (persons)
    std::string given_initial;
    bool han = false;
    std::set<std::string> phones;        // E.164
    std::set<std::string> emails;        // match keys
    std::set<std::string> email_locals;  // local parts of at least 4 characters
    std::string national_id, birthday, province, city, postcode, address, company;
    std::int64_t updated_at = 0;
};

// Loads one customer; nothing when it does not exist.
std::optional<Profile> load_profile(Database& db, const Uuid& id);
// A profile from customer JSON not (yet) in the file (input of crm_quality_check).
Profile profile_from_json(Database& db, const Json& customer);
// The blocking keys of a profile ("p:+8613812345678", "nc:wang xiaoming|上海市", ...).
std::vector<std::string> blocking_keys(const Profile& p);
// A company name without legal form and city prefix ("上海华为技术有限公司" -> "华为技术").
std::string company_key(std::string_view name);

}  // namespace crmlite::dedup
