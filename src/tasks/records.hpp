// A small generic store for the synced records of the value module (tasks,
// follow-up rules, tag rules, lifecycle history): each is a FieldSpec list
// over a table with `id`, `created_at` and (optionally) `updated_at`; writes go
// through WriteScope change capture like every synced module.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"
#include "store/removal.hpp"
#include "tasks/tables.hpp"

namespace crmlite::value_records {

struct Kind {
    const char* table;   // SQL table
    Table synced;        // sync table number
    std::span<const FieldSpec> fields;
    const char* record;  // JSON name used in error messages ("task")
    bool has_updated_at;
};

bool is_null(const Value& v);
std::optional<std::vector<Value>> load(Database& db, const Kind& k, const Uuid& id);
// Inserts with every non-null field marked as changed.
void insert(WriteScope& w, const Kind& k, const Uuid& id, const std::vector<Value>& v);
// Writes the fields that differ; false when nothing did.
bool update(WriteScope& w, const Kind& k, const Uuid& id, const std::vector<Value>& current, const std::vector<Value>& next);
Json render(Database& db, const Kind& k, const Uuid& id);  // CRM_ENOTFOUND when absent
// Renders rows of `SELECT id, created_at, <fields...> FROM table WHERE ...`.
std::string select_list(const Kind& k);
Json render_row(SQLite::Statement& st, const Kind& k);
// Removes one record: a tombstone, then the row (the remover a delete arriving
// by sync runs too, store/removal.hpp). False when it was not here.
bool remove(WriteScope& w, const Kind& k, const Uuid& id);
// The records of kind `k` under a customer being removed (a RemovalHooks hook,
// for tables whose `customer_id` cascades): a delete leaves a tombstone for
// each, an eviction from a filtered share drops them and their versions
// without one. Either way nothing of theirs stays in the sync bookkeeping.
void remove_under_customer(WriteScope& w, const Kind& k, const Uuid& customer, Removal how,
                           std::vector<RecordRef>* removed);
// Reads the fields of an input object (unknown keys are CRM_EINVAL).
std::vector<Value> read(const Json& input, const Kind& k, std::vector<Value> base,
                        std::initializer_list<std::string_view> extra_keys = {});

}  // namespace crmlite::value_records
