#include "rules/tag_rules.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "access/access.hpp"
#include "common/error.hpp"
#include "customers/customers.hpp"
#include "rfm/state.hpp"
#include "store/removal.hpp"
#include "tags/tags.hpp"
#include "tasks/records.hpp"
#include "tasks/tables.hpp"

namespace crmlite::tag_rules {

namespace {

constexpr std::int64_t kDay = 86400000;

const std::vector<FieldSpec> kFields = {
    {"name", "name", FieldKind::text, 200},
    {"tag", "tag", FieldKind::text, 200},
    {"condition", "condition", FieldKind::object, 16384},
    {"enabled", "enabled", FieldKind::boolean},
};
const value_records::Kind kKind{"tag_rules", value_tables::tag_rules, kFields, "tag_rule", true};

enum class Op { eq, ne, in, not_in, contains, starts_with, gt, gte, lt, lte, exists, missing };

Op parse_op(const Json& c, const std::string& f, bool numeric_only) {
    if (!c.contains("op") || !c.at("op").is_string()) invalid(f + ".op", "required (eq, ne, in, not_in, contains, starts_with, gt, gte, lt, lte, exists, missing)");
    static const std::pair<const char*, Op> ops[] = {{"eq", Op::eq}, {"ne", Op::ne}, {"in", Op::in}, {"not_in", Op::not_in},
                                                     {"contains", Op::contains}, {"starts_with", Op::starts_with}, {"gt", Op::gt},
                                                     {"gte", Op::gte}, {"lt", Op::lt}, {"lte", Op::lte}, {"exists", Op::exists},
                                                     {"missing", Op::missing}};
    const auto s = c.at("op").get<std::string>();
    for (const auto& [n, op] : ops)
        if (s == n) {
            if (numeric_only && (op == Op::in || op == Op::not_in || op == Op::contains || op == Op::starts_with || op == Op::exists || op == Op::missing))
                invalid(f + ".op", "\"" + s + "\" does not apply to an aggregate (use eq, ne, gt, gte, lt, lte)");
            return op;
        }
    invalid(f + ".op", "unknown operator \"" + s + "\"");
}

bool compare(const Json& a, Op op, const Json& b) {
    switch (op) {
    case Op::exists: return !a.is_null();
    case Op::missing: return a.is_null();
    case Op::in:
        for (const auto& x : b)
            if (a == x) return true;
        return false;
    case Op::not_in:
        for (const auto& x : b)
            if (a == x) return false;
        return !a.is_null();
    default: break;
    }
    if (a.is_null()) return op == Op::ne;
    if (op == Op::eq) return a == b;
    if (op == Op::ne) return a != b;
    if (op == Op::contains) return a.is_string() && a.get<std::string>().find(b.get<std::string>()) != std::string::npos;
    if (op == Op::starts_with) return a.is_string() && a.get<std::string>().rfind(b.get<std::string>(), 0) == 0;
    if (a.is_number() && b.is_number()) {
        const double x = a.get<double>(), y = b.get<double>();
        return op == Op::gt ? x > y : op == Op::gte ? x >= y : op == Op::lt ? x < y : x <= y;
    }
    if (a.is_string() && b.is_string()) {
        const auto& x = a.get_ref<const std::string&>();
        const auto& y = b.get_ref<const std::string&>();
        return op == Op::gt ? x > y : op == Op::gte ? x >= y : op == Op::lt ? x < y : x <= y;
    }
    return false;
}

struct Ctx {
    Database& db;
    const Uuid& customer;
    std::int64_t now;
    Json profile;  // loaded on first use
    bool loaded = false;
    const Json& get_profile() {
        if (!loaded) {
            profile = customers::get(db, customer);
            auto& st = db.stmt("SELECT segment, tier FROM rfm_current WHERE customer_id = ?");
            st.bind(1, customer.data(), Uuid::size());
            if (st.executeStep()) profile["rfm.segment"] = st.getColumn(0).getString(), profile["rfm.tier"] = st.getColumn(1).getString();
            st.reset();
            loaded = true;
        }
        return profile;
    }
};

struct Node {
    virtual ~Node() = default;
    virtual bool eval(Ctx& c) const = 0;
};

struct Group : Node {
    bool all = true;
    std::vector<std::unique_ptr<Node>> kids;
    bool eval(Ctx& c) const override {
        for (const auto& k : kids)
            if (k->eval(c) != all) return !all;
        return all;
    }
};

struct Not : Node {
    std::unique_ptr<Node> kid;
    bool eval(Ctx& c) const override { return !kid->eval(c); }
};

struct FieldTest : Node {
    std::string field;
    Op op;
    Json value;
    bool eval(Ctx& c) const override {
        const Json& p = c.get_profile();
        const auto it = p.find(field);
        return compare(it == p.end() ? Json(nullptr) : *it, op, value);
    }
};

struct Aggregate : Node {
    std::string agg;  // count, sum, days_since_last
    std::string kinds, statuses;  // JSON arrays or ""
    std::optional<std::int64_t> within_days;
    Op op;
    Json value;
    bool eval(Ctx& c) const override {
        auto& st = c.db.stmt(
            "SELECT count(*), coalesce(sum(amount_minor), 0), max(occurred_at) FROM interactions WHERE customer_id = ?1 "
            "AND occurred_at <= ?2 AND occurred_at > ?3 AND (?4 IS NULL OR kind IN (SELECT value FROM json_each(?4))) "
            "AND (?5 IS NULL OR coalesce(status, '') IN (SELECT value FROM json_each(?5)))");
        st.bind(1, c.customer.data(), Uuid::size());
        st.bind(2, c.now);
        st.bind(3, within_days ? c.now - *within_days * kDay : INT64_MIN);
        if (!kinds.empty()) st.bind(4, kinds);
        if (!statuses.empty()) st.bind(5, statuses);
        st.executeStep();
        Json x;
        if (agg == "count") x = st.getColumn(0).getInt64();
        else if (agg == "sum") x = st.getColumn(1).getInt64();
        else x = st.getColumn(2).isNull() ? Json(nullptr) : Json((c.now - st.getColumn(2).getInt64()) / kDay);
        st.reset();
        return compare(x, op, value);
    }
};

std::string string_or_list(const Json& c, const char* key, const std::string& f) {
    if (!c.contains(key)) return "";
    Json v = c.at(key);
    if (v.is_string()) v = Json::array({v});
    if (!v.is_array() || v.empty()) invalid(f + "." + key, "expected a string or a non-empty array of strings");
    for (const auto& x : v)
        if (!x.is_string()) invalid(f + "." + key, "expected strings");
    return v.dump();
}

bool known_field(const std::string& name) {
    if (name == "rfm.segment" || name == "rfm.tier" || name == "id" || name == "created_at" || name == "updated_at") return true;
    for (const auto& f : customers::fields())
        if (name == f.json) return true;
    return false;
}

std::unique_ptr<Node> compile(const Json& c, const std::string& f, int depth) {
    if (depth > 16) invalid(f, "nested too deeply (at most 16 levels)");
    if (!c.is_object()) invalid(f, "expected a condition object");
    const auto only = [&](std::initializer_list<std::string_view> keys) {
        for (const auto& [k, v] : c.items()) {
            bool ok = false;
            for (const auto& a : keys) ok = ok || k == a;
            if (!ok) invalid(f + "." + k, "unknown key");
        }
    };
    if (c.contains("all") || c.contains("any")) {
        const bool all = c.contains("all");
        only({all ? "all" : "any"});
        const Json& list = c.at(all ? "all" : "any");
        const std::string lf = f + (all ? ".all" : ".any");
        if (!list.is_array() || list.empty()) invalid(lf, "expected a non-empty array of conditions");
        auto g = std::make_unique<Group>();
        g->all = all;
        for (std::size_t i = 0; i < list.size(); ++i) g->kids.push_back(compile(list[i], lf + "[" + std::to_string(i) + "]", depth + 1));
        return g;
    }
    if (c.contains("not")) {
        only({"not"});
        auto n = std::make_unique<Not>();
        n->kid = compile(c.at("not"), f + ".not", depth + 1);
        return n;
    }
    if (c.contains("field")) {
        only({"field", "op", "value"});
        if (!c.at("field").is_string() || !known_field(c.at("field").get<std::string>()))
            invalid(f + ".field", "unknown field " + c.at("field").dump() + " (a customer field, rfm.segment or rfm.tier)");
        auto t = std::make_unique<FieldTest>();
        t->field = c.at("field").get<std::string>();
        t->op = parse_op(c, f, false);
        if (t->op != Op::exists && t->op != Op::missing) {
            if (!c.contains("value")) invalid(f + ".value", "required");
            t->value = c.at("value");
            if ((t->op == Op::in || t->op == Op::not_in) && !t->value.is_array()) invalid(f + ".value", "expected an array for in/not_in");
            if ((t->op == Op::contains || t->op == Op::starts_with) && !t->value.is_string()) invalid(f + ".value", "expected a string");
            if (t->op >= Op::gt && t->op <= Op::lte && !t->value.is_number() && !t->value.is_string())
                invalid(f + ".value", "expected a number or a string");
        } else if (c.contains("value")) {
            invalid(f + ".value", "not used with exists/missing");
        }
        return t;
    }
    if (c.contains("agg")) {
        only({"agg", "kind", "status", "within_days", "op", "value"});
        auto a = std::make_unique<Aggregate>();
        if (!c.at("agg").is_string()) invalid(f + ".agg", "expected count, sum or days_since_last");
        a->agg = c.at("agg").get<std::string>();
        if (a->agg != "count" && a->agg != "sum" && a->agg != "days_since_last")
            invalid(f + ".agg", "unknown aggregate \"" + a->agg + "\" (count, sum, days_since_last)");
        a->kinds = string_or_list(c, "kind", f);
        a->statuses = string_or_list(c, "status", f);
        if (c.contains("within_days")) {
            const Json& w = c.at("within_days");
            if (!w.is_number_integer() || w.get<std::int64_t>() < 1 || w.get<std::int64_t>() > 36500) invalid(f + ".within_days", "expected 1 to 36500 days");
            a->within_days = w.get<std::int64_t>();
        }
        a->op = parse_op(c, f, true);
        if (!c.contains("value") || !c.at("value").is_number()) invalid(f + ".value", "expected a number");
        a->value = c.at("value");
        return a;
    }
    invalid(f, "expected one of all, any, not, field or agg");
}

struct Rule {
    Uuid id;
    std::string tag;
    std::unique_ptr<Node> cond;
};

std::vector<Rule> load_rules(Database& db) {
    std::vector<Rule> out;
    auto& st = db.stmt("SELECT id, tag, condition FROM tag_rules WHERE enabled = 1 ORDER BY id");
    std::vector<std::tuple<Uuid, std::string, std::string>> raw;
    while (st.executeStep())
        raw.emplace_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16), st.getColumn(1).getString(), st.getColumn(2).getString());
    st.reset();
    for (auto& [id, tag, cond] : raw) {
        // A rule synced from a newer version may not compile here: it is skipped, not fatal.
        try {
            out.push_back({id, tags::canonical_path(tag, "tag_rule.tag"), compile(Json::parse(cond), "tag_rule.condition", 0)});
        } catch (const Error&) {
        } catch (const Json::exception&) {
        }
    }
    return out;
}

