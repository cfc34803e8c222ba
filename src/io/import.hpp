// Bulk import of customers and interactions from CSV or JSON Lines, and export
// to JSON Lines. Imports have no row cap and stream the file; rows land in
// batches (one transaction each, prepared statements), every row atomic in its
// own savepoint so a bad row is skipped and reported while good rows land; a
// cancel from the progress callback rolls the WHOLE import back.
#pragma once

#include <functional>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::io {

struct ImportOptions {
    std::string format;   // "csv" | "jsonl" | "" (from the file name)
    std::string records = "customers";  // "customers" | "interactions"
    std::string system;   // external system keying the upsert; "" = plain inserts
    Json mapping = Json::object();      // {"<column>": "<field>"}
    int batch_size = 5000;
    // Called after each batch and at the end: (rows read, total estimate or -1).
    // Returns false to cancel.
    std::function<bool(std::int64_t, std::int64_t)> progress;
};

// Returns {"rows","inserted","updated","unchanged","failed","errors":[{"line","field","reason"}]}.
// Throws Error(CRM_ECANCELED) after rolling everything back when cancelled.
Json import_file(Database& db, const std::string& path, const ImportOptions& options);
// Writes one JSON object per line; returns {"rows": n}.
Json export_file(Database& db, const std::string& records, const std::string& path);

}  // namespace crmlite::io
