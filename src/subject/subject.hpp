// Data subject rights (PIPL, GDPR): everything held about one person as JSON,
// and erasure of the person's content from the whole file.
#pragma once

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

// Customers who consented to marketing, as JSON Lines to `path` (the same
// rendering as export); {"rows": n, "skipped_without_consent": n}.
Json export_marketing(Database& db, const std::string& path);

}  // namespace crmlite::subject
