/*
 * crmlite.h — the stable C ABI of crmlite, an embedded single-file CRM engine.
 *
 * Conventions (see docs/c-abi.md for the long form):
 *  - Every function returns a crm_status. On failure the thread-local message of
 *    the last error is readable with crm_errmsg(); crm_errcode_sqlite() gives the
 *    underlying SQLite extended result code (0 when the error did not come from SQLite).
 *  - Out-parameters come first. They are set to NULL / 0 when the call fails.
 *  - Records cross the ABI as UTF-8 JSON text. Every buffer the library returns
 *    through a `char**` out-parameter is owned by the caller and released with
 *    crm_free(). Pointers returned through `const char**` are borrowed: their
 *    lifetime is stated at each declaration.
 *  - Handles are opaque. Each is released by exactly one function that accepts NULL.
 *  - One handle is used by one thread at a time; any number of handles may be
 *    opened on the same file from different threads or processes.
 *  - Every mutating call is exactly one transaction, or joins the transaction the
 *    caller opened with crm_begin().
 *  - Callbacks run synchronously on the caller's thread, never later.
 *
 * Times in JSON are ISO-8601 (UTC "2026-11-23T09:00:00.000Z" on output; any offset
 * accepted on input); dates are "YYYY-MM-DD"; money is an integer of minor units
 * ("amount_minor") with an ISO-4217 currency code. Ids are UUID strings.
 */
#ifndef CRMLITE_H
#define CRMLITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#  if defined(CRMLITE_BUILDING)
#    define CRM_API __declspec(dllexport)
#  else
#    define CRM_API
#  endif
#else
#  define CRM_API __attribute__((visibility("default")))
#endif

/* Every function is noexcept for C++ callers: no exception ever crosses the ABI. */
#if defined(__cplusplus)
#  define CRM_NOEXCEPT noexcept
#else
#  define CRM_NOEXCEPT
#endif

/* ---------------------------------------------------------------- versions */

#define CRMLITE_VERSION_MAJOR 0
#define CRMLITE_VERSION_MINOR 1
#define CRMLITE_VERSION_PATCH 0
/* major*1000000 + minor*1000 + patch, comparable with crm_version_number(). */
#define CRMLITE_VERSION_NUMBER 1000
#define CRMLITE_VERSION_STRING "0.1.0"
/* Bumped only when the ABI breaks; equals the shared library's SOVERSION. */
#define CRMLITE_ABI_VERSION 1

/* The library's version string, e.g. "0.1.0". Static storage; never free it. */
CRM_API const char* crm_version(void) CRM_NOEXCEPT;
/* CRMLITE_VERSION_NUMBER of the library actually loaded. */
CRM_API int crm_version_number(void) CRM_NOEXCEPT;
/* CRMLITE_ABI_VERSION of the library actually loaded. */
CRM_API int crm_abi_version(void) CRM_NOEXCEPT;

/* ------------------------------------------------------------------ errors */

typedef enum crm_status {
    CRM_OK = 0,
    CRM_ERROR = 1,      /* internal error; the message says what happened */
    CRM_EINVAL = 2,     /* bad argument or bad input record; the message names the field */
    CRM_ENOTFOUND = 3,  /* no record with that id / key */
    CRM_EEXISTS = 4,    /* unique key already taken (e.g. an external id) */
    CRM_ENOTADB = 5,    /* the file is not a crmlite database; it was not modified */
    CRM_ETOONEW = 6,    /* the file was written by a newer crmlite schema */
    CRM_EIO = 7,        /* file system error */
    CRM_EBUSY = 8,      /* the database is locked by another connection */
    CRM_ENOMEM = 9,     /* out of memory */
    CRM_EPERM = 10,     /* the operation is not permitted (read-only handle, scope) */
    CRM_ECORRUPT = 11,  /* the database file or an input blob is corrupt */
    CRM_EMISUSE = 12,   /* API misuse: wrong order of calls, handle in wrong state */
    CRM_ECANCELED = 13, /* a callback asked to stop; the work was rolled back */
    CRM_EUSER = 14,     /* reserved for callbacks to report their own failure */
    CRM_EFORMAT = 15,   /* a changeset of a newer format or an incompatible schema; nothing applied */
    CRM_ESTALE = 16,    /* a sync peer fell behind the tombstone horizon: it must re-baseline; nothing applied */
    CRM_ECONFLICT = 17, /* a later change made the operation impossible (e.g. undoing a merge); the message names it */
    CRM_ROW = 100,      /* crm_cursor_next(): a row is available */
    CRM_DONE = 101      /* crm_cursor_next(): no more rows */
} crm_status;

