// Numbered schema migrations. Migration N takes user_version N-1 to N; all
// pending ones run in one transaction at open. Never edit a released migration:
// append a new one.
#pragma once

#include <vector>

namespace SQLite {
class Database;
}

namespace crmlite {

struct Migration {
    int version;
    const char* sql;
    // Data rewrites SQL cannot express run after the SQL, in the same transaction.
    void (*rewrite)(SQLite::Database&) = nullptr;
};

const std::vector<Migration>& migrations();

}  // namespace crmlite
