#include "campaigns/campaigns.hpp"

#include <SQLiteCpp/Statement.h>

#include <map>
#include <optional>
#include <set>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/query.hpp"
#include "pipeline/sales_record.hpp"

namespace crmlite::campaigns {

namespace {

using sales::id_of;
using sales::int_of;
using sales::is_null;
using sales::text_of;
using sales::Values;

const std::vector<FieldSpec> kFields = {
    {"name", "name", FieldKind::text, 200},
    {"channel", "channel", FieldKind::text, 32},
    {"status", "status", FieldKind::choice, 0, {"planned", "active", "completed", "cancelled"}},
    {"audience", "audience", FieldKind::object, 65536},
    {"audience_mode", "audience_mode", FieldKind::choice, 0, {"frozen", "dynamic"}},
    {"starts_at", "starts_at", FieldKind::instant},
    {"ends_at", "ends_at", FieldKind::instant},
    {"cost_minor", "cost_minor", FieldKind::integer, 0, {}, 0, 1000000000000000},
    {"currency", "currency", FieldKind::text, 3},
    {"attribution_days", "attribution_days", FieldKind::integer, 0, {}, 1, 3650},
    {"control_pct", "control_pct", FieldKind::integer, 0, {}, 0, 50},
    {"frozen_at", "frozen_at", FieldKind::instant},
    {"audience_counts", "audience_counts", FieldKind::object, 4096},
};
enum : int { kName, kChannel, kStatus, kAudience, kMode, kStarts, kEnds, kCost, kCurrency, kDays, kControlPct, kFrozen,
             kCounts };

const std::vector<FieldSpec> kMemberFields = {
    {"campaign_id", "campaign_id", FieldKind::ref},
    {"customer_id", "customer_id", FieldKind::ref},
    {"status", "status", FieldKind::choice, 0, {"targeted", "sent", "opened", "responded", "converted"}},
    {"control", "control", FieldKind::boolean},
    {"contacted_at", "contacted_at", FieldKind::instant},
    {"status_at", "status_at", FieldKind::instant},
};
enum : int { kMCampaign, kMCustomer, kMStatus, kMControl, kMContacted, kMStatusAt };

const sales::RecordType kCampaign{Table::campaigns, "campaigns", "campaign", kFields};
const sales::RecordType kMember{Table::campaign_members, "campaign_members", "member", kMemberFields};

constexpr std::int64_t kDayMs = 86400000;

Uuid member_id(const Uuid& campaign, const Uuid& customer) {
    return Uuid::v8("campaign_member", std::string(reinterpret_cast<const char*>(campaign.data()), 16) +
                                           std::string(reinterpret_cast<const char*>(customer.data()), 16));
}

// The campaign, its members, and the links to it (leads, opportunities).
void drop(WriteScope& w, const Uuid& id) {
    for (const auto& m : sales::ids_where(w.db(), kMember, "campaign_id", id)) sales::erase(w, kMember, m, Removal::deleted);
    sales::erase(w, kCampaign, id, Removal::deleted);
    remove_dependents(w, Table::campaigns, id, Removal::deleted);
}

void remove_member(WriteScope& w, const Uuid& id) { sales::erase(w, kMember, id, Removal::deleted); }

// A customer's memberships go with it (deleted: with tombstones; evicted from
// this replica: without).
void on_customer(WriteScope& w, const Uuid& customer, Removal how, std::vector<RecordRef>* removed) {
    for (const auto& m : sales::ids_where(w.db(), kMember, "customer_id", customer)) sales::erase(w, kMember, m, how, removed);
}

const RemovalHooks kHooks{{{Table::customers, &on_customer}},
                          {{Table::campaigns, &drop}, {Table::campaign_members, &remove_member}}};

void check(Database& db, Values& v) {
    if (text_of(v[kName]).empty()) invalid("campaign.name", "required");
    if (!is_null(v[kCurrency])) sales::check_currency(text_of(v[kCurrency]), "campaign.currency");
    if (!is_null(v[kCost]) && is_null(v[kCurrency])) invalid("campaign.currency", "required with cost_minor");
    if (!is_null(v[kStarts]) && !is_null(v[kEnds]) && int_of(v[kEnds]) < int_of(v[kStarts]))
        invalid("campaign.ends_at", "before starts_at");
    if (!is_null(v[kAudience])) {
        // The filter must compile: count it once (also proves every key is known).
        customers::count(db, Json::parse(text_of(v[kAudience])));
    }
}

struct Audience {
    std::int64_t matched = 0;
    std::vector<Uuid> included;  // consent given and reachable on the channel
    std::map<std::string, std::int64_t> excluded;
};

Audience evaluate(Database& db, const Values& c) {
    Audience a;
    a.excluded = {{"no_marketing_consent", 0}, {"no_email", 0}, {"no_phone", 0}};
    const Json filter = is_null(c[kAudience]) ? Json::object() : Json::parse(text_of(c[kAudience]));
    const std::string channel = text_of(c[kChannel]);
    const char* needs = channel == "email" ? "email" : (channel == "sms" || channel == "phone" || channel == "call") ? "phone" : nullptr;
    std::vector<Uuid> ids;
    std::optional<std::string> after;
    for (;;) {
        Json q = {{"filter", filter}, {"sort", "created_at"}, {"limit", 10000}};
        if (after) q["after"] = *after;
        auto cursor = customers::query(db, q);
        std::string row;
        std::size_t n = 0;
        while (cursor->next(row)) {
            ids.push_back(Uuid::parse(Json::parse(row)["id"].get<std::string>(), "id"));
            ++n;
        }
        if (n < 10000) break;
        after = cursor->token();
    }
    a.matched = static_cast<std::int64_t>(ids.size());
    for (const auto& id : ids) {
        auto& st = db.stmt("SELECT consent_marketing FROM customers WHERE id = ?");
        st.bind(1, id.data(), Uuid::size());
        const bool consent = st.executeStep() && st.getColumn(0).getInt64() == 1;
        st.reset();
        if (!consent) {
            ++a.excluded["no_marketing_consent"];
            continue;
        }
        if (needs) {
            auto& cp = db.stmt("SELECT 1 FROM contact_points WHERE customer_id = ? AND type = ? LIMIT 1");
            cp.bind(1, id.data(), Uuid::size());
            cp.bind(2, needs);
            const bool reachable = cp.executeStep();
            cp.reset();
            if (!reachable) {
                ++a.excluded[std::string("no_") + needs];
                continue;
            }
        }
        a.included.push_back(id);
    }
    return a;
}

Json excluded_json(const std::map<std::string, std::int64_t>& m) {
    Json out = Json::object();
    for (const auto& [k, n] : m) out[k] = n;
    return out;
}

}  // namespace

std::span<const FieldSpec> fields() { return kFields; }
std::span<const FieldSpec> member_fields() { return kMemberFields; }

bool in_control(const Uuid& campaign, const Uuid& customer, std::int64_t control_pct) {
    if (control_pct <= 0) return false;
    const Uuid h = Uuid::v8("campaign_control", std::string(reinterpret_cast<const char*>(campaign.data()), 16) +
                                                    std::string(reinterpret_cast<const char*>(customer.data()), 16));
    const auto* b = static_cast<const unsigned char*>(static_cast<const void*>(h.data()));
    const std::uint32_t x = (std::uint32_t{b[8]} << 24) | (std::uint32_t{b[9]} << 16) | (std::uint32_t{b[10]} << 8) |
                            std::uint32_t{b[11]};
    return static_cast<std::int64_t>(x % 100) < control_pct;
}

Uuid create(Database& db, const Json& input) {
    access::require(db, access::kCreate, "campaign.create");
    WriteScope w(db);
    Values v(kFields.size());
    sales::read_into(kCampaign, input, v);
    if (input.contains("frozen_at") || input.contains("audience_counts")) invalid("campaign.frozen_at", "set when the audience is frozen");
    if (is_null(v[kStatus])) v[kStatus] = std::string("planned");
    if (is_null(v[kMode])) v[kMode] = std::string("frozen");
    if (is_null(v[kDays])) v[kDays] = std::int64_t{30};
    if (is_null(v[kControlPct])) v[kControlPct] = std::int64_t{0};
    check(db, v);
    const Uuid id = Uuid::v7();
    sales::insert(w, kCampaign, id, v);
    w.commit();
    return id;
}

bool update(Database& db, const Uuid& id, const Json& patch) {
    access::require(db, access::kUpdate, "campaign.update");
    WriteScope w(db);
    const auto current = sales::require(db, kCampaign, id);
    auto next = current;
    sales::read_into(kCampaign, patch, next);
    if (patch.contains("frozen_at") || patch.contains("audience_counts")) invalid("campaign.frozen_at", "set when the audience is frozen");
    for (const int i : {kStatus, kMode, kDays, kControlPct})
        if (is_null(next[static_cast<std::size_t>(i)])) invalid(std::string("campaign.") + kFields[static_cast<std::size_t>(i)].json, "cannot be cleared");
    if (!is_null(current[kFrozen]))
        for (const int i : {kAudience, kMode, kControlPct})
            if (next[static_cast<std::size_t>(i)] != current[static_cast<std::size_t>(i)])
                invalid(std::string("campaign.") + kFields[static_cast<std::size_t>(i)].json, "the audience is frozen");
    check(db, next);
    const bool changed = sales::update(w, kCampaign, id, current, next);
    w.commit();
    return changed;
}

void remove(Database& db, const Uuid& id) {
    WriteScope w(db);
    sales::require(db, kCampaign, id);
    access::require(db, access::kDelete, "campaign.delete");
    drop(w, id);
    w.commit();
}

Json get(Database& db, const Uuid& id) {
    Json out = sales::render(db, kCampaign, id);
    // Members are customers' records: a scoped principal counts those in its scope.
    auto& st = db.stmt("SELECT status, count(*) FROM campaign_members WHERE campaign_id = ?" +
                       access::customer_scope_sql(db, "campaign_members.customer_id") + " GROUP BY status ORDER BY status");
    st.bind(1, id.data(), Uuid::size());
    Json counts = Json::object();
    while (st.executeStep()) counts[st.getColumn(0).getString()] = st.getColumn(1).getInt64();
    st.reset();
    out["member_statuses"] = std::move(counts);
    return out;
}

Json list(Database& db) {
    std::vector<Uuid> ids;
    auto& st = db.stmt("SELECT id FROM campaigns ORDER BY created_at, id");
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    st.reset();
    Json out = Json::array();
    for (const auto& id : ids) out.push_back(sales::render(db, kCampaign, id));
    return out;
}

Json audience(Database& db, const Uuid& id, bool freeze) {
    // Only freezing writes: a preview works on a read-only handle.
    access::require(db, freeze ? access::kUpdate : access::kRead, freeze ? "campaign.freeze" : "campaign.audience");
    std::optional<WriteScope> scope;
    if (freeze) scope.emplace(db);
    const auto c = sales::require(db, kCampaign, id);
    // The audience is evaluated over the customers in the principal's scope
    // (customers::query): a frozen snapshot is everyone's, so a principal
    // whose scope is not "all" may preview but not freeze it.
    if (const access::Principal* p = access::principal(db); freeze && p && p->scope != access::Scope::all && is_null(c[kFrozen])) {
        access::audit(db, "campaign.freeze", "campaign", id, Json::object(), "denied");
        throw Error(CRM_EPERM, "campaign.freeze: principal \"" + p->user +
                                   "\" sees only part of the customers (scope own/team); freezing needs scope all");
    }
    const bool frozen = !is_null(c[kFrozen]);
    if (freeze && text_of(c[kMode]) != "frozen") invalid("campaign.audience_mode", "a dynamic audience is not frozen");
    if (frozen) {
        // The snapshot stands: report it as it was taken.
        Json out = Json::parse(text_of(c[kCounts]));
        out["frozen_at"] = format_instant(int_of(c[kFrozen]));
        return out;
    }
    const Audience a = evaluate(db, c);
    std::int64_t control = 0;
    for (const auto& cust : a.included) control += in_control(id, cust, int_of(c[kControlPct])) ? 1 : 0;
    Json out = {{"matched", a.matched}, {"included", static_cast<std::int64_t>(a.included.size()) - control},
                {"control", control}, {"excluded", excluded_json(a.excluded)}};
    if (freeze) {
        WriteScope& w = *scope;
        for (const auto& cust : a.included) {
            const Uuid mid = member_id(id, cust);
            if (sales::load(db, kMember, mid)) continue;
            Values m(kMemberFields.size());
            m[kMCampaign] = id;
            m[kMCustomer] = cust;
            m[kMStatus] = std::string("targeted");
            m[kMControl] = std::int64_t{in_control(id, cust, int_of(c[kControlPct])) ? 1 : 0};
            m[kMStatusAt] = w.now();
            sales::insert(w, kMember, mid, m);
        }
        auto next = c;
        next[kFrozen] = w.now();
        next[kCounts] = dump(out);
        sales::update(w, kCampaign, id, c, next);
        out["frozen_at"] = format_instant(w.now());
        w.commit();
    }
    return out;
}

void set_member_status(Database& db, const Uuid& campaign, const Uuid& customer, const std::string& status, std::int64_t at) {
    static const std::vector<std::string> order = {"targeted", "sent", "opened", "responded", "converted"};
    const auto rank = std::find(order.begin(), order.end(), status);
    if (rank == order.end()) invalid("member.status", "\"" + status + "\" is not one of: targeted, sent, opened, responded, converted");
    WriteScope w(db);
    const auto c = sales::require(db, kCampaign, campaign);
    access::require_customer(db, customer, access::kUpdate, "campaign.member");
    const Uuid mid = member_id(campaign, customer);
    auto current = sales::load(db, kMember, mid);
    if (!current) {
        if (text_of(c[kMode]) == "frozen")
            throw Error(CRM_ENOTFOUND, "member.customer_id: customer " + customer.str() + " is not in the frozen audience of campaign " +
                                           campaign.str() + (is_null(c[kFrozen]) ? " (freeze it first)" : ""));
        const Audience a = evaluate(db, c);
        if (std::find(a.included.begin(), a.included.end(), customer) == a.included.end())
            invalid("member.customer_id", "customer " + customer.str() + " is not in the audience (no marketing consent, not reachable, or not matched)");
        Values m(kMemberFields.size());
        m[kMCampaign] = campaign;
        m[kMCustomer] = customer;
        m[kMStatus] = std::string("targeted");
        m[kMControl] = std::int64_t{in_control(campaign, customer, int_of(c[kControlPct])) ? 1 : 0};
        sales::insert(w, kMember, mid, m);
        current = m;
    }
    if (int_of((*current)[kMControl]) == 1 && status != "targeted")
        invalid("member.status", "customer " + customer.str() + " is in the control group and is not contacted");
    auto next = *current;
    const std::int64_t when = at ? at : w.now();
    next[kMStatus] = status;
    next[kMStatusAt] = when;
    if (status != "targeted" && is_null(next[kMContacted])) next[kMContacted] = when;
    sales::update(w, kMember, mid, *current, next);
    w.commit();
}

Json results(Database& db, const Uuid& id) {
    const auto c = sales::require(db, kCampaign, id);
    const std::int64_t window = int_of(c[kDays]) * kDayMs;
    std::int64_t reference = int_of(c[kStarts], 0);
    if (!reference) {
        auto& st = db.stmt("SELECT created_at FROM campaigns WHERE id = ?");
        st.bind(1, id.data(), Uuid::size());
        st.executeStep();
        reference = st.getColumn(0).getInt64();
        st.reset();
    }
    struct Member {
        Uuid customer;
        bool control;
        std::int64_t contacted;  // 0: not contacted
        std::string status;
    };
    std::vector<Member> members;
    {
        // A scoped principal's results count the members in its scope only.
        auto& st = db.stmt("SELECT customer_id, control, contacted_at, status FROM campaign_members WHERE campaign_id = ?" +
                           access::customer_scope_sql(db, "campaign_members.customer_id") + " ORDER BY customer_id");
        st.bind(1, id.data(), Uuid::size());
        while (st.executeStep())
            members.push_back({Uuid::from_blob(st.getColumn(0).getBlob(), 16), st.getColumn(1).getInt64() == 1,
                               st.getColumn(2).isNull() ? 0 : st.getColumn(2).getInt64(), st.getColumn(3).getString()});
        st.reset();
    }
    if (text_of(c[kMode]) == "dynamic" && int_of(c[kControlPct]) > 0) {
        // A dynamic audience's control group is drawn from the audience as it is now.
        std::set<Uuid> known;
        for (const auto& m : members) known.insert(m.customer);
        for (const auto& cust : evaluate(db, c).included)
            if (!known.count(cust) && in_control(id, cust, int_of(c[kControlPct]))) members.push_back({cust, true, 0, "targeted"});
    }
    std::map<std::string, std::int64_t> revenue;
    std::map<std::string, std::int64_t> statuses;
    std::int64_t contacted = 0, converted = 0, control = 0, control_converted = 0, n_orders = 0, n_opps = 0;
    for (const auto& m : members) {
        if (!m.control) ++statuses[m.status];
        std::int64_t start = 0;
        if (m.control) {
            ++control;
            start = reference;
        } else if (m.contacted) {
            ++contacted;
            start = m.contacted;
        } else {
            continue;  // targeted, never contacted: nothing to attribute
        }
        const std::int64_t end = start + window;
        bool any = false;
        std::set<std::string> linked_orders;
        {
            auto& st = db.stmt(
                "SELECT amount_minor, currency, order_ids FROM opportunities WHERE customer_id = ? AND status = 'won' "
                "AND closed_at >= ? AND closed_at <= ?");
            st.bind(1, m.customer.data(), Uuid::size());
            st.bind(2, start);
            st.bind(3, end);
            while (st.executeStep()) {
                any = true;
                if (!m.control) {
                    ++n_opps;
                    if (!st.getColumn(1).isNull()) revenue[st.getColumn(1).getString()] += st.getColumn(0).getInt64();
                }
                if (!st.getColumn(2).isNull())
                    for (const auto& o : Json::parse(st.getColumn(2).getString())) linked_orders.insert(o.get<std::string>());
            }
            st.reset();
        }
        {
            auto& st = db.stmt(
                "SELECT id, amount_minor, currency FROM interactions WHERE customer_id = ? AND kind = 'order' "
                "AND occurred_at >= ? AND occurred_at <= ?");
            st.bind(1, m.customer.data(), Uuid::size());
            st.bind(2, start);
            st.bind(3, end);
            while (st.executeStep()) {
                if (linked_orders.count(Uuid::from_blob(st.getColumn(0).getBlob(), 16).str())) continue;  // counted with its opportunity
                any = true;
                if (!m.control) {
                    ++n_orders;
                    if (!st.getColumn(2).isNull() && !st.getColumn(1).isNull())
                        revenue[st.getColumn(2).getString()] += st.getColumn(1).getInt64();
                }
            }
            st.reset();
        }
        if (any) ++(m.control ? control_converted : converted);
    }
    const auto ratio = [](std::int64_t a, std::int64_t b) { return b ? Json(static_cast<double>(a) / static_cast<double>(b)) : Json(nullptr); };
    Json rev = Json::array();
    for (const auto& [cur, amount] : revenue) rev.push_back({{"currency", cur}, {"amount_minor", amount}});
    Json out = {{"campaign_id", id.str()},
                {"name", text_of(c[kName])},
                {"attribution_days", int_of(c[kDays])},
                {"members", static_cast<std::int64_t>(members.size()) - control},
                {"contacted", contacted},
                {"statuses", statuses},
                {"converted", converted},
                {"conversion_rate", ratio(converted, contacted)},
                {"attributed_orders", n_orders},
                {"attributed_opportunities", n_opps},
                {"revenue", rev},
                {"control", control},
                {"control_converted", control_converted},
                {"control_conversion_rate", ratio(control_converted, control)}};
    if (!is_null(c[kCost])) {
        out["cost_minor"] = int_of(c[kCost]);
        out["currency"] = text_of(c[kCurrency]);
        const auto it = revenue.find(text_of(c[kCurrency]));
        const std::int64_t same = it == revenue.end() ? 0 : it->second;
        out["roi"] = int_of(c[kCost]) > 0 ? Json(static_cast<double>(same - int_of(c[kCost])) / static_cast<double>(int_of(c[kCost]))) : Json(nullptr);
    }
    if (control && contacted)
        out["lift"] = static_cast<double>(converted) / static_cast<double>(contacted) -
                      static_cast<double>(control_converted) / static_cast<double>(control);
    return out;
}

}  // namespace crmlite::campaigns
