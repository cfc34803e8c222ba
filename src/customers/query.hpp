// Customer lists: a JSON filter compiled to parameterised SQL (never user text
// in SQL), sorted by an indexed key with keyset pagination, so page N costs the
// same as page 1 at a million customers. See docs/query.md.
#pragma once

#include <memory>

#include "common/json.hpp"
#include "store/cursor.hpp"
#include "store/database.hpp"

namespace crmlite::customers {

// {"filter":{...}, "sort":"name"|"name_codepoint"|"created_at"|"updated_at",
//  "order":"asc"|"desc", "limit":1..10000, "after":"<token>", "full":false}
std::unique_ptr<Cursor> query(Database& db, const Json& q);
// Counts matching customers; an empty filter reads the maintained counter.
std::int64_t count(Database& db, const Json& filter);

}  // namespace crmlite::customers
