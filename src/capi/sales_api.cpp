// Sales and marketing through the C ABI (crmlite_sales.h): pipelines,
// opportunities, leads and assignment rules, campaigns, reports. JSON in, JSON
// out; a thin shim over src/pipeline, src/leads, src/campaigns, src/sales_reports.
#include "access/access.hpp"
#include "campaigns/campaigns.hpp"
#include "capi/handles.hpp"
#include "leads/leads.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "sales_reports/reports.hpp"

using namespace crmlite;

namespace {

Uuid id_arg(const char* id, const char* field) { return Uuid::parse(std::string_view(id), field); }
Json object_or_empty(const char* json, const char* what) { return json ? parse_object(json, what) : Json::object(); }

// A delete through the C ABI: the module checks the principal's permission
// and scope; a principal's delete is audited, as for customers.
// A principal's read or change of a sales record is audited as a customer's
// is (ids and counts only; batched, src/access).
void audited(crm_db* db, const char* action, const char* record_type, const Uuid& id) {
    access::audit(*db->db, action, record_type, id);
}
void audited_list(crm_db* db, const char* action, const Json& rows) {
    access::audit(*db->db, action, nullptr, std::nullopt, {{"records", rows.size()}});
}

crm_status remove_record(crm_db* db, const char* id, void (*remove)(Database&, const Uuid&), const char* action,
                         const char* record_type) {
    const Uuid uid = id_arg(id, "id");
    remove(*db->db, uid);
    access::audit(*db->db, action, record_type, uid);
    return capi::ok();
}

}  // namespace

// Common prologue: the out-parameter is cleared first, then every handle checked.
#define CRM_SALES_OUT(out) \
    CRM_REQUIRE(out);      \
    *(out) = nullptr;      \
    CRM_REQUIRE(db);       \
    capi::StatementReset reset_guard{*db->db};
#define CRM_SALES_DB    \
    CRM_REQUIRE(db);    \
    capi::StatementReset reset_guard{*db->db};

extern "C" {

crm_status crm_pipeline_create(char** out_json, crm_db* db, const char* json) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(pipeline::create(*db->db, parse_object(json, "pipeline")))); return capi::ok();)
}

crm_status crm_pipeline_list(char** out_json, crm_db* db) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(pipeline::list(*db->db))); return capi::ok();)
}

crm_status crm_pipeline_stage_update(crm_db* db, const char* stage_id, const char* json) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(stage_id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(pipeline::update_stage(*db->db, id_arg(stage_id, "stage_id"), parse_object(json, "stage")); return capi::ok();)
}

crm_status crm_pipeline_delete(crm_db* db, const char* id) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_API_GUARD(return remove_record(db, id, &pipeline::remove, "pipeline.delete", "pipeline");)
}

crm_status crm_opportunity_delete(crm_db* db, const char* id) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_API_GUARD(return remove_record(db, id, &opportunities::remove, "opportunity.delete", "opportunity");)
}

crm_status crm_lead_delete(crm_db* db, const char* id) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_API_GUARD(return remove_record(db, id, &leads::remove, "lead.delete", "lead");)
}

crm_status crm_campaign_delete(crm_db* db, const char* id) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_API_GUARD(return remove_record(db, id, &campaigns::remove, "campaign.delete", "campaign");)
}

crm_status crm_opportunity_add(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_SALES_OUT(out_id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Uuid id = opportunities::add(*db->db, parse_object(json, "opportunity"));
        audited(db, "opportunity.create", "opportunity", id);
        *out_id = capi::dup_string(id.str());
        return capi::ok();)
}

crm_status crm_opportunity_update(crm_db* db, const char* id, const char* json) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Uuid uid = id_arg(id, "id");
        opportunities::update(*db->db, uid, parse_object(json, "opportunity"));
        audited(db, "opportunity.update", "opportunity", uid);
        return capi::ok();)
}

crm_status crm_opportunity_get(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = id_arg(id, "id");
        *out_json = capi::dup_string(dump(opportunities::get(*db->db, uid)));
        audited(db, "opportunity.read", "opportunity", uid);
        return capi::ok();)
}

crm_status crm_opportunity_list(char** out_json, crm_db* db, const char* filter_json) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_API_GUARD(
        const Json rows = opportunities::list(*db->db, object_or_empty(filter_json, "filter"));
        *out_json = capi::dup_string(dump(rows));
        audited_list(db, "opportunity.list", rows);
        return capi::ok();)
}

