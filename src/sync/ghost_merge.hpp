// A deleted record's ghost learning fields that arrive after its delete (a
// content-addressed record's last state, a record forwarded to a merge winner
// that is gone): one merge, used by the engine's apply and by merge/liveness.
#pragma once

#include <cstdint>

#include "store/database.hpp"
#include "store/ghosts.hpp"
#include "sync/changeset.hpp"
#include "sync/schema.hpp"

namespace crmlite::sync {

// Merges rc's fields into g: last writer wins per field in the engine's merge
// order (clock, site id, then base and value for a write carried with its
// own clock); created_at keeps the earliest; fields this version does not
// know are not kept. New versions get the scope's seq (taken only if one is
// kept). Returns whether g learnt anything.
bool merge_ghost_fields(WriteScope& w, Ghost& g, const SyncedTable& t, const Changeset& cs, const RecordChange& rc);

// Saves a ghost that learnt something and gives its tombstone the scope's
// seq, so that the tombstone travels on to the peers with it.
void save_learnt_ghost(WriteScope& w, Table table, const Uuid& id, const Ghost& g);

}  // namespace crmlite::sync
