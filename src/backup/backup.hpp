// Online backup, restore and verification of crmlite files (docs/storage.md).
//
// A backup copies the database page by page with SQLite's backup API while the
// source stays in use: a few pages per step, the source unlocked between steps
// (a write by another connection restarts the copy, a write through the same
// connection is carried over). It is written to a temporary name and renamed
// into place when complete, so a backup file is never half-written. A backup
// of an encrypted database is encrypted: with the same key by default, or a
// new key.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/json.hpp"
#include "crypto/crypt_vfs.hpp"
#include "store/database.hpp"

namespace crmlite::backup {

// Called after each step with pages copied so far and the total; false cancels.
using Progress = std::function<bool(std::int64_t done, std::int64_t total)>;

struct CopyOptions {
    // backup_to: the backup's key (empty: the source's key; a plain source
    // gives a plain backup). restore: the key of the backup file.
    crypto::KeySpec key;
    int pages_per_step = 256;
    Progress progress;
};

// Backs `db` up into the new file `path` (which must not exist). Returns
// {"path","pages","page_size","bytes","steps","encrypted"}.
Json backup_to(Database& db, const std::string& path, const CopyOptions& options);

// Checks a database file without changing it: opens it read-only (with `key`
// when encrypted), runs SQLite's integrity check, and reads its schema version
// and record counts. A file that cannot be opened throws (CRM_ENOTFOUND,
// CRM_ENOTADB for a wrong key, CRM_ETOONEW); a damaged one is reported with
// "ok": false and its problems.
Json verify(const std::string& path, const crypto::KeySpec& key);

// SQLite's integrity check on an open database: {"ok", "problems":[...]}.
Json integrity(Database& db);

// Replaces the content of `target` (created when missing; opened with
// `target_options`, whose key defaults to the backup's) with the backup at
// `backup_path`, after verifying the backup: a damaged backup is CRM_ECORRUPT
// and the target is left untouched. Other connections to the target should be
// closed first (docs/storage.md).
Json restore(const std::string& backup_path, const std::string& target, const OpenOptions& target_options,
             const CopyOptions& options);

}  // namespace crmlite::backup