crm_status crm_lead_capture(char** out_json, crm_db* db, const char* json) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Json r = leads::capture(*db->db, parse_object(json, "lead"));
        *out_json = capi::dup_string(dump(r));
        audited(db, r.value("created", false) ? "lead.create" : "lead.update", "lead", id_arg(r["id"].get<std::string>().c_str(), "id"));
        return capi::ok();)
}

crm_status crm_lead_update(crm_db* db, const char* id, const char* json) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Uuid uid = id_arg(id, "id");
        leads::update(*db->db, uid, parse_object(json, "lead"));
        audited(db, "lead.update", "lead", uid);
        return capi::ok();)
}

crm_status crm_lead_get(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = id_arg(id, "id");
        *out_json = capi::dup_string(dump(leads::get(*db->db, uid)));
        audited(db, "lead.read", "lead", uid);
        return capi::ok();)
}

crm_status crm_lead_list(char** out_json, crm_db* db, const char* filter_json) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_API_GUARD(
        const Json rows = leads::list(*db->db, object_or_empty(filter_json, "filter"));
        *out_json = capi::dup_string(dump(rows));
        audited_list(db, "lead.list", rows);
        return capi::ok();)
}

crm_status crm_lead_assign(char** out_json, crm_db* db, const char* id, const char* owner, const char* by) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const std::optional<std::string> who = owner ? std::optional<std::string>(owner) : std::nullopt;
        const Uuid uid = id_arg(id, "id");
        *out_json = capi::dup_string(dump(leads::assign(*db->db, uid, who, by ? by : "")));
        audited(db, "lead.assign", "lead", uid);
        return capi::ok();)
}

crm_status crm_lead_convert(char** out_json, crm_db* db, const char* id, const char* options_json) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = id_arg(id, "id");
        *out_json = capi::dup_string(dump(leads::convert(*db->db, uid, object_or_empty(options_json, "convert"))));
        audited(db, "lead.convert", "lead", uid);
        return capi::ok();)
}

crm_status crm_assignment_rule_add(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_SALES_OUT(out_id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(*out_id = capi::dup_string(leads::add_rule(*db->db, parse_object(json, "rule")).str()); return capi::ok();)
}

crm_status crm_assignment_rule_update(crm_db* db, const char* id, const char* json) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(leads::update_rule(*db->db, id_arg(id, "id"), parse_object(json, "rule")); return capi::ok();)
}

crm_status crm_assignment_rule_delete(crm_db* db, const char* id) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_API_GUARD(return remove_record(db, id, &leads::delete_rule, "rule.delete", "assignment_rule");)
}

crm_status crm_assignment_rule_list(char** out_json, crm_db* db) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(leads::list_rules(*db->db))); return capi::ok();)
}

crm_status crm_campaign_create(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_SALES_OUT(out_id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(*out_id = capi::dup_string(campaigns::create(*db->db, parse_object(json, "campaign")).str()); return capi::ok();)
}

crm_status crm_campaign_update(crm_db* db, const char* id, const char* json) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(campaigns::update(*db->db, id_arg(id, "id"), parse_object(json, "campaign")); return capi::ok();)
}

crm_status crm_campaign_get(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(id);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(campaigns::get(*db->db, id_arg(id, "id")))); return capi::ok();)
}

crm_status crm_campaign_audience(char** out_json, crm_db* db, const char* id, int freeze) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(id);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(campaigns::audience(*db->db, id_arg(id, "id"), freeze != 0))); return capi::ok();)
}

crm_status crm_campaign_member_set(crm_db* db, const char* campaign_id, const char* customer_id, const char* status,
                                   int64_t at_ms) noexcept {
    CRM_SALES_DB;
    CRM_REQUIRE(campaign_id);
    CRM_REQUIRE(customer_id);
    CRM_REQUIRE(status);
    if (at_ms < 0) return capi::fail(CRM_EINVAL, "at_ms: must be 0 (now) or a time in UTC ms");
    CRM_API_GUARD(
        campaigns::set_member_status(*db->db, id_arg(campaign_id, "campaign_id"), id_arg(customer_id, "customer_id"), status, at_ms);
        return capi::ok();)
}

crm_status crm_sales_report(char** out_json, crm_db* db, const char* kind, const char* params_json) noexcept {
    CRM_SALES_OUT(out_json);
    CRM_REQUIRE(kind);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(sales_reports::report(*db->db, kind, object_or_empty(params_json, "params"))));
        access::audit(*db->db, "sales.report", nullptr, std::nullopt, {{"kind", kind}});
        return capi::ok();)
}

}  // extern "C"
