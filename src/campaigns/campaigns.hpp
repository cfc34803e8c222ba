// Campaigns: an audience from a saved customer filter (src/customers/query),
// frozen as a member snapshot or evaluated live (dynamic); only customers with
// marketing consent are members, the others are counted with the reason.
// Members carry a status the application updates as it sends; attribution
// credits orders and won opportunities of members within a window after
// contact, against a control group when the campaign keeps one.
#pragma once

#include <span>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::campaigns {

std::span<const FieldSpec> fields();
std::span<const FieldSpec> member_fields();

// {"name", "channel", "status", "audience": {customer filter}, "audience_mode":
//  "frozen"|"dynamic", "starts_at", "ends_at", "cost_minor", "currency",
//  "attribution_days" (default 30), "control_pct" (0-50, default 0)}
Uuid create(Database& db, const Json& input);
bool update(Database& db, const Uuid& id, const Json& patch);
// Deletes the campaign and its members, each with a tombstone that syncs (a
// delete wins over concurrent edits; the records never come back). Leads and
// opportunities that name it lose the link. Needs the "delete" permission
// (campaigns have no owner).
void remove(Database& db, const Uuid& id);
Json get(Database& db, const Uuid& id);
Json list(Database& db);

// Evaluates the audience: {"matched", "included", "control", "excluded":
// {"no_marketing_consent": n, "no_email": n, "no_phone": n}, "members"?}.
// With `freeze` (frozen campaigns) the included customers become members
// (status "targeted"; control-group members marked), once: a frozen audience
// does not change afterwards.
Json audience(Database& db, const Uuid& id, bool freeze);

// Sets a member's status (targeted, sent, opened, responded, converted); the
// first "sent" or later status records the contact time `at` (now when 0). A
// dynamic campaign's member is made on first use; the customer must be in the
// audience and not in the control group.
void set_member_status(Database& db, const Uuid& campaign, const Uuid& customer, const std::string& status,
                       std::int64_t at = 0);

// The campaign's results: members, contacted, status counts, attributed orders
// and won opportunities within the window, revenue per currency, cost,
// conversion rate, ROI, and the control group's conversion rate and the lift.
Json results(Database& db, const Uuid& id);

// The deterministic control-group draw for (campaign, customer): the same on
// every device.
bool in_control(const Uuid& campaign, const Uuid& customer, std::int64_t control_pct);

}  // namespace crmlite::campaigns
