// The RFM module's bookkeeping (rfm_state): what the stored aggregates were
// computed for, and the sync-log watermark a refresh continues from.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "store/database.hpp"

namespace crmlite::rfm {

// One customer's current aggregates and scores (rfm_current).
struct Row {
    Uuid id;
    std::int64_t frequency = 0, monetary = 0;
    std::optional<std::int64_t> first_day, last_day;  // local days of the first/last purchase
    int r = 0, f = 0, m = 0;                          // 0: no purchases
    std::string segment, tier;
};

void state_put(Database& db, const std::string& key, const std::string& value);
void state_put(Database& db, const std::string& key, std::int64_t value);
std::optional<std::string> state_text(Database& db, const std::string& key);
std::optional<std::int64_t> state_int(Database& db, const std::string& key);

}  // namespace crmlite::rfm
