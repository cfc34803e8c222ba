// Sets a file back to before migration 17 (store/migrations.cpp), for tests of
// older migrations: migrations 19 (the table of merges waiting for their
// survivor) and 18 are undone first (sync_shares loses its
// whole-send columns), then versions move from the records' rows back into the
// sync_versions table and every seq into sync_log, as schema 16 kept them.
#pragma once

#include <SQLiteCpp/Database.h>

#include <string>

#include "store/captured_tables.hpp"

namespace crmlite::testing {

inline void undo_migration_19(SQLite::Database& db) {
    db.exec("DROP TABLE sync_waiting_merges; PRAGMA user_version = 18");
}

inline void undo_migration_18(SQLite::Database& db) {
    undo_migration_19(db);
    db.exec("ALTER TABLE sync_shares DROP COLUMN prev_entered; ALTER TABLE sync_shares DROP COLUMN entered; "
            "PRAGMA user_version = 17");
}

inline void undo_migration_17(SQLite::Database& db) {
    undo_migration_18(db);
    db.exec("CREATE TEMP TABLE v17_versions AS SELECT * FROM sync_versions; "
            "CREATE TEMP TABLE v17_log AS SELECT * FROM sync_log; "
            "DROP VIEW sync_versions; DROP VIEW sync_log; DROP TABLE sync_older_seqs; "
            "CREATE TABLE sync_versions(tbl INTEGER NOT NULL, id BLOB NOT NULL, hlc INTEGER NOT NULL, "
            "seq INTEGER NOT NULL, vers BLOB NOT NULL, PRIMARY KEY(tbl, id)) STRICT, WITHOUT ROWID; "
            "INSERT INTO sync_versions SELECT * FROM v17_versions; "
            "CREATE TABLE sync_log(seq INTEGER NOT NULL, tbl INTEGER NOT NULL, id BLOB NOT NULL, "
            "PRIMARY KEY(seq, tbl, id)) STRICT, WITHOUT ROWID; "
            "INSERT INTO sync_log SELECT * FROM v17_log; DROP TABLE v17_versions; DROP TABLE v17_log");
    for (const auto& t : captured_tables()) {
        const std::string n = t.name;
        db.exec("DROP INDEX " + n + "_sync_seq; ALTER TABLE " + n + " DROP COLUMN sync_vers; ALTER TABLE " + n +
                " DROP COLUMN sync_seq; ALTER TABLE " + n + " DROP COLUMN sync_hlc");
    }
    db.exec("PRAGMA user_version = 16");
}

}  // namespace crmlite::testing
