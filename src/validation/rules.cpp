#include "validation/rules.hpp"

#include <cmath>
#include <map>

#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "dedup/dedup.hpp"
#include "normalize/normalize.hpp"
#include "normalize/settings.hpp"

namespace crmlite::validation {

namespace {

constexpr const char* kDefaultRules = R"json({"rules": [
  {"field": "display_name", "required": true, "weight": 20},
  {"field": "phones", "required": true, "weight": 20},
  {"field": "emails", "weight": 10},
  {"field": "gender", "kind": "person", "enum": ["male", "female", "other", "unknown"], "weight": 5},
  {"field": "birthday", "kind": "person", "min": "1900-01-01", "max": "2100-01-01", "weight": 10},
  {"field": "province", "weight": 5},
  {"field": "city", "required": true, "weight": 10},
  {"field": "address", "weight": 5},
  {"field": "postcode", "pattern": "[0-9]{6}|[0-9A-Za-z -]{3,10}", "weight": 5},
  {"field": "company", "kind": "person", "weight": 5},
  {"field": "industry", "kind": "company", "weight": 5},
  {"field": "source", "weight": 5},
  {"field": "national_id", "kind": "person", "pattern": "[0-9]{17}[0-9Xx]"}
]})json";

bool known_field(const std::string& f) {
    if (f == "phones" || f == "emails") return true;
    for (const auto& spec : customers::fields())
        if (f == spec.json) return true;
    return false;
}

std::vector<Rule> parse_rules(const Json& j) {
    if (!j.is_object() || !j.contains("rules") || !j["rules"].is_array()) invalid("rules", "expected {\"rules\": [...]}");
    std::vector<Rule> out;
    for (std::size_t i = 0; i < j["rules"].size(); ++i) {
        const std::string at = "rules[" + std::to_string(i) + "]";
        const Json& r = j["rules"][i];
        if (!r.is_object()) invalid(at, "expected an object");
        Rule rule;
        for (const auto& [k, v] : r.items()) {
            const std::string field = at + "." + k;
            if (k == "field") {
                if (!v.is_string() || !known_field(v.get<std::string>())) invalid(field, "not a customer field");
                rule.field = v.get<std::string>();
            } else if (k == "kind") {
                if (!v.is_string() || (v != "person" && v != "company" && v != "*")) invalid(field, "expected person, company or *");
                rule.kind = v.get<std::string>();
            } else if (k == "required") {
                if (!v.is_boolean()) invalid(field, "expected true or false");
                rule.required = v.get<bool>();
            } else if (k == "pattern") {
                if (!v.is_string()) invalid(field, "expected a regular expression");
                rule.pattern = v.get<std::string>();
                try {
                    rule.re.emplace(rule.pattern, std::regex::ECMAScript);
                } catch (const std::regex_error& e) {
                    invalid(field, std::string("not a valid regular expression: ") + e.what());
                }
            } else if (k == "enum") {
                if (!v.is_array() || v.empty()) invalid(field, "expected a non-empty array of strings");
                for (const auto& c : v) {
                    if (!c.is_string()) invalid(field, "expected a non-empty array of strings");
                    rule.choices.push_back(c.get<std::string>());
                }
            } else if (k == "min" || k == "max") {
                if (!v.is_string() && !v.is_number()) invalid(field, "expected a number or a string");
                (k == "min" ? rule.min : rule.max) = v.is_string() ? v.get<std::string>() : dump(v);
            } else if (k == "weight") {
                if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1000) invalid(field, "expected a number from 0 to 1000");
                rule.weight = v.get<double>();
            } else {
                invalid(field, "unknown key");
            }
        }
        if (rule.field.empty()) invalid(at + ".field", "required");
        out.push_back(std::move(rule));
    }
    return out;
}

bool is_empty(const Json& v) {
    return v.is_null() || (v.is_string() && normalize::text(v.get<std::string>()).empty()) || (v.is_array() && v.empty()) ||
           (v.is_object() && v.empty());
}

