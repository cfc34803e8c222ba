// Ranked full-text search over customers and interactions.
#pragma once

#include <memory>

#include "common/json.hpp"
#include "store/cursor.hpp"
#include "store/database.hpp"

namespace crmlite::search {

// {"q": text, "in": "customers"|"interactions"|"all", "limit": 1..1000 (20)}.
// Rows {"type","id","customer_id","title","snippet","rank"}, best (lowest rank) first.
std::unique_ptr<Cursor> run(Database& db, const Json& query);

}  // namespace crmlite::search
