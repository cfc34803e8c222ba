// Merges under sync: a change made on another replica to a customer before it
// learned that the customer was merged away ends up on the survivor. Called by
// the sync engine (src/sync/engine.cpp, Applier::record) for every incoming
// record before it is applied:
// - an edit to a loser's fields: the fields the merge had not seen are applied
//   to the survivor too (with carried_stamp versions, so they win over the
//   merge's own writes and every replica computes the same version);
// - a loser's delete (the merge itself arriving) while this replica still holds
//   the loser: its fields the merge had not seen, its interactions and external
//   ids, and the contact points and tags added here since, move to the
//   survivor first;
// - a child record (interaction, contact point, tag assignment, external id)
//   made for a loser: it is applied to the survivor instead.
#pragma once

#include <vector>

#include "store/database.hpp"
#include "sync/changeset.hpp"

namespace crmlite::merge {

struct Forwarded {
    std::vector<sync::Changeset> changes;  // to apply before the original record
    bool replaces = false;                 // the original is not applied at all
};

Forwarded forward(WriteScope& w, const sync::Changeset& cs, const sync::RecordChange& rc);

}  // namespace crmlite::merge
