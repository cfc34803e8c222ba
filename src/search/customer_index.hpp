// Keeps the customers' full-text index (customer_fts, external content over the
// customer_search_doc view) in step inside the writer's transaction. An
// external-content FTS5 row can only be removed with the exact values it was
// indexed with, so writers call unindex() BEFORE they change a customer's
// searchable data (name, company, notes, phones, emails) and index() AFTER.
#pragma once

#include <cstdint>

namespace crmlite {
class Database;
}

namespace crmlite::search {

void unindex_customer(Database& db, std::int64_t rid);
void index_customer(Database& db, std::int64_t rid);

}  // namespace crmlite::search
