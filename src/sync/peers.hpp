// What this replica knows of its peers: how far it holds each one's changes
// (received_through), how far each has acknowledged this replica's changes by
// asking for more (acked_through), when each was last seen; and tombstone
// garbage collection on top: a tombstone every active peer has seen goes, and a
// peer away longer than the retention horizon must re-baseline (CRM_ESTALE)
// rather than bring back records whose tombstones are gone.
#pragma once

#include <cstdint>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::sync {

std::int64_t received_from(Database& db, const Uuid& peer);

// A peer asked for this replica's changes after `since`: everything up to it has arrived there.
void note_pull(Database& db, const Uuid& peer, std::int64_t since, std::int64_t now_ms);
// A blob from `peer` is being applied: it was seen now.
void note_push(Database& db, const Uuid& peer, std::int64_t now_ms);

// Throws Error(CRM_ESTALE) when `since` (0 excepted) lies before the tombstone
// horizon, or the peer was declared stale by garbage collection.
void check_pull(Database& db, const Uuid* peer, std::int64_t since);
// Throws Error(CRM_ESTALE) for a blob from a peer declared stale.
void check_push(Database& db, const Uuid& sender);

// Drops the tombstones every peer seen within `retention_ms` has acknowledged;
// peers not seen for longer are declared stale. Returns {"tombstones_dropped",
// "horizon", "active_peers", "stale_peers"}.
Json collect_garbage(Database& db, std::int64_t retention_ms, std::int64_t now_ms);

}  // namespace crmlite::sync
