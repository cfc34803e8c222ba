// Declarative field lists for synced records. A FieldSpec says how one JSON key
// maps to one column and how its input is checked; its position in the list is
// the field's index in the sync version vector (append only, never reorder).
// Modules describe their records with these and share one codec, so every
// record validates, stores and renders the same way.
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/json.hpp"
#include "store/ids.hpp"

namespace crmlite {

enum class FieldKind { text, choice, date, boolean, integer, instant, object, array, ref };

struct FieldSpec {
    const char* json;    // key in the JSON record
    const char* column;  // column in the table
    FieldKind kind;
    std::size_t max_len = 1000;               // text: code points; object/array: bytes
    std::vector<std::string_view> choices{};  // choice
    std::int64_t min = INT64_MIN, max = INT64_MAX;  // integer
    bool searchable = false;                  // feeds the full-text index
};

// NULL, an integer, text (also JSON text and dates) or an id.
using Value = std::variant<std::monostate, std::int64_t, std::string, Uuid>;

struct FieldValue {
    int index;
    Value value;
};

// Reads every key of `in` that names a field (others are the caller's to check):
// type-checked, ranged, null meaning "clear". Throws CRM_EINVAL naming the field.
std::vector<FieldValue> read_fields(const Input& in, std::span<const FieldSpec> fields);
void bind_value(SQLite::Statement& st, int index, const Value& v);
Value column_value(const SQLite::Column& c, const FieldSpec& spec);
// Renders a stored value as JSON (instants as ISO-8601, ids as UUID strings,
// objects parsed back); NULL renders as nothing (the caller omits the key).
std::optional<Json> value_json(const Value& v, const FieldSpec& spec);
int field_index(std::span<const FieldSpec> fields, std::string_view json_key);

}  // namespace crmlite
