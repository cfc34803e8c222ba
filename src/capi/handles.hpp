// The structs behind the opaque handles of crmlite.h. Each constructor and
// destructor moves the live-handle count used by crm_live_handles().
#pragma once

#include <memory>
#include <set>
#include <string>

#include "capi/guard.hpp"
#include "store/cursor.hpp"
#include "store/database.hpp"

struct crm_handle_base {
    crm_handle_base() { ++crmlite::capi::live_handles; }
    ~crm_handle_base() { --crmlite::capi::live_handles; }
    crm_handle_base(const crm_handle_base&) = delete;
    crm_handle_base& operator=(const crm_handle_base&) = delete;
};

struct crm_options : crm_handle_base {
    crmlite::OpenOptions open;
    std::string principal;  // "" = the system (crm_options_set_principal, issue 7)
};

struct crm_cursor;

struct crm_db : crm_handle_base {
    std::unique_ptr<crmlite::Database> db;
    // Cursors still open on this handle: crm_close() detaches them (their
    // statements must be finalised before the connection can close).
    std::set<crm_cursor*> cursors;
};

struct crm_cursor : crm_handle_base {
    crm_db* owner = nullptr;  // NULL once the database was closed under it
    std::unique_ptr<crmlite::Cursor> impl;
    std::string row;
    bool done = false;
};

struct crm_import_options : crm_handle_base {
    std::string format;   // "" = from the file name
    std::string records = "customers";
    std::string system;
    std::string mapping_json;
    int batch_size = 5000;
    crm_progress_fn progress = nullptr;
    void* user_data = nullptr;
};

struct crm_sync_options : crm_handle_base {
    std::int64_t max_clock_skew_ms = 24LL * 3600 * 1000;
    std::int64_t conflict_retention_ms = 30LL * 24 * 3600 * 1000;
    std::string peer;  // "" = anonymous
    std::vector<std::string> owners, regions, tags;
    int audit = -1;  // crm_sync_options_set_audit: -1 = by default (unfiltered system changesets carry it)
};

namespace crmlite::capi {

// Declared first in every call on a crm_db: resets its cached statements when
// the call returns, whatever the outcome (see Database::reset_statements).
struct StatementReset {
    crmlite::Database& db;
    ~StatementReset() { db.reset_statements(); }
};

// Copies a string into a malloc'ed buffer the caller frees with crm_free().
char* dup_string(const std::string& s);
// Makes a new cursor handle over `impl`.
crm_cursor* new_cursor(crm_db* db, std::unique_ptr<crmlite::Cursor> impl);

}  // namespace crmlite::capi
