// Numbered schema migrations. Migration N takes user_version N-1 to N; all
// pending ones run in one transaction at open. Never edit a released migration:
// append a new one.
#pragma once

#include <vector>

namespace crmlite {

struct Migration {
    int version;
    const char* sql;
};

const std::vector<Migration>& migrations();

}  // namespace crmlite
