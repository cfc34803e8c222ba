#include "backup/backup.hpp"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "backup/copy.hpp"
#include "common/error.hpp"

namespace crmlite::backup {

namespace fs = std::filesystem;

namespace {

using detail::copy_pages;
using detail::CopyResult;
using detail::RawConnection;
using detail::remove_quietly;
using detail::status_of;

std::int64_t scalar(Database& db, const char* sql) { return db.sql().execAndGet(sql).getInt64(); }

}  // namespace

Json backup_to(Database& db, const std::string& path, const CopyOptions& o) {
    crypto::check_key_spec(o.key, "key");
    if (path.empty()) throw Error(CRM_EINVAL, "path: empty");
    if (db.in_transaction()) throw Error(CRM_EMISUSE, "backup: finish the open transaction first");
    // A cached statement left mid-result would pin an old read snapshot: the
    // copy would miss later commits and this handle could not write meanwhile.
    db.reset_statements();
    std::error_code ec;
    if (fs::exists(path, ec)) throw Error(CRM_EEXISTS, path + ": already exists (a backup never overwrites a file)");
    std::unique_ptr<crypto::CryptVfs> vfs;
    if (!o.key.empty()) {
        if (!db.encrypted())
            throw Error(CRM_EINVAL, "key: the database is not encrypted, so neither is its backup (docs/storage.md)");
        vfs = crypto::vfs_for_new_file(o.key);
    } else if (db.encrypted()) {
        vfs = crypto::clone_vfs(*db.crypt_vfs());
    }
    const std::string tmp = detail::temporary_name(path, ".partial-");
    CopyResult r;
    try {
        RawConnection dst(tmp, vfs.get());
        // The temporary file is thrown away on failure: it needs no journal.
        dst.exec("PRAGMA journal_mode=OFF");
        r = copy_pages(dst.get(), db.handle(), o, "backup");
    } catch (...) {
        remove_quietly(tmp);
        throw;
    }
    fs::rename(tmp, path, ec);
    if (ec) {
        remove_quietly(tmp);
        throw Error(CRM_EIO, path + ": cannot rename the finished backup into place: " + ec.message());
    }
    remove_quietly(tmp);
    const std::int64_t page_size = scalar(db, "PRAGMA page_size");
    return Json{{"path", path},
                {"pages", r.pages},
                {"page_size", page_size},
                {"bytes", static_cast<std::int64_t>(fs::file_size(path, ec))},
                {"steps", r.steps},
                {"encrypted", vfs != nullptr}};
}

Json integrity(Database& db) {
    Json problems = Json::array();
    try {
        SQLite::Statement check(db.sql(), "PRAGMA integrity_check(100)");
        while (check.executeStep()) {
            const std::string line = check.getColumn(0).getString();
            if (line != "ok") problems.push_back(line);
        }
    } catch (const SQLite::Exception& e) {
        // A page that fails to decrypt (or to read) stops the check.
        problems.push_back(std::string("page read failed: ") + e.what());
    }
    return Json{{"ok", problems.empty()}, {"problems", problems}};
}

Json verify(const std::string& path, const crypto::KeySpec& key) {
    crypto::check_key_spec(key, "key");
    OpenOptions o;
    o.readonly = true;
    o.create = false;
    o.passphrase = key.passphrase;
    o.raw_key = key.raw_key;
    Json report = {{"path", path},           {"ok", false},         {"problems", Json::array()}, {"warnings", Json::array()},
                   {"encrypted", nullptr},   {"schema_version", nullptr},
                   {"latest_schema_version", Database::latest_schema_version()},
                   {"site_id", nullptr},     {"page_size", nullptr}, {"pages", nullptr},
                   {"customers", nullptr},   {"interactions", nullptr}, {"counters_match", nullptr}};
    std::unique_ptr<Database> db;
    try {
        db = std::make_unique<Database>(path, o);
    } catch (const SQLite::Exception& e) {
        const int ext = e.getExtendedErrorCode();
        // Damage found while opening is a finding of the check, not a failure to run it.
        if ((ext & 0xFF) != SQLITE_CORRUPT)
            throw Error(status_of(ext), path + ": cannot be read: " + e.what(), ext);
        report["problems"].push_back(std::string("cannot be opened: ") + e.what());
        report["encrypted"] = crypto::probe_file(path).state == crypto::FileState::encrypted;
        return report;
    }
    const Json check = integrity(*db);
    report["ok"] = check["ok"];
    report["problems"] = check["problems"];
    report["encrypted"] = db->encrypted();
    report["schema_version"] = db->schema_version();
    report["site_id"] = db->site_id().str();
    try {
        report["page_size"] = scalar(*db, "PRAGMA page_size");
        report["pages"] = scalar(*db, "PRAGMA page_count");
        const std::int64_t customers = scalar(*db, "SELECT count(*) FROM customers");
        const std::int64_t interactions = scalar(*db, "SELECT count(*) FROM interactions");
        report["customers"] = customers;
        report["interactions"] = interactions;
        const bool counters_match = customers == db->counter("customers") && interactions == db->counter("interactions");
        report["counters_match"] = counters_match;
        // Not damage: a file also written by plain SQLite (outside the
        // library) has counters that missed those rows. Reported, not failed.
        if (!counters_match) report["warnings"].push_back("record counters differ from the records");
    } catch (const SQLite::Exception& e) {
        report["ok"] = false;
        report["problems"].push_back(std::string("read failed: ") + e.what());
    }
    return report;
}

Json restore(const std::string& backup_path, const std::string& target, const OpenOptions& target_options,
             const CopyOptions& o) {
    crypto::check_key_spec(o.key, "key");
    const crypto::KeySpec target_key{target_options.passphrase, target_options.raw_key};
    crypto::check_key_spec(target_key, "target key");
    if (target.empty()) throw Error(CRM_EINVAL, "target: empty");
    const Json checked = verify(backup_path, o.key);
    if (!checked["ok"].get<bool>())
        throw Error(CRM_ECORRUPT, backup_path + ": the backup fails verification (" + checked["problems"][0].get<std::string>() +
                                      "); nothing was restored");
    OpenOptions so;
    so.readonly = true;
    so.create = false;
    so.passphrase = o.key.passphrase;
    so.raw_key = o.key.raw_key;
    Database src(backup_path, so);

    const auto probe = crypto::probe_file(target);
    const bool target_exists = probe.state != crypto::FileState::absent && probe.state != crypto::FileState::empty;
    if (probe.state == crypto::FileState::foreign)
        throw Error(CRM_ENOTADB, target + ": not a crmlite database; nothing was restored");
    if (!target_exists && !target_options.create) throw Error(CRM_ENOTFOUND, target + ": no such database");
    // The target's key defaults to the backup's: an encrypted backup is
    // restored encrypted, a plain one plain.
    const crypto::KeySpec key = target_key.empty() ? o.key : target_key;
    std::unique_ptr<crypto::CryptVfs> vfs;
    if (src.encrypted()) {
        if (probe.state == crypto::FileState::plain)
            throw Error(CRM_EINVAL, "target: " + target + " is not encrypted; an encrypted backup restores into a new "
                                    "file or an encrypted database");
        if (probe.state == crypto::FileState::encrypted || !target_key.empty())
            vfs = crypto::vfs_for_file(target, key);  // checks the key of an existing target
        else
            vfs = crypto::clone_vfs(*src.crypt_vfs());
    } else {
        if (!target_key.empty() || probe.state == crypto::FileState::encrypted)
            throw Error(CRM_EINVAL, "target key: the backup is not encrypted; restore it into a plain database");
    }
    if (target_exists && probe.state == crypto::FileState::plain) {
        // Make sure it is a crmlite file (and not of a newer schema) before replacing it.
        OpenOptions check;
        check.readonly = true;
        check.create = false;
        Database existing(target, check);
    }
    RawConnection dst(target, vfs.get());
    const CopyResult r = copy_pages(dst.get(), src.handle(), o, "restore");
    return Json{{"backup", backup_path},
                {"target", target},
                {"pages", r.pages},
                {"steps", r.steps},
                {"encrypted", vfs != nullptr},
                {"customers", checked["customers"]},
                {"interactions", checked["interactions"]}};
}

}  // namespace crmlite::backup
