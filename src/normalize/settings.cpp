#include "normalize/settings.hpp"

#include "common/error.hpp"
#include "normalize/phone.hpp"

namespace crmlite::normalize {

std::optional<std::string> setting(Database& db, const std::string& key) {
    auto& st = db.stmt("SELECT value FROM quality_settings WHERE key = ?");
    st.bind(1, key);
    if (!st.executeStep()) return std::nullopt;
    std::string v = st.getColumn(0).getString();
    st.reset();
    return v;
}

void set_setting(Database& db, const std::string& key, const std::string& value) {
    WriteScope w(db);
    auto& st = db.stmt("INSERT INTO quality_settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value");
    st.bind(1, key);
    st.bind(2, value);
    st.exec();
    w.commit();
}

std::string phone_region(Database& db) { return setting(db, "phone_region").value_or(kDefaultRegion); }

void set_phone_region(Database& db, const std::string& region) {
    if (region.size() != 2 || !known_region(region)) invalid("region", "not a region libphonenumber knows: \"" + region + "\"");
    set_setting(db, "phone_region", region);
}

}  // namespace crmlite::normalize