std::string as_text(const Json& v) { return v.is_string() ? v.get<std::string>() : dump(v); }

int compare(const std::string& a, const std::string& b) {
    char* ea = nullptr;
    char* eb = nullptr;
    const double da = std::strtod(a.c_str(), &ea), db = std::strtod(b.c_str(), &eb);
    if (!a.empty() && !b.empty() && *ea == '\0' && *eb == '\0') return da < db ? -1 : da > db ? 1 : 0;
    return a.compare(b) < 0 ? -1 : a.compare(b) > 0 ? 1 : 0;
}

// Why a value breaks a rule, or "" when it does not.
std::string check_value(const Rule& r, const Json& v, const std::string& phone_region) {
    if (r.field == "phones") {
        for (const auto& p : v) {
            const std::string raw = p.is_object() ? p.value("normalized", p.value("value", "")) : as_text(p);
            const bool valid = p.is_object() && p.contains("valid") ? p["valid"].get<bool>() : true;
            (void)phone_region;
            if (!valid) return "not a valid phone number: " + raw;
        }
        return "";
    }
    if (r.field == "emails") {
        for (const auto& e : v) {
            const std::string raw = e.is_object() ? e.value("value", "") : as_text(e);
            if (!normalize::parse_email(raw).valid) return "not a valid e-mail address: " + raw;
        }
        return "";
    }
    const std::string t = as_text(v);
    if (r.re && !std::regex_match(t, *r.re)) return "does not match " + r.pattern;
    if (!r.choices.empty() && std::find(r.choices.begin(), r.choices.end(), t) == r.choices.end()) return "not one of the allowed values";
    if (r.min && compare(t, *r.min) < 0) return "below " + *r.min;
    if (r.max && compare(t, *r.max) > 0) return "above " + *r.max;
    return "";
}

}  // namespace

std::vector<Rule> rules(Database& db) {
    const auto stored = normalize::setting(db, "rules");
    return parse_rules(Json::parse(stored.value_or(kDefaultRules)));
}

Json rules_json(Database& db) { return Json::parse(normalize::setting(db, "rules").value_or(kDefaultRules)); }

void set_rules(Database& db, const Json& j) {
    if (j.is_null()) {
        WriteScope w(db);
        auto& st = db.stmt("DELETE FROM quality_settings WHERE key = 'rules'");
        st.exec();
        w.commit();
        return;
    }
    parse_rules(j);  // throws naming the bad rule
    normalize::set_setting(db, "rules", dump(j));
}

Json validate_json(Database& db, const Json& c, const std::vector<Rule>& rs) {
    const std::string kind = c.contains("kind") && c["kind"].is_string() ? c["kind"].get<std::string>() : "person";
    const std::string region = normalize::phone_region(db);
    double total = 0, have = 0;
    Json missing = Json::array(), bad = Json::array();
    for (const auto& r : rs) {
        if (r.kind != "*" && r.kind != kind) continue;
        const Json v = c.contains(r.field) ? c[r.field] : Json();
        total += r.weight;
        if (is_empty(v)) {
            if (r.required) missing.push_back(r.field);
            continue;
        }
        const std::string why = check_value(r, v, region);
        if (!why.empty()) bad.push_back({{"field", r.field}, {"value", v}, {"reason", why}});
        else have += r.weight;
    }
    const double completeness = total > 0 ? have / total : 1.0;
    return {{"completeness", std::round(completeness * 1000) / 1000}, {"missing", missing}, {"invalid", bad}};
}

Json validate(Database& db, const Uuid& id) {
    Json c = customers::get(db, id);
    Json out = validate_json(db, c, rules(db));
    out["id"] = c["id"];
    return out;
}

