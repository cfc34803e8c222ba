#include "leads/leads.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/contact_points.hpp"
#include "leads/lead_records.hpp"

namespace crmlite::leads {

namespace {

const std::vector<FieldSpec> kFields = {
    {"name", "name", FieldKind::text, 200},
    {"company", "company", FieldKind::text, 200},
    {"phone", "phone", FieldKind::text, 64},
    {"email", "email", FieldKind::text, 254},
    {"phone_normalized", "phone_norm", FieldKind::text, 64},
    {"email_normalized", "email_norm", FieldKind::text, 254},
    {"source", "source", FieldKind::text, 64},
    {"campaign_id", "campaign_id", FieldKind::ref},
    {"status", "status", FieldKind::choice, 0, {"new", "contacted", "qualified", "disqualified", "converted"}},
    {"owner", "owner", FieldKind::text, 100},
    {"team", "team", FieldKind::text, 100},
    {"region", "region", FieldKind::text, 100},
    {"customer_id", "customer_id", FieldKind::ref},
    {"opportunity_id", "opportunity_id", FieldKind::ref},
    {"converted_at", "converted_at", FieldKind::instant},
    {"notes", "notes", FieldKind::text, 20000},
};

const std::vector<FieldSpec> kEventFields = {
    {"lead_id", "lead_id", FieldKind::ref},
    {"kind", "kind", FieldKind::choice, 0, {"captured", "recaptured", "assigned", "status", "converted"}},
    {"from", "from_value", FieldKind::text, 200},
    {"to", "to_value", FieldKind::text, 200},
    {"at", "at", FieldKind::instant},
    {"by", "by_user", FieldKind::text, 100},
    {"rule_id", "rule_id", FieldKind::ref},
};

std::optional<Uuid> customer_with(Database& db, const char* type, const std::string& normalized) {
    auto& st = db.stmt("SELECT customer_id FROM contact_points WHERE type = ? AND normalized = ? ORDER BY customer_id LIMIT 1");
    st.bind(1, type);
    st.bind(2, normalized);
    std::optional<Uuid> out;
    if (st.executeStep()) out = Uuid::from_blob(st.getColumn(0).getBlob(), 16);
    st.reset();
    return out;
}

std::optional<Uuid> open_lead_with(Database& db, const char* column, const std::string& normalized) {
    auto& st = db.stmt(std::string("SELECT id FROM leads WHERE ") + column +
                       " = ? AND status NOT IN ('converted', 'disqualified') ORDER BY created_at, id LIMIT 1");
    st.bind(1, normalized);
    std::optional<Uuid> out;
    if (st.executeStep()) out = Uuid::from_blob(st.getColumn(0).getBlob(), 16);
    st.reset();
    return out;
}

std::string by_of(const Json& input, const char* what) {
    if (!input.contains("by") || input["by"].is_null()) return "";
    return *Input(input, what).text("by", 100);
}

void normalize_contacts(Values& v) {
    v[kPhoneNorm] = std::monostate{};
    v[kEmailNorm] = std::monostate{};
    if (!text_of(v[kPhone]).empty()) v[kPhoneNorm] = customers::normalize_phone(text_of(v[kPhone]), "lead.phone");
    if (!text_of(v[kEmail]).empty()) v[kEmailNorm] = customers::normalize_email(text_of(v[kEmail]), "lead.email");
}

void check_campaign(Database& db, const Value& v) {
    const auto id = id_of(v);
    if (!id) return;
    auto& st = db.stmt("SELECT 1 FROM campaigns WHERE id = ?");
    st.bind(1, id->data(), Uuid::size());
    const bool found = st.executeStep();
    st.reset();
    if (!found) throw Error(CRM_ENOTFOUND, "lead.campaign_id: no campaign " + id->str());
}

// The lead, its events, and the links to it (opportunities).
void drop(WriteScope& w, const Uuid& id) {
    for (const auto& e : sales::ids_where(w.db(), event_type(), "lead_id", id)) sales::erase(w, event_type(), e, Removal::deleted);
    sales::erase(w, lead_type(), id, Removal::deleted);
    remove_dependents(w, Table::leads, id, Removal::deleted);
}

void remove_event(WriteScope& w, const Uuid& id) { sales::erase(w, event_type(), id, Removal::deleted); }

// Leads are not a customer's records (they follow their owner): a deleted
// customer, opportunity or campaign is unlinked from them, as a versioned
// change made by every replica that applies the delete, and the lead stays.
// A customer that only left this replica (eviction) keeps its links.
void on_customer(WriteScope& w, const Uuid& customer, Removal how, std::vector<RecordRef>*) {
    if (how == Removal::deleted) sales::clear_references(w, lead_type(), kCustomer, customer);
}
void on_opportunity(WriteScope& w, const Uuid& opportunity, Removal how, std::vector<RecordRef>*) {
    if (how == Removal::deleted) sales::clear_references(w, lead_type(), kOpportunity, opportunity);
}
void on_campaign(WriteScope& w, const Uuid& campaign, Removal how, std::vector<RecordRef>*) {
    if (how == Removal::deleted) sales::clear_references(w, lead_type(), kCampaign, campaign);
}

const RemovalHooks kHooks{{{Table::customers, &on_customer},
                           {Table::opportunities, &on_opportunity},
                           {Table::campaigns, &on_campaign}},
                          {{Table::leads, &drop}, {Table::lead_events, &remove_event}}};

}  // namespace

const sales::RecordType& lead_type() {
    static const sales::RecordType t{Table::leads, "leads", "lead", kFields};
    return t;
}
const sales::RecordType& event_type() {
    static const sales::RecordType t{Table::lead_events, "lead_events", "lead_event", kEventFields};
    return t;
}

void add_event(WriteScope& w, const Uuid& lead, const std::string& kind, const std::string& from, const std::string& to,
               const std::string& by, const std::optional<Uuid>& rule) {
    Values e(kEventFields.size());
    e[0] = lead;
    e[1] = kind;
    if (!from.empty()) e[2] = from;
    if (!to.empty()) e[3] = to;
    // Strictly after the lead's previous event, so events within one
    // millisecond keep their order (ids are random within a millisecond).
    auto& last = w.db().stmt("SELECT max(at) FROM lead_events WHERE lead_id = ?");
    last.bind(1, lead.data(), Uuid::size());
    std::int64_t at = w.now();
    if (last.executeStep() && !last.getColumn(0).isNull()) at = std::max(at, last.getColumn(0).getInt64() + 1);
    last.reset();
    e[4] = at;
    if (!by.empty()) e[5] = by;
    if (rule) e[6] = *rule;
    sales::insert(w, event_type(), Uuid::v7(), e);
}

std::span<const FieldSpec> fields() { return kFields; }
std::span<const FieldSpec> event_fields() { return kEventFields; }

Json capture(Database& db, const Json& input) {
    WriteScope w(db);
    Values v(kFields.size());
    sales::read_into(lead_type(), input, v, {"by", "assign"});
    for (const char* key : {"phone_normalized", "email_normalized", "customer_id", "opportunity_id", "converted_at", "status"})
        if (input.contains(key)) invalid(std::string("lead.") + key, "set by the library, not by the caller");
    if (text_of(v[kName]).empty()) invalid("lead.name", "required");
    const std::optional<bool> assign_flag = Input(input, "lead").boolean("assign");
    normalize_contacts(v);
    check_campaign(db, v[kCampaign]);
    const std::string by = by_of(input, "lead");
    // The principal (docs/privacy.md): needs "create"; a rep of scope own/team
    // who names no owner becomes it (as for customers; no rule is asked), and
    // a named owner must be in scope.
    if (const access::Principal* p = access::principal(db)) {
        if (p->scope != access::Scope::all && is_null(v[kOwner])) v[kOwner] = p->user;
        access::require_owner(db, v[kOwner], access::kCreate, "lead.create", "lead", std::nullopt);
    }
    Json out;
    // The same person captured again (another form, another channel): one lead.
    std::optional<Uuid> existing;
    if (!is_null(v[kPhoneNorm])) existing = open_lead_with(db, "phone_norm", text_of(v[kPhoneNorm]));
    if (!existing && !is_null(v[kEmailNorm])) existing = open_lead_with(db, "email_norm", text_of(v[kEmailNorm]));
    if (existing) {
        const auto current = sales::require(db, lead_type(), *existing);
        // Captured again is an update of that lead: it must be in scope.
        access::require_owner(db, current[kOwner], access::kUpdate, "lead.update", "lead", *existing);
        auto next = current;
        // Fill what the first capture lacked; never overwrite what it had.
        for (std::size_t i = 0; i < v.size(); ++i)
            if (is_null(next[i]) && !is_null(v[i])) next[i] = v[i];
        sales::update(w, lead_type(), *existing, current, next);
        add_event(w, *existing, "recaptured", "", text_of(v[kSource]), by, std::nullopt);
        out = {{"id", existing->str()}, {"created", false}};
        if (const auto c = id_of(next[kCustomer])) out["customer_id"] = c->str();
        if (!is_null(next[kOwner])) out["owner"] = text_of(next[kOwner]);
        w.commit();
        return out;
    }
    std::optional<Uuid> customer;
    if (!is_null(v[kPhoneNorm])) customer = customer_with(db, "phone", text_of(v[kPhoneNorm]));
    if (!customer && !is_null(v[kEmailNorm])) customer = customer_with(db, "email", text_of(v[kEmailNorm]));
    if (customer) v[kCustomer] = *customer;
    v[kStatus] = std::string("new");
    const Uuid id = Uuid::v7();
    sales::insert(w, lead_type(), id, v);
    add_event(w, id, "captured", "", text_of(v[kSource]), by, std::nullopt);
    out = {{"id", id.str()}, {"created", true}};
    if (customer) out["customer_id"] = customer->str();
    if (!is_null(v[kOwner])) {
        add_event(w, id, "assigned", "", text_of(v[kOwner]), by, std::nullopt);
        out["owner"] = text_of(v[kOwner]);
    } else if (assign_flag.value_or(true)) {
        if (auto chosen = choose_owner(db, v)) {
            auto next = v;
            next[kOwner] = chosen->owner;
            if (!chosen->team.empty() && is_null(next[kTeam])) next[kTeam] = chosen->team;
            sales::update(w, lead_type(), id, v, next);
            add_event(w, id, "assigned", "", chosen->owner, by, chosen->rule);
            out["owner"] = chosen->owner;
            out["rule_id"] = chosen->rule.str();
        }
    }
    w.commit();
    return out;
}

bool update(Database& db, const Uuid& id, const Json& patch) {
    WriteScope w(db);
    const auto current = sales::require(db, lead_type(), id);
    access::require_owner(db, current[kOwner], access::kUpdate, "lead.update", "lead", id);
    auto next = current;
    sales::read_into(lead_type(), patch, next, {"by"});
    if (next[kOwner] != current[kOwner]) access::require_owner(db, next[kOwner], access::kUpdate, "lead.update", "lead", id);
    for (const char* key : {"phone_normalized", "email_normalized", "customer_id", "opportunity_id", "converted_at"})
        if (patch.contains(key)) invalid(std::string("lead.") + key, "set by the library, not by the caller");
    if (text_of(next[kName]).empty()) invalid("lead.name", "required");
    if (is_null(next[kStatus])) invalid("lead.status", "cannot be cleared");
    const std::string status = text_of(current[kStatus]);
    if (next[kStatus] != current[kStatus]) {
        if (text_of(next[kStatus]) == "converted") invalid("lead.status", "a lead is converted by convert, not set to converted");
        if (status == "converted") invalid("lead.status", "a converted lead stays converted");
    }
    // Normalised again only when changed: a replica that holds the lead masked
    // (docs/privacy.md) can still edit its other fields.
    if (next[kPhone] != current[kPhone])
        next[kPhoneNorm] = text_of(next[kPhone]).empty() ? Value{} : Value{customers::normalize_phone(text_of(next[kPhone]), "lead.phone")};
    if (next[kEmail] != current[kEmail])
        next[kEmailNorm] = text_of(next[kEmail]).empty() ? Value{} : Value{customers::normalize_email(text_of(next[kEmail]), "lead.email")};
    check_campaign(db, next[kCampaign]);
    const std::string by = by_of(patch, "lead");
    const bool changed = sales::update(w, lead_type(), id, current, next);
    if (next[kStatus] != current[kStatus]) add_event(w, id, "status", status, text_of(next[kStatus]), by, std::nullopt);
    if (next[kOwner] != current[kOwner])
        add_event(w, id, "assigned", text_of(current[kOwner]), text_of(next[kOwner]), by, std::nullopt);
    w.commit();
    return changed;
}

void remove(Database& db, const Uuid& id) {
    WriteScope w(db);
    const auto current = sales::require(db, lead_type(), id);
    access::require_owner(db, current[kOwner], access::kDelete, "lead.delete", "lead", id);
    drop(w, id);
    w.commit();
}

Json events_of(Database& db, const Uuid& id) {
    std::vector<Uuid> ids;
    auto& st = db.stmt("SELECT id FROM lead_events WHERE lead_id = ? ORDER BY at, id");
    st.bind(1, id.data(), Uuid::size());
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    st.reset();
    Json out = Json::array();
    for (const auto& e : ids) {
        Json j = sales::render(db, event_type(), e);
        j.erase("lead_id");
        j.erase("created_at");
        j.erase("updated_at");
        out.push_back(std::move(j));
    }
    return out;
}

Json get(Database& db, const Uuid& id) {
    const auto current = sales::require(db, lead_type(), id);
    access::require_owner(db, current[kOwner], access::kRead, "lead.read", "lead", id);
    Json out = sales::render(db, lead_type(), id);
    out["events"] = events_of(db, id);
    access::mask_lead(db, out);
    return out;
}

Json list(Database& db, const Json& filter) {
    Input in(filter, "filter");
    in.allow_only({"status", "owner", "source", "campaign_id", "limit"});
    access::require(db, access::kRead, "lead.list");
    // Only the leads in the principal's scope, filtered before the LIMIT.
    std::string sql = "SELECT id FROM leads WHERE 1" + access::scope_sql(db, "leads");
    std::vector<Value> binds;
    for (const char* key : {"status", "owner", "source"})
        if (auto v = in.text(key, 100)) {
            sql += std::string(" AND ") + key + " = ?";
            binds.push_back(*v);
        }
    if (auto v = in.text("campaign_id", 64)) {
        sql += " AND campaign_id = ?";
        binds.push_back(Uuid::parse(*v, "filter.campaign_id"));
    }
    sql += " ORDER BY created_at DESC, id DESC LIMIT ?";
    binds.push_back(in.integer("limit", 1, 10000).value_or(100));
    SQLite::Statement st(db.sql(), sql);
    for (std::size_t i = 0; i < binds.size(); ++i) bind_value(st, static_cast<int>(i) + 1, binds[i]);
    std::vector<Uuid> ids;
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    Json out = Json::array();
    for (const auto& id : ids) {
        Json r = sales::render(db, lead_type(), id);
        access::mask_lead(db, r);
        out.push_back(std::move(r));
    }
    return out;
}

}  // namespace crmlite::leads
