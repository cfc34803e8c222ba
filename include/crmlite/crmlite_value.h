/*
 * crmlite_value.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Customer value and lifecycle: RFM segments, value tiers, dynamic tags,
 * follow-up rules, tasks, reminders, churn risk, reports (issue 5).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_VALUE_H
#define CRMLITE_VALUE_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- RFM, segments, value tiers (docs/value.md) --------------------------
 * Derived data: computed on this device from customers and interactions,
 * never synced; the same data and as_of give the same result everywhere.
 * params_json: {"as_of": ISO instant (required), "window_days": 365 (0 = all
 * history), "purchase_kinds": ["order"], "refund_kinds": ["refund"],
 * "cancelled_statuses": ["cancelled","canceled"], "base_currency": "CNY",
 * "rates": {"USD": 7.1} (base units per unit), "method": "ntile" | "quantile" |
 * "rank_bins", "segments": {"table": {...125 cells}} | {"rules": [...]},
 * "tiers": {"core": 0.1, "potential": 0.3}, "snapshot": true}.
 * Unknown keys and bad values are CRM_EINVAL naming the field ("rfm.method"). */

/* Full recompute; stores the current scores and (unless "snapshot": false) a
 * dated snapshot. Returns a summary {"mode","snapshot","as_of","customers",
 * "buyers","recomputed","written","segments":{name:n},"tiers":{name:n}}
 * (caller frees). CRM_EPERM on a read-only handle. */
CRM_API crm_status crm_rfm_compute(char** out_json, crm_db* db, const char* params_json) CRM_NOEXCEPT;
/* Incremental refresh: re-aggregates only customers whose purchases changed
 * since the last run (or crossed the window's edges) and rescores everyone;
 * falls back to a full recompute when needed ("mode" says which). Same result
 * as crm_rfm_compute for the same data and params. */
CRM_API crm_status crm_rfm_refresh(char** out_json, crm_db* db, const char* params_json) CRM_NOEXCEPT;
/* One customer's current scores {"customer_id","as_of","recency_days",
 * "frequency","monetary","currency","r","f","m","segment","tier"} (scores null
 * without purchases). CRM_ENOTFOUND before any run or for an unknown customer. */