Json report(Database& db, const Json& options) {
    std::int64_t stale_days = 180;
    bool duplicates = true;
    if (!options.is_null()) {
        if (!options.is_object()) invalid("options", "expected an object");
        for (const auto& [k, v] : options.items()) {
            if (k == "stale_days") {
                if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 100000)
                    invalid("options.stale_days", "expected a number of days from 1 to 100000");
                stale_days = v.get<std::int64_t>();
            } else if (k == "duplicates") {
                if (!v.is_boolean()) invalid("options.duplicates", "expected true or false");
                duplicates = v.get<bool>();
            } else {
                invalid("options." + k, "unknown option");
            }
        }
    }
    const auto rs = rules(db);
    std::map<std::string, std::int64_t> missing, bad, applicable;
    std::int64_t n = 0, complete = 0, stale = 0, required_slots = 0, missing_slots = 0, checked = 0, invalid_values = 0;
    double completeness_sum = 0;
    const std::int64_t stale_before = now_ms() - stale_days * 86400000LL;
    std::vector<Uuid> ids;
    {
        SQLite::Statement st(db.sql(), "SELECT id, updated_at FROM customers");
        while (st.executeStep()) {
            ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
            if (st.getColumn(1).getInt64() < stale_before) ++stale;
        }
    }
    for (const auto& id : ids) {
        const Json c = customers::get(db, id);
        const Json v = validate_json(db, c, rs);
        const std::string kind = c.value("kind", "person");
        ++n;
        const double comp = v["completeness"].get<double>();
        completeness_sum += comp;
        if (comp >= 0.95) ++complete;
        for (const auto& r : rs) {
            if (r.kind != "*" && r.kind != kind) continue;
            ++applicable[r.field];
            const Json val = c.contains(r.field) ? c[r.field] : Json();
            if (r.required) ++required_slots;
            if (!is_empty(val)) ++checked;
        }
        for (const auto& m : v["missing"]) {
            ++missing[m.get<std::string>()];
            ++missing_slots;
        }
        for (const auto& b : v["invalid"]) {
            ++bad[b["field"].get<std::string>()];
            ++invalid_values;
        }
    }
    Json fields = Json::object();
    for (const auto& r : rs) {
        if (fields.contains(r.field)) continue;
        const std::int64_t a = applicable[r.field];
        fields[r.field] = {{"applicable", a},
                           {"required", r.required},
                           {"missing", missing[r.field]},
                           {"missing_rate", a ? static_cast<double>(missing[r.field]) / static_cast<double>(a) : 0.0},
                           {"invalid", bad[r.field]}};
    }
    const double missing_rate = required_slots ? static_cast<double>(missing_slots) / static_cast<double>(required_slots) : 0.0;
    const double accuracy = checked ? 1.0 - static_cast<double>(invalid_values) / static_cast<double>(checked) : 1.0;
    const double completeness = n ? completeness_sum / static_cast<double>(n) : 1.0;
    Json out = {{"customers", n},
                {"completeness", completeness},
                {"complete_profiles", complete},
                {"missing_rate", missing_rate},
                {"accuracy", accuracy},
                {"invalid_values", invalid_values},
                {"stale_days", stale_days},
                {"stale_profiles", stale},
                {"stale_rate", n ? static_cast<double>(stale) / static_cast<double>(n) : 0.0},
                {"fields", fields}};
    Json kpis = Json::array();
    const auto kpi = [&](const char* name, double value, const char* op, double target) {
        const bool ok = std::string(op) == "<=" ? value <= target : value >= target;
        kpis.push_back({{"kpi", name}, {"value", value}, {"op", op}, {"target", target}, {"ok", ok}});
    };
    if (duplicates) {
        const Json d = dedup::find(db, dedup::Options{});
        out["duplicate_rate"] = d["duplicate_rate"];
        out["duplicate_clusters"] = d["clusters"].size();
        out["review_pairs"] = d["review"].size();
        kpi("duplicate_rate", d["duplicate_rate"].get<double>(), "<=", 0.05);
    }
    kpi("missing_rate", missing_rate, "<=", 0.08);
    kpi("accuracy", accuracy, ">=", 0.95);
    kpi("completeness", completeness, ">=", 0.95);
    out["kpis"] = kpis;
    return out;
}

}  // namespace crmlite::validation
