#include "pipeline/opportunities.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cmath>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "pipeline/pipelines.hpp"
#include "pipeline/sales_record.hpp"

namespace crmlite::opportunities {

namespace {

const std::vector<FieldSpec> kFields = {
    {"customer_id", "customer_id", FieldKind::ref},
    {"name", "name", FieldKind::text, 200},
    {"owner", "owner", FieldKind::text, 100},
    {"team", "team", FieldKind::text, 100},
    {"pipeline_id", "pipeline_id", FieldKind::ref},
    {"stage_id", "stage_id", FieldKind::ref},
    {"status", "status", FieldKind::choice, 0, {"open", "won", "lost"}},
    {"amount_minor", "amount_minor", FieldKind::integer, 0, {}, 0, 1000000000000000},
    {"currency", "currency", FieldKind::text, 3},
    {"expected_close", "expected_close", FieldKind::date},
    {"close_reason", "close_reason", FieldKind::text, 500},
    {"closed_at", "closed_at", FieldKind::instant},
    {"items", "items", FieldKind::array, 65536},
    {"order_ids", "order_ids", FieldKind::array, 65536},
    {"lead_id", "lead_id", FieldKind::ref},
    {"campaign_id", "campaign_id", FieldKind::ref},
    {"notes", "notes", FieldKind::text, 20000},
};
enum : int { kCustomer, kName, kOwner, kTeam, kPipeline, kStage, kStatus, kAmount, kCurrency, kExpected, kReason,
             kClosed, kItems, kOrders, kLead, kCampaign, kNotes };

const std::vector<FieldSpec> kHistoryFields = {
    {"opportunity_id", "opportunity_id", FieldKind::ref},
    {"customer_id", "customer_id", FieldKind::ref},
    {"from_stage_id", "from_stage_id", FieldKind::ref},
    {"to_stage_id", "to_stage_id", FieldKind::ref},
    {"at", "at", FieldKind::instant},
    {"by", "by_user", FieldKind::text, 100},
};

const sales::RecordType kOpp{Table::opportunities, "opportunities", "opportunity", kFields};
const sales::RecordType kHistory{Table::stage_history, "stage_history", "stage_history", kHistoryFields};

constexpr std::uint64_t bit(int i) { return std::uint64_t{1} << i; }
// Written together so a merge never mixes two writers' stage and status.
constexpr std::uint64_t kStageGroup = bit(kStage) | bit(kStatus) | bit(kClosed) | bit(kReason);
constexpr std::uint64_t kMoneyGroup = bit(kAmount) | bit(kCurrency) | bit(kItems);

// Line items [{"name", "quantity" > 0, "unit_price_minor" >= 0}]; returns the total.
std::int64_t check_items(const std::string& text) {
    const Json items = Json::parse(text);
    double total = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string field = "opportunity.items[" + std::to_string(i) + "]";
        if (!items[i].is_object()) invalid(field, "expected an object");
        Input in(items[i], field);
        in.allow_only({"name", "sku", "quantity", "unit_price_minor"});
        in.required_text("name", 200);
        in.text("sku", 64);
        if (!in.has("quantity") || !items[i]["quantity"].is_number()) invalid(field + ".quantity", "expected a number");
        const double q = items[i]["quantity"].get<double>();
        if (!(q > 0) || q > 1e9) invalid(field + ".quantity", "must be a positive number");
        const auto price = in.integer("unit_price_minor", 0, 1000000000000);
        if (!price) invalid(field + ".unit_price_minor", "required");
        total += q * static_cast<double>(*price);
    }
    return static_cast<std::int64_t>(std::llround(total));
}

void check_orders(Database& db, const std::string& text) {
    const Json ids = Json::parse(text);
    for (std::size_t i = 0; i < ids.size(); ++i) {
        const std::string field = "opportunity.order_ids[" + std::to_string(i) + "]";
        if (!ids[i].is_string()) invalid(field, "expected an interaction id");
        const Uuid id = Uuid::parse(ids[i].get<std::string>(), field);
        auto& st = db.stmt("SELECT kind FROM interactions WHERE id = ?");
        st.bind(1, id.data(), Uuid::size());
        const bool found = st.executeStep();
        const std::string kind = found ? st.getColumn(0).getString() : "";
        st.reset();
        if (!found) throw Error(CRM_ENOTFOUND, field + ": no interaction " + id.str());
        if (kind != "order") invalid(field, "interaction " + id.str() + " is a " + kind + ", not an order");
    }
}

void append_history(WriteScope& w, const Uuid& opp, const Uuid& customer, const std::optional<Uuid>& from, const Uuid& to,
                    const std::string& by) {
    sales::Values h(kHistoryFields.size());
    h[0] = opp;
    h[1] = customer;
    if (from) h[2] = *from;
    h[3] = to;
    // Strictly after the previous move here, so moves made within one
    // millisecond keep their order (ids are random within a millisecond).
    auto& last = w.db().stmt("SELECT max(at) FROM stage_history WHERE opportunity_id = ?");
    last.bind(1, opp.data(), Uuid::size());
    std::int64_t at = w.now();
    if (last.executeStep() && !last.getColumn(0).isNull()) at = std::max(at, last.getColumn(0).getInt64() + 1);
    last.reset();
    h[4] = at;
    if (!by.empty()) h[5] = by;
    sales::insert(w, kHistory, Uuid::v7(), h);
}

std::string by_of(const Json& input) {
    if (!input.contains("by") || input["by"].is_null()) return "";
    Input in(input, "opportunity");
    return *in.text("by", 100);
}

// Brings stage, status and close time into agreement after an edit; `now` is
// the time of a close.
void settle_stage(Database& db, sales::Values& v, const sales::Values* before, const Json& patch, std::int64_t now) {
    const auto pipeline_id = sales::id_of(v[kPipeline]);
    if (!pipeline_id) invalid("opportunity.pipeline_id", "required");
    const auto stages = pipeline::stages_of(db, *pipeline_id);
    if (stages.empty()) throw Error(CRM_ENOTFOUND, "opportunity.pipeline_id: no pipeline " + pipeline_id->str());
    const bool stage_given = patch.contains("stage_id") && !patch["stage_id"].is_null();
    const bool status_given = patch.contains("status") && !patch["status"].is_null();
    if (patch.contains("stage_id") && patch["stage_id"].is_null()) invalid("opportunity.stage_id", "cannot be cleared");
    if (patch.contains("status") && patch["status"].is_null()) invalid("opportunity.status", "cannot be cleared");
    const pipeline::Stage* current = nullptr;
    if (stage_given) {
        for (const auto& s : stages)
            if (s.id == *sales::id_of(v[kStage])) current = &s;
        if (!current) invalid("opportunity.stage_id", "not a stage of pipeline " + pipeline_id->str());
        if (status_given && sales::text_of(v[kStatus]) != current->outcome)
            invalid("opportunity.status", "\"" + sales::text_of(v[kStatus]) + "\" contradicts stage \"" + current->name + "\"");
    } else if (status_given || !before) {
        const std::string want = status_given ? sales::text_of(v[kStatus]) : "open";
        const std::string had = before ? sales::text_of((*before)[kStatus]) : "";
        if (want != had)
            for (const auto& s : stages)
                if (!current && s.outcome == want) current = &s;
        if (!current && want == had) return;  // status unchanged: the stage stays
        if (!current) invalid("opportunity.status", "pipeline has no " + want + " stage");
    } else {
        return;
    }
    v[kStage] = current->id;
    v[kStatus] = current->outcome;
    if (current->outcome == "open") {
        v[kClosed] = std::monostate{};
        v[kReason] = std::monostate{};
    } else if (!before || sales::text_of((*before)[kStatus]) != current->outcome) {
        if (!patch.contains("closed_at") || patch["closed_at"].is_null()) v[kClosed] = now;
    }
}

void check_record(Database& db, sales::Values& v, const Json& patch, bool recompute) {
    if (sales::text_of(v[kName]).empty()) invalid("opportunity.name", "required");
    const std::string currency = sales::text_of(v[kCurrency]);
    if (!currency.empty()) sales::check_currency(currency, "opportunity.currency");
    if (!sales::is_null(v[kItems])) {
        const std::int64_t total = check_items(sales::text_of(v[kItems]));
        if (recompute && !patch.contains("amount_minor")) v[kAmount] = total;
    }
    if (!sales::is_null(v[kAmount]) && currency.empty()) invalid("opportunity.currency", "required with amount_minor");
    if (!sales::is_null(v[kOrders])) check_orders(db, sales::text_of(v[kOrders]));
    if (sales::text_of(v[kStatus]) == "open" && !sales::is_null(v[kClosed]))
        invalid("opportunity.closed_at", "only a won or lost opportunity has one");
    if (sales::text_of(v[kStatus]) == "lost" && sales::text_of(v[kReason]).empty())
        invalid("opportunity.close_reason", "required when an opportunity is lost");
}

// The opportunity, its stage history, and the links to it (leads).
void drop(WriteScope& w, const Uuid& id, Removal how, std::vector<RecordRef>* removed) {
    for (const auto& h : sales::ids_where(w.db(), kHistory, "opportunity_id", id)) sales::erase(w, kHistory, h, how, removed);
    sales::erase(w, kOpp, id, how, removed);
    remove_dependents(w, Table::opportunities, id, how, removed);
}

void remove_record(WriteScope& w, const Uuid& id) { drop(w, id, Removal::deleted, nullptr); }
void remove_history(WriteScope& w, const Uuid& id) { sales::erase(w, kHistory, id, Removal::deleted); }

// A customer's opportunities go with it (deleted: with tombstones; evicted from
// this replica: without), and so does any stage history left under it.
void on_customer(WriteScope& w, const Uuid& customer, Removal how, std::vector<RecordRef>* removed) {
    for (const auto& o : sales::ids_where(w.db(), kOpp, "customer_id", customer)) drop(w, o, how, removed);
    for (const auto& h : sales::ids_where(w.db(), kHistory, "customer_id", customer)) sales::erase(w, kHistory, h, how, removed);
}

// A deleted pipeline or stage takes its opportunities along: delete wins, as
// it does for a customer (an opportunity made offline in a pipeline deleted
// elsewhere is dropped there, so here it goes too).
void on_pipeline(WriteScope& w, const Uuid& pipeline, Removal how, std::vector<RecordRef>* removed) {
    for (const auto& o : sales::ids_where(w.db(), kOpp, "pipeline_id", pipeline)) drop(w, o, how, removed);
}
void on_stage(WriteScope& w, const Uuid& stage, Removal how, std::vector<RecordRef>* removed) {
    for (const auto& o : sales::ids_where(w.db(), kOpp, "stage_id", stage)) drop(w, o, how, removed);
}

// References that lose their target: a versioned change on every replica.
void on_lead(WriteScope& w, const Uuid& lead, Removal how, std::vector<RecordRef>*) {
    if (how == Removal::deleted) sales::clear_references(w, kOpp, kLead, lead);
}
void on_campaign(WriteScope& w, const Uuid& campaign, Removal how, std::vector<RecordRef>*) {
    if (how == Removal::deleted) sales::clear_references(w, kOpp, kCampaign, campaign);
}

const RemovalHooks kHooks{{{Table::customers, &on_customer},
                           {Table::pipelines, &on_pipeline},
                           {Table::pipeline_stages, &on_stage},
                           {Table::leads, &on_lead},
                           {Table::campaigns, &on_campaign}},
                          {{Table::opportunities, &remove_record}, {Table::stage_history, &remove_history}}};

}  // namespace

