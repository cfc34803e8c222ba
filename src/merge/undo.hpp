// Undoing a merge (merge/merge.hpp): the records as they were before it.
//
// The undo is a replicated fact: the merge record's status becomes "undone"
// (a synced field, last writer wins), which takes the losers' redirects out
// of force on every replica that learns of it; each replica then brings the
// losers back from their ghosts (merge/liveness.hpp) under the same ids, with
// every edit anyone made to them. What the undo itself moves back travels as
// ordinary changes:
// - the interactions and external ids the merge moved (and those carried over
//   later from a single loser), and the persons of a merged company, go back
//   to their loser unless moved elsewhere since;
// - each loser gets its phones, e-mails and tags as they were; the survivor
//   loses those it had only from the losers, unless edited since;
// - the survivor's fields the merge changed get their earlier values, unless
//   edited since.
// What a later change keeps as it is comes back in "kept". Refused with
// CRM_ECONFLICT naming the cause when a later change made the undo impossible:
// the merge already undone, the survivor deleted or merged into another
// customer since, a loser deleted by a user (a delete is final), merged again
// or back already, or its deleted record no longer kept (tombstone garbage
// collection). One transaction.
#pragma once

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::merge {

// Returns the merge record (status "undone") with "kept": [{"record","reason"}].
// CRM_ENOTFOUND for an unknown merge, CRM_ECONFLICT as above.
Json undo(Database& db, const Uuid& merge_id);

}  // namespace crmlite::merge
