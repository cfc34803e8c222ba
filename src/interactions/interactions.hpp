// Interaction logs: calls, emails, visits, meetings, chats, notes, orders (with
// money and line items), service tickets and surveys — or any lower-case kind
// an application adds. Append-mostly records whose fields are LWW under sync.
#pragma once

#include <memory>
#include <optional>
#include <span>

#include "common/json.hpp"
#include "store/cursor.hpp"
#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::interactions {

std::span<const FieldSpec> fields();

Uuid add(Database& db, const Json& input);
// Adds with a caller-chosen id (deterministic ids from external keys make
// re-imports idempotent), or updates the record when it exists.
enum class Upsert { inserted, updated, unchanged };
Upsert upsert(Database& db, const Uuid& id, const Json& input);
// The id an interaction imported from `system` with `external_id` gets.
Uuid id_for_external(const std::string& system, const std::string& external_id);

bool update(Database& db, const Uuid& id, const Json& patch);
void remove(Database& db, const Uuid& id);
Json get(Database& db, const Uuid& id);

// A customer's timeline, newest first, keyset-paginated:
// {"customer_id", "kinds":[...], "limit", "after"}.
std::unique_ptr<Cursor> timeline(Database& db, const Json& query);

// For the 360-degree view: latest `n` interactions, order totals per currency,
// counts per kind, first/last contact.
Json summary(Database& db, const Uuid& customer, int latest);

}  // namespace crmlite::interactions