std::span<const FieldSpec> fields() { return kFields; }
std::span<const FieldSpec> history_fields() { return kHistoryFields; }

Uuid add_in(WriteScope& w, const Json& input) {
    Database& db = w.db();
    sales::Values v(kFields.size());
    sales::read_into(kOpp, input, v, {"by"});
    const auto customer = sales::id_of(v[kCustomer]);
    if (!customer) invalid("opportunity.customer_id", "required");
    if (!customers::exists(db, *customer)) throw Error(CRM_ENOTFOUND, "opportunity.customer_id: no customer " + customer->str());
    // An opportunity follows its customer's scope (docs/privacy.md).
    access::require_customer(db, *customer, access::kCreate, "opportunity.create");
    if (const auto stage_id = sales::id_of(v[kStage])) {
        const auto s = pipeline::stage(db, *stage_id);
        if (!s) throw Error(CRM_ENOTFOUND, "opportunity.stage_id: no stage " + stage_id->str());
        if (sales::is_null(v[kPipeline])) v[kPipeline] = s->pipeline;
    }
    if (sales::is_null(v[kPipeline])) {
        const auto sole = pipeline::sole_pipeline(db);
        if (!sole) invalid("opportunity.pipeline_id", "required (there is not exactly one pipeline)");
        v[kPipeline] = *sole;
    }
    if (input.contains("closed_at")) invalid("opportunity.closed_at", "set when the opportunity is won or lost");
    settle_stage(db, v, nullptr, input, w.now());
    check_record(db, v, input, true);
    const Uuid id = Uuid::v7();
    sales::insert(w, kOpp, id, v);
    append_history(w, id, *customer, std::nullopt, *sales::id_of(v[kStage]), by_of(input));
    return id;
}

