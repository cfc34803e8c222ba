// Follow-up rules: data (JSON, synced as value_tables::followup_rules) that create
// tasks. Triggers (docs/value.md):
//   new_customer  {"within_days": 3, "lookback_days": 30}: a task due
//                 within_days after a customer was created
//   revisit_tier  {"tier": "core", "every_days": 30}: a task when a customer of
//                 the tier has had no contact for every_days
//   ticket_open   {"after_hours": 48}: an escalation for a ticket still open
//                 after_hours after it was raised
// Common keys: "task_kind", "assignee" ("owner" = the customer's owner, or a
// name), "title", "contact_kinds". A task's id is a UUIDv8 of (rule, customer
// or ticket, period): running a rule twice, or on two devices, never makes the
// same task twice.
#pragma once

#include <optional>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::followup {

// {"id"? (update), "name", "definition": {...}, "enabled"}; the definition is
// validated here (unknown triggers and keys are CRM_EINVAL). Returns the id.
Uuid save(Database& db, const Json& input);
Json list(Database& db);
void remove(Database& db, const Uuid& id);
// The handbook's three rules under fixed ids (idempotent; a default deleted
// here or elsewhere stays deleted). Returns their ids.
Json install_defaults(Database& db);
// Runs every enabled rule as of `now`: {"created": n, "tasks": [ids]}.
Json run(Database& db, std::int64_t now);

}  // namespace crmlite::followup
