// Merges under sync: a change made on another replica to a customer before it
// learned that the customer was merged away ends up on the survivor. Called by
// the sync engine (src/sync/engine.cpp, Applier::record) for every incoming
// record before it is applied:
// - an edit to a loser's fields: the fields the merge had not seen are applied
//   to the survivor too (with carried_stamp versions, so they win over the
//   merge's own writes and every replica computes the same version), and the
//   edit joins the loser's ghost (merge/liveness.hpp);
// - a loser's delete (the merge itself arriving, with the loser's ghost) while
//   this replica still holds the loser: its fields the merge had not seen, its
//   interactions and external ids, and the contact points and tags added here
//   since, move to the survivor first, then the loser goes with a ghost; when
//   the merge is out of force here (undone, or the loser won a merge cycle)
//   the loser stays and only its ghost's fields merge into it;
// - a user's delete of a customer merged away: final, its ghost goes;
// - a child record (interaction, contact point, tag assignment, external id)
//   made for a loser: it is applied to the survivor instead.
// And after every redirect or merge record (settle): who lives is brought in
// step with the redirects in force.
#pragma once

#include <functional>
#include <vector>

#include "merge/redirects.hpp"
#include "store/database.hpp"
#include "sync/changeset.hpp"

namespace crmlite::merge {

// Applies records as if they had arrived by sync (the engine's applier, with
// this merge logic on each of them).
using Apply = std::function<void(const sync::Changeset&)>;

// True when the record was dealt with here and the engine must not apply it.
bool forward(WriteScope& w, const sync::Changeset& cs, const sync::RecordChange& rc, const Apply& apply);
// After the engine applied rc: a redirect or merge record changed, so
// customers merged away or brought back follow (merge/liveness.hpp).
void settle_after(WriteScope& w, const sync::Changeset& cs, const sync::RecordChange& rc, const Apply& apply);

// What this replica holds of a loser and the merge had not seen (its fields,
// interactions, external ids, new contact points and tags), as changes that
// move it to the survivor. `like` gives the changeset its dictionaries.
sync::Changeset carry_local_loser(WriteScope& w, const sync::Changeset& like, const Redirect& r);

// An empty changeset with the dictionaries of `cs`.
sync::Changeset like(const sync::Changeset& cs);

}  // namespace crmlite::merge
