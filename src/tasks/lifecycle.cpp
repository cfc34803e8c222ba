#include "tasks/lifecycle.hpp"

#include <algorithm>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "rfm/days.hpp"
#include "tasks/records.hpp"

namespace crmlite::lifecycle {

namespace {

const std::vector<FieldSpec> kFields = {
    {"customer_id", "customer_id", FieldKind::ref},
    {"stage", "stage", FieldKind::text, 32},
    {"previous", "previous", FieldKind::text, 32},
    {"source", "source", FieldKind::choice, 0, {"manual", "rule"}},
    {"at", "at", FieldKind::instant},
};
const value_records::Kind kKind{"lifecycle_history", value_tables::lifecycle_history, kFields, "lifecycle", false};

const std::string_view kStages[] = {"prospect", "customer", "repeat", "loyal", "at_risk", "churned"};

bool valid_stage(const std::string& s) {
    for (const auto& k : kStages)
        if (s == k) return true;
    return false;
}

std::optional<std::string> current_stage(Database& db, const Uuid& c) {
    auto& st = db.stmt("SELECT stage FROM customers WHERE id = ?");
    st.bind(1, c.data(), Uuid::size());
    if (!st.executeStep()) throw Error(CRM_ENOTFOUND, "customer_id: no customer " + c.str());
    std::optional<std::string> s;
    if (!st.getColumn(0).isNull()) s = st.getColumn(0).getString();
    st.reset();
    return s;
}

// True while the latest history entry is a manual stage (not a release).
bool manual_override(Database& db, const Uuid& c) {
    auto& st = db.stmt("SELECT source, stage FROM lifecycle_history WHERE customer_id = ? ORDER BY at DESC, id DESC LIMIT 1");
    st.bind(1, c.data(), Uuid::size());
    const bool manual = st.executeStep() && st.getColumn(0).getString() == "manual" && st.getColumn(1).getString() != "auto";
    st.reset();
    return manual;
}

void write(WriteScope& w, const Uuid& c, const std::string& stage, const std::optional<std::string>& previous, const std::string& source) {
    if (stage != "auto" && previous != stage) customers::update(w.db(), c, Json{{"stage", stage}});
    std::vector<Value> v(kFields.size());
    v[0] = c;
    v[1] = stage;
    if (previous) v[2] = *previous;
    v[3] = source;
    // Strictly after the customer's previous entry, so "latest" is never a tie
    // (two changes in one millisecond keep their order).
    auto& last = w.db().stmt("SELECT max(at) FROM lifecycle_history WHERE customer_id = ?");
    last.bind(1, c.data(), Uuid::size());
    last.executeStep();
    const std::int64_t after = last.getColumn(0).isNull() ? INT64_MIN : last.getColumn(0).getInt64() + 1;
    last.reset();
    v[4] = std::max(w.now(), after);
    value_records::insert(w, kKind, Uuid::v7(), v);
}

struct Rules {
    std::vector<std::string> kinds{"order"};
    std::int64_t at_risk_days = 120, churned_days = 365, loyal = 5;
};

Rules parse_rules(const Json& p) {
    Rules r;
    if (p.is_null()) return r;
    if (!p.is_object()) invalid("lifecycle", "expected an object of parameters");
    Input in(p, "lifecycle");
    in.allow_only({"purchase_kinds", "at_risk_days", "churned_days", "loyal_purchases"});
    if (p.contains("purchase_kinds")) {
        const Json& k = p.at("purchase_kinds");
        if (!k.is_array() || k.empty()) invalid("lifecycle.purchase_kinds", "expected a non-empty array of kinds");
        r.kinds.clear();
        for (const auto& x : k) {
            if (!x.is_string()) invalid("lifecycle.purchase_kinds", "expected strings");
            r.kinds.push_back(x.get<std::string>());
        }
    }
    r.at_risk_days = in.integer("at_risk_days", 1, 36500).value_or(120);
    r.churned_days = in.integer("churned_days", 1, 36500).value_or(365);
    r.loyal = in.integer("loyal_purchases", 2, 1000000).value_or(5);
    if (r.churned_days <= r.at_risk_days) invalid("lifecycle.churned_days", "must exceed at_risk_days");
    return r;
}

Json suggest_one(Database& db, const Uuid& c, std::int64_t as_of, const Rules& r, const LocalDays& days) {
    Json kinds = Json::array();
    for (const auto& k : r.kinds) kinds.push_back(k);
    auto& st = db.stmt("SELECT count(*), min(occurred_at), max(occurred_at) FROM interactions WHERE customer_id = ? AND occurred_at <= ? "
                       "AND kind IN (SELECT value FROM json_each(?)) AND coalesce(status, '') NOT IN ('cancelled', 'canceled')");
    st.bind(1, c.data(), Uuid::size());
    st.bind(2, as_of);
    st.bind(3, kinds.dump());
    st.executeStep();
    const std::int64_t n = st.getColumn(0).getInt64();
    Json out = {{"purchases", n}, {"days_since_last", nullptr}};
    if (n == 0) {
        st.reset();
        out["stage"] = "prospect";
        out["reason"] = "no purchases";
        return out;
    }
    const std::int64_t first = days.day(st.getColumn(1).getInt64()), last = days.day(st.getColumn(2).getInt64());
    st.reset();
    const std::int64_t since = days.day(as_of) - last;
    out["days_since_last"] = since;
    // The customer's own rhythm: twice the usual interval also means at risk.
    const std::int64_t usual = n >= 2 ? (last - first) / (n - 1) : 0;
    if (since > r.churned_days) out["stage"] = "churned", out["reason"] = "no purchase for over " + std::to_string(r.churned_days) + " days";
    else if (since > r.at_risk_days) out["stage"] = "at_risk", out["reason"] = "no purchase for over " + std::to_string(r.at_risk_days) + " days";
    else if (n >= 2 && usual > 0 && since > 2 * usual && since > 30)
        out["stage"] = "at_risk", out["reason"] = "twice the usual " + std::to_string(usual) + "-day interval without a purchase";
    else if (n >= r.loyal) out["stage"] = "loyal", out["reason"] = std::to_string(n) + " purchases";
    else if (n >= 2) out["stage"] = "repeat", out["reason"] = std::to_string(n) + " purchases";
    else out["stage"] = "customer", out["reason"] = "one purchase";
    return out;
}

// A customer's stage history goes with it (its rows cascade): see remove_under_customer.
void on_customer(WriteScope& w, const Uuid& customer, Removal how, std::vector<RecordRef>* removed) {
    value_records::remove_under_customer(w, kKind, customer, how, removed);
}
void remove_entry(WriteScope& w, const Uuid& id) { (void)value_records::remove(w, kKind, id); }

const RemovalHooks kHooks{{{Table::customers, &on_customer}}, {{value_tables::lifecycle_history, &remove_entry}}};

}  // namespace

void set(Database& db, const Uuid& customer, const std::string& stage, const std::string& source) {
    if (stage != "auto" && !valid_stage(stage)) invalid("stage", "\"" + stage + "\" is not one of prospect, customer, repeat, loyal, at_risk, churned (or auto)");
    if (source != "manual" && source != "rule") invalid("source", "expected manual or rule");
    if (stage == "auto" && source != "manual") invalid("stage", "auto (release a manual override) is a manual action");
    WriteScope w(db);
    const auto previous = current_stage(db, customer);
    if (source == "rule" && manual_override(db, customer)) invalid("source", "the customer's stage was set manually; rules do not override it");
    if (previous == stage && source == "rule") {
        w.commit();
        return;
    }
    write(w, customer, stage, previous, source);
    w.commit();
}

Json history(Database& db, const Uuid& customer) {
    current_stage(db, customer);  // CRM_ENOTFOUND for an unknown customer
    Json out = Json::array();
    auto& st = db.stmt("SELECT " + value_records::select_list(kKind) + " FROM lifecycle_history WHERE customer_id = ? ORDER BY at, id");
    st.bind(1, customer.data(), Uuid::size());
    while (st.executeStep()) out.push_back(value_records::render_row(st, kKind));
    st.reset();
    return out;
}

Json suggest(Database& db, const Uuid& customer, std::int64_t as_of, const Json& params) {
    const Rules r = parse_rules(params);
    const LocalDays days(db.timezone());
    current_stage(db, customer);
    Json s = suggest_one(db, customer, as_of, r, days);
    s["manual_override"] = manual_override(db, customer);
    return s;
}

Json apply(Database& db, std::int64_t as_of, const std::optional<Uuid>& customer, const Json& params) {
    const Rules r = parse_rules(params);
    const LocalDays days(db.timezone());
    WriteScope w(db);
    std::vector<Uuid> ids;
    if (customer) {
        current_stage(db, *customer);
        ids.push_back(*customer);
    } else {
        auto& st = db.stmt("SELECT id FROM customers ORDER BY id");
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
        st.reset();
    }
    std::int64_t changed = 0, kept = 0, same = 0;
    for (const auto& c : ids) {
        if (manual_override(db, c)) {
            ++kept;
            continue;
        }
        const std::string stage = suggest_one(db, c, as_of, r, days)["stage"];
        const auto previous = current_stage(db, c);
        if (previous == stage) {
            ++same;
            continue;
        }
        write(w, c, stage, previous, "rule");
        ++changed;
    }
    w.commit();
    return {{"changed", changed}, {"kept_manual", kept}, {"unchanged", same}};
}

}  // namespace crmlite::lifecycle
