// Churn risk: a score from 0 to 1 per customer with the reasons behind it,
// derived (never synced) from purchases, complaints/tickets and surveys as of
// a given time:
//   0.6 x overdue      days since the last purchase against the customer's own
//                      usual interval: (ratio - 1) / (ratio + 1) past 1x
//                      (3x = 1/2, 7x = 3/4, approaching 1)
//   0.2 x complaints   more tickets/complaints in the last 90 days than the 90 before
//   0.2 x surveys      poor ratings (1-5) or NPS in the last 180 days
#pragma once

#include <optional>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::churn {

// params: {"as_of" (required), "purchase_kinds": ["order"], "complaint_kinds":
// ["complaint", "ticket"], "survey_kinds": ["survey"], "default_interval_days": 60,
// "threshold": 0.3, "limit": 100}.
// {"customer_id", "score", "reasons": [{"code", "detail", "weight"}]}
Json score(Database& db, const Uuid& customer, const Json& params);
// Customers scoring at least the threshold, highest first (ties by id):
// {"as_of", "threshold", "count", "customers": [{customer_id, display_name, score, reasons}]}.
Json at_risk(Database& db, const Json& params);

}  // namespace crmlite::churn
