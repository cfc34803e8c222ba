// Masked changesets (issue 7; docs/privacy.md, "Masking under sync"). A
// changeset made for the device of a principal without the unmask permission
// carries, for every field the masking rules cover (src/masking, as the read
// paths apply them), the masked rendering in place of the value, with the
// version (clock, site) of the write it masks; each such record lists the
// masked fields in the pseudo-field "masked" (comma-separated names). So the
// device never receives a clear value of them.
//
// A replica keeps which fields it holds masked (sync_masked) and never sends
// those values on; and for one version the clear value wins over its masked
// rendering (a masked copy never replaces the clear one, the clear one
// replaces a masked copy). A masked value therefore never overwrites a clear
// one anywhere, while a device's own edit of such a field (a new version, the
// value its user typed) travels as a real value.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "store/database.hpp"
#include "sync/changeset.hpp"
#include "sync/pseudo_fields.hpp"

namespace crmlite::sync {

// Whether values of this column are masked for a principal without unmask.
bool masked_column(Table table, std::string_view column);

// Masks the values of masked columns in `rc` (non-null ones) and lists them
// in its "masked" pseudo-field. `point_type` is a contact point's type
// ("phone" / "email"), which decides its rule.
void mask_record(Changeset& cs, RecordChange& rc, const std::string& point_type);

// The names an incoming record lists as masked (empty for most records).
std::set<std::string> masked_names(const Changeset& cs, const RecordChange& rc);

// Which fields (bit = field index) this replica holds masked, per record.
class MaskedFields {
public:
    explicit MaskedFields(Database& db);
    bool any() const { return any_; }
    std::uint64_t held(Table table, const Uuid& id);
    void store(Table table, const Uuid& id, std::uint64_t bits);

private:
    Database& db_;
    bool any_ = false;
};

}  // namespace crmlite::sync