CRM_API crm_status crm_rfm_customer(char** out_json, crm_db* db, const char* customer_id) CRM_NOEXCEPT;
/* Stored snapshots, newest first: [{"id","as_of","created_at","customers","buyers","params"}]. */
CRM_API crm_status crm_rfm_snapshots(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Customers moved between segments from snapshot `from` to snapshot `to`
 * (0 and 0: the two latest): {"from","to","moved","stayed","entered","left",
 * "matrix":[{"from","to","count"}]}. CRM_ENOTFOUND for a missing snapshot. */
CRM_API crm_status crm_rfm_movement(char** out_json, crm_db* db, int64_t from, int64_t to) CRM_NOEXCEPT;
/* The default 125-cell segment table {"555":"Champions", ...} (caller frees). */
CRM_API crm_status crm_rfm_default_segments(char** out_json) CRM_NOEXCEPT;

/* ---- Tasks, follow-up rules, reminders (synced records) ------------------
 * Times are ISO-8601 text; where a time argument may be NULL, NULL means now. */

/* json: {"customer_id","kind","due_at" (required),"assignee","title","notes",
 * "status" ("open" default, "done", "snoozed", "cancelled")}. Returns the new id
 * (caller frees). CRM_EINVAL names the field; CRM_ENOTFOUND for an unknown customer. */
CRM_API crm_status crm_task_create(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
/* Patches a task's fields (customer_id and rule_id cannot change). */
CRM_API crm_status crm_task_update(crm_db* db, const char* id, const char* json) CRM_NOEXCEPT;
CRM_API crm_status crm_task_get(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* Marks the task done at `at` (NULL: now). A cancelled task is CRM_EINVAL. */
CRM_API crm_status crm_task_complete(crm_db* db, const char* id, const char* at) CRM_NOEXCEPT;
/* Deletes the task; the delete syncs and wins over concurrent edits elsewhere,
 * and a follow-up rule does not make a task it made and a user deleted again.
 * CRM_ENOTFOUND for an unknown task. */
CRM_API crm_status crm_task_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* Hides the task from crm_tasks_due until `until` (required). */
CRM_API crm_status crm_task_snooze(crm_db* db, const char* id, const char* until) CRM_NOEXCEPT;
/* Tasks due or overdue at `now` (NULL: now), for one assignee or all (NULL),
 * earliest first: [{...task, "effective_due", "overdue"}] (caller frees). */
CRM_API crm_status crm_tasks_due(char** out_json, crm_db* db, const char* now, const char* assignee) CRM_NOEXCEPT;
/* Every task of a customer, by due time. */
CRM_API crm_status crm_tasks_for_customer(char** out_json, crm_db* db, const char* customer_id) CRM_NOEXCEPT;

/* Follow-up rules: {"id"? (update),"name","definition":{"trigger":"new_customer"|
 * "revisit_tier"|"ticket_open", ...},"enabled"}; see docs/value.md. Returns the id. */
CRM_API crm_status crm_followup_rule_save(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
CRM_API crm_status crm_followup_rule_list(char** out_json, crm_db* db) CRM_NOEXCEPT;
CRM_API crm_status crm_followup_rule_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* Installs the handbook's three rules (new customer in 3 days, core tier every
 * 30 days, tickets open over 48 hours) under fixed ids; idempotent. Returns their ids. */
CRM_API crm_status crm_followup_install_defaults(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Runs every enabled rule as of `now` (NULL: now); never makes a task twice.
 * Returns {"created": n, "tasks": [ids]}. */
CRM_API crm_status crm_followup_run(char** out_json, crm_db* db, const char* now) CRM_NOEXCEPT;

/* ---- Lifecycle stage ------------------------------------------------------
 * stage: prospect, customer, repeat, loyal, at_risk, churned (or "auto" with
 * source "manual": release a manual override); source: "manual" or "rule".
 * Every change is kept as synced history. */
CRM_API crm_status crm_lifecycle_set(crm_db* db, const char* customer_id, const char* stage, const char* source) CRM_NOEXCEPT;
/* [{"id","customer_id","stage","previous","source","at","created_at"}], oldest first. */
CRM_API crm_status crm_lifecycle_history(char** out_json, crm_db* db, const char* customer_id) CRM_NOEXCEPT;
/* params: {"as_of" (required), "purchase_kinds", "at_risk_days": 120,
 * "churned_days": 365, "loyal_purchases": 5}. Suggest: {"stage","reason",
 * "purchases","days_since_last","manual_override"}. Apply (customer_id NULL =
 * everyone): sets the suggested stage where no manual override holds:
 * {"changed","kept_manual","unchanged"}. */
CRM_API crm_status crm_lifecycle_suggest(char** out_json, crm_db* db, const char* customer_id, const char* params_json) CRM_NOEXCEPT;
CRM_API crm_status crm_lifecycle_apply(char** out_json, crm_db* db, const char* customer_id, const char* params_json) CRM_NOEXCEPT;

/* ---- Dynamic tags ---------------------------------------------------------
 * {"id"? (update),"name","tag":"path","condition":{...},"enabled"}; the
 * condition (all/any/not over field tests and interaction aggregates, see
 * docs/value.md) is validated at save: unknown fields or operators are
 * CRM_EINVAL naming the place. Rule-assigned tags are derived (never synced)
 * and never touch manual tags. */
CRM_API crm_status crm_tag_rule_save(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
CRM_API crm_status crm_tag_rule_list(char** out_json, crm_db* db) CRM_NOEXCEPT;
CRM_API crm_status crm_tag_rule_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* Re-evaluates the rules for one customer or everyone (customer_id NULL) as of
 * `now` (NULL: now): {"evaluated","added","removed"}. */
CRM_API crm_status crm_tag_rules_apply(char** out_json, crm_db* db, const char* customer_id, const char* now) CRM_NOEXCEPT;
/* Re-evaluates only customers whose data changed since the last apply/refresh. */
CRM_API crm_status crm_tag_rules_refresh(char** out_json, crm_db* db, const char* now) CRM_NOEXCEPT;

/* ---- Churn risk and reports ----------------------------------------------
 * params: {"as_of" (required), "purchase_kinds", "complaint_kinds",
 * "survey_kinds", "default_interval_days", "threshold": 0.3, "limit": 100}.
 * Score: {"customer_id","score" (0..1),"reasons":[{"code","weight","detail"}]}. */
CRM_API crm_status crm_churn_score(char** out_json, crm_db* db, const char* customer_id, const char* params_json) CRM_NOEXCEPT;
/* {"as_of","threshold","count","customers":[...]} highest score first. */
CRM_API crm_status crm_churn_at_risk(char** out_json, crm_db* db, const char* params_json) CRM_NOEXCEPT;
/* name: "segments", "transitions", "funnel", "followup", "repeat_rate", "aov",
 * "clv"; params_json may be NULL ({}). Unknown names are CRM_EINVAL. */
CRM_API crm_status crm_value_report(char** out_json, crm_db* db, const char* name, const char* params_json) CRM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_VALUE_H */