Uuid add(Database& db, const Json& input) {
    WriteScope w(db);
    const Uuid id = add_in(w, input);
    w.commit();
    return id;
}

bool update(Database& db, const Uuid& id, const Json& patch) {
    WriteScope w(db);
    const auto current = sales::require(db, kOpp, id);
    if (const auto customer = sales::id_of(current[kCustomer]))
        access::require_customer(db, *customer, access::kUpdate, "opportunity.update");
    auto next = current;
    sales::read_into(kOpp, patch, next, {"by"});
    if (next[kCustomer] != current[kCustomer]) invalid("opportunity.customer_id", "cannot change");
    if (next[kPipeline] != current[kPipeline]) invalid("opportunity.pipeline_id", "cannot change (move it to a stage instead)");
    settle_stage(db, next, &current, patch, w.now());
    if (patch.contains("items") && !patch.contains("amount_minor")) next[kAmount] = std::monostate{};
    check_record(db, next, patch, patch.contains("items"));
    const bool changed = sales::update(w, kOpp, id, current, next,
                                       (next[kStage] != current[kStage] || next[kStatus] != current[kStatus] ? kStageGroup : 0) |
                                           (next[kAmount] != current[kAmount] || next[kItems] != current[kItems] ? kMoneyGroup : 0));
    if (next[kStage] != current[kStage])
        append_history(w, id, *sales::id_of(current[kCustomer]), sales::id_of(current[kStage]), *sales::id_of(next[kStage]),
                       by_of(patch));
    w.commit();
    return changed;
}

