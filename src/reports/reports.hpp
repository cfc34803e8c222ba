// Reports over the value data, as JSON: segment distribution and tier shares
// (counts and revenue), segment transitions between snapshots, lifecycle
// funnel, follow-up on-time rate, repeat purchase rate, average order value,
// and an estimated customer lifetime value per customer and per segment.
// RFM-based reports read the current RFM run (crm_rfm_compute/refresh).
#pragma once

#include <string>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::reports {

// name: "segments", "transitions" {"from","to"}, "funnel", "followup" {"from","to"},
// "repeat_rate", "aov", "clv" {"margin", "discount_rate", "retention", "customer_id", "limit"}.
Json run(Database& db, const std::string& name, const Json& params);

}  // namespace crmlite::reports
