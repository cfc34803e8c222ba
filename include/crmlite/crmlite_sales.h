/*
 * crmlite_sales.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Sales and marketing: leads, opportunities, pipelines, forecasts,
 * campaigns with attribution (issue 8).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_SALES_H
#define CRMLITE_SALES_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* All functions: JSON in and out (UTF-8), ids as UUID strings, money as integer
 * minor units plus an ISO-4217 code. Every returned string is owned by the
 * caller and freed with crm_free(); on failure out-parameters are NULL and the
 * status comes with a message naming the field (crm_errmsg()). Every mutating
 * call is one transaction (or joins the caller's, see crm_begin()). Expected
 * codes: CRM_EINVAL (bad input, named), CRM_ENOTFOUND (an id that is not
 * there), CRM_EEXISTS (a lead converted twice), CRM_EREADONLY. See docs/sales.md. */

/* ---------------------------------------------------------------- pipelines */

/* Creates a pipeline from {"name", "stages":[{"name", "probability" 0-100,
 * "outcome":"open"|"won"|"lost"}]}; a won (100) and a lost (0) stage are added
 * when not given. Returns the pipeline with its stages (caller frees). */
CRM_API crm_status crm_pipeline_create(char** out_json, crm_db* db, const char* json) CRM_NOEXCEPT;
/* All pipelines with their stages, as a JSON array (caller frees). */
CRM_API crm_status crm_pipeline_list(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Changes a stage's "name", "position" or (open stages) "probability". */
CRM_API crm_status crm_pipeline_stage_update(crm_db* db, const char* stage_id, const char* json) CRM_NOEXCEPT;
/* Deletes a pipeline and its stages. CRM_EEXISTS while an opportunity uses it
 * (archive it instead: {"archived": true} is kept by the pipeline). Needs the
 * "delete" permission. Deletes are tombstones that sync and win over
 * concurrent edits; an opportunity added offline in the pipeline on another
 * replica is dropped when the two sync (reported under "dropped"). */
CRM_API crm_status crm_pipeline_delete(crm_db* db, const char* id) CRM_NOEXCEPT;

/* ------------------------------------------------------------ opportunities */

/* Adds an opportunity: {"customer_id", "name", "owner", "team", "pipeline_id" or
 * "stage_id", "amount_minor", "currency", "expected_close" (date), "items":[{"name",
 * "quantity", "unit_price_minor"}], "order_ids":[...], "lead_id", "campaign_id",
 * "notes", "by"}. Without a stage: the first open stage of the pipeline (of the
 * only pipeline when none is named). Returns its id (caller frees). */
CRM_API crm_status crm_opportunity_add(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
/* Partial update. A new "stage_id" appends to the stage history; "status":"won"
 * or "lost" (with "close_reason") moves to the pipeline's won/lost stage. */
CRM_API crm_status crm_opportunity_update(crm_db* db, const char* id, const char* json) CRM_NOEXCEPT;
/* Deletes the opportunity and its stage history (tombstones that sync: the
 * delete wins over concurrent edits and the opportunity never comes back).
 * Leads naming it lose the link. Needs the "delete" permission and its
 * customer in the principal's scope (CRM_EPERM); CRM_ENOTFOUND when absent. */
CRM_API crm_status crm_opportunity_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* The opportunity with "stage" and "stage_history" (caller frees). */
CRM_API crm_status crm_opportunity_get(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* Opportunities matching {"status", "owner", "team", "customer_id", "pipeline_id",
 * "limit"} (NULL: all, up to 100), as a JSON array (caller frees). */
CRM_API crm_status crm_opportunity_list(char** out_json, crm_db* db, const char* filter_json) CRM_NOEXCEPT;

/* -------------------------------------------------------------------- leads */

/* Captures a lead: {"name", "company", "phone", "email", "source", "campaign_id",
 * "owner", "team", "region", "notes", "by", "assign"}. Matched by normalised phone
 * or email: an open lead is captured again (no duplicate), a customer is linked.
 * Without an owner the assignment rules pick one. Returns {"id", "created",
 * "customer_id"?, "owner"?, "rule_id"?} (caller frees). */
CRM_API crm_status crm_lead_capture(char** out_json, crm_db* db, const char* json) CRM_NOEXCEPT;
/* Partial update ("status": new, contacted, qualified, disqualified; "owner":
 * a reassignment, kept in the lead's events). */
CRM_API crm_status crm_lead_update(crm_db* db, const char* id, const char* json) CRM_NOEXCEPT;
/* Deletes the lead and its events (tombstones that sync, as above).
 * Opportunities naming it lose the link. Needs the "delete" permission and the
 * lead's owner in the principal's scope (an unowned lead: scope "all"). */
CRM_API crm_status crm_lead_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* The lead with its "events" (caller frees). */
CRM_API crm_status crm_lead_get(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* Leads matching {"status", "owner", "source", "campaign_id", "limit"} (NULL: all,
 * up to 100), newest first, as a JSON array (caller frees). */
CRM_API crm_status crm_lead_list(char** out_json, crm_db* db, const char* filter_json) CRM_NOEXCEPT;
/* Assigns the lead to `owner`, or (owner NULL) by the rules; `by` (may be NULL)
 * names who did it. Returns {"owner", "rule_id"?} (caller frees); CRM_ENOTFOUND
 * when no rule matches. */
CRM_API crm_status crm_lead_assign(char** out_json, crm_db* db, const char* id, const char* owner, const char* by) CRM_NOEXCEPT;
/* Converts the lead: options {"customer":{...}, "opportunity":{...}, "by"} or NULL.
 * Returns {"customer_id", "created_customer", "opportunity_id"?} (caller frees). */
CRM_API crm_status crm_lead_convert(char** out_json, crm_db* db, const char* id, const char* options_json) CRM_NOEXCEPT;
/* Adds an assignment rule: {"name", "kind":"round_robin"|"territory"|"load",
 * "members":[owners], "team", "region", "source", "priority", "active"}. Returns
 * its id (caller frees). */
CRM_API crm_status crm_assignment_rule_add(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
/* All rules by priority, as a JSON array (caller frees). */
CRM_API crm_status crm_assignment_rule_list(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Changes a rule: the fields present in `json` (same keys as add; e.g.
 * {"active":false} to pause it), checked as a whole; CRM_ENOTFOUND when no
 * such rule. */
CRM_API crm_status crm_assignment_rule_update(crm_db* db, const char* id, const char* json) CRM_NOEXCEPT;
/* Deletes a rule (a tombstone that syncs); the leads it assigned keep their
 * owners and history. Rule calls need the "manage_rules" permission (CRM_EPERM). */
CRM_API crm_status crm_assignment_rule_delete(crm_db* db, const char* id) CRM_NOEXCEPT;

/* ---------------------------------------------------------------- campaigns */

/* Creates a campaign: {"name", "channel", "status", "audience":{customer filter},
 * "audience_mode":"frozen"|"dynamic", "starts_at", "ends_at", "cost_minor",
 * "currency", "attribution_days", "control_pct"}. Returns its id (caller frees). */
CRM_API crm_status crm_campaign_create(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
CRM_API crm_status crm_campaign_update(crm_db* db, const char* id, const char* json) CRM_NOEXCEPT;
/* Deletes the campaign and its members (tombstones that sync, as above);
 * leads and opportunities naming it lose the link. Needs the "delete"
 * permission (campaigns have no owner). */
CRM_API crm_status crm_campaign_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* The campaign with "member_statuses" counts (caller frees). */
CRM_API crm_status crm_campaign_get(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* Evaluates the audience: {"matched", "included", "control", "excluded":{reason:
 * count}}; with freeze != 0 a frozen campaign's members are made (once). */
CRM_API crm_status crm_campaign_audience(char** out_json, crm_db* db, const char* id, int freeze) CRM_NOEXCEPT;
/* Sets a member's status: targeted, sent, opened, responded, converted.
 * `at_ms` is the time (UTC ms; 0: now); the first contact starts the window. */
CRM_API crm_status crm_campaign_member_set(crm_db* db, const char* campaign_id, const char* customer_id, const char* status, int64_t at_ms) CRM_NOEXCEPT;

/* ------------------------------------------------------------------ reports */

/* A sales report as JSON (caller frees). kind: "pipeline" {"pipeline_id"?},
 * "forecast" {"period", "group_by", "from", "to", "pipeline_id"}, "stages"
 * {"pipeline_id"?}, "funnel" {"by"}, "campaigns" {"campaign_id"?}; params may be
 * NULL. */
CRM_API crm_status crm_sales_report(char** out_json, crm_db* db, const char* kind, const char* params_json) CRM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_SALES_H */
