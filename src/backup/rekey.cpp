#include "backup/rekey.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "access/access.hpp"
#include "backup/copy.hpp"
#include "common/error.hpp"

namespace crmlite::backup {

namespace fs = std::filesystem;

namespace {

using detail::RawConnection;

// The file to this handle alone: its WAL checkpointed into it and removed
// (rollback journal mode), and an exclusive lock held (locking_mode
// EXCLUSIVE) so that no other connection reads or writes it until the handle
// lets go. Unless dismissed, the destructor gives the lock back and returns
// the file to WAL mode.
class ExclusiveUse {
public:
    explicit ExclusiveUse(Database& db) : db_(db) {}
    ~ExclusiveUse() {
        if (held_) release();
    }
    ExclusiveUse(const ExclusiveUse&) = delete;
    ExclusiveUse& operator=(const ExclusiveUse&) = delete;

    void acquire(const char* what) {
        held_ = true;
        // Another connection keeps a shared lock while it is open (WAL mode):
        // waiting would not make it go away, so no busy wait here.
        sqlite3_busy_timeout(db_.handle(), 0);
        bool ok = false;
        try {
            // Succeeds only when no other connection has the file open; it
            // checkpoints the WAL into the file and deletes it.
            ok = db_.sql().execAndGet("PRAGMA journal_mode=DELETE").getString() == "delete";
            if (ok) {
                db_.sql().exec("PRAGMA locking_mode=EXCLUSIVE");
                db_.sql().exec("BEGIN EXCLUSIVE");
                db_.sql().exec("COMMIT");
                // One may have opened it (and switched it back to WAL) just before the lock.
                ok = db_.sql().execAndGet("PRAGMA journal_mode").getString() == "delete";
            }
        } catch (const SQLite::Exception&) {
            ok = false;
        }
        sqlite3_busy_timeout(db_.handle(), db_.busy_timeout_ms());
        if (!ok)
            throw Error(CRM_EBUSY, std::string(what) + ": another connection has the database open; close it first");
    }
    // The file was replaced: nothing of the old one is to be restored.
    void dismiss() { held_ = false; }

private:
    void release() noexcept {
        try {
            if (sqlite3_get_autocommit(db_.handle()) == 0) db_.sql().exec("ROLLBACK");
            db_.sql().exec("PRAGMA locking_mode=NORMAL");
            db_.sql().exec("PRAGMA journal_mode=WAL");
        } catch (...) {
            // The next open switches the file back to WAL.
        }
    }