struct Counts {
    std::int64_t evaluated = 0, added = 0, removed = 0;
    Json json() const { return {{"evaluated", evaluated}, {"added", added}, {"removed", removed}}; }
};

void evaluate(WriteScope& w, const std::vector<Rule>& rules, const Uuid& c, std::int64_t now, Counts& n) {
    Database& db = w.db();
    Ctx ctx{db, c, now, {}, false};
    ++n.evaluated;
    std::set<Uuid> wanted;
    for (const auto& r : rules)
        if (r.cond->eval(ctx)) {
            const Uuid tag = tags::ensure(w, r.tag, "behavior");
            wanted.insert(tag);
            // Derived: no change capture, never replaces a manual assignment.
            auto& ins = db.stmt("INSERT OR IGNORE INTO customer_tags(customer_id, tag_id, source, created_at, id) VALUES (?, ?, 'rule', ?, ?)");
            ins.bind(1, c.data(), Uuid::size());
            ins.bind(2, tag.data(), Uuid::size());
            ins.bind(3, w.now());
            const Uuid aid = tags::assignment_id(c, tag);
            ins.bind(4, aid.data(), Uuid::size());
            ins.exec();
            n.added += db.sql().getChanges();
        }
    std::vector<Uuid> stale;
    auto& st = db.stmt("SELECT tag_id FROM customer_tags WHERE customer_id = ? AND source = 'rule'");
    st.bind(1, c.data(), Uuid::size());
    while (st.executeStep()) {
        const Uuid t = Uuid::from_blob(st.getColumn(0).getBlob(), 16);
        if (!wanted.count(t)) stale.push_back(t);
    }
    st.reset();
    for (const auto& t : stale) {
        auto& del = db.stmt("DELETE FROM customer_tags WHERE customer_id = ? AND tag_id = ? AND source = 'rule'");
        del.bind(1, c.data(), Uuid::size());
        del.bind(2, t.data(), Uuid::size());
        del.exec();
        n.removed += db.sql().getChanges();
    }
}

