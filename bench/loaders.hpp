// Bulk loaders for the import benchmark: crmlite's import through the C ABI,
// and the baseline — the best hand-written raw SQLite C API loader inserting
// the same rows into the same tables, indexes and full-text index (one
// transaction, prepared statements). With `extras`, the baseline also does what
// only crmlite does (pinyin and collation keys, phone normalisation, change
// capture rows), which prices those features separately.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace bench {

nlohmann::json import_crmlite(const std::string& db_path, const std::string& data_dir);
nlohmann::json import_raw(const std::string& db_path, const std::string& data_dir, bool extras);
// With `lean`: only what RFM and churn read — customers (ids ascending in file
// order, as crmlite's UUIDv7 are), their external ids and the interactions;
// no contact points, tags or customer full-text rows. For the value suite's
// data when no imported database exists; not a timed baseline.
nlohmann::json import_raw(const std::string& db_path, const std::string& data_dir, bool extras, bool lean);
std::string sqlite_version();

}  // namespace bench
