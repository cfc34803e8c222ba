// A new file's schema without replaying history. The migrations run once per
// process on an in-memory database; a new file then gets that result as its
// final CREATE statements and seed rows, one statement per object, instead of
// every migration's SQL and rewrites (migration 17 alone edits and probes 21
// table definitions). Existing files still migrate step by step; a test checks
// that both paths give the same schema and rows.
#pragma once

namespace SQLite {
class Database;
}

namespace crmlite {

// Runs the migrations after schema `from` on `db`, each setting user_version,
// in the caller's transaction.
void run_migrations(SQLite::Database& db, int from);

// Builds the latest schema in an empty database (user_version 0), in the
// caller's transaction: the in-memory template's tables and indexes, then
// their seed rows (with their rowids; foreign keys checked at commit), then
// views and triggers (so no trigger fires on the seed rows), and finally
// user_version. The template is made on first use, once per process.
void install_latest_schema(SQLite::Database& db);

// Makes the template now, so that it is not made while a new file is locked.
void prepare_latest_schema();

}  // namespace crmlite
