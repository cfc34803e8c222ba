#include "tasks/tasks.hpp"

#include "common/error.hpp"
#include "common/time.hpp"

namespace crmlite::tasks {

namespace {

const std::vector<FieldSpec> kFields = {
    {"customer_id", "customer_id", FieldKind::ref},
    {"assignee", "assignee", FieldKind::text, 100},
    {"kind", "kind", FieldKind::text, 32},
    {"title", "title", FieldKind::text, 200},
    {"due_at", "due_at", FieldKind::instant},
    {"status", "status", FieldKind::choice, 0, {"open", "done", "snoozed", "cancelled"}},
    {"snoozed_until", "snoozed_until", FieldKind::instant},
    {"notes", "notes", FieldKind::text, 4000},
    {"rule_id", "rule_id", FieldKind::ref},
    {"completed_at", "completed_at", FieldKind::instant},
};

const value_records::Kind kRecord{"tasks", value_tables::tasks, kFields, "task", true};

void check(Database& db, const std::vector<Value>& v) {
    using value_records::is_null;
    const auto* c = std::get_if<Uuid>(&v[kCustomer]);
    if (!c) invalid("task.customer_id", "required");
    auto& st = db.stmt("SELECT 1 FROM customers WHERE id = ?");
    st.bind(1, c->data(), Uuid::size());
    const bool found = st.executeStep();
    st.reset();
    if (!found) throw Error(CRM_ENOTFOUND, "task.customer_id: no customer " + c->str());
    if (is_null(v[kKind]) || std::get<std::string>(v[kKind]).empty()) invalid("task.kind", "required");
    if (is_null(v[kDue])) invalid("task.due_at", "required");
    if (is_null(v[kStatus])) invalid("task.status", "required");
    if (std::get<std::string>(v[kStatus]) == "snoozed" && is_null(v[kSnoozed])) invalid("task.snoozed_until", "required when snoozed");
}

std::vector<Value> existing(Database& db, const Uuid& id) {
    auto v = value_records::load(db, kRecord, id);
    if (!v) throw Error(CRM_ENOTFOUND, "task: no task " + id.str());
    return *v;
}

// A customer's tasks go with it (their rows cascade): see remove_under_customer.
void on_customer(WriteScope& w, const Uuid& customer, Removal how, std::vector<RecordRef>* removed) {
    value_records::remove_under_customer(w, kRecord, customer, how, removed);
}
void remove_task(WriteScope& w, const Uuid& id) { (void)value_records::remove(w, kRecord, id); }

const RemovalHooks kHooks{{{Table::customers, &on_customer}}, {{value_tables::tasks, &remove_task}}};

}  // namespace

const value_records::Kind& kind() { return kRecord; }

Uuid create(Database& db, const Json& input) {
    auto v = value_records::read(input, kRecord, {});
    if (value_records::is_null(v[kStatus])) v[kStatus] = std::string("open");
    if (!value_records::is_null(v[kRule])) invalid("task.rule_id", "set only by follow-up rules");
    WriteScope w(db);
    check(db, v);
    const Uuid id = Uuid::v7();
    value_records::insert(w, kRecord, id, v);
    w.commit();
    return id;
}

void update(Database& db, const Uuid& id, const Json& patch) {
    WriteScope w(db);
    const auto cur = existing(db, id);
    auto next = value_records::read(patch, kRecord, cur);
    if (next[kCustomer] != cur[kCustomer]) invalid("task.customer_id", "cannot change");
    if (next[kRule] != cur[kRule]) invalid("task.rule_id", "cannot change");
    if (next[kStatus] != cur[kStatus] && std::get<std::string>(next[kStatus]) == "done" && value_records::is_null(next[kCompleted]))
        next[kCompleted] = w.now();
    check(db, next);
    value_records::update(w, kRecord, id, cur, next);
    w.commit();
}

Json get(Database& db, const Uuid& id) { return value_records::render(db, kRecord, id); }

void complete(Database& db, const Uuid& id, std::int64_t at) {
    WriteScope w(db);
    const auto cur = existing(db, id);
    if (std::get<std::string>(cur[kStatus]) == "cancelled") invalid("task.status", "a cancelled task cannot be completed");
    auto next = cur;
    next[kStatus] = std::string("done");
    next[kCompleted] = at;
    next[kSnoozed] = std::monostate{};
    value_records::update(w, kRecord, id, cur, next);
    w.commit();
}

void remove(Database& db, const Uuid& id) {
    WriteScope w(db);
    if (!value_records::remove(w, kRecord, id)) throw Error(CRM_ENOTFOUND, "task: no task " + id.str());
    w.commit();
}

void snooze(Database& db, const Uuid& id, std::int64_t until) {
    WriteScope w(db);
    const auto cur = existing(db, id);
    const auto& status = std::get<std::string>(cur[kStatus]);
    if (status == "done" || status == "cancelled") invalid("task.status", "a " + status + " task cannot be snoozed");
    auto next = cur;
    next[kStatus] = std::string("snoozed");
    next[kSnoozed] = until;
    value_records::update(w, kRecord, id, cur, next);
    w.commit();
}

Json due(Database& db, std::int64_t now, const std::optional<std::string>& assignee) {
    Json out = Json::array();
    auto& st = db.stmt(
        "SELECT " + value_records::select_list(kRecord) + ", CASE status WHEN 'snoozed' THEN max(due_at, snoozed_until) ELSE due_at END AS eff "
        "FROM tasks WHERE status IN ('open', 'snoozed') AND (?2 IS NULL OR assignee = ?2) "
        "AND CASE status WHEN 'snoozed' THEN max(due_at, snoozed_until) ELSE due_at END <= ?1 ORDER BY eff, id");
    st.bind(1, now);
    if (assignee) st.bind(2, *assignee);
    const int eff = static_cast<int>(kFields.size()) + 2;
    while (st.executeStep()) {
        Json t = value_records::render_row(st, kRecord);
        const std::int64_t e = st.getColumn(eff).getInt64();
        t["effective_due"] = format_instant(e);
        t["overdue"] = e < now;
        out.push_back(std::move(t));
    }
    st.reset();
    return out;
}

Json for_customer(Database& db, const Uuid& customer) {
    Json out = Json::array();
    auto& st = db.stmt("SELECT " + value_records::select_list(kRecord) + " FROM tasks WHERE customer_id = ? ORDER BY due_at, id");
    st.bind(1, customer.data(), Uuid::size());
    while (st.executeStep()) out.push_back(value_records::render_row(st, kRecord));
    st.reset();
    return out;
}

bool create_once(WriteScope& w, const Uuid& id, const std::vector<Value>& v) {
    auto& st = w.db().stmt("SELECT 1 FROM tasks WHERE id = ?1 UNION ALL SELECT 1 FROM sync_tombstones WHERE tbl = ?2 AND id = ?1");
    st.bind(1, id.data(), Uuid::size());
    st.bind(2, static_cast<int>(value_tables::tasks));
    const bool known = st.executeStep();
    st.reset();
    if (known) return false;
    value_records::insert(w, kRecord, id, v);
    return true;
}

}  // namespace crmlite::tasks
