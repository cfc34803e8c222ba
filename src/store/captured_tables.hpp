#pragma once
// The tables whose records carry change capture (every synced table: the list
// of sync/schema.cpp, by number and SQL name). Since migration 17 a record's
// packed field versions live in its own row: columns sync_hlc (row stamp),
// sync_seq (the newest change sequence number any field carries, indexed) and
// sync_vers (store/versions.hpp); the other seqs its fields still carry are
// rows of sync_older_seqs. The read-only views sync_versions(tbl, id, hlc, seq,
// vers) and sync_log(seq, tbl, id) show them as the tables of that name did
// before (debugging, tests); code reads the rows.
#include <cstdint>
#include <span>
#include <string>

#include "store/database.hpp"

namespace crmlite {

struct CapturedTable {
    int table;         // the sync table number (never renumbered)
    const char* name;  // its SQL table: has a unique 16-byte `id`
};

std::span<const CapturedTable> captured_tables();
// Null for a number that is not a captured table.
const char* captured_table_name(Table table);
// "SELECT <columns> FROM t1 WHERE <where> UNION ALL SELECT ... FROM t2 ..." over
// every captured table; in `columns` and `where`, `$tbl` stands for the table's
// number (e.g. columns "sync_seq, $tbl, id", where "sync_seq > ?1").
std::string over_captured_tables(const std::string& columns, const std::string& where);

}  // namespace crmlite
