// Storage: keys of encrypted databases, online backup, restore, verification.
#include <cstring>
#include <string>

#include "backup/backup.hpp"
#include "backup/rekey.hpp"
#include "capi/handles.hpp"
#include "common/json.hpp"

using namespace crmlite;

struct crm_backup_options : crm_handle_base {
    crypto::KeySpec key;
    int pages_per_step = 256;
    crm_progress_fn progress = nullptr;
    void* user_data = nullptr;
};

namespace {

crm_status set_passphrase(std::string& passphrase, std::string& raw, const char* value) {
    if (value[0] == '\0') return capi::fail(CRM_EINVAL, "passphrase: empty");
    passphrase = value;
    raw.clear();
    return capi::ok();
}

crm_status set_raw_key(std::string& passphrase, std::string& raw, const unsigned char* key, size_t len) {
    if (len != crypto::kKeyBytes)
        return capi::fail(CRM_EINVAL, "key: a raw key is exactly 32 bytes (got " + std::to_string(len) + ")");
    raw.assign(reinterpret_cast<const char*>(key), len);
    passphrase.clear();
    return capi::ok();
}

backup::CopyOptions copy_options(const crm_backup_options* opts) {
    backup::CopyOptions o;
    if (opts == nullptr) return o;
    o.key = opts->key;
    o.pages_per_step = opts->pages_per_step;
    if (opts->progress != nullptr) {
        const auto fn = opts->progress;
        void* user = opts->user_data;
        o.progress = [fn, user](std::int64_t done, std::int64_t total) { return fn(user, done, total) == 0; };
    }
    return o;
}

}  // namespace

extern "C" {

crm_status crm_options_set_passphrase(crm_options* opts, const char* passphrase) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(passphrase);
    CRM_API_GUARD(return set_passphrase(opts->open.passphrase, opts->open.raw_key, passphrase);)
}

crm_status crm_options_set_key(crm_options* opts, const unsigned char* key, size_t len) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(key);
    CRM_API_GUARD(return set_raw_key(opts->open.passphrase, opts->open.raw_key, key, len);)
}

crm_status crm_db_is_encrypted(int* out, crm_db* db) noexcept {
    CRM_REQUIRE(out);
    *out = 0;
    CRM_REQUIRE(db);
    *out = db->db->encrypted() ? 1 : 0;
    return capi::ok();
}

crm_status crm_backup_options_new(crm_backup_options** out) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_API_GUARD(*out = new crm_backup_options; return capi::ok();)
}

void crm_backup_options_free(crm_backup_options* opts) noexcept { delete opts; }

crm_status crm_backup_options_set_passphrase(crm_backup_options* opts, const char* passphrase) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(passphrase);
    CRM_API_GUARD(return set_passphrase(opts->key.passphrase, opts->key.raw_key, passphrase);)
}

crm_status crm_backup_options_set_key(crm_backup_options* opts, const unsigned char* key, size_t len) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(key);
    CRM_API_GUARD(return set_raw_key(opts->key.passphrase, opts->key.raw_key, key, len);)
}

crm_status crm_backup_options_set_step(crm_backup_options* opts, int pages) noexcept {
    CRM_REQUIRE(opts);
    if (pages < 1) return capi::fail(CRM_EINVAL, "step: at least 1 page (got " + std::to_string(pages) + ")");
    opts->pages_per_step = pages;
    return capi::ok();
}

crm_status crm_backup_options_set_progress(crm_backup_options* opts, crm_progress_fn fn, void* user_data) noexcept {
    CRM_REQUIRE(opts);
    opts->progress = fn;
    opts->user_data = user_data;
    return capi::ok();
}

crm_status crm_backup(char** out_report, crm_db* db, const char* path, const crm_backup_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    CRM_REQUIRE(path);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        // A statement left mid-result would hold a read snapshot of its own.
        db->db->reset_statements();
        const Json report = backup::backup_to(*db->db, path, copy_options(opts));
        *out_report = capi::dup_string(dump(report));
        return capi::ok();)
}

crm_status crm_verify(char** out_report, const char* path, const crm_backup_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(path);
    CRM_API_GUARD(
        const Json report = backup::verify(path, opts ? opts->key : crypto::KeySpec{});
        *out_report = capi::dup_string(dump(report));
        return capi::ok();)
}

crm_status crm_restore(char** out_report, const char* backup_path, const char* target_path,
                       const crm_backup_options* opts, const crm_options* target_opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(backup_path);
    CRM_REQUIRE(target_path);
    CRM_API_GUARD(
        const Json report = backup::restore(backup_path, target_path, target_opts ? target_opts->open : OpenOptions{},
                                            copy_options(opts));
        *out_report = capi::dup_string(dump(report));
        return capi::ok();)
}

crm_status crm_integrity_check(char** out_report, crm_db* db) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        db->db->reset_statements();
        *out_report = capi::dup_string(dump(backup::integrity(*db->db)));
        return capi::ok();)
}

crm_status crm_rekey(char** out_report, crm_db* db, const crm_backup_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    CRM_REQUIRE(opts);
    if (!db->cursors.empty()) return capi::fail(CRM_EMISUSE, "rekey: close the cursors open on this handle first");
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        *out_report = capi::dup_string(dump(backup::rekey(*db->db, copy_options(opts))));
        return capi::ok();)
}

crm_status crm_decrypt(char** out_report, crm_db* db, const crm_backup_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    if (!db->cursors.empty()) return capi::fail(CRM_EMISUSE, "decrypt: close the cursors open on this handle first");
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        *out_report = capi::dup_string(dump(backup::decrypt(*db->db, copy_options(opts))));
        return capi::ok();)
}

}  // extern "C"
