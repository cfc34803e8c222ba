// Duplicate detection: blocking on normalised match keys (dedup/profile.hpp)
// so that only customers sharing a key are ever compared, pairwise scoring
// with evidence, clusters by transitive closure, and an incremental check of
// one customer (new or changed) against the file.
//
// The key index (dedup_keys) is derived data, local to each replica: it is
// refreshed for the customers whose updated_at changed since it was built.
#pragma once

#include "common/json.hpp"
#include "dedup/profile.hpp"
#include "store/database.hpp"

namespace crmlite::dedup {

struct Options {
    double auto_threshold = 0.90;    // a pair at or above it is a duplicate (merge automatically)
    double review_threshold = 0.60;  // at or above it (and below auto): the review queue
    std::size_t max_block = 200;     // blocks larger than this (a common name) are not expanded
    std::size_t profile_cache = 200000;  // profiles held in memory at once (bounded memory on large files)
};
// Reads {"auto_threshold", "review_threshold", "max_block"}; CRM_EINVAL naming the field.
Options parse_options(const Json& j);

struct PairScore {
    double score = 0;     // 0..1
    double points = 0;    // the summed evidence
    Json evidence;        // [{"feature", "weight", "detail"}]
};
PairScore score(const Profile& a, const Profile& b);

// Brings the key index up to date; returns how many customers were (re)keyed.
std::size_t refresh(Database& db);
// Every cluster of duplicates in the file:
// {"clusters":[{"members":[id...],"pairs":[{"a","b","score","evidence"}]}],
//  "review":[pair...], "customers", "compared_pairs", "duplicate_rate"}.
Json find(Database& db, const Options& options);
// Customers that match one customer of the file, or a customer given as JSON
// that is not in it yet: {"matches":[{"id","score","decision","evidence"}]}.
Json check(Database& db, const Uuid& id, const Options& options);
Json check_json(Database& db, const Json& customer, const Options& options);

// Jaro-Winkler similarity over Unicode code points (0..1).
double jaro_winkler(std::string_view a, std::string_view b);

}  // namespace crmlite::dedup
