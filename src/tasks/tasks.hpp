// Tasks: a customer, an assignee, a kind, a due time, a status (open, done,
// snoozed, cancelled) and notes. Synced records (value_tables::tasks): manual tasks
// get a UUIDv7; tasks made by follow-up rules a UUIDv8 of (rule, customer,
// period), so two devices running the same rule converge on one task and a
// rule never creates the same task twice.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"
#include "tasks/records.hpp"

namespace crmlite::tasks {

const value_records::Kind& kind();
enum Field : int { kCustomer, kAssignee, kKind, kTitle, kDue, kStatus, kSnoozed, kNotes, kRule, kCompleted };

// {"customer_id", "kind", "due_at" (required), "assignee", "title", "notes", "status"}.
Uuid create(Database& db, const Json& input);
void update(Database& db, const Uuid& id, const Json& patch);
Json get(Database& db, const Uuid& id);
void complete(Database& db, const Uuid& id, std::int64_t at);
// Hidden from due() until `until`.
void snooze(Database& db, const Uuid& id, std::int64_t until);
// Deletes the task (a tombstone that syncs: a delete wins over concurrent
// edits, and a follow-up rule never makes a deleted task of its own again).
// CRM_ENOTFOUND when there is no such task.
void remove(Database& db, const Uuid& id);
// Open tasks due at or before `now` and snoozed ones whose snooze ended, by
// effective due time: [{...task, "overdue": bool, "effective_due": ISO}].
Json due(Database& db, std::int64_t now, const std::optional<std::string>& assignee);
Json for_customer(Database& db, const Uuid& customer);

// For follow-up rules: inserts the task under `id` unless a task with that id
// exists or was deleted; true when it made one.
bool create_once(WriteScope& w, const Uuid& id, const std::vector<Value>& v);

}  // namespace crmlite::tasks
