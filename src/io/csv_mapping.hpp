// Turns CSV rows into the JSON records the customers and interactions APIs
// take. The header and the user's mapping are resolved once into a plan (one
// target per column); each row is then a single pass over its cells, with no
// mapping lookups per row.
#pragma once

#include <string>
#include <vector>

#include "common/json.hpp"
#include "io/csv_reader.hpp"

namespace crmlite::io {

enum class Records { customers, interactions };

// Values that steer the write instead of being stored as fields.
struct RowKeys {
    std::string external_id;           // with a system: the upsert key
    std::string customer_external_id;  // interactions: resolves customer_id
    void clear() {
        external_id.clear();
        customer_external_id.clear();
    }
};

class CsvPlan {
public:
    // Resolves every header cell (trimmed) through `mapping` ({"<column>": "<field>"},
    // "" or "-" ignores a column) or, when unmapped, by its own name. Throws
    // CRM_EINVAL "mapping: ..." for a column that feeds nothing, a target that is
    // no field, a mapping key that is not a column, two columns feeding one
    // field, or external ids without a system to key them.
    CsvPlan(Records records, const std::vector<std::string>& header, const Json& mapping, bool has_system);

    std::size_t width() const { return columns_.size(); }
    const std::string& header(std::size_t i) const { return columns_[i].header; }

    // Builds the record of one row into `out` (cleared first) and its keys.
    // Empty cells are absent, not null. Throws CRM_EINVAL naming the field.
    void build(const CsvReader& row, Json& out, RowKeys& keys) const;

private:
    enum class Target { ignore, text, boolean, integer, json, phones, emails, tags, entry, external_id,
                        customer_external_id };
    struct Column {
        std::string header;
        Target target = Target::ignore;
        std::string key;    // JSON key in the record; for `entry`, the key inside the object
        std::string field;  // "customer.birthday", for error messages
    };
    // The target a field name denotes (for `entry`, *key is set); false when none.
    bool resolve(const std::string& name, Column& col) const;

    Records records_;
    std::string record_;      // "customer" | "interaction"
    std::string object_key_;  // "custom" | "attributes": where "<object>.<key>" columns go
    std::vector<Column> columns_;
};

}  // namespace crmlite::io
