// Ghosts: the last state of a deleted content-addressed record.
//
// Content-addressed records (contact points, tags, tag assignments, external
// ids) can be deleted and made again under the same id. Their fields merge by
// last writer per field, and a delete only says "not alive unless some field is
// newer": so a deleted record keeps its fields' values and versions here, next
// to its tombstone. An edit that arrives after the delete (older than it) is
// merged into the ghost instead of being dropped, the ghost travels with the
// tombstone, and a record brought back by a later edit starts from the ghost.
// That makes apply commutative whatever order deletes, edits and revivals
// arrive in. A ghost lives as long as its tombstone (garbage collection drops
// both) and is removed with its customer (eviction, erasure).
//
// A customer merged away keeps a ghost too (src/merge/liveness.hpp): it comes
// back from it when the merge is undone or loses a merge cycle. A customer a
// user deleted never has one: its tombstone is final.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/database.hpp"
#include "store/record.hpp"
#include "store/versions.hpp"

namespace crmlite {

struct Ghost {
    std::vector<FieldVersion> versions;                    // sites are local sync_sites indexes
    std::vector<std::pair<std::string, Value>> values;     // by column name (created_at included)
    const Value* value(const std::string& column) const;
};

// Whether deletes of this table keep a ghost (its ids are made from content).
bool keeps_ghost(Table table);

// The record's current row and versions as a ghost (tables that keep ghosts,
// and customers); nullopt when it has no row or no versions. Call before the
// row is deleted.
std::optional<Ghost> capture_ghost(Database& db, Table table, const Uuid& id);
std::optional<Ghost> load_ghost(Database& db, Table table, const Uuid& id);
// Its customer_id value, if any, is kept beside it (eviction, erasure). A
// record under an erased customer keeps no ghost: nothing is saved.
void save_ghost(Database& db, Table table, const Uuid& id, const Ghost& g);
void drop_ghost(Database& db, Table table, const Uuid& id);
// Every ghost of records under this customer.
void drop_ghosts_of(Database& db, const Uuid& customer);
// Ghosts whose tombstone is gone (garbage collection); returns how many.
std::int64_t drop_orphan_ghosts(Database& db);

}  // namespace crmlite
