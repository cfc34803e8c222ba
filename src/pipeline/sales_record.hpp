// One codec for the synced sales records (pipelines, stages, leads, lead events,
// assignment rules, opportunities, stage history, campaigns, campaign members):
// a record type names its table and its FieldSpec list (positions are the sync
// field indexes: append only), and these helpers load, insert, update and
// render it with change capture, so every sales record validates, stores,
// stamps and renders the same way.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"
#include "store/removal.hpp"

namespace crmlite::sales {

struct RecordType {
    Table table;
    const char* sql_table;
    const char* what;  // JSON prefix in messages: "lead", "opportunity", ...
    std::span<const FieldSpec> fields;
};

using Values = std::vector<Value>;

bool is_null(const Value& v);
std::string text_of(const Value& v);
std::int64_t int_of(const Value& v, std::int64_t fallback = 0);
std::optional<Uuid> id_of(const Value& v);

// The stored values, or nothing when absent.
std::optional<Values> load(Database& db, const RecordType& type, const Uuid& id);
// Like load, but CRM_ENOTFOUND naming the record.
Values require(Database& db, const RecordType& type, const Uuid& id);
// Applies the fields present in `input` onto `base`; keys that are not fields
// and not in `extra` fail with CRM_EINVAL naming the field.
void read_into(const RecordType& type, const Json& input, Values& base,
               std::initializer_list<std::string_view> extra = {});
// Inserts a new record (every non-null field is stamped).
void insert(WriteScope& w, const RecordType& type, const Uuid& id, const Values& values);
// Writes the fields that differ, and the fields of `together` whenever any
// field is written (fields that must travel as one under per-field
// last-writer-wins, e.g. an opportunity's stage, status and close time, so a
// merge never mixes two writers' halves); returns false when nothing changed.
bool update(WriteScope& w, const RecordType& type, const Uuid& id, const Values& current, const Values& next,
            std::uint64_t together = 0);
// {"id", fields..., "created_at", "updated_at"}.
Json render(Database& db, const RecordType& type, const Uuid& id);
Json render_values(const RecordType& type, const Uuid& id, const Values& values);

// The ids of the records of `type` whose `column` holds `target`.
std::vector<Uuid> ids_where(Database& db, const RecordType& type, const char* column, const Uuid& target);
// Removes one record: deleted, with a tombstone that syncs; forgotten, without
// (its versions go, nothing syncs). Appends it to `removed` when not null.
void erase(WriteScope& w, const RecordType& type, const Uuid& id, Removal how, std::vector<RecordRef>* removed = nullptr);
// Clears the reference field `field` of every record of `type` that points at
// `target` (a deleted record), as a versioned change: every replica that
// applies the delete does the same, so they converge on null.
void clear_references(WriteScope& w, const RecordType& type, int field, const Uuid& target);

// Money: an ISO-4217 code ("CNY"), checked for shape.
void check_currency(const std::string& code, const std::string& field);

}  // namespace crmlite::sales
