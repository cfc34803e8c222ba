// The world of the encrypted-page fuzzer (crypt_fuzz.cpp): one encrypted
// database, captured twice with the bytes as stored on disk.
//
//   wal:  the database file at state S0 (just checkpointed) and its WAL holding
//         three later commits (S1, S2, S3), captured while the connection was
//         open (so opening them runs WAL recovery);
//   main: the database file alone after the connection closed (S3, everything
//         checkpointed).
//
// The states are canonical dumps (every row of every table, in key order):
// whatever is read from a modified file must be one of the states its
// original held (or an error). The data has overflow pages (long notes) and
// both scripts of text, and fits in a few dozen pages.
#pragma once

#include <sqlite3.h>

#include <string>
#include <utility>
#include <vector>

namespace crmlite::fuzz {

struct CryptFixture {
    std::string main_db;              // "main": S3, no WAL
    std::string wal_db, wal_log;      // "wal": S0 + a WAL with S1..S3
    std::vector<std::string> states;  // S0, S1, S2, S3
};

// The raw key every fixture file is encrypted with.
std::string crypt_fixture_key();

// Builds the fixture in the directory `dir` (used as scratch; must exist).
CryptFixture build_crypt_fixture(const std::string& dir);
// Saves to / loads from a directory (main.db, wal.db, wal.db-wal, states).
void save_crypt_fixture(const CryptFixture& f, const std::string& dir);
CryptFixture load_crypt_fixture(const std::string& dir);

// Every row of every table (virtual tables left out: their shadow tables are
// in), in key order, typed: equal content gives the same string.
std::string dump_tables(sqlite3* db);

// Seed inputs (crypt_fuzz.cpp documents the format).
std::vector<std::pair<std::string, std::string>> crypt_seeds();

}  // namespace crmlite::fuzz
