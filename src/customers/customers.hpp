// Customer profiles: persons and companies with their contact points, external
// ids and tags. Every mutating function is one atomic operation (its own
// WriteScope, or a savepoint inside the caller's transaction).
#pragma once

#include <optional>
#include <span>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"
#include "store/removal.hpp"

namespace crmlite::customers {

// The synced profile fields, in sync-index order (append only).
std::span<const FieldSpec> fields();

Uuid create(Database& db, const Json& input);
// Partial update: only the keys present change; null clears. Returns true when
// anything changed (a no-op update writes nothing and stamps nothing).
bool update(Database& db, const Uuid& id, const Json& patch);
// Deletes the customer and everything under it, each with a tombstone that
// syncs: its own children, and the records of other modules that depend on it
// (store/removal.hpp: opportunities, stage history, campaign members; leads
// lose the link). Those records are appended to `dependents` when not null.
void remove(Database& db, const Uuid& id, std::vector<RecordRef>* dependents = nullptr);
// Removes the customer and everything under it (other modules' dependents
// too) from this replica only: no tombstone, nothing that syncs (the customer
// left this replica's share under filtered replication; the hub still holds
// it). A no-op when absent.
void forget(Database& db, const Uuid& id);
// Throws CRM_ENOTFOUND.
Json get(Database& db, const Uuid& id);
std::optional<Uuid> find_external(Database& db, const std::string& system, const std::string& external_id);
bool exists(Database& db, const Uuid& id);
// The id of the external id record (system, external_id).
Uuid external_id_key(const std::string& system, const std::string& external_id);
// Recomputes a customer's local derived columns (pinyin forms, sort key) from
// its display name; sync calls it after merging remote fields.
void refresh_derived(Database& db, std::int64_t rid);
// Binds the derived columns (name_pinyin, sort_key) of a customer with that
// display name at parameters index and index + 1 (for an INSERT that sets them).
void bind_derived(SQLite::Statement& st, int index, const std::string& display_name);

enum class Upsert { inserted, updated, unchanged };
// Creates or updates the customer that `system`'s `external_id` maps to:
// re-importing the same row is idempotent.
Upsert upsert_external(Database& db, const std::string& system, const std::string& external_id, const Json& input);

}  // namespace crmlite::customers
