// The conflict log: values a merge overwrote because of a concurrent edit
// (neither writer had seen the other's value), and edits lost to a concurrent
// delete. Local to each replica (every replica that merges both sides logs
// it), queryable, pruned after a retention time. Entries hold the overwritten
// value: erasing a person must clear them too.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::sync {

struct Conflict {
    Table table;
    Uuid id;
    std::string field;
    const char* reason;  // "concurrent edit" | "deleted"
    Value lost;
    std::int64_t lost_hlc, lost_site;  // site: index into sync_sites
    Value kept;
    std::int64_t kept_hlc, kept_site;
    std::optional<Uuid> customer;  // the customer the record belongs to, when known (erasure clears by it)
};

void log_conflict(Database& db, std::int64_t now_ms, const Conflict& c);

// Newest first; only the record's when `record` is given; at most `limit`.
// [{"at","table","id","field","reason","lost":{"value","hlc","site"},"kept":{...}}]
Json conflicts(Database& db, const std::optional<Uuid>& record, std::int64_t limit);

// Drops entries logged before `before_ms`; returns how many.
std::int64_t prune_conflicts(Database& db, std::int64_t before_ms);

}  // namespace crmlite::sync
