// The RFM module's bookkeeping (rfm_state): what the stored aggregates were
// computed for, and the sync-log watermark a refresh continues from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/database.hpp"

namespace crmlite::rfm {

enum class Tier : std::uint8_t { core, potential, base };
const char* tier_name(Tier t);

// One customer's current aggregates and scores (rfm_current). The segment is
// not kept: it is the segment map's cell of (r, f, m), or "No Purchases".
struct Row {
    Uuid id;
    std::int64_t frequency = 0, monetary = 0;
    std::optional<std::int64_t> first_day, last_day;  // local days of the first/last purchase
    std::uint8_t r = 0, f = 0, m = 0;                 // 0: no purchases
    Tier tier = Tier::base;
    // Refresh bookkeeping: the stored scores, and whether the stored row must
    // be rewritten whatever the new scores are (a new customer, re-aggregated
    // purchases, or a stored segment or tier the current parameters do not give).
    std::uint8_t old_r = 0, old_f = 0, old_m = 0;
    Tier old_tier = Tier::base;
    bool dirty = true;
};

void state_put(Database& db, const std::string& key, const std::string& value);
void state_put(Database& db, const std::string& key, std::int64_t value);
std::optional<std::string> state_text(Database& db, const std::string& key);
std::optional<std::int64_t> state_int(Database& db, const std::string& key);

}  // namespace crmlite::rfm