/* Message of the last error on this thread ("" when the last call succeeded).
 * Borrowed: valid until the next crm_* call on this thread. Never NULL. */
CRM_API const char* crm_errmsg(void) CRM_NOEXCEPT;
/* Status of the last call on this thread. */
CRM_API crm_status crm_errcode(void) CRM_NOEXCEPT;
/* SQLite extended result code behind the last error, or 0. */
CRM_API int crm_errcode_sqlite(void) CRM_NOEXCEPT;
/* A static English name for a status ("CRM_EINVAL"). Never NULL. */
CRM_API const char* crm_status_name(crm_status status) CRM_NOEXCEPT;

/* Releases any buffer returned by the library through a char** out-parameter.
 * NULL is accepted. */
CRM_API void crm_free(void* ptr) CRM_NOEXCEPT;

/* Number of live handles of every kind (db, cursor, options) in this process.
 * A leak oracle for tests: zero once everything was released. */
CRM_API int64_t crm_live_handles(void) CRM_NOEXCEPT;

/* ----------------------------------------------------------------- options */

typedef struct crm_options crm_options;

/* Options for crm_open(). Defaults: create the file if missing, read-write,
 * time zone "UTC", busy timeout 5000 ms. */
CRM_API crm_status crm_options_new(crm_options** out) CRM_NOEXCEPT;
CRM_API void crm_options_free(crm_options* opts) CRM_NOEXCEPT;
/* 1: create a new database when the file does not exist (default); 0: fail with CRM_ENOTFOUND. */
CRM_API crm_status crm_options_set_create(crm_options* opts, int create) CRM_NOEXCEPT;
/* 1: open read-only; every mutating call fails with CRM_EPERM. */
CRM_API crm_status crm_options_set_readonly(crm_options* opts, int readonly) CRM_NOEXCEPT;
/* IANA time zone used for day-based rules, stored in the file when it is created
 * (later opens keep the stored one unless this is set). E.g. "Asia/Shanghai". */
CRM_API crm_status crm_options_set_timezone(crm_options* opts, const char* tz) CRM_NOEXCEPT;
/* Milliseconds to wait for a lock held by another connection. */
CRM_API crm_status crm_options_set_busy_timeout(crm_options* opts, int ms) CRM_NOEXCEPT;

/* ---------------------------------------------------------------- database */

typedef struct crm_db crm_db;

/* Opens (and if allowed creates) the database at `path` (UTF-8). Runs pending
 * schema migrations in one transaction. Fails with CRM_ENOTADB for a file that
 * is not a crmlite database (the file is left untouched) and CRM_ETOONEW for a
 * file written by a newer schema. `opts` may be NULL for defaults. */
CRM_API crm_status crm_open(crm_db** out, const char* path, const crm_options* opts) CRM_NOEXCEPT;
/* Closes the handle. Rolls back an explicit transaction left open. NULL accepted. */
CRM_API void crm_close(crm_db* db) CRM_NOEXCEPT;

/* Explicit transactions: every mutating call between crm_begin() and
 * crm_commit() joins one transaction; crm_rollback() undoes them all.
 * Nesting is an error (CRM_EMISUSE). */
CRM_API crm_status crm_begin(crm_db* db) CRM_NOEXCEPT;
CRM_API crm_status crm_commit(crm_db* db) CRM_NOEXCEPT;
CRM_API crm_status crm_rollback(crm_db* db) CRM_NOEXCEPT;

/* Facts about the open database as a JSON object: schema version, site id,
 * time zone, counts. Caller frees with crm_free(). */
