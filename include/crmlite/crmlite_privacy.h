/*
 * crmlite_privacy.h — part of the crmlite C ABI, included by crmlite.h (include
 * crmlite.h, not this file). Access control and privacy: principals, roles, owner scopes, masking,
 * audit log, export and erasure of a person's data (issue 7).
 * The conventions of crmlite.h hold here too.
 */
#ifndef CRMLITE_PRIVACY_H
#define CRMLITE_PRIVACY_H

#ifndef CRMLITE_H
#error "include <crmlite/crmlite.h>, which includes this file"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ principals
 * A handle opened with a principal acts for that user of the file: it sees and
 * changes only the customers its role's scope covers ("own": owner = the user;
 * "team": owner = any active user of the user's team; "all"), may do only what
 * its role permits, and receives masked phones, e-mails, ID numbers,
 * addresses, birthdays (and phone numbers / e-mails inside notes and search
 * snippets) unless the role has "unmask". A forbidden call fails with
 * CRM_EPERM, writes nothing and leaves an audit entry. Customers outside the
 * scope are absent from lists, counts, search results, exports and sync; a
 * direct get/view/timeline of one is CRM_EPERM. Without a principal a handle
 * is the system: no checks, no masking, as before.
 *
 * Built-in roles: admin (all permissions, scope all), manager (all but
 * manage_users and erase, scope team), sales (read, create, update; own),
 * service (read, update; all), analyst (read, export; all), read-only (read;
 * all). Permissions: read, create, update, delete, export, merge,
 * manage_rules, manage_users, unmask, audit, erase. See docs/privacy.md. */

/* Opens the handle as `user` (an active user of the file, see crm_user_put);
 * crm_open then fails with CRM_EPERM for an unknown or inactive user. "" is
 * the system (the default). */
CRM_API crm_status crm_options_set_principal(crm_options* opts, const char* user) CRM_NOEXCEPT;
/* The handle's principal: {"principal":"alice","role","team","scope",
 * "permissions":[...],"owners":[...]} or {"principal":null,...} for the
 * system. Caller frees. */
CRM_API crm_status crm_whoami(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Creates or replaces a user: {"name","role","team"?,"display_name"?,
 * "active"?}. The name is what customers' "owner" holds. Needs manage_users. */
CRM_API crm_status crm_user_put(crm_db* db, const char* json) CRM_NOEXCEPT;
/* All users as a JSON array (caller frees). Needs manage_users. */
CRM_API crm_status crm_user_list(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Creates or replaces a custom role: {"name","permissions":[...],
 * "scope":"own"|"team"|"all"}. Built-in names are CRM_EINVAL. Needs manage_users. */
CRM_API crm_status crm_role_put(crm_db* db, const char* json) CRM_NOEXCEPT;
/* Built-in and custom roles as a JSON array (caller frees). */
CRM_API crm_status crm_role_list(char** out_json, crm_db* db) CRM_NOEXCEPT;

/* -------------------------------------------------------------- audit log
 * Who did what to which record, when, from which site: reads of personal data
 * by principals, changes by principals, permission denials, logins, exports,
 * subject exports and erasures, user and role changes. Entries hold ids and
 * counts, never personal content. Reads are batched: kept in memory and
 * written with the handle's next commit, once 256 are pending, at
 * crm_audit_flush or at crm_close (a read-only handle cannot write them). */

/* Entries, newest first: {"principal","action","outcome":"ok"|"denied",
 * "record_id","since","until","limit" (100),"after":"<token>"} (NULL: all).
 * Rows {"id","site","n","at","principal","action","outcome","record_type",
 * "record_id","detail"}. Needs the audit permission. */
CRM_API crm_status crm_audit_query(crm_cursor** out, crm_db* db, const char* query_json) CRM_NOEXCEPT;
/* Checks every site's hash chain: {"ok","sites","entries","problems":[{"site",
 * "n","reason"}]} (caller frees). An edited, inserted or deleted entry is a
 * problem. Needs the audit permission. */
CRM_API crm_status crm_audit_verify(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Writes the pending audit entries now (one transaction). */
CRM_API crm_status crm_audit_flush(crm_db* db) CRM_NOEXCEPT;

/* ------------------------------------------------------ privacy under sync
 * The audit log is synced to the hub: a changeset can carry the entries of
 * the sender's own chain (ids and counts only), and the receiver appends them
 * to that site's chain, so crm_audit_verify at the hub checks every device's
 * chain. Chains travel one hop (a receiver never sends another site's entries
 * on). By default an unfiltered changeset of a handle without principal
 * carries them (a device's changes for its hub) and a filtered one or one of
 * a principal's handle does not (changes for a device). `include` 1 makes
 * crm_sync_changes_for send them whatever the filter (on a principal's handle
 * this needs the audit permission: CRM_EPERM otherwise), 0 never. Other
 * values are CRM_EINVAL.
 *
 * Changes made on a principal's handle for its device are masked when the
 * principal may not unmask (docs/privacy.md); an erasure (crm_subject_erase)
 * syncs as one, and a replica receiving it scrubs its own file. */
CRM_API crm_status crm_sync_options_set_audit(crm_sync_options* opts, int include) CRM_NOEXCEPT;

/* ------------------------------------------------------ data subject rights */

/* Everything held about one person as JSON (caller frees): {"customer",
 * "interactions","tags","segments","tasks","audit"}. Needs export and unmask,
 * and the person in scope. Audited. */
CRM_API crm_status crm_subject_export(char** out_json, crm_db* db, const char* customer_id) CRM_NOEXCEPT;
/* Erases a person: the customer and everything under it deleted with
 * tombstones that sync (as an erasure: every replica that receives it removes
 * the same traces and scrubs its file), its old values removed from the
 * conflict log, the full-text indexes rewritten, PRAGMA secure_delete on,
 * VACUUM, then a WAL checkpoint.
 * Needs erase and delete, the person in scope, and no open transaction
 * (CRM_EMISUSE). Returns {"erased","records","conflicts_removed",
 * "extra_removed","delete_ms","fts_rewrite_ms","vacuum_ms","checkpoint_ms",
 * "checkpoint_complete"} (caller frees); checkpoint_complete is 0 when
 * another connection's open read kept old pages in the WAL. */
CRM_API crm_status crm_subject_erase(char** out_report, crm_db* db, const char* customer_id) CRM_NOEXCEPT;
/* Exports, as JSON Lines to `path`, only the customers (in scope) who
 * consented to marketing: {"rows","skipped_without_consent"} (caller frees). */
CRM_API crm_status crm_export_marketing(char** out_report, crm_db* db, const char* path) CRM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

#endif /* CRMLITE_PRIVACY_H */
