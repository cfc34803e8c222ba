// The audit log: an append-only record of who did what to which record, when,
// from which site. Entries hold ids and counts, never personal content, so an
// erasure never has to rewrite them. Tamper-evident: each site's entries form
// a hash chain (SHA-256 over the previous hash and the entry's fields), and
// the chain's head is kept apart, so verify() detects an edited, inserted or
// deleted entry, including the newest ones.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/cursor.hpp"
#include "store/database.hpp"

namespace crmlite::audit {

struct Entry {
    std::int64_t at = 0;  // UTC ms
    std::string principal;
    std::string action;   // "customer.read", "export", "login", "permission" ...
    std::string outcome;  // "ok" or "denied"
    std::string record_type;  // "" when none
    std::optional<Uuid> record_id;
    std::string detail;   // a JSON object of ids and counts
    bool in_transaction = false;  // recorded inside an explicit transaction: dropped if it rolls back
};

// Appends `entries` to this site's chain. REQUIRES: a write transaction is open.
void append(Database& db, const std::vector<Entry>& entries);

// Walks every site's chain: {"ok", "sites", "entries", "problems":[{"site","n","reason"}]}.
Json verify(Database& db);

// Entries, newest first: {"principal","action","outcome","record_id","since","until","limit","after"}.
// Rows: {"id","site","n","at","principal","action","outcome","record_type","record_id","detail"}.
std::unique_ptr<Cursor> query(Database& db, const Json& q);

// Entries about one record (a data subject's export), oldest first.
Json about(Database& db, const Uuid& record);

}  // namespace crmlite::audit
