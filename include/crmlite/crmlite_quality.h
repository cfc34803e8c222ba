/*
 * crmlite_quality.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Data quality: normalisation, validation, completeness, duplicate
 * detection and merge (issue 6).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_QUALITY_H
#define CRMLITE_QUALITY_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------- normalisation */

/* The normal form of one value, as JSON (caller frees). `kind` is one of
 * "phone" ({"e164","type","region","valid","parsed"}; in the file's default
 * region), "email" ({"normalized","match_key","valid"}), "text" (NFKC, spaces
 * collapsed), "name" ({"text","pinyin","key"}: pinyin with the surname read
 * from a surname table), "province" or "city" ({"canonical"}).
 * CRM_EINVAL naming "kind" for another kind. */
CRM_API crm_status crm_quality_normalize(char** out_json, crm_db* db, const char* kind, const char* value) CRM_NOEXCEPT;
/* The region of phone numbers written without a country prefix ("CN" by
 * default; ISO 3166 code). CRM_EINVAL naming "region" for an unknown region. */
CRM_API crm_status crm_quality_set_phone_region(crm_db* db, const char* region) CRM_NOEXCEPT;

/* ----------------------------------------------------- duplicate detection */

/* Options (all optional, NULL for the defaults): {"auto_threshold": 0.9,
 * "review_threshold": 0.6, "max_block": 200}. */

/* Every cluster of duplicates in the file, each pair with its score and
 * evidence, plus the review queue (pairs between the two thresholds):
 * {"clusters":[{"members":[ids],"pairs":[{"a","b","score","decision","evidence":[...]}]}],
 *  "review":[pair...], "duplicate_rate", "compared_pairs", ...} (caller frees). */
CRM_API crm_status crm_quality_find_duplicates(char** out_json, crm_db* db, const char* options_json) CRM_NOEXCEPT;
/* The customers that match customer `id` (incremental: only its blocks are
 * compared): {"id","matches":[{"id","score","decision","evidence"}]}. CRM_ENOTFOUND. */
CRM_API crm_status crm_quality_check_customer(char** out_json, crm_db* db, const char* id,
                                              const char* options_json) CRM_NOEXCEPT;
/* The same for a customer record not yet in the file (JSON as for
 * crm_customer_create): check before creating. */
CRM_API crm_status crm_quality_check_record(char** out_json, crm_db* db, const char* customer_json,
                                            const char* options_json) CRM_NOEXCEPT;

/* ------------------------------------------------------------------ merge */

/* Merges the customers listed in `losers_json` (a JSON array of ids) into
 * `survivor`, in one transaction. Options (NULL: defaults):
 * {"rule": "most_recent"|"most_complete"|"survivor", "fields": {"<field>": rule},
 *  "choose": {"<field>": "<customer id>"}}. Contact points, tags, external ids
 * and interactions move to the survivor; each loser becomes a redirect that
 * syncs (crm_customer_get of a loser returns the survivor with
 * "redirected_from"). Returns the merge record (caller frees):
 * {"id","survivor","losers","sources":{"<field>":{"from","rule"}},"before":{...},"status"}.
 * CRM_ENOTFOUND for an unknown customer; CRM_EINVAL naming the field. */
CRM_API crm_status crm_quality_merge(char** out_json, crm_db* db, const char* survivor, const char* losers_json,
                                     const char* options_json) CRM_NOEXCEPT;
/* Undoes merge `merge_id` in one transaction: each loser comes back under its
 * own id with its fields as they were (and every edit made to it since, here
 * or on another replica), its phones, e-mails and tags, and the interactions
 * and external ids the merge moved; the survivor gets back the fields the
 * merge changed and loses what it had only from the losers, except what was
 * edited since. The undo syncs: every replica that learns of it brings the
 * losers back and drops their redirects. Returns the merge record with
 * "status": "undone" and "kept": [{"record","reason"}] (what later changes
 * keep as it is) (caller frees). CRM_ENOTFOUND for an unknown merge;
 * CRM_ECONFLICT naming the cause when a later change made the undo
 * impossible: the merge already undone, the survivor deleted or merged into
 * another customer since ("survivor: ..."), a loser deleted by a user, merged
 * again, living again after a merge cycle, or no longer kept after tombstone
 * garbage collection ("losers[i]: ..."). */
CRM_API crm_status crm_quality_merge_undo(char** out_json, crm_db* db, const char* merge_id) CRM_NOEXCEPT;
/* One merge record by its id (caller frees). CRM_ENOTFOUND. */
CRM_API crm_status crm_quality_merge_get(char** out_json, crm_db* db, const char* merge_id) CRM_NOEXCEPT;
/* The merges customer `id` survived, newest first: a JSON array (caller frees). */
CRM_API crm_status crm_quality_merges_of(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;

/* ------------------------------------------------ validation and the report */

/* The field rules in force: {"rules":[{"field","kind","required","pattern",
 * "enum","min","max","weight"}]} (caller frees). */
CRM_API crm_status crm_quality_rules_get(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Replaces the rules (NULL restores the defaults). CRM_EINVAL names the bad
 * rule, e.g. "rules[2].pattern". */
CRM_API crm_status crm_quality_rules_set(crm_db* db, const char* rules_json) CRM_NOEXCEPT;
/* One customer against the rules: {"id","completeness","missing":[fields],
 * "invalid":[{"field","value","reason"}]} (caller frees). CRM_ENOTFOUND. */
CRM_API crm_status crm_quality_validate(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* The data-quality report over the whole file (options NULL or
 * {"stale_days": 180, "duplicates": true}): completeness, missing rate per
 * field, invalid values per field, duplicate rate, stale profiles and the
 * handbook KPIs with their targets (caller frees). */
CRM_API crm_status crm_quality_report(char** out_json, crm_db* db, const char* options_json) CRM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_QUALITY_H */
