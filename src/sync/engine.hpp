// Sync between replicas: what changed since a peer's cursor, as a changeset
// blob, and applying a peer's blob with a per-field merge. See docs/sync.md.
//
// Guarantees (tested by tests/sync/convergence_test.cpp):
// - Per-field last writer wins by (HLC, site id); a field edited on one replica
//   and another field of the same record edited elsewhere both survive.
// - A deleted customer or interaction never comes back (delete wins over any
//   concurrent edit); children made elsewhere for a deleted customer are
//   dropped and reported. Content-addressed records (tags, tag assignments,
//   contact points, external ids) may be deleted and made again: a re-add with
//   a clock after the delete wins, a delete wins over the adds it saw.
// - apply() is idempotent and commutative, validates the whole blob before the
//   first write, and is one transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::sync {

struct Changes {
    std::string blob;
    std::int64_t cursor = 0;  // pass as `since` next time
    std::size_t records = 0;
    bool more = false;        // another page is waiting
};

// Records changed after `since` (a cursor from an earlier call, 0 for
// everything), at most about max_records per page (a page never splits one
// change), plus any record they refer to that the peer may not have yet.
Changes changes_since(Database& db, std::int64_t since, std::size_t max_records);

struct ApplyOptions {
    // A remote clock further ahead of this machine's clock is refused: it would
    // make every later local edit lose to it.
    std::int64_t max_clock_skew_ms = 24LL * 3600 * 1000;
};

// Returns {"records","fields_applied","fields_known","fields_superseded",
// "deleted","dropped":[...], "sender", "through_seq"}.
Json apply(Database& db, std::string_view blob, const ApplyOptions& options);

// How far this replica holds the changes of `peer` (a site id): the `since`
// to ask that peer for next (0 when nothing was received from it). Persistent,
// so a sync resumes where it stopped, across restarts.
std::int64_t received_from(Database& db, const Uuid& peer);

// Everything a replica holds that sync makes identical, in a canonical JSON
// form (records sorted by id, local bookkeeping such as rowids, updated_at and
// derived columns left out). Two replicas that have seen the same changes
// return the same text.
std::string canonical_dump(Database& db);

}  // namespace crmlite::sync