void remove(Database& db, const Uuid& id) {
    WriteScope w(db);
    const auto current = sales::require(db, kOpp, id);
    if (const auto customer = sales::id_of(current[kCustomer]))
        access::require_customer(db, *customer, access::kDelete, "opportunity.delete");
    drop(w, id, Removal::deleted, nullptr);
    w.commit();
}

Json get(Database& db, const Uuid& id) {
    const auto current = sales::require(db, kOpp, id);
    if (const auto customer = sales::id_of(current[kCustomer]))
        access::require_customer(db, *customer, access::kRead, "opportunity.read");
    Json out = sales::render(db, kOpp, id);
    if (out.contains("notes") && out["notes"].is_string()) out["notes"] = access::mask_text(db, out["notes"].get<std::string>());
    if (const auto s = pipeline::stage(db, Uuid::parse(out["stage_id"].get<std::string>(), "stage_id")))
        out["stage"] = {{"name", s->name}, {"probability", s->probability}, {"outcome", s->outcome}};
    Json history = Json::array();
    auto& st = db.stmt(
        "SELECT h.from_stage_id, h.to_stage_id, h.at, h.by_user, s.name FROM stage_history h "
        "LEFT JOIN pipeline_stages s ON s.id = h.to_stage_id WHERE h.opportunity_id = ? ORDER BY h.at, h.id");
    st.bind(1, id.data(), Uuid::size());
    while (st.executeStep()) {
        Json h;
        if (!st.getColumn(0).isNull()) h["from_stage_id"] = Uuid::from_blob(st.getColumn(0).getBlob(), 16).str();
        h["to_stage_id"] = Uuid::from_blob(st.getColumn(1).getBlob(), 16).str();
        h["at"] = format_instant(st.getColumn(2).getInt64());
        if (!st.getColumn(3).isNull()) h["by"] = st.getColumn(3).getString();
        if (!st.getColumn(4).isNull()) h["stage"] = st.getColumn(4).getString();
        history.push_back(std::move(h));
    }
    st.reset();
    out["stage_history"] = std::move(history);
    return out;
}

Json list(Database& db, const Json& filter) {
    Input in(filter, "filter");
    in.allow_only({"status", "owner", "team", "customer_id", "pipeline_id", "limit"});
    access::require(db, access::kRead, "opportunity.list");
    // Only opportunities of customers in the principal's scope, before the LIMIT.
    std::string sql = "SELECT id FROM opportunities WHERE 1" + access::customer_scope_sql(db, "opportunities.customer_id");
    std::vector<Value> binds;
    for (const char* key : {"status", "owner", "team"})
        if (auto v = in.text(key, 100)) {
            sql += std::string(" AND ") + key + " = ?";
            binds.push_back(*v);
        }
    for (const char* key : {"customer_id", "pipeline_id"})
        if (auto v = in.text(key, 64)) {
            sql += std::string(" AND ") + key + " = ?";
            binds.push_back(Uuid::parse(*v, in.field(key)));
        }
    sql += " ORDER BY expected_close IS NULL, expected_close, id LIMIT ?";
    binds.push_back(in.integer("limit", 1, 10000).value_or(100));
    SQLite::Statement st(db.sql(), sql);
    for (std::size_t i = 0; i < binds.size(); ++i) bind_value(st, static_cast<int>(i) + 1, binds[i]);
    std::vector<Uuid> ids;
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    Json out = Json::array();
    for (const auto& id : ids) {
        Json o = sales::render(db, kOpp, id);
        if (const auto s = pipeline::stage(db, Uuid::parse(o["stage_id"].get<std::string>(), "stage_id"))) o["stage"] = s->name;
        if (o.contains("notes") && o["notes"].is_string()) o["notes"] = access::mask_text(db, o["notes"].get<std::string>());
        out.push_back(std::move(o));
    }
    return out;
}

}  // namespace crmlite::opportunities
