// Filtered replication: a peer's share of the customers (by owner, region or
// tag; a team is its members' owners), which customers a filtered peer holds,
// and the write scope a hub checks a peer's incoming changes against.
//
// A customer is in a share when it matches the filter, and a company is in it
// when a person in the share works there (so a person never arrives without the
// company it refers to). Its contact points, external ids, tag assignments and
// interactions follow it. Tag definitions are shared with every peer.
//
// Leads (issue 7) are not a customer's records: a lead is in a share when its
// owner is one of the share's owners or its region one of its regions (a lead
// carries no tags; a lead without owner or region is in no filtered share),
// and its events follow it. Its link to the customer it matched plays no part.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::sync {

struct SyncedTable;

struct Filter {
    std::vector<std::string> owners, regions, tags;  // a customer matching any of them is in the share
    bool empty() const { return owners.empty() && regions.empty() && tags.empty(); }
};

class Share {
public:
    Share(Database& db, const Filter& filter);
    // Whether the customer is in the share in this file's current state.
    bool contains(const Uuid& customer);
    // Every customer of the share, companies first.
    std::vector<Uuid> members();
    // Whether the lead is in the share in this file's current state, and every lead of it.
    bool contains_lead(const Uuid& lead);
    std::vector<Uuid> lead_members();

private:
    void bind(SQLite::Statement& st, bool tags = true) const;  // tags: ?3 (customers only)
    Database& db_;
    std::string owners_, regions_, tags_;  // JSON arrays, bound as parameters 1..3
};

// Which customers (and leads) a filtered peer holds, as of a cursor. A
// transition (a record sent whole or told to leave) counts only once the peer
// asks with a cursor at or after the page that carried it, so a lost page is
// sent again. Keys in sync_shares: a customer's 16-byte id, as ever; a record
// of another table (Table::leads) the table's number as one byte, then its id.
class PeerShare {
public:
    PeerShare(Database& db, std::int64_t peer);
    // State per record: 0 not held, 1 held, 2 held but its copy there went
    // wrong (the hub refused a change the peer made to it): it is evicted and
    // sent again whole.
    static constexpr int kReset = 2;
    std::set<Uuid> held_at(std::int64_t since, std::set<Uuid>* resets = nullptr, Table table = Table::customers);
    void record(const Uuid& id, int held_before, int held_now, std::int64_t seq, Table table = Table::customers);
    // The peer sent a change to the record, so it holds it: recorded as held
    // unless the hub already knows where it stands there. A pending transition
    // or a reset is kept (a later allowed change must not cancel the reset an
    // earlier refused one asked for), and so is "not held": a record the peer
    // was told to drop, whose change was written before it applied that (blobs
    // exchanged through files arrive late), is not there any more.
    void note_held(const Uuid& id, Table table = Table::customers);
    // Whether the record was sent to the peer whole (entering its share, or
    // again after a reset) in a page after `cursor`: a blob the peer made
    // knowing the hub's changes only through `cursor` predates the copy it
    // holds now, which dropped whatever the peer had changed in it before.
    bool entered_after(const Uuid& id, std::int64_t cursor, Table table = Table::customers);

private:
    Database& db_;
    std::int64_t peer_;
};

// Rows of sync_shares saying "not held" are kept while their record exists
// here (see PeerShare::note_held); those of records gone from this file are
// dropped, for every peer (sync/peers.hpp, collect_garbage). Keeping them
// longer changes nothing a peer is sent: "not held" is what no row says too.
// Every row of a stale peer goes too (collect_garbage marks it stale for good:
// its pulls and pushes are refused, and it comes back re-baselined, under a
// new site id with a share of its own). Returns the number of rows dropped.
int prune_shares(Database& db);

// The lead a synced record belongs to (a lead itself, a lead event's lead, from
// its incoming fields or its row here); nullopt for records of other tables.
std::optional<Uuid> owning_lead(Database& db, int table, const Uuid& id, const Value* incoming_lead);

// A lead left this replica (eviction): it and its events go, without
// tombstones and without anything that syncs.
void forget_lead(Database& db, const Uuid& lead);

// The customer a synced record belongs to, from its incoming fields or its row
// here; nullopt for records that belong to none (tags) or when unknown.
std::optional<Uuid> owning_customer(Database& db, int table, const Uuid& id, const Value* incoming_customer);

// The customer whose share a record belongs to: owning_customer, except that a
// merge redirect or merge record whose survivor was itself merged away belongs
// to where the chain of redirects ends (the first survivor that exists here).
std::optional<Uuid> share_owner(Database& db, int table, const Uuid& id);

// The records of table `t` under a customer (its customer column names it;
// for merge redirects and merge records, every chain of merges ending there).
std::vector<Uuid> records_under(Database& db, const SyncedTable& t, const Uuid& customer);

// Whether this replica wrote a version of the record after its own seq `after`
// (a change a peer that has received through `after` does not have yet).
bool written_here_after(Database& db, Table table, const Uuid& id, std::int64_t after);

// Whether a merge this replica made into `customer` (a redirect into it) is
// not yet received by a peer that has received through `after`.
bool unsent_merge_into(Database& db, const Uuid& customer, std::int64_t after);

// One record left this replica (an eviction): its row, versions and masked
// values go, without a tombstone and without anything that syncs; the search
// index and counters follow. Dependents go by the schema's ON DELETE rules.
// False when the record was not here.
bool forget_record(Database& db, Table table, const Uuid& id);

// A customer left this replica (eviction, a filtered snapshot): the records of
// the capability tables that follow it (opportunities, tasks, campaign
// members, ...: every synced table with a customer column beyond those
// customers::forget knows) go too, without tombstones. `unsent_after`: a
// redirect into it that this replica wrote after that seq of its own (not yet
// received by the peer evicting it: a merge made here offline) stays, to be
// sent; the peer judges that merge (a hub refuses one into a customer outside
// the sender's scope, and sends the loser back whole).
void forget_dependents(Database& db, const Uuid& customer, std::optional<std::int64_t> unsent_after = std::nullopt);

}  // namespace crmlite::sync
