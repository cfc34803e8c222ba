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
#include <utility>
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

// ---- The log synced to the hub (docs/privacy.md, "Audit log"; the changeset
// form is src/sync/audit_records.hpp). Each site sends the entries of its own
// chain; the hub appends them to that site's chain in its file, so its verify()
// checks every site's chain, and an entry edited or deleted at the hub after
// it arrived is detected like a local one.

// One entry of a chain as it travels: its fields and the hash its site stored.
struct ChainEntry {
    Uuid id;
    Uuid site;
    std::int64_t n = 0, at = 0;
    std::string principal, action, outcome, record_type;
    std::optional<Uuid> record_id;
    std::string detail;
    std::string hash;  // 32 bytes
};

// The entry `id` of this file's log, if any.
std::optional<ChainEntry> load(Database& db, const Uuid& id);

struct Receipt {
    std::int64_t appended = 0;    // new entries added to their site's chain here
    std::int64_t known = 0;       // entries already held, identical
    std::int64_t deferred = 0;    // entries after a gap: they come again with the missing ones
    std::int64_t broken = 0;      // appended, but their content does not match their hash (edited at their site)
    std::int64_t mismatched = 0;  // an entry n held here differs from the one received (its site's log was rewritten)
    std::int64_t refused = 0;     // another site's id reused, or this file's own chain
    std::vector<std::pair<Uuid, std::int64_t>> mismatches;  // (site, n)
};

// Appends entries of another site's chain to that chain here, in order of n:
// only the entry after the last one held is taken (prev = the held head's
// hash; the received hash is stored as it came, so verify() reports an entry
// edited before it was sent). REQUIRES: a write transaction is open.
void receive(Database& db, std::vector<ChainEntry> entries, Receipt& receipt);

}  // namespace crmlite::audit
