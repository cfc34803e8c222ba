// Merged-away customers: each loser of a merge leaves a redirect record
// (synced, Table::customer_redirects, id = the loser's id) pointing at its
// survivor. Reads of a loser follow it; sync carries edits made to a loser
// elsewhere over to its survivor (merge/forward.hpp).
//
// A redirect is in force unless its merge was undone (merge/undo.hpp) or it
// closes a cycle: two replicas that merge A into B and B into A concurrently
// make A -> B -> A; the smallest id of a cycle survives, so its own redirect
// is out of force, on every replica, whatever order the merges arrive in
// (merge/liveness.hpp keeps the customers table in step).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"
#include "tasks/tables.hpp"

namespace crmlite::merge {

struct Redirect {
    Uuid loser, survivor, merge_id;
    std::int64_t merged_hlc = 0;  // the merge's stamp
    std::int64_t site = 0;        // the merging site (local sync_sites index)
    // What the merge had seen of the loser: its field versions (field index,
    // stamp, site id), contact point, tag assignment, interaction and
    // external id ids, and the persons of a merged company.
    Json seen;
};

// The redirect record of `loser` as stored, in force or not.
std::optional<Redirect> redirect_row(Database& db, const Uuid& loser);
// Whether it is in force (see above).
bool in_force(Database& db, const Redirect& r);
// The redirect of `loser` when it is in force.
std::optional<Redirect> redirect_of(Database& db, const Uuid& loser);
// Whether a merge was undone (an unknown merge is not).
bool merge_undone(Database& db, const Uuid& merge_id);
// Where a chain of redirects from `from` ends: the last customer reached,
// existing or not. `in_force_only`: follow only redirects in force (else any
// redirect stored, as filtered replication decides shares); `past_existing`:
// go on past customers that exist here (else stop at the first). `closed`: the
// chain came back to a customer already passed (a cycle); it ends before that.
// Every walk of the redirects goes through here.
struct ChainEnd {
    Uuid end;
    bool closed = false;
    int hops = 0;
};
ChainEnd follow(Database& db, const Uuid& from, bool in_force_only, bool past_existing = false);
// The living customer `id` stands for: itself when it exists, else the end of
// its chain of redirects in force (nothing when neither).
std::optional<Uuid> resolve(Database& db, const Uuid& id);
// Writes (or rewrites) a redirect with change capture.
void put_redirect(WriteScope& w, const Redirect& r);

// Records of other tables that belong to (or name) a customer through a
// "customer_id" column and keep their id when they move to the survivor: a
// merge re-points them (merge.cpp), as does a replica the merge reaches while
// it still holds the loser, and one made for a loser elsewhere lands on the
// survivor (forward.cpp). Contact points and tag assignments, whose ids derive
// from the customer, are handled apart; a loser's campaign memberships (ids
// from campaign + customer) and its lifecycle history (the survivor keeps its
// own stage) are deleted with it.
inline constexpr Table kMovedToSurvivor[] = {Table::interactions, Table::external_ids, Table::opportunities,
                                             Table::stage_history, Table::leads, value_tables::tasks};

// The version a change carried over to the survivor gets: it must win over
// what the merge wrote (stamp merged_hlc) and be the same on every replica
// that carries it over, so it derives from the original version alone. Two
// writes older than the merge map to the same stamp (and, from one site, the
// same site): a carried version's base is the original's stamp, and the
// engine breaks a tie of (stamp, site) by base, then by value, so the later
// write wins and every replica keeps the same one.
inline std::int64_t carried_stamp(std::int64_t original, std::int64_t merged_hlc) {
    return std::max(original, merged_hlc) + 1;
}

}  // namespace crmlite::merge
