#include "backup/copy.hpp"

#include <sodium.h>

#include <chrono>
#include <exception>
#include <filesystem>
#include <thread>

namespace crmlite::backup::detail {

namespace fs = std::filesystem;

RawConnection::RawConnection(const std::string& path, const crypto::CryptVfs* vfs, int flags) {
    const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, vfs ? vfs->name() : nullptr);
    if (rc != SQLITE_OK) fail(path + ": cannot open", rc);
    sqlite3_busy_timeout(db_, 5000);
    if (vfs != nullptr && (flags & SQLITE_OPEN_READWRITE) != 0) {
        int reserve = crypto::kReserve;
        sqlite3_file_control(db_, "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
    }
}

RawConnection::~RawConnection() { sqlite3_close_v2(db_); }

void RawConnection::fail(const std::string& what, int rc) {
    const int ext = db_ ? sqlite3_extended_errcode(db_) : rc;
    throw Error(rc == SQLITE_NOMEM ? CRM_ENOMEM : CRM_EIO, what + ": " + sqlite3_errstr(ext), ext);
}

void RawConnection::exec(const char* sql) {
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) fail(sql, rc);
}

std::string RawConnection::text(const char* sql) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &st, nullptr);
    if (rc != SQLITE_OK) fail(sql, rc);
    std::string out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const auto* t = sqlite3_column_text(st, 0);
        if (t != nullptr) out = reinterpret_cast<const char*>(t);
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) fail(sql, rc);
    return out;
}

crm_status status_of(int rc) {
    switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return CRM_EBUSY;
    case SQLITE_NOMEM: return CRM_ENOMEM;
    case SQLITE_CORRUPT: return CRM_ECORRUPT;
    case SQLITE_NOTADB: return CRM_ENOTADB;
    case SQLITE_READONLY: return CRM_EPERM;
    case SQLITE_IOERR: return CRM_EIO;
    default: return CRM_EIO;
    }
}

CopyResult copy_pages(sqlite3* dst, sqlite3* src, const CopyOptions& o, const std::string& what) {
    if (o.pages_per_step < 1) throw Error(CRM_EINVAL, "pages_per_step: must be at least 1");
    sqlite3_backup* b = sqlite3_backup_init(dst, "main", src, "main");
    if (b == nullptr) {
        const int ext = sqlite3_extended_errcode(dst);
        throw Error(status_of(ext), what + ": " + sqlite3_errmsg(dst), ext);
    }
    CopyResult r;
    int rc = SQLITE_OK;
    bool canceled = false;
    std::exception_ptr raised;  // from the progress callback: rethrown after finishing
    for (;;) {
        rc = sqlite3_backup_step(b, o.pages_per_step);
        ++r.steps;
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        } else if (rc != SQLITE_OK && rc != SQLITE_DONE) {
            break;
        }
        const std::int64_t total = sqlite3_backup_pagecount(b);
        const std::int64_t done = total - sqlite3_backup_remaining(b);
        if (o.progress) {
            try {
                canceled = !o.progress(done, total);
            } catch (...) {
                raised = std::current_exception();
                canceled = true;
            }
            if (canceled) break;
        }
        if (rc == SQLITE_DONE) break;
    }
    r.pages = sqlite3_backup_pagecount(b);
    const int finish = sqlite3_backup_finish(b);
    if (raised) std::rethrow_exception(raised);
    if (canceled) throw Error(CRM_ECANCELED, what + ": canceled by the progress callback");
    if (rc != SQLITE_DONE) {
        const int ext = finish != SQLITE_OK ? sqlite3_extended_errcode(dst) : rc;
        throw Error(status_of(ext), what + ": " + sqlite3_errstr(ext), ext);
    }
    return r;
}

void remove_quietly(const std::string& path) {
    std::error_code ec;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) fs::remove(path + suffix, ec);
}

std::string temporary_name(const std::string& path, const char* suffix) {
    crypto::init_sodium();
    return path + suffix + std::to_string(randombytes_random());
}

}  // namespace crmlite::backup::detail