std::int64_t watermark(Database& db) {
    return db.max_logged_seq();
}

}  // namespace

void validate(const Json& condition) { compile(condition, "tag_rule.condition", 0); }

Uuid save(Database& db, const Json& input) {
    access::require(db, access::kManageRules, "tag_rule");
    auto v = value_records::read(input, kKind, {}, {"id"});
    Input in(input, "tag_rule");
    if (value_records::is_null(v[0])) invalid("tag_rule.name", "required");
    if (value_records::is_null(v[1])) invalid("tag_rule.tag", "required");
    v[1] = tags::canonical_path(std::get<std::string>(v[1]), "tag_rule.tag");
    if (!input.contains("condition") || !input.at("condition").is_object()) invalid("tag_rule.condition", "required (an object)");
    validate(input.at("condition"));
    if (value_records::is_null(v[3])) v[3] = std::int64_t{1};
    WriteScope w(db);
    Uuid id;
    if (const auto given = in.text("id", 36)) {
        id = Uuid::parse(*given, "tag_rule.id");
        const auto cur = value_records::load(db, kKind, id);
        if (!cur) throw Error(CRM_ENOTFOUND, "tag_rule.id: no rule " + id.str());
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
    auto& st = db.stmt("SELECT " + value_records::select_list(kKind) + " FROM tag_rules ORDER BY name, id");
    while (st.executeStep()) {
        Json r = value_records::render_row(st, kKind);
        if (!r["enabled"].is_boolean()) r["enabled"] = r["enabled"] != 0;
        out.push_back(std::move(r));
    }
    st.reset();
    return out;
}

namespace {

// The delete, local or arriving by sync (store/removal.hpp): the same code runs.
bool drop_tag_rule(WriteScope& w, const Uuid& id) { return value_records::remove(w, kKind, id); }

void remove_tag_rule(WriteScope& w, const Uuid& id) { (void)drop_tag_rule(w, id); }

const RemovalHooks kTagRuleHooks{{}, {{value_tables::tag_rules, &remove_tag_rule}}};

}  // namespace

void remove(Database& db, const Uuid& id) {
    access::require(db, access::kManageRules, "tag_rule");
    WriteScope w(db);
    if (!drop_tag_rule(w, id)) throw Error(CRM_ENOTFOUND, "tag_rule: no rule " + id.str());
    w.commit();
}

Json apply(Database& db, std::int64_t now, const std::optional<Uuid>& customer) {
    WriteScope w(db);
    const auto rules = load_rules(db);
    Counts n;
    if (customer) {
        if (!customers::exists(db, *customer)) throw Error(CRM_ENOTFOUND, "customer_id: no customer " + customer->str());
        evaluate(w, rules, *customer, now, n);
    } else {
        std::vector<Uuid> ids;
        auto& st = db.stmt("SELECT id FROM customers ORDER BY id");
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
        st.reset();
        for (const auto& c : ids) evaluate(w, rules, c, now, n);
        rfm::state_put(db, "tag_rules.seq", watermark(db));
    }
    w.commit();
    return n.json();
}

Json refresh(Database& db, std::int64_t now) {
    const auto seq = rfm::state_int(db, "tag_rules.seq");
    if (!seq) return apply(db, now, std::nullopt);
    {
        auto& st = db.stmt("SELECT 1 FROM tag_rules WHERE sync_seq > ?1 UNION ALL "
                           "SELECT 1 FROM sync_tombstones WHERE seq > ?1 AND tbl = ?2");
        st.bind(1, *seq);
        st.bind(2, static_cast<int>(value_tables::tag_rules));
        const bool rules_changed = st.executeStep();
        st.reset();
        if (rules_changed) return apply(db, now, std::nullopt);
    }
    WriteScope w(db);
    const auto rules = load_rules(db);
    std::set<Uuid> affected;
    // A record with any field written after the watermark has its newest seq after it too.
    auto& st = db.stmt("SELECT id FROM customers WHERE sync_seq > ?1 "
                       "UNION ALL SELECT customer_id FROM interactions WHERE sync_seq > ?1");
    st.bind(1, *seq);
    while (st.executeStep())
        if (!st.getColumn(0).isNull()) affected.insert(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    st.reset();
    Counts n;
    for (const auto& c : affected)
        if (customers::exists(db, c)) evaluate(w, rules, c, now, n);
    rfm::state_put(db, "tag_rules.seq", watermark(db));
    w.commit();
    return n.json();
}

}  // namespace crmlite::tag_rules
