// Dynamic tags: rules (synced data, value_tables::tag_rules) whose JSON condition
// over profile fields and interaction aggregates assigns a tag. Rule-assigned
// tags are derived: stored in customer_tags with source 'rule' WITHOUT change
// capture (no sync_versions row), so they never enter a changeset and each
// device recomputes them; manual assignments (source 'manual') are never
// added, changed or removed by rules. Condition grammar: docs/value.md.
#pragma once

#include <optional>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::tag_rules {

// {"id"? (update), "name", "tag" (a tag path), "condition", "enabled"}; the
// condition is checked here: unknown fields, operators or keys are CRM_EINVAL
// naming the place ("tag_rule.condition.all[1].op").
Uuid save(Database& db, const Json& input);
Json list(Database& db);
void remove(Database& db, const Uuid& id);
// Re-evaluates every enabled rule for one customer or everyone as of `now`:
// {"evaluated", "added", "removed"}. Rule tags of deleted/disabled rules go.
Json apply(Database& db, std::int64_t now, const std::optional<Uuid>& customer);
// Re-evaluates only customers whose profile or interactions changed since the
// last apply/refresh (everyone when rules changed).
Json refresh(Database& db, std::int64_t now);
// Checks a condition without saving it (CRM_EINVAL as save).
void validate(const Json& condition);

}  // namespace crmlite::tag_rules
