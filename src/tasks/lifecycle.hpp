// Lifecycle stage: customers.stage (a synced customer field: prospect,
// customer, repeat, loyal, at_risk, churned) plus every change kept as
// history (synced value_tables::lifecycle_history, append-only records, so changes
// made on two devices are both kept). Rules suggest or set the stage from the
// purchases; a manual setting overrides rules until the next manual one
// (or a manual "auto" release).
#pragma once

#include <optional>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::lifecycle {

// source "manual" (overrides rules) or "rule". stage "auto" with source
// manual releases the override (history records it; the stage is unchanged).
void set(Database& db, const Uuid& customer, const std::string& stage, const std::string& source);
Json history(Database& db, const Uuid& customer);
// {"stage", "reason", "purchases", "days_since_last"} from purchases as of `as_of`.
// params: {"purchase_kinds": ["order"], "at_risk_days": 120, "churned_days": 365, "loyal_purchases": 5}
Json suggest(Database& db, const Uuid& customer, std::int64_t as_of, const Json& params);
// Applies suggestions to every customer (or one) not under a manual override:
// {"changed": n, "kept_manual": n, "unchanged": n}.
Json apply(Database& db, std::int64_t as_of, const std::optional<Uuid>& customer, const Json& params);

}  // namespace crmlite::lifecycle
