// Sales and marketing reports as JSON, one entry point for the C ABI, the
// bindings and the CLI: "pipeline" (open pipeline by stage), "forecast",
// "stages" (time in stage, stage conversion, cycle length), "funnel" (leads by
// source, campaign or owner) and "campaigns" (results with attribution).
// Derived on each device from synced records; nothing is stored.
#pragma once

#include <string>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::sales_reports {

// {"by": "source"|"campaign"|"owner"} -> {"by", "rows":[{"key", "total", "new",
// "contacted", "qualified", "disqualified", "converted", "conversion_rate"}]}.
// conversion_rate = converted / total.
Json lead_funnel(Database& db, const Json& params);

// Dispatches on `kind`; unknown kinds fail with CRM_EINVAL naming "kind".
Json report(Database& db, const std::string& kind, const Json& params);

}  // namespace crmlite::sales_reports
