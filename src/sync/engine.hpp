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
#include <optional>
#include <string>
#include <string_view>

#include "common/json.hpp"
#include "store/database.hpp"
#include "sync/changeset.hpp"
#include "sync/conflicts.hpp"
#include "sync/peers.hpp"
#include "sync/share.hpp"

namespace crmlite::sync {

struct Changes {
    std::string blob;
    std::int64_t cursor = 0;  // pass as `since` next time
    std::size_t records = 0;
    bool more = false;        // another page is waiting
};

struct ChangesOptions {
    std::size_t max_records = 10000;  // about this many records per page (a page never splits one change)
    // The peer asking (its site id). Known, its request acknowledges what it
    // has (tombstone garbage collection) and its own changes are not echoed back.
    std::optional<Uuid> peer;
    // Its share (filtered replication; needs `peer`): only the customers
    // (and leads: sync/share.hpp) matching it travel; one entering the share
    // arrives whole with its history, one leaving it is evicted from the peer.
    Filter filter;
    // Privacy (issue 7, docs/privacy.md): carry the entries of this file's own
    // audit chain (a device's changes for its hub; sync/audit_records.hpp) ...
    bool audit = false;
    // ... and mask the values the masking rules cover (changes for the device
    // of a principal without the unmask permission; sync/masked.hpp).
    bool mask = false;
};

// Records changed after `since` (a cursor from an earlier call, 0 for
// everything: a snapshot of the current state, never a replay of history),
// plus any record they refer to that the peer may not have yet. Throws
// CRM_ESTALE when `since` lies before the tombstone horizon.
Changes changes_since(Database& db, std::int64_t since, const ChangesOptions& options);
Changes changes_since(Database& db, std::int64_t since, std::size_t max_records);

struct ApplyOptions {
    // A remote clock further ahead of this machine's clock is refused: it would
    // make every later local edit lose to it.
    std::int64_t max_clock_skew_ms = 24LL * 3600 * 1000;
    // The sender's write scope (at a hub: the share of the principal the device
    // is signed in as). Empty: no restriction. A change to a customer (or
    // lead) that exists here outside the scope is refused and reported; a new
    // one may be made for anyone (it leaves the device at its next pull); the
    // rest of the blob applies. Evict records are obeyed only without a scope.
    Filter scope;
    // Whether the sender may write rules (assignment, tag and follow-up rules:
    // the "manage_rules" permission of the principal a device is signed in
    // as). When not, its changes to rules are refused and reported.
    bool rules = true;
    // Conflict log entries older than this are pruned at each apply.
    std::int64_t conflict_retention_ms = 30LL * 24 * 3600 * 1000;
};

// Returns {"records","fields_applied","fields_known","fields_superseded",
// "deleted","evicted","conflicts","missing_parent","incomplete","unknown_fields",
// "erased","dropped":[...],"refused":[...],"sender","from_seq","through_seq",
// "received_through"}, with "audit" (sync/audit_records.hpp)
// when the blob carried audit entries and "scrub" (subject::scrub) when an
// erasure it carried was scrubbed from the file after the commit. Throws CRM_ESTALE for a blob from
// a peer declared stale by garbage collection.
Json apply(Database& db, std::string_view blob, const ApplyOptions& options);

// Applies records another module made on this replica (src/merge: a customer
// brought back from its ghost) inside w, as if they had arrived by sync.
void apply_records(WriteScope& w, const Changeset& cs);

// received_from(db, peer) (sync/peers.hpp): how far this replica holds the
// changes of `peer` (a site id), the `since` to ask that peer for next.

// Everything a replica holds that sync makes identical, in a canonical JSON
// form (records sorted by id, local bookkeeping such as rowids, updated_at and
// derived columns left out). Two replicas that have seen the same changes
// return the same text.
std::string canonical_dump(Database& db);

}  // namespace crmlite::sync
