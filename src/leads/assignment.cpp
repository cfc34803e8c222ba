// Assignment rules as data. Fairness is computed from synced facts (the
// assignment events each rule made and the open load of each member), never
// from a local counter, so every device that has seen the same leads picks the
// same next owner.
#include <SQLiteCpp/Statement.h>

#include "access/access.hpp"
#include "common/error.hpp"
#include "leads/lead_records.hpp"

namespace crmlite::leads {

namespace {

const std::vector<FieldSpec> kRuleFields = {
    {"name", "name", FieldKind::text, 200},
    {"kind", "kind", FieldKind::choice, 0, {"round_robin", "territory", "load"}},
    {"team", "team", FieldKind::text, 100},
    {"members", "members", FieldKind::array, 65536},
    {"region", "region", FieldKind::text, 100},
    {"source", "source", FieldKind::text, 64},
    {"priority", "priority", FieldKind::integer, 0, {}, -1000000, 1000000},
    {"active", "active", FieldKind::boolean},
};
enum : int { kRName, kRKind, kRTeam, kRMembers, kRRegion, kRSource, kRPriority, kRActive };

const sales::RecordType kRule{Table::assignment_rules, "assignment_rules", "rule", kRuleFields};

// A rule's delete arriving by sync: the same removal as delete_rule.
void remove_rule(WriteScope& w, const Uuid& id) { sales::erase(w, kRule, id, Removal::deleted); }
const RemovalHooks kAssignmentHooks{{}, {{Table::assignment_rules, &remove_rule}}};

std::vector<std::string> members_of(const std::string& text) {
    std::vector<std::string> out;
    for (const auto& m : Json::parse(text)) out.push_back(m.get<std::string>());
    return out;
}

std::int64_t count_of(Database& db, const std::string& sql, const std::string& owner, const Uuid* rule) {
    auto& st = db.stmt(sql);
    st.bind(1, owner);
    if (rule) st.bind(2, rule->data(), Uuid::size());
    st.executeStep();
    const std::int64_t n = st.getColumn(0).getInt64();
    st.reset();
    return n;
}

}  // namespace

std::span<const FieldSpec> rule_fields() { return kRuleFields; }

namespace {

// A rule's values after defaults, checked as a whole (CRM_EINVAL naming the field).
void check_rule(Values& v) {
    if (text_of(v[kRName]).empty()) invalid("rule.name", "required");
    if (is_null(v[kRKind])) invalid("rule.kind", "required");
    if (is_null(v[kRMembers])) invalid("rule.members", "required");
    const Json members = Json::parse(text_of(v[kRMembers]));
    if (members.empty()) invalid("rule.members", "expected at least one owner");
    for (std::size_t i = 0; i < members.size(); ++i) {
        const std::string f = "rule.members[" + std::to_string(i) + "]";
        if (!members[i].is_string() || members[i].get<std::string>().empty()) invalid(f, "expected an owner name");
        for (std::size_t j = 0; j < i; ++j)
            if (members[j] == members[i]) invalid(f, "\"" + members[i].get<std::string>() + "\" appears twice");
    }
    if (text_of(v[kRKind]) == "territory" && text_of(v[kRRegion]).empty()) invalid("rule.region", "required for a territory rule");
    if (is_null(v[kRPriority])) v[kRPriority] = std::int64_t{100};
    if (is_null(v[kRActive])) v[kRActive] = std::int64_t{1};
}

}  // namespace

Uuid add_rule(Database& db, const Json& input) {
    access::require(db, access::kManageRules, "rule");
    WriteScope w(db);
    Values v(kRuleFields.size());
    sales::read_into(kRule, input, v);
    check_rule(v);
    const Uuid id = Uuid::v7();
    sales::insert(w, kRule, id, v);
    w.commit();
    return id;
}

bool update_rule(Database& db, const Uuid& id, const Json& patch) {
    access::require(db, access::kManageRules, "rule");
    WriteScope w(db);
    const Values current = sales::require(db, kRule, id);
    Values next = current;
    sales::read_into(kRule, patch, next);
    check_rule(next);
    const bool changed = sales::update(w, kRule, id, current, next);
    w.commit();
    return changed;
}

void delete_rule(Database& db, const Uuid& id) {
    access::require(db, access::kManageRules, "rule");
    WriteScope w(db);
    sales::require(db, kRule, id);
    // The leads it assigned keep their owner and their history (the events
    // name the rule by id); the rule's delete syncs as a tombstone.
    sales::erase(w, kRule, id, Removal::deleted);
    w.commit();
}

Json list_rules(Database& db) {
    std::vector<Uuid> ids;
    auto& st = db.stmt("SELECT id FROM assignment_rules ORDER BY priority, created_at, id");
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    st.reset();
    Json out = Json::array();
    for (const auto& id : ids) {
        Json r = sales::render(db, kRule, id);
        r["active"] = r.value("active", false);
        out.push_back(std::move(r));
    }
    return out;
}

std::optional<Choice> choose_owner(Database& db, const Values& lead) {
    struct Rule {
        Uuid id;
        Values v;
    };
    std::vector<Rule> rules;
    {
        auto& st = db.stmt("SELECT id FROM assignment_rules WHERE active = 1 ORDER BY priority, created_at, id");
        std::vector<Uuid> ids;
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
        st.reset();
        for (const auto& id : ids) rules.push_back({id, sales::require(db, kRule, id)});
    }
    for (const auto& r : rules) {
        if (!is_null(r.v[kRRegion]) && r.v[kRRegion] != lead[kRegion]) continue;
        if (!is_null(r.v[kRSource]) && r.v[kRSource] != lead[kSource]) continue;
        const auto members = members_of(text_of(r.v[kRMembers]));
        // Round-robin (and within a territory): the member this rule has given
        // the fewest leads, earliest in the list on a tie -- members in list
        // order take turns. Load: the member with the fewest open leads and
        // open opportunities, then as round-robin.
        const bool by_load = text_of(r.v[kRKind]) == "load";
        std::size_t best = 0;
        std::pair<std::int64_t, std::int64_t> best_key{INT64_MAX, INT64_MAX};
        for (std::size_t i = 0; i < members.size(); ++i) {
            const std::int64_t turns =
                count_of(db, "SELECT count(*) FROM lead_events WHERE to_value = ?1 AND rule_id = ?2 AND kind = 'assigned'",
                         members[i], &r.id);
            std::int64_t load = 0;
            if (by_load)
                load = count_of(db, "SELECT count(*) FROM leads WHERE owner = ?1 AND status IN ('new', 'contacted', 'qualified')",
                                members[i], nullptr) +
                       count_of(db, "SELECT count(*) FROM opportunities WHERE owner = ?1 AND status = 'open'", members[i], nullptr);
            const std::pair<std::int64_t, std::int64_t> key{load, turns};
            if (key < best_key) {
                best_key = key;
                best = i;
            }
        }
        return Choice{members[best], text_of(r.v[kRTeam]), r.id};
    }
    return std::nullopt;
}

Json assign(Database& db, const Uuid& lead, const std::optional<std::string>& owner, const std::string& by) {
    WriteScope w(db);
    const auto current = sales::require(db, lead_type(), lead);
    access::require_owner(db, current[kOwner], access::kUpdate, "lead.assign", "lead", lead);
    if (text_of(current[kStatus]) == "converted") invalid("lead.owner", "a converted lead is not reassigned");
    auto next = current;
    std::optional<Uuid> rule;
    if (owner) {
        if (owner->empty() || owner->size() > 100) invalid("lead.owner", "expected an owner name of 1 to 100 bytes");
        next[kOwner] = *owner;
    } else {
        const auto chosen = choose_owner(db, current);
        if (!chosen) throw Error(CRM_ENOTFOUND, "lead.owner: no active assignment rule matches lead " + lead.str());
        next[kOwner] = chosen->owner;
        if (!chosen->team.empty()) next[kTeam] = chosen->team;
        rule = chosen->rule;
    }
    if (next[kOwner] != current[kOwner]) {
        // The new owner too must be in scope (as a customer's).
        access::require_owner(db, next[kOwner], access::kUpdate, "lead.assign", "lead", lead);
        sales::update(w, lead_type(), lead, current, next);
        add_event(w, lead, "assigned", text_of(current[kOwner]), text_of(next[kOwner]), by, rule);
    }
    w.commit();
    Json out = {{"owner", text_of(next[kOwner])}};
    if (rule) out["rule_id"] = rule->str();
    return out;
}

}  // namespace crmlite::leads
