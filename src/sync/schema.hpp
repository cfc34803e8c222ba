// What syncs: for every synced table, its columns in sync-field order (the bit
// positions modules pass to WriteScope::record_change; append only), how its
// records relate to a customer, and which columns are local bookkeeping that
// never travel. The changeset carries field NAMES (each once per blob), so a
// field this version does not know can be kept and forwarded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::sync {

enum class ColumnType { integer, text, id };

struct SyncedColumn {
    std::string name;  // column name = field name in changesets
    ColumnType type;
    bool required;     // NOT NULL in the table: a new record cannot be created without it
    int ref_table = 0; // an id column referring to a record of this synced table
};

struct SyncedTable {
    Table table;
    std::string name;         // SQL table name, also the name in JSON renderings
    std::vector<SyncedColumn> columns;
    std::string customer_column;  // the owning customer ("id" for customers; "" if none)
    bool has_created_at;
    bool has_updated_at;
    // Ids made from content (v8: contact points, tags, assignments, external ids)
    // may be deleted and made again; random ids (v7: customers, interactions)
    // never come back once deleted.
    bool recreatable;
    int apply_order;  // parents before children within one changeset
};

const std::vector<SyncedTable>& synced_tables();
const SyncedTable* find_table(int table);
// Index of a column by name, or -1.
int column_index(const SyncedTable& t, const std::string& name);
// Fingerprint of what a changeset's meaning depends on: the synced tables'
// numbers and names and how their ids are made. Adding a column does not
// change it (unknown fields are kept and forwarded); renumbering a table does.
std::uint64_t fingerprint();

}  // namespace crmlite::sync
