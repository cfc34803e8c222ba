// Keeps the full-text indexes (customer_fts over the customer_search_doc view,
// interaction_fts over the interactions table; both FTS5 external content) in
// step with the records, deferred to the end of the outermost transaction.
//
// Why deferred: once FTS5 has been written in a transaction it flushes its
// pending terms into a new segment at every SAVEPOINT, and every crmlite call
// is a savepoint inside a caller's transaction or a bulk import. Indexing row
// by row cost a segment (and a merge) per row; queued, a whole import batch
// becomes one segment.
//
// The contract for writers: call before_change() BEFORE changing or deleting
// a record's searchable data (it captures the values the index holds, which an
// external-content 'delete' needs verbatim) and after_insert() AFTER inserting
// a record. Readers that MATCH call flush() first, so a search inside a
// caller's open transaction sees that transaction's own writes.
#pragma once

#include <cstdint>

namespace crmlite {
class Database;
}

namespace crmlite::search {

enum class Doc { customer = 0, interaction = 1 };

void before_change(Database& db, Doc doc, std::int64_t rid);
void after_insert(Database& db, Doc doc, std::int64_t rid);
// Applies the queued index updates (a no-op outside a write transaction, where
// nothing is queued).
void flush(Database& db);

}  // namespace crmlite::search
