#include "tasks/followup.hpp"

#include <vector>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "rfm/days.hpp"
#include "store/removal.hpp"
#include "tasks/records.hpp"
#include "tasks/tasks.hpp"

namespace crmlite::followup {

namespace {

constexpr std::int64_t kDay = 86400000, kHour = 3600000;

const std::vector<FieldSpec> kFields = {
    {"name", "name", FieldKind::text, 200},
    {"definition", "definition", FieldKind::object, 8192},
    {"enabled", "enabled", FieldKind::boolean},
};
const value_records::Kind kKind{"followup_rules", value_tables::followup_rules, kFields, "followup_rule", true};

std::vector<std::string> names(const Json& d, const char* key, std::vector<std::string> fallback, const std::string& f) {
    if (!d.contains(key)) return fallback;
    const Json& v = d.at(key);
    if (!v.is_array() || v.empty() || v.size() > 32) invalid(f + "." + key, "expected a non-empty array of names");
    std::vector<std::string> out;
    for (const auto& x : v) {
        if (!x.is_string() || x.get<std::string>().empty()) invalid(f + "." + key, "expected strings");
        out.push_back(x.get<std::string>());
    }
    return out;
}

struct Def {
    std::string trigger;
    std::int64_t within_days = 3, lookback_days = 30, every_days = 30, after_hours = 48;
    std::string tier = "core", task_kind, assignee = "owner", title;
    std::vector<std::string> contact_kinds, ticket_kinds, closed_statuses;
};

Def parse_def(const Json& d, const std::string& f) {
    if (!d.is_object()) invalid(f, "expected an object");
    Input in(d, f);
    Def def;
    def.trigger = in.choice("trigger", {"new_customer", "revisit_tier", "ticket_open"}).value_or("");
    if (def.trigger.empty()) invalid(f + ".trigger", "required (new_customer, revisit_tier or ticket_open)");
    const std::initializer_list<std::string_view> common = {"trigger", "task_kind", "assignee", "title", "contact_kinds"};
    std::vector<std::string_view> allowed(common);
    if (def.trigger == "new_customer") allowed.insert(allowed.end(), {"within_days", "lookback_days"});
    if (def.trigger == "revisit_tier") allowed.insert(allowed.end(), {"tier", "every_days"});
    if (def.trigger == "ticket_open") allowed.insert(allowed.end(), {"after_hours", "ticket_kinds", "closed_statuses"});
    for (const auto& [k, v] : d.items()) {
        bool ok = false;
        for (const auto& a : allowed) ok = ok || k == a;
        if (!ok) invalid(f + "." + k, "unknown key for trigger " + def.trigger);
    }
    def.within_days = in.integer("within_days", 0, 3650).value_or(3);
    def.lookback_days = in.integer("lookback_days", 1, 3650).value_or(30);
    def.every_days = in.integer("every_days", 1, 3650).value_or(30);
    def.after_hours = in.integer("after_hours", 1, 87600).value_or(48);
    def.tier = in.choice("tier", {"core", "potential", "base"}).value_or("core");
    def.task_kind = in.text("task_kind", 32).value_or(def.trigger == "ticket_open" ? "escalation" : "follow_up");
    def.assignee = in.text("assignee", 100).value_or("owner");
    def.title = in.text("title", 200).value_or("");
    def.contact_kinds = names(d, "contact_kinds", {"call", "chat", "email", "meeting", "visit"}, f);
    def.ticket_kinds = names(d, "ticket_kinds", {"ticket"}, f);
    def.closed_statuses = names(d, "closed_statuses", {"cancelled", "closed", "done", "resolved"}, f);
    return def;
}

Json list_json(const std::vector<std::string>& v) {
    Json a = Json::array();
    for (const auto& s : v) a.push_back(s);
    return a;
}

struct Maker {
    WriteScope& w;
    const Uuid& rule;
    const Def& def;
    Json& made;

