#include "rfm/state.hpp"

namespace crmlite::rfm {

const char* tier_name(Tier t) { return t == Tier::core ? "core" : t == Tier::potential ? "potential" : "base"; }

void state_put(Database& db, const std::string& key, const std::string& value) {
    auto& st = db.stmt("INSERT OR REPLACE INTO rfm_state(key, value) VALUES (?, ?)");
    st.bind(1, key);
    st.bind(2, value);
    st.exec();
}

void state_put(Database& db, const std::string& key, std::int64_t value) {
    auto& st = db.stmt("INSERT OR REPLACE INTO rfm_state(key, value) VALUES (?, ?)");
    st.bind(1, key);
    st.bind(2, value);
    st.exec();
}

std::optional<std::string> state_text(Database& db, const std::string& key) {
    auto& st = db.stmt("SELECT value FROM rfm_state WHERE key = ?");
    st.bind(1, key);
    if (!st.executeStep()) return std::nullopt;
    std::string v = st.getColumn(0).getString();
    st.reset();
    return v;
}

std::optional<std::int64_t> state_int(Database& db, const std::string& key) {
    auto& st = db.stmt("SELECT value FROM rfm_state WHERE key = ?");
    st.bind(1, key);
    if (!st.executeStep()) return std::nullopt;
    const std::int64_t v = st.getColumn(0).getInt64();
    st.reset();
    return v;
}

}  // namespace crmlite::rfm
