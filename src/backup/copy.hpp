// What backup, restore and rekey share (internal to src/backup): a raw SQLite
// connection for the file a copy is written to, and the page copy itself
// (SQLite's backup API, in steps, with progress and cancel).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>

#include "backup/backup.hpp"
#include "common/error.hpp"
#include "crypto/crypt_vfs.hpp"

namespace crmlite::backup::detail {

// A connection without crmlite's schema checks, for a file whose pages are
// about to be written or checked (through `vfs` when encrypted).
class RawConnection {
public:
    RawConnection(const std::string& path, const crypto::CryptVfs* vfs,
                  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;
    sqlite3* get() { return db_; }
    [[noreturn]] void fail(const std::string& what, int rc);
    void exec(const char* sql);
    // The first column of the first row of `sql`, as text ("" when none).
    std::string text(const char* sql);

private:
    sqlite3* db_ = nullptr;
};

// The crm_status for a SQLite result code.
crm_status status_of(int rc);

struct CopyResult {
    std::int64_t pages = 0;
    std::int64_t steps = 0;
};

// Copies "main" of src into "main" of dst with the backup API, in steps.
// `what` names the operation in errors.
CopyResult copy_pages(sqlite3* dst, sqlite3* src, const CopyOptions& o, const std::string& what);

// Removes path and its -journal, -wal and -shm, ignoring errors.
void remove_quietly(const std::string& path);

// path + suffix + a random number: a name for a file being written.
std::string temporary_name(const std::string& path, const char* suffix);

}  // namespace crmlite::backup::detail
