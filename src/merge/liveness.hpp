// Who lives among customers touched by merges.
//
// A customer merged away is deleted with a tombstone stamped (merged_hlc, the
// merging site) — what every replica that sends it away writes, so they all
// keep the same tombstone — and keeps a ghost (its fields and versions,
// store/ghosts.hpp) that travels with the tombstone and learns edits made to
// it later. A customer is merged away exactly while its redirect is in force
// (merge/redirects.hpp): when the redirect goes out of force (its merge was
// undone, or it closes a merge cycle) the customer comes back from its ghost
// under the same id, with every edit anyone made to it; when one comes into
// force where the loser still lives, the loser's local changes move to the
// survivor and it goes — once the end of its chain has arrived here: until
// then it waits, alive though its redirect is in force (survivor_pending,
// sync_waiting_merges). A user's delete keeps no ghost and is final: it
// replaces a merge's tombstone whatever the clocks, so a customer a user
// deleted never comes back.
#pragma once

#include <optional>
#include <vector>

#include "merge/forward.hpp"
#include "merge/redirects.hpp"
#include "store/database.hpp"
#include "sync/changeset.hpp"

namespace crmlite::merge {

struct Tombstone {
    std::int64_t hlc = 0, site = 0;  // site: local sync_sites index
};
std::optional<Tombstone> customer_tombstone(Database& db, const Uuid& id);
// Deleted by a merge (a tombstone with a ghost), not by a user.
bool merged_away(Database& db, const Uuid& id);
// The customer's tombstone is exactly this one (any other is replaced).
void set_tombstone(WriteScope& w, const Uuid& id, const Tombstone& t);

// Removes customer `id` as a merge does: it, its contact points and its tag
// assignments get tombstone `t` exactly (what every replica sending it away
// writes) and keep their ghosts, so it can come back whole.
void remove_merged(WriteScope& w, const Uuid& id, const Tombstone& t);
// A merge's tombstone (stamp merge_hlc) for a customer this replica no longer
// holds: its children deleted by that merge come back with it on an undo.
void mark_merged_children(Database& db, const Uuid& id, std::int64_t merge_hlc);
// Whether the end of r's chain of redirects in force has not arrived here:
// neither present nor deleted, or merged away without the redirect that says
// where to. The sender wrote it again after the merge (merged it on, deleted
// it), so it travels in a later page than r.
bool survivor_pending(Database& db, const Redirect& r);
// Notes `loser` as waiting for its survivor, with tombstone `t` when it goes
// (the newest noted stays).
void wait_for_survivor(Database& db, const Uuid& loser, const Tombstone& t);
// Sends customer `id` away (if it is here): `r` (when known) says where its
// local changes go; the tombstone is `t`; its ghost is kept. Not while r's
// survivor is pending (survivor_pending): the customer waits, with its
// records, and false says so (settle_waiting sends it away later).
bool send_away(WriteScope& w, const sync::Changeset& like, const Uuid& id, const std::optional<Redirect>& r,
               const Tombstone& t, const Apply& apply);
// Brings a customer merged away back from its ghost, with the contact points
// and tag assignments its merge removed (a version above that tombstone,
// derived from theirs, so every replica computes the same); false when it has
// no ghost.
bool bring_back(WriteScope& w, const sync::Changeset& like, const Uuid& id, const Apply& apply);
// Merges the fields of rc (an edit, or a merge's tombstone carrying the
// ghost) into the ghost of record `id` of its table, last writer per field. A
// contact point's or tag assignment's ghost is marked to come back with its
// customer.
void merge_into_ghost(WriteScope& w, const sync::Changeset& cs, const sync::RecordChange& rc, const Uuid& id);
// A contact point or tag assignment made for a customer merged away goes to
// the survivor; under its own id it is kept as removed by the merge (a
// tombstone covering its versions, a marked ghost), so it comes back with its
// customer like the ones the merge removed, and replicas where the customer
// lived when it arrived drop it as this one did.
void keep_forwarded(WriteScope& w, const sync::Changeset& cs, const sync::RecordChange& rc);
// Undone merges move back what they moved: an interaction or external id
// whose owner field a merge wrote (its version's base is the merge's stamp:
// moved by the merge, or carried over through it later) goes back to the
// loser, with a version every replica computes alike (max(its stamp, the
// undo's) + 1, same site). Known to be a loser's when the merge had one
// loser or it lists the record among those it moved.
void move_back(WriteScope& w, const sync::Changeset& like, const Redirect& r, const Apply& apply);
// The same for a record arriving: the change that moves it back instead, or nothing.
std::optional<sync::Changeset> moved_back(WriteScope& w, const sync::Changeset& cs, const sync::RecordChange& rc);
// The stamp of the undo of a merge (its status version), when undone.
std::optional<std::int64_t> undo_stamp(Database& db, const Uuid& merge_id);

// Brings every customer among `ids` and the customers their redirects lead to
// in step with the redirects in force.
void settle(WriteScope& w, const sync::Changeset& like, const std::vector<Uuid>& ids, const Apply& apply);
// Settles the customers waiting for their merge's survivor (send_away): after
// each changeset applied, those whose survivor arrived (or was deleted) go.
void settle_waiting(WriteScope& w, const sync::Changeset& like, const Apply& apply);

}  // namespace crmlite::merge