    Database& db_;
    bool held_ = false;
};

// Sets the reserved bytes per page the connection asks for (used by VACUUM);
// puts the old value back when it goes out of scope.
class RequestedReserve {
public:
    RequestedReserve(sqlite3* db, int reserve) : db_(db), old_(reserve) {
        sqlite3_file_control(db_, "main", SQLITE_FCNTL_RESERVE_BYTES, &old_);
    }
    ~RequestedReserve() { sqlite3_file_control(db_, "main", SQLITE_FCNTL_RESERVE_BYTES, &old_); }
    RequestedReserve(const RequestedReserve&) = delete;
    RequestedReserve& operator=(const RequestedReserve&) = delete;

private:
    sqlite3* db_;
    int old_;
};

// The copy must be whole and open with the new key before it replaces anything.
void check_copy(const std::string& path, const crypto::CryptVfs* vfs, const char* what) {
    std::unique_ptr<crypto::CryptVfs> reader;
    if (vfs != nullptr) reader = crypto::vfs_for_file(path, *vfs);  // page 1 under the new key
    RawConnection copy(path, reader.get(), SQLITE_OPEN_READONLY);
    const std::string result = copy.text("PRAGMA quick_check(1)");
    if (result != "ok") throw Error(CRM_EIO, std::string(what) + ": the re-encrypted copy fails its check (" + result + ")");
}

void sync_path(const std::string& path, bool directory, const char* what) {
    const int fd = ::open(path.c_str(), O_RDONLY | (directory ? O_DIRECTORY : 0));
    if (fd < 0) throw Error(CRM_EIO, std::string(what) + ": cannot open " + path + " to sync it");
    const int rc = ::fsync(fd);
    ::close(fd);
    if (rc != 0) throw Error(CRM_EIO, std::string(what) + ": cannot sync " + path);
}

// After the rename, the handle's connection still holds the old file (now
// without a name). A connection another program opened on the old name while
// the copy was made would go on reading it, or writing where nobody will look:
// its first 16 bytes are overwritten so that it gets an error instead.
// Skipped when the file has other hard links (the old content lives on there).
void spoil_old_file(Database& db, bool had_other_links) {
    if (had_other_links) return;
    sqlite3_file* file = nullptr;
    if (sqlite3_file_control(db.handle(), "main", SQLITE_FCNTL_FILE_POINTER, &file) != SQLITE_OK || file == nullptr)
        return;
    sqlite3_file* raw = crypto::raw_file(file);
    static const char kMark[16] = "crmlite rekeyed";
    if (raw->pMethods != nullptr) (void)raw->pMethods->xWrite(raw, kMark, sizeof kMark, 0);
}

Json change_key(Database& db, const crypto::KeySpec& key, const CopyOptions& o, const char* what) {
    if (db.readonly()) throw Error(CRM_EPERM, std::string(what) + ": the database is open read-only");
    if (db.in_transaction()) throw Error(CRM_EMISUSE, std::string(what) + ": finish the open transaction first");
    if (access::principal(db) != nullptr)
        throw Error(CRM_EPERM, std::string(what) + ": only the system (a handle opened without a principal) may change "
                                                   "the key of the file");
    if (o.pages_per_step < 1) throw Error(CRM_EINVAL, "step: must be at least 1 page");
    const std::string path = db.path();
    const bool was_encrypted = db.encrypted();
    // The new key (for a passphrase: Argon2id with a fresh salt) before anything is locked.
    std::unique_ptr<crypto::CryptVfs> vfs;
    if (!key.empty()) vfs = crypto::vfs_for_new_file(key);

    db.reset_statements();
    ExclusiveUse lock(db);
    lock.acquire(what);

    const std::string tmp = detail::temporary_name(path, ".rekey-");
    std::string stage;
    detail::CopyResult r;
    try {
        {
            RawConnection dst(tmp, vfs.get());
            dst.exec("PRAGMA journal_mode=OFF");  // a failed copy is thrown away
            if (was_encrypted) {
                r = detail::copy_pages(dst.get(), db.handle(), o, what);
            } else {
                // The backup API copies pages as they are, and a plain file's
                // pages have no room for a nonce and a tag: first a plain
                // copy with 56 reserved bytes per page (VACUUM INTO with the
                // reserve asked for), then that copy page by page through the
                // encrypting VFS.
                stage = detail::temporary_name(path, ".rekey-stage-");
                {
                    RequestedReserve reserve(db.handle(), crypto::kReserve);
                    SQLite::Statement vacuum(db.sql(), "VACUUM INTO ?");
                    vacuum.bind(1, stage);
                    vacuum.exec();
                }
                RawConnection src(stage, nullptr, SQLITE_OPEN_READONLY);
                r = detail::copy_pages(dst.get(), src.get(), o, what);
            }
        }
        if (!stage.empty()) detail::remove_quietly(stage);
        check_copy(tmp, vfs.get(), what);
        sync_path(tmp, false, what);
    } catch (const SQLite::Exception& e) {
        detail::remove_quietly(tmp);
        if (!stage.empty()) detail::remove_quietly(stage);
        throw Error(detail::status_of(e.getExtendedErrorCode()), std::string(what) + ": " + e.what(),
                    e.getExtendedErrorCode());
    } catch (...) {
        detail::remove_quietly(tmp);
        if (!stage.empty()) detail::remove_quietly(stage);
        throw;
    }

    struct stat st {};
    const bool other_links = ::stat(path.c_str(), &st) == 0 && st.st_nlink > 1;
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) {
        detail::remove_quietly(tmp);
        throw Error(CRM_EIO, std::string(what) + ": cannot rename the re-encrypted copy over " + path + ": " + ec.message());
    }
    // From here the file is the new one: the old connection is not returned to WAL mode.
    lock.dismiss();
    spoil_old_file(db, other_links);
    try {
        // Makes the rename durable; a failure here leaves it to the file system.
        sync_path(fs::path(path).parent_path().string(), true, what);
    } catch (const Error&) {
    }
    try {
        db.reconnect(std::move(vfs));
    } catch (const Error& e) {
        throw Error(e.code(), std::string(what) + ": the file was changed to the new key, but this handle could not "
                                                  "reopen it: close it and open the file with the new key (" +
                                  e.what() + ")");
    } catch (const SQLite::Exception& e) {
        throw Error(CRM_EIO, std::string(what) + ": the file was changed to the new key, but this handle could not "
                                                 "reopen it: close it and open the file with the new key (" +
                                 e.what() + ")");
    }
    const std::int64_t page_size = db.sql().execAndGet("PRAGMA page_size").getInt64();
    return Json{{"path", path},
                {"encrypted", db.encrypted()},
                {"was_encrypted", was_encrypted},
                {"pages", r.pages},
                {"page_size", page_size},
                {"bytes", static_cast<std::int64_t>(fs::file_size(path, ec))},
                {"steps", r.steps}};
}

}  // namespace

Json rekey(Database& db, const CopyOptions& options) {
    crypto::check_key_spec(options.key, "key");
    if (options.key.empty()) throw Error(CRM_EINVAL, "key: rekey needs the new passphrase or raw key (decrypt makes a file plain)");
    return change_key(db, options.key, options, "rekey");
}

Json decrypt(Database& db, const CopyOptions& options) {
    if (!options.key.empty()) throw Error(CRM_EINVAL, "key: decrypt takes no key (the file becomes plain)");
    if (!db.encrypted()) throw Error(CRM_EINVAL, "decrypt: the database is not encrypted");
    return change_key(db, {}, options, "decrypt");
}

}  // namespace crmlite::backup