    void make(const Uuid& customer, const std::string& period, std::int64_t due, const std::string& title,
              const std::optional<std::int64_t>& done_at) {
        std::string key(reinterpret_cast<const char*>(rule.data()), 16);
        key.append(reinterpret_cast<const char*>(customer.data()), 16);
        key += period;
        const Uuid id = Uuid::v8("followup_task", key);
        std::vector<Value> v(tasks::kind().fields.size());
        v[tasks::kCustomer] = customer;
        std::string assignee = def.assignee;
        if (assignee == "owner") {
            auto& st = w.db().stmt("SELECT owner FROM customers WHERE id = ?");
            st.bind(1, customer.data(), Uuid::size());
            assignee = st.executeStep() && !st.getColumn(0).isNull() ? st.getColumn(0).getString() : "";
            st.reset();
        }
        if (!assignee.empty()) v[tasks::kAssignee] = assignee;
        v[tasks::kKind] = def.task_kind;
        v[tasks::kTitle] = def.title.empty() ? title : def.title;
        v[tasks::kDue] = due;
        v[tasks::kStatus] = std::string(done_at ? "done" : "open");
        if (done_at) v[tasks::kCompleted] = *done_at;
        v[tasks::kRule] = rule;
        if (tasks::create_once(w, id, v)) made.push_back(id.str());
    }
};

// First contact of the customer at or after `since` (for new-customer tasks
// that were already done by the time the rule ran).
std::optional<std::int64_t> first_contact(Database& db, const Uuid& c, std::int64_t since, std::int64_t until, const std::string& kinds) {
    auto& st = db.stmt("SELECT min(occurred_at) FROM interactions WHERE customer_id = ? AND occurred_at >= ? AND occurred_at <= ? "
                       "AND kind IN (SELECT value FROM json_each(?))");
    st.bind(1, c.data(), Uuid::size());
    st.bind(2, since);
    st.bind(3, until);
    st.bind(4, kinds);
    st.executeStep();
    std::optional<std::int64_t> r;
    if (!st.getColumn(0).isNull()) r = st.getColumn(0).getInt64();
    st.reset();
    return r;
}

}  // namespace

Uuid save(Database& db, const Json& input) {
    access::require(db, access::kManageRules, "followup_rule");
    auto v = value_records::read(input, kKind, {}, {"id"});
    Input in(input, "followup_rule");
    if (!input.contains("definition") || !input.at("definition").is_object()) invalid("followup_rule.definition", "required (an object)");
    parse_def(input.at("definition"), "followup_rule.definition");
    if (value_records::is_null(v[0])) invalid("followup_rule.name", "required");
    if (value_records::is_null(v[2])) v[2] = std::int64_t{1};
    WriteScope w(db);
    Uuid id;
    if (const auto given = in.text("id", 36)) {
        id = Uuid::parse(*given, "followup_rule.id");
        const auto cur = value_records::load(db, kKind, id);
        if (!cur) throw Error(CRM_ENOTFOUND, "followup_rule.id: no rule " + id.str());
        value_records::update(w, kKind, id, *cur, v);
    } else {
        id = Uuid::v7();
        value_records::insert(w, kKind, id, v);
    }
    w.commit();
    return id;
}

Json list(Database& db) {
    Json out = Json::array();
    auto& st = db.stmt("SELECT " + value_records::select_list(kKind) + " FROM followup_rules ORDER BY name, id");
    while (st.executeStep()) {
        Json r = value_records::render_row(st, kKind);
        r["enabled"] = r["enabled"].is_boolean() ? r["enabled"] : Json(r["enabled"] != 0);
        out.push_back(std::move(r));
    }
    st.reset();
    return out;
}

namespace {

// The delete, local or arriving by sync (store/removal.hpp): the same code runs.
bool drop_followup_rule(WriteScope& w, const Uuid& id) { return value_records::remove(w, kKind, id); }

void remove_followup_rule(WriteScope& w, const Uuid& id) { (void)drop_followup_rule(w, id); }

const RemovalHooks kFollowupRuleHooks{{}, {{value_tables::followup_rules, &remove_followup_rule}}};

}  // namespace

void remove(Database& db, const Uuid& id) {
    access::require(db, access::kManageRules, "followup_rule");
    WriteScope w(db);
    if (!drop_followup_rule(w, id)) throw Error(CRM_ENOTFOUND, "followup_rule: no rule " + id.str());
    w.commit();
}

Json install_defaults(Database& db) {
    access::require(db, access::kManageRules, "followup_rule");
    const Json defaults = Json::array({
        {{"name", "New customer: follow up within 3 days"}, {"definition", {{"trigger", "new_customer"}, {"within_days", 3}}}},
        {{"name", "Core tier: revisit every 30 days"}, {"definition", {{"trigger", "revisit_tier"}, {"tier", "core"}, {"every_days", 30}}}},
        {{"name", "Ticket open over 48 hours: escalate"}, {"definition", {{"trigger", "ticket_open"}, {"after_hours", 48}}}},
    });
    WriteScope w(db);
    Json ids = Json::array();
    for (const auto& d : defaults) {
        const Uuid id = Uuid::v8("followup_rule", "default:" + d["definition"]["trigger"].get<std::string>());
        ids.push_back(id.str());
        auto& st = db.stmt("SELECT 1 FROM followup_rules WHERE id = ?1 UNION ALL SELECT 1 FROM sync_tombstones WHERE tbl = ?2 AND id = ?1");
        st.bind(1, id.data(), Uuid::size());
        st.bind(2, static_cast<int>(value_tables::followup_rules));
        const bool known = st.executeStep();
        st.reset();
        if (known) continue;
        value_records::insert(w, kKind, id, {d["name"].get<std::string>(), d["definition"].dump(), std::int64_t{1}});
    }
    w.commit();
    return ids;
}

Json run(Database& db, std::int64_t now) {
    const LocalDays days(db.timezone());
    WriteScope w(db);
    struct R {
        Uuid id;
        Def def;
    };
    std::vector<R> rules;
    {
        auto& st = db.stmt("SELECT id, definition FROM followup_rules WHERE enabled = 1 ORDER BY id");
        while (st.executeStep())
            rules.push_back({Uuid::from_blob(st.getColumn(0).getBlob(), 16),
                             parse_def(Json::parse(st.getColumn(1).getString()), "followup_rule.definition")});
        st.reset();
    }
    Json made = Json::array();
    for (const auto& r : rules) {
        Maker mk{w, r.id, r.def, made};
        const std::string contact = list_json(r.def.contact_kinds).dump();
        if (r.def.trigger == "new_customer") {
            std::vector<std::pair<Uuid, std::int64_t>> fresh;
            auto& st = db.stmt("SELECT id, created_at FROM customers WHERE created_at > ? AND created_at <= ? ORDER BY id");
            st.bind(1, now - r.def.lookback_days * kDay);
            st.bind(2, now);
            while (st.executeStep()) fresh.emplace_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16), st.getColumn(1).getInt64());
            st.reset();
            for (const auto& [c, created] : fresh)
                mk.make(c, "new", created + r.def.within_days * kDay, "Follow up a new customer",
                        first_contact(db, c, created, now, contact));
        } else if (r.def.trigger == "revisit_tier") {
            std::vector<std::pair<Uuid, std::int64_t>> due;
            auto& st = db.stmt(
                "SELECT r.customer_id, coalesce((SELECT max(i.occurred_at) FROM interactions i WHERE i.customer_id = r.customer_id "
                "AND i.occurred_at <= ?2 AND i.kind IN (SELECT value FROM json_each(?3))), c.created_at) "
                "FROM rfm_current r JOIN customers c ON c.id = r.customer_id WHERE r.tier = ?1 ORDER BY r.customer_id");
            st.bind(1, r.def.tier);
            st.bind(2, now);
            st.bind(3, contact);
            while (st.executeStep()) {
                const std::int64_t at = st.getColumn(1).getInt64() + r.def.every_days * kDay;
                if (at <= now) due.emplace_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16), at);
            }
            st.reset();
            for (const auto& [c, at] : due)
                mk.make(c, "revisit:" + std::to_string(days.day(at)), at, "Revisit a " + r.def.tier + " customer", std::nullopt);
        } else {
            struct T {
                Uuid customer, ticket;
                std::int64_t at;
                std::string subject;
            };
            std::vector<T> open;
            auto& st = db.stmt(
                "SELECT customer_id, id, occurred_at, coalesce(subject, '') FROM interactions WHERE kind IN (SELECT value FROM json_each(?1)) "
                "AND occurred_at <= ?2 AND coalesce(status, '') NOT IN (SELECT value FROM json_each(?3)) ORDER BY id");
            st.bind(1, list_json(r.def.ticket_kinds).dump());
            st.bind(2, now - r.def.after_hours * kHour);
            st.bind(3, list_json(r.def.closed_statuses).dump());
            while (st.executeStep())
                open.push_back({Uuid::from_blob(st.getColumn(0).getBlob(), 16), Uuid::from_blob(st.getColumn(1).getBlob(), 16),
                                st.getColumn(2).getInt64(), st.getColumn(3).getString()});
            st.reset();
            for (const auto& t : open)
                mk.make(t.customer, "ticket:" + t.ticket.str(), t.at + r.def.after_hours * kHour,
                        "Escalate ticket open over " + std::to_string(r.def.after_hours) + "h" + (t.subject.empty() ? "" : ": " + t.subject),
                        std::nullopt);
        }
    }
    w.commit();
    return {{"created", made.size()}, {"tasks", made}};
}

}  // namespace crmlite::followup
