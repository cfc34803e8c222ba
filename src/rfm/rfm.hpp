// RFM scoring, value tiers and dated snapshots (derived data: computed on each
// device from synced customers and interactions, never synced).
//
// Recency is the number of local calendar days (database time zone) from the
// last counted purchase to the as-of date; frequency the number of counted
// purchases in the look-back window; monetary their sum in the base currency
// minus refunds. Scores 1-5 are given among customers with at least one
// purchase by one of three methods (docs/value.md):
//   "ntile"     equal-size buckets, ties broken by customer id (SQL NTILE(5)), the default
//   "quantile"  1 + floor(5 * (customers strictly worse) / buyers): ties stay together
//   "rank_bins" 1 + floor(5 * (dense rank - 1) / distinct values): equal-width bins over ranks
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "rfm/segments.hpp"
#include "store/database.hpp"

namespace crmlite::rfm {

enum class Method { ntile, quantile, rank_bins };

struct Params {
    std::int64_t as_of = 0;             // UTC ms; purchases after it do not count
    std::int64_t window_days = 365;     // 0: all history up to as_of
    std::vector<std::string> purchase_kinds{"order"};
    std::vector<std::string> refund_kinds{"refund"};
    std::vector<std::string> cancelled_statuses{"cancelled", "canceled"};
    // A purchase-kind interaction with one of these statuses is a refund (an
    // order recorded with status "refunded" and usually a negative amount).
    std::vector<std::string> refund_statuses{"refunded"};
    std::string base_currency = "CNY";
    std::map<std::string, double> rates;  // units of base currency per unit of the currency
    Method method = Method::ntile;
    SegmentMap segments;
    double core_share = 0.10, potential_share = 0.30;
    bool snapshot = true;
    // What the aggregates depend on (kinds, statuses, window, currencies); a
    // refresh under another key recomputes everything.
    std::string aggregate_key() const;
    Json to_json() const;
};

// Keys: as_of (ISO, required), window_days, purchase_kinds, refund_kinds,
// cancelled_statuses, refund_statuses, base_currency, rates {"USD": 7.1}, method, segments,
// tiers {"core": 0.1, "potential": 0.3}, snapshot (bool). CRM_EINVAL names the field.
Params parse_params(const Json& input);

// Full recompute. Returns a summary {mode, snapshot, as_of, customers, buyers,
// recomputed, segments {name: n}, tiers {name: n}}.
Json compute(Database& db, const Params& p);
// Incremental: re-aggregates only customers whose purchases changed (sync log
// since the last run) or crossed the window's edges, then rescores everyone
// from the stored aggregates and writes only rows that changed. Falls back to a
// full recompute when there is no earlier run, the aggregate key differs, the
// as-of time went backwards, or customers/interactions were deleted.
Json refresh(Database& db, const Params& p);

// The current scores of one customer (CRM_ENOTFOUND before any run).
Json customer(Database& db, const Uuid& id);
// Snapshots, newest first: [{id, as_of, created_at, customers, buyers}].
Json snapshots(Database& db);
// One snapshot's rows as JSON lines would be large: its per-segment counts.
// Movement between two snapshots: {from, to, moved, stayed, entered, left,
// matrix: [{from, to, count}]}. from/to 0 = the two latest.
Json movement(Database& db, std::int64_t from, std::int64_t to);
// The default 125-cell table {"555": "Champions", ...}.
Json default_table();

// Scoring helpers, exposed for tests: scores 1..5 for `n` values where a
// larger value is better; ids break ties for ntile.
std::vector<int> score(const std::vector<std::int64_t>& goodness, const std::vector<Uuid>& ids, Method m);

}  // namespace crmlite::rfm
