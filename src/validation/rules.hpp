// Field rules as data (required, pattern, enumeration, range, per customer
// kind, with a completeness weight), the completeness score of a customer and
// the data-quality report over the whole file (the handbook's KPIs).
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::validation {

struct Rule {
    std::string field;          // a customer field, or "phones" / "emails"
    std::string kind = "*";     // person | company | *
    bool required = false;
    std::string pattern;        // ECMAScript regular expression the whole value must match
    std::vector<std::string> choices;
    std::optional<std::string> min, max;  // inclusive bounds (numbers compare as numbers, else as text)
    double weight = 0;          // share of the completeness score
    std::optional<std::regex> re;
};

// The rules in force: the file's own (quality_settings "rules") or the defaults.
std::vector<Rule> rules(Database& db);
Json rules_json(Database& db);
// Replaces the rules ({"rules":[{...}]}, or null for the defaults).
// CRM_EINVAL naming e.g. "rules[2].pattern".
void set_rules(Database& db, const Json& j);

// One customer against the rules: {"id","completeness","missing":[..],"invalid":[{"field","value","reason"}]}.
Json validate(Database& db, const Uuid& id);
// A customer record as JSON (not stored) against the rules.
Json validate_json(Database& db, const Json& customer, const std::vector<Rule>& rules);

// The data-quality report: options {"stale_days": 180, "duplicates": true}.
Json report(Database& db, const Json& options);

}  // namespace crmlite::validation
