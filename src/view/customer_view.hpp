// The 360-degree view of one customer, composed from the capability modules'
// public calls: profile with contact points, external ids and tags; the
// interaction summary (latest, order totals, counts); the company or members.
#pragma once

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::view {

Json customer_view(Database& db, const Uuid& id);

}  // namespace crmlite::view