CRM_API crm_status crm_db_info(char** out_json, crm_db* db) CRM_NOEXCEPT;

/* ---------------------------------------------------------------- cursors */

/* A forward-only stream of JSON rows. The crm_db it came from must stay open
 * and must not be written to while the cursor is being read. */
typedef struct crm_cursor crm_cursor;

/* Advances the cursor. Returns CRM_ROW and sets *out_json to the row, borrowed
 * and valid until the next call on this cursor; CRM_DONE at the end (and
 * *out_json = NULL); or an error status. */
CRM_API crm_status crm_cursor_next(const char** out_json, crm_cursor* cursor) CRM_NOEXCEPT;
/* Opaque keyset token that resumes the listing after the last row returned
 * (pass it as "after" in the next query). NULL when no row was returned yet.
 * Caller frees with crm_free(). */
CRM_API crm_status crm_cursor_token(char** out_token, crm_cursor* cursor) CRM_NOEXCEPT;
CRM_API void crm_cursor_free(crm_cursor* cursor) CRM_NOEXCEPT;

/* --------------------------------------------------------------- customers */

/* Creates a customer from a JSON object (see docs/records.md for the fields).
 * Returns the new id (caller frees). CRM_EINVAL names the offending field. */
CRM_API crm_status crm_customer_create(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
/* The customer as a JSON object (caller frees). CRM_ENOTFOUND when absent or deleted. */
CRM_API crm_status crm_customer_get(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* Partial update: only the fields present in `json` change; `null` clears a field.
 * "phones"/"emails" replace the whole list when given. */
CRM_API crm_status crm_customer_update(crm_db* db, const char* id, const char* json) CRM_NOEXCEPT;
/* Deletes the customer (a tombstone that syncs) with its contact points, tags
 * and interactions. */
CRM_API crm_status crm_customer_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* Finds a customer by an external system's id. Returns the id (caller frees). */
CRM_API crm_status crm_customer_find_external(char** out_id, crm_db* db, const char* system,
                                              const char* external_id) CRM_NOEXCEPT;
/* The 360-degree view: profile, contact points, tags, latest interactions,
 * order totals per currency, interaction counts per kind (caller frees). */
CRM_API crm_status crm_customer_view(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* Lists customers matching a JSON query: {"filter":{...}, "sort":"name", "order":"asc",
 * "limit":50, "after":"<token>"}. See docs/query.md. Unknown keys are CRM_EINVAL. */
CRM_API crm_status crm_customer_query(crm_cursor** out, crm_db* db, const char* query_json) CRM_NOEXCEPT;
/* Counts customers matching a filter object ("{}" or NULL: all, read from a counter). */
CRM_API crm_status crm_customer_count(int64_t* out_count, crm_db* db, const char* filter_json) CRM_NOEXCEPT;

/* ------------------------------------------------------------ interactions */

/* Logs an interaction (call, email, visit, meeting, chat, note, order, ticket,
 * survey, or any lower-case kind name). Returns its id (caller frees). */
CRM_API crm_status crm_interaction_add(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
CRM_API crm_status crm_interaction_get(char** out_json, crm_db* db, const char* id) CRM_NOEXCEPT;
/* Partial update, as crm_customer_update(). The customer cannot change. */
CRM_API crm_status crm_interaction_update(crm_db* db, const char* id, const char* json) CRM_NOEXCEPT;
CRM_API crm_status crm_interaction_delete(crm_db* db, const char* id) CRM_NOEXCEPT;
/* A customer's timeline, newest first: {"customer_id":"..", "kinds":["order"],
 * "limit":50, "after":"<token>"}. */
CRM_API crm_status crm_timeline(crm_cursor** out, crm_db* db, const char* query_json) CRM_NOEXCEPT;

/* -------------------------------------------------------------------- tags */

/* Creates a tag (and any missing ancestors) from {"path":"a/b/c", "kind":"basic"|
 * "behavior"|"value"}; at most three levels. Idempotent: the id is derived from
 * the path. Returns the tag's id (caller frees). */
CRM_API crm_status crm_tag_create(char** out_id, crm_db* db, const char* json) CRM_NOEXCEPT;
/* All tags as a JSON array of {id, path, name, kind, level, parent_id, count}. */
CRM_API crm_status crm_tag_list(char** out_json, crm_db* db) CRM_NOEXCEPT;
/* Deletes a tag that has no children; its assignments go with it. */
CRM_API crm_status crm_tag_delete(crm_db* db, const char* path) CRM_NOEXCEPT;
/* Tags / untags a customer by tag path (the tag is created if missing when tagging). */
CRM_API crm_status crm_tag_assign(crm_db* db, const char* customer_id, const char* path) CRM_NOEXCEPT;
CRM_API crm_status crm_tag_unassign(crm_db* db, const char* customer_id, const char* path) CRM_NOEXCEPT;

/* ------------------------------------------------------------------ search */

/* Full-text search: {"q":"小明", "in":"customers"|"interactions"|"all", "limit":20}.
 * Rows: {"type","id","customer_id","title","snippet","rank"}, best first.
 * Chinese substrings of one character and more, Latin word prefixes, pinyin of
 * Chinese names, and trailing digits of phone numbers all match. */
CRM_API crm_status crm_search(crm_cursor** out, crm_db* db, const char* query_json) CRM_NOEXCEPT;

/* ------------------------------------------------------- import and export */

typedef struct crm_import_options crm_import_options;

/* Progress callback: `done` rows read so far, `total` bytes-based estimate of all
 * rows (or -1). Return 0 to continue, non-zero to cancel: the whole import is
 * then rolled back and the import returns CRM_ECANCELED. */
typedef int (*crm_progress_fn)(void* user_data, int64_t done, int64_t total);

/* Defaults: format guessed from the file name (.csv / .jsonl / .ndjson), records
 * "customers", no external system, columns named as the JSON fields, batch 5000. */
CRM_API crm_status crm_import_options_new(crm_import_options** out) CRM_NOEXCEPT;
CRM_API void crm_import_options_free(crm_import_options* opts) CRM_NOEXCEPT;
/* "csv" or "jsonl" ("ndjson" is accepted as jsonl). */
CRM_API crm_status crm_import_options_set_format(crm_import_options* opts, const char* format) CRM_NOEXCEPT;
/* "customers" or "interactions". */
CRM_API crm_status crm_import_options_set_records(crm_import_options* opts, const char* records) CRM_NOEXCEPT;
/* The external system whose ids key the upsert (e.g. "erp"): re-importing the
 * same file updates instead of duplicating. */
CRM_API crm_status crm_import_options_set_system(crm_import_options* opts, const char* system) CRM_NOEXCEPT;
/* Column mapping as a JSON object {"<column>":"<field>"}; see docs/import.md. */
CRM_API crm_status crm_import_options_set_mapping(crm_import_options* opts, const char* mapping_json) CRM_NOEXCEPT;
/* Rows between progress callbacks (1..1000000). It does not split the import
 * into transactions: the whole import is one transaction (each row a savepoint,
 * so a bad row is skipped whole), which is what lets a cancel undo it all. */
CRM_API crm_status crm_import_options_set_batch_size(crm_import_options* opts, int rows) CRM_NOEXCEPT;
CRM_API crm_status crm_import_options_set_progress(crm_import_options* opts, crm_progress_fn fn,
                                                   void* user_data) CRM_NOEXCEPT;

/* Imports a CSV or JSON Lines file. Bad rows are skipped and reported; good rows
 * land. A file that does not exist is CRM_ENOTFOUND. Returns a JSON report {"rows","inserted","updated","unchanged","failed",
 * "errors":[{"line","field","reason"}]} (caller frees; at most 1000 errors are
 * listed, "failed" counts all). */
CRM_API crm_status crm_import_file(char** out_report, crm_db* db, const char* path,
                                   const crm_import_options* opts) CRM_NOEXCEPT;
/* Exports "customers" or "interactions" as JSON Lines to `path`. Returns a JSON
 * report {"rows": n} (caller frees). */
CRM_API crm_status crm_export_file(char** out_report, crm_db* db, const char* records,
                                   const char* path) CRM_NOEXCEPT;

/* -------------------------------------------------------------------- sync */

/* A replica sends its changes as a changeset blob (docs/sync.md) and applies
 * its peers' blobs. Merge is per field, last writer wins by hybrid logical
 * clock; deletes of customers and interactions win over concurrent edits.
 * Applying is idempotent and order-independent, and one transaction. */

typedef struct crm_sync_options crm_sync_options;

/* Defaults: a remote clock more than 24 hours ahead of this machine's refuses
 * the whole changeset. */
CRM_API crm_status crm_sync_options_new(crm_sync_options** out) CRM_NOEXCEPT;
CRM_API void crm_sync_options_free(crm_sync_options* opts) CRM_NOEXCEPT;
/* Largest accepted clock lead of a sender, in milliseconds (>= 0). */
CRM_API crm_status crm_sync_options_set_max_clock_skew_ms(crm_sync_options* opts, int64_t ms) CRM_NOEXCEPT;
/* The peer a crm_sync_changes_for call serves (its site id, as crm_db_info
 * reports it). Its request acknowledges what it holds (tombstone garbage
 * collection) and its own changes are not sent back to it. */
CRM_API crm_status crm_sync_options_set_peer(crm_sync_options* opts, const char* peer_site) CRM_NOEXCEPT;
/* Adds to the peer's share: `field` is "owner", "region" or "tag" (a tag path,
 * covering its sub-tags); a customer matching any added value is in the share.
 * crm_sync_changes_for sends only the share (needs the peer); crm_sync_apply
 * refuses records outside it (the sender's write scope). */
CRM_API crm_status crm_sync_options_add_share(crm_sync_options* opts, const char* field, const char* value) CRM_NOEXCEPT;
/* Conflict log entries older than this (ms, >= 0; default 30 days) are pruned when a changeset is applied. */
CRM_API crm_status crm_sync_options_set_conflict_retention_ms(crm_sync_options* opts, int64_t ms) CRM_NOEXCEPT;

/* The changes made or received after `since` (a cursor from an earlier call for
 * the same peer; 0 for everything), at most about `max_records` records (a page
 * never splits one change). *out_blob (caller frees with crm_free) holds
 * *out_len bytes; *out_cursor is the `since` of the next call; *out_more is 1
 * when another page is waiting. An empty page is a valid blob too. */
CRM_API crm_status crm_sync_changes(unsigned char** out_blob, size_t* out_len, int64_t* out_cursor, int* out_more,
                                    crm_db* db, int64_t since, int64_t max_records) CRM_NOEXCEPT;
/* crm_sync_changes for a known peer and, with a share in opts, filtered: only
 * the share's customers travel, one entering it arrives whole with its
 * history, one leaving it is evicted from the peer (dropped there without a
 * delete). Fails with CRM_ESTALE when the peer fell behind the tombstone
 * horizon (it must re-baseline from a snapshot: since = 0 into a new file). */
CRM_API crm_status crm_sync_changes_for(unsigned char** out_blob, size_t* out_len, int64_t* out_cursor, int* out_more,
                                        crm_db* db, int64_t since, int64_t max_records,
                                        const crm_sync_options* opts) CRM_NOEXCEPT;
/* Applies a peer's changeset (opts may be NULL). Returns a JSON report (caller
 * frees): {"sender","through_seq","records","fields_applied","fields_known",
 * "fields_superseded","deleted","evicted","conflicts","missing_parent",
 * "incomplete","unknown_fields","erased","dropped":[{"table","id","reason"}],
 * "refused":[{"table","id","reason"}]}, plus "audit" when the blob carried
 * audit entries and "scrub" when an erasure it carried was scrubbed from the
 * file (crmlite_privacy.h). A damaged or hostile blob is
 * CRM_ECORRUPT, one of a newer format or another sync schema CRM_EFORMAT, one
 * from a peer declared stale CRM_ESTALE; in every error case nothing was
 * applied. Records outside the share set in opts are refused and reported. */
CRM_API crm_status crm_sync_apply(char** out_report, crm_db* db, const unsigned char* blob, size_t len,
                                  const crm_sync_options* opts) CRM_NOEXCEPT;
/* How far `db` holds the changes of the peer whose site id is `peer_site` (as
 * crm_db_info reports it): the `since` to ask that peer for next; 0 when nothing
 * was received from it. Kept in the file, so syncs resume across restarts. */
CRM_API crm_status crm_sync_received(int64_t* out, crm_db* db, const char* peer_site) CRM_NOEXCEPT;
/* The conflict log, newest first (caller frees): values a merge overwrote
 * because of a concurrent edit, and edits lost to a concurrent delete.
 * `record_id` NULL for all records; at most `limit` (>= 1) entries:
 * [{"at","table","id","field","reason","lost":{"value","hlc","site"},"kept":{...}}] */
CRM_API crm_status crm_sync_conflicts(char** out_json, crm_db* db, const char* record_id, int64_t limit) CRM_NOEXCEPT;
/* Tombstone garbage collection: drops the tombstones every peer seen within
 * `retention_ms` has acknowledged; peers not seen for longer must re-baseline
 * (CRM_ESTALE from then on); also drops filtered peers' share rows of records
 * gone from this file and every share row of a stale peer. Returns {"tombstones_dropped","horizon","active_peers",
 * "stale_peers","newly_stale","share_rows_pruned"} (caller frees). */
CRM_API crm_status crm_sync_gc(char** out_report, crm_db* db, int64_t retention_ms) CRM_NOEXCEPT;
/* A new replica (a new device) from a snapshot of `db` (the hub), written to
 * `path`, which must not exist: the file is copied whole in one read
 * transaction while `db` stays in use, then given a site id of its own, with
 * `db` recorded as the peer it holds everything from. With shares in opts
 * (crm_sync_options_add_share), customers outside them are left out and `db`
 * records what the new replica holds, so filtered sync goes on from there. No
 * history is replayed. Returns {"site_id","origin","cursor","customers","bytes"}
 * (caller frees); `cursor` is the `since` the new replica asks `db` for next.
 * CRM_EEXISTS when `path` exists, CRM_EMISUSE inside a transaction; on failure
 * no file is left behind. */
CRM_API crm_status crm_sync_snapshot(char** out_report, crm_db* db, const char* path,
                                     const crm_sync_options* opts) CRM_NOEXCEPT;
/* A stale device (CRM_ESTALE after the hub's garbage collection) starts over
 * without losing its work: a new replica is written to `path` (which must not
 * exist) from a snapshot of `hub`, as crm_sync_snapshot does (shares in opts
 * likewise), and what the hub has not received from `device` is carried into
 * it: the fields the device wrote, the records it made and the deletes it made.
 * Edits of records the hub deleted meanwhile are dropped and listed; children
 * made for a customer deleted at the hub are dropped too (missing_parent).
 * `device` is only read: close it and put the new file in its place. Returns
 * the snapshot's report plus {"carried":{"since","records","fields_applied",
 * "fields_superseded","deleted","conflicts","missing_parent"},"dropped":
 * [{"table","id","reason"}]} (caller frees). CRM_EINVAL when device is the hub,
 * CRM_EEXISTS when `path` exists, CRM_EMISUSE inside a transaction; on failure
 * no file is left behind. */
CRM_API crm_status crm_sync_rebaseline(char** out_report, crm_db* device, crm_db* hub, const char* path,
                                       const crm_sync_options* opts) CRM_NOEXCEPT;
/* A JSON rendering of a changeset for debugging (caller frees). No database. */
CRM_API crm_status crm_sync_dump(char** out_json, const unsigned char* blob, size_t len) CRM_NOEXCEPT;

#ifdef __cplusplus
}
#endif

/* The rest of the ABI, one header per capability (each declares crm_* functions
 * under the same conventions). */
#include "crmlite_value.h"
#include "crmlite_quality.h"
#include "crmlite_privacy.h"
#include "crmlite_storage.h"
#include "crmlite_sales.h"

#endif /* CRMLITE_H */
