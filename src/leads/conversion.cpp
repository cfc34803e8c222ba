// Converting a lead: one transaction that makes (or reuses) the customer, puts
// the lead's history on the customer's timeline, optionally opens an
// opportunity, and marks the lead converted.
#include <SQLiteCpp/Statement.h>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/contact_points.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "leads/lead_records.hpp"
#include "merge/redirects.hpp"
#include "pipeline/opportunities.hpp"

namespace crmlite::leads {

namespace {

std::string describe(const Json& e) {
    const std::string kind = e.value("kind", "");
    const std::string from = e.value("from", ""), to = e.value("to", "");
    if (kind == "captured") return "Lead captured" + (to.empty() ? std::string() : " from " + to);
    if (kind == "recaptured") return "Lead captured again" + (to.empty() ? std::string() : " from " + to);
    if (kind == "assigned") return from.empty() ? "Lead assigned to " + to : "Lead reassigned from " + from + " to " + to;
    if (kind == "status") return "Lead status " + from + " -> " + to;
    return "Lead " + kind;
}

// Adds the lead's phone and email to a customer that lacks them.
void add_contacts(Database& db, const Uuid& customer, const Values& lead) {
    // The stored (clear) contact points: customers::get masks them for a
    // principal without "unmask", and writing those back would lose the values.
    access::require_customer(db, customer, access::kUpdate, "lead.convert");
    Json c = Json::object();
    customers::render_contact_points(db, customer, c);
    Json patch = Json::object();
    const auto merge = [&](const char* key, const Value& value, const Value& normalized) {
        if (is_null(value)) return;
        Json list = Json::array();
        bool have = false;
        for (const auto& p : c.value(key, Json::array())) {
            list.push_back({{"value", p["value"]}, {"primary", p.value("primary", false)}});
            if (p.contains("label")) list.back()["label"] = p["label"];
            have = have || p.value("normalized", "") == text_of(normalized);
        }
        if (have) return;
        list.push_back({{"value", text_of(value)}, {"label", "lead"}});
        patch[key] = std::move(list);
    };
    merge("phones", lead[kPhone], lead[kPhoneNorm]);
    merge("emails", lead[kEmail], lead[kEmailNorm]);
    if (!patch.empty()) customers::update(db, customer, patch);
}

}  // namespace

Json convert(Database& db, const Uuid& id, const Json& options) {
    Input in(options, "convert");
    in.allow_only({"customer", "opportunity", "by"});
    const std::string by = in.text("by", 100).value_or("");
    if (options.contains("customer") && !options["customer"].is_object()) invalid("convert.customer", "expected an object");
    if (options.contains("opportunity") && !options["opportunity"].is_object() && !options["opportunity"].is_null())
        invalid("convert.opportunity", "expected an object");
    WriteScope w(db);
    const auto lead = sales::require(db, lead_type(), id);
    access::require_owner(db, lead[kOwner], access::kUpdate, "lead.convert", "lead", id);
    if (text_of(lead[kStatus]) == "converted") throw Error(CRM_EEXISTS, "lead.status: lead " + id.str() + " is already converted");
    if (text_of(lead[kStatus]) == "disqualified") invalid("lead.status", "a disqualified lead is not converted (requalify it first)");
    Json out;
    std::optional<Uuid> customer = id_of(lead[kCustomer]);
    if (customer) customer = merge::resolve(db, *customer);  // linked, since merged away (its survivor) or deleted (none)
    const bool created = !customer;
    if (created) {
        Json c = {{"display_name", text_of(lead[kName])}};
        if (!is_null(lead[kCompany])) c["company"] = text_of(lead[kCompany]);
        if (!is_null(lead[kPhone])) c["phones"] = Json::array({text_of(lead[kPhone])});
        if (!is_null(lead[kEmail])) c["emails"] = Json::array({text_of(lead[kEmail])});
        if (!is_null(lead[kOwner])) c["owner"] = text_of(lead[kOwner]);
        if (!is_null(lead[kRegion])) c["region"] = text_of(lead[kRegion]);
        if (!is_null(lead[kSource])) c["source"] = text_of(lead[kSource]);
        c["stage"] = "prospect";
        if (options.contains("customer"))
            for (const auto& [k, v] : options["customer"].items()) c[k] = v;
        customer = customers::create(db, c);
    } else {
        if (options.contains("customer") && !options["customer"].empty()) customers::update(db, *customer, options["customer"]);
        add_contacts(db, *customer, lead);
    }
    // The lead's history on the customer's timeline, at the times it happened.
    const Json events = events_of(db, id);
    for (const auto& e : events) {
        Json attrs = {{"lead_id", id.str()}, {"event", e["kind"]}};
        if (e.contains("from")) attrs["from"] = e["from"];
        if (e.contains("to")) attrs["to"] = e["to"];
        if (!is_null(lead[kSource])) attrs["source"] = text_of(lead[kSource]);
        if (const auto c = id_of(lead[kCampaign])) attrs["campaign_id"] = c->str();
        Json i = {{"customer_id", customer->str()}, {"kind", "lead"}, {"occurred_at", e["at"]}, {"subject", describe(e)},
                  {"attributes", attrs}};
        if (e.contains("by")) i["user"] = e["by"];
        interactions::add(db, i);
    }
    if (!text_of(lead[kNotes]).empty()) {
        const Json record = sales::render(db, lead_type(), id);
        interactions::add(db, {{"customer_id", customer->str()}, {"kind", "note"}, {"occurred_at", record["created_at"]},
                               {"subject", "Lead notes"}, {"body", text_of(lead[kNotes])},
                               {"attributes", {{"lead_id", id.str()}}}});
    }
    std::optional<Uuid> opportunity;
    if (options.contains("opportunity") && options["opportunity"].is_object()) {
        Json o = options["opportunity"];
        if (o.contains("customer_id") || o.contains("lead_id")) invalid("convert.opportunity.customer_id", "set by the conversion");
        o["customer_id"] = customer->str();
        o["lead_id"] = id.str();
        if (!o.contains("name")) o["name"] = text_of(lead[kCompany]).empty() ? text_of(lead[kName]) : text_of(lead[kCompany]);
        if (!o.contains("owner") && !is_null(lead[kOwner])) o["owner"] = text_of(lead[kOwner]);
        if (!o.contains("team") && !is_null(lead[kTeam])) o["team"] = text_of(lead[kTeam]);
        if (!o.contains("campaign_id") && !is_null(lead[kCampaign])) o["campaign_id"] = id_of(lead[kCampaign])->str();
        if (!by.empty()) o["by"] = by;
        opportunity = opportunities::add_in(w, o);
    }
    auto next = lead;
    next[kStatus] = std::string("converted");
    next[kCustomer] = *customer;
    if (opportunity) next[kOpportunity] = *opportunity;
    next[kConvertedAt] = w.now();
    sales::update(w, lead_type(), id, lead, next);
    add_event(w, id, "converted", text_of(lead[kStatus]), customer->str(), by, std::nullopt);
    w.commit();
    out = {{"customer_id", customer->str()}, {"created_customer", created}};
    if (opportunity) out["opportunity_id"] = opportunity->str();
    return out;
}

}  // namespace crmlite::leads
