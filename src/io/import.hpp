// Bulk import of customers and interactions from CSV or JSON Lines, and export
// to JSON Lines (see docs/import.md). Imports have no row cap and stream the
// file. The whole import is ONE transaction (or one savepoint inside the
// caller's explicit transaction); every row is atomic in its own nested
// savepoint, so a bad row is skipped and reported while good rows land, and a
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
    // How many rows between progress reports (1..1000000). It does not split the
    // import into transactions: that would make a cancel unable to undo it all.
    int batch_size = 5000;
    // Called every batch_size rows and once at the end: (rows read, estimated
    // total rows from the share of bytes read, or -1 when unknown; at the end
    // both are the final row count). Returns false to cancel.
    std::function<bool(std::int64_t, std::int64_t)> progress;
};

// Returns {"rows","inserted","updated","unchanged","failed","errors":[{"line","field","reason"}]}
// (at most 1000 errors listed; "failed" counts all). Bad input in a row
// (CRM_EINVAL / CRM_ENOTFOUND / CRM_EEXISTS) is that row's error; anything else
// (I/O, a full disk, corruption) stops the import, rolls it back and throws.
// Throws Error(CRM_ECANCELED) after rolling everything back when cancelled.
Json import_file(Database& db, const std::string& path, const ImportOptions& options);
// Writes one JSON object per line (as get() renders it) to "<path>.tmp", then
// renames it over `path`; returns {"rows": n}.
Json export_file(Database& db, const std::string& records, const std::string& path);

}  // namespace crmlite::io
