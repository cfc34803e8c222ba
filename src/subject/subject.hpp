// Data subject rights (PIPL, GDPR): everything held about one person as JSON,
// and erasure of the person's content from the whole file.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::subject {

// {"customer": <profile with contact points, external ids, tags>,
//  "interactions": [...], "tags": [...], "audit": [entries about the person
//  and its interactions], "segments": [], "tasks": []} — segments and tasks
// are listed once their modules exist. Needs the export and unmask
// permissions and the person in scope; audited.
Json export_person(Database& db, const Uuid& customer);

// Erases the person: the customer and everything under it (contact points,
// external ids, tag assignments, interactions) deleted with tombstones that
// sync (so no older replica brings it back), old values of those records in
// the conflict log and the kept unknown fields removed, the full-text indexes
// rewritten (FTS5 'optimize': a deleted row's terms otherwise stay in older
// segments), all of it with PRAGMA secure_delete on (freed space is zeroed),
// then VACUUM (copies freed before the erasure, e.g. old versions of an
// updated row, survive in free space otherwise) and a WAL checkpoint
// (TRUNCATE) so no old page version stays in the WAL.
// Returns {"erased","records","conflicts_removed","extra_removed",
// "delete_ms","fts_rewrite_ms","vacuum_ms","checkpoint_ms","checkpoint_complete"}.
// checkpoint_complete is false when another connection's read kept old pages
// in the WAL; erase again (or checkpoint) once it has finished.
Json erase_person(Database& db, const Uuid& customer);

// ---- Erasure under sync (docs/privacy.md, "Erasure on every replica"). The
// erasure travels as the person's tombstone marked erased; a replica receiving
// it removes the person as a delete does, then removes the same traces
// erase_person removes here, and scrubs its file (scrub() below), so the
// person's content is gone from the bytes of every replica's file.

// The person's records: the customer (first) and every synced record under it.
using Records = std::vector<std::pair<Table, Uuid>>;
Records person_records(Database& db, const Uuid& customer);
// Removes the old values of these records from the conflict log and their
// kept unknown fields; returns {conflict entries, unknown fields} removed.
std::pair<std::int64_t, std::int64_t> forget_traces(Database& db, const Records& records);
// Marks the tombstones of these records as an erasure (each gets a new seq, so
// it syncs again, now as an erasure; a late change to any of them keeps
// nothing: no ghost, no conflict log entry) and the file as needing a scrub.
// Returns false when the first record's was marked already. REQUIRES: the
// scope's transaction holds the tombstones.
bool mark_erased(WriteScope& w, const Records& records);
// Whether the record's tombstone is an erasure.
bool erased(Database& db, Table table, const Uuid& id);
// Whether an erasure applied here still waits for its scrub (one arrived by
// sync inside the caller's explicit transaction, or a crash came first).
bool scrub_pending(Database& db);
// Rewrites the full-text indexes (FTS5 'optimize'), VACUUMs and checkpoints
// the WAL (TRUNCATE), all with secure_delete on, then clears the pending mark:
// {"fts_rewrite_ms","vacuum_ms","checkpoint_ms","checkpoint_complete"}.
// REQUIRES: no transaction open.
Json scrub(Database& db);

// Customers who consented to marketing, as JSON Lines to `path` (the same
// rendering as export); {"rows": n, "skipped_without_consent": n}.
Json export_marketing(Database& db, const std::string& path);

}  // namespace crmlite::subject
