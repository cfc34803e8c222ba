// Versions, errors, memory, options, database handles, transactions, cursors.
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "access/access.hpp"
#include "capi/handles.hpp"
#include "common/json.hpp"

using namespace crmlite;

namespace crmlite::capi {

char* dup_string(const std::string& s) {
    char* p = static_cast<char*>(std::malloc(s.size() + 1));
    if (p == nullptr) throw std::bad_alloc();
    std::memcpy(p, s.c_str(), s.size() + 1);
    return p;
}

crm_cursor* new_cursor(crm_db* db, std::unique_ptr<Cursor> impl) {
    auto* c = new crm_cursor;
    c->owner = db;
    c->impl = std::move(impl);
    db->cursors.insert(c);
    return c;
}

}  // namespace crmlite::capi

extern "C" {

const char* crm_version(void) noexcept { return CRMLITE_VERSION_STRING; }
int crm_version_number(void) noexcept { return CRMLITE_VERSION_NUMBER; }
int crm_abi_version(void) noexcept { return CRMLITE_ABI_VERSION; }

const char* crm_errmsg(void) noexcept { return capi::last_error().message.c_str(); }
crm_status crm_errcode(void) noexcept { return capi::last_error().code; }
int crm_errcode_sqlite(void) noexcept { return capi::last_error().sqlite_code; }

const char* crm_status_name(crm_status status) noexcept {
    switch (status) {
    case CRM_OK: return "CRM_OK";
    case CRM_ERROR: return "CRM_ERROR";
    case CRM_EINVAL: return "CRM_EINVAL";
    case CRM_ENOTFOUND: return "CRM_ENOTFOUND";
    case CRM_EEXISTS: return "CRM_EEXISTS";
    case CRM_ENOTADB: return "CRM_ENOTADB";
    case CRM_ETOONEW: return "CRM_ETOONEW";
    case CRM_EIO: return "CRM_EIO";
    case CRM_EBUSY: return "CRM_EBUSY";
    case CRM_ENOMEM: return "CRM_ENOMEM";
    case CRM_EPERM: return "CRM_EPERM";
    case CRM_ECORRUPT: return "CRM_ECORRUPT";
    case CRM_EMISUSE: return "CRM_EMISUSE";
    case CRM_ECANCELED: return "CRM_ECANCELED";
    case CRM_EUSER: return "CRM_EUSER";
    case CRM_EFORMAT: return "CRM_EFORMAT";
    case CRM_ESTALE: return "CRM_ESTALE";
    case CRM_ECONFLICT: return "CRM_ECONFLICT";
    case CRM_ROW: return "CRM_ROW";
    case CRM_DONE: return "CRM_DONE";
    }
    return "CRM_UNKNOWN";
}

void crm_free(void* ptr) noexcept { std::free(ptr); }
int64_t crm_live_handles(void) noexcept { return capi::live_handles.load(); }

crm_status crm_options_new(crm_options** out) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_API_GUARD(*out = new crm_options; return capi::ok();)
}

void crm_options_free(crm_options* opts) noexcept { delete opts; }

crm_status crm_options_set_create(crm_options* opts, int create) noexcept {
    CRM_REQUIRE(opts);
    opts->open.create = create != 0;
    return capi::ok();
}

crm_status crm_options_set_readonly(crm_options* opts, int readonly) noexcept {
    CRM_REQUIRE(opts);
    opts->open.readonly = readonly != 0;
    return capi::ok();
}

crm_status crm_options_set_timezone(crm_options* opts, const char* tz) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(tz);
    CRM_API_GUARD(
        const std::string zone(tz);
        bool ok = !zone.empty() && zone.size() <= 64;
        for (const char c : zone) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '_' || c == '-' || c == '+');
        if (ok) {
            // ICU knows the IANA database: an unknown name comes back as the
            // "Etc/Unknown" zone.
            std::unique_ptr<icu::TimeZone> known(icu::TimeZone::createTimeZone(icu::UnicodeString::fromUTF8(zone)));
            icu::UnicodeString id;
            ok = known && known->getID(id) != icu::UnicodeString("Etc/Unknown");
        }
        if (!ok) return capi::fail(CRM_EINVAL, "timezone: not an IANA time zone name: \"" + zone + "\"");
        opts->open.timezone = zone;
        return capi::ok();)
}

crm_status crm_options_set_busy_timeout(crm_options* opts, int ms) noexcept {
    CRM_REQUIRE(opts);
    if (ms < 0) return capi::fail(CRM_EINVAL, "busy_timeout: must not be negative");
    opts->open.busy_timeout_ms = ms;
    return capi::ok();
}

crm_status crm_open(crm_db** out, const char* path, const crm_options* opts) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_REQUIRE(path);
    if (path[0] == '\0' || std::strcmp(path, ":memory:") == 0)
        return capi::fail(CRM_EINVAL, "path: a crmlite database is a file; \"\" and \":memory:\" are not accepted");
    CRM_API_GUARD(
        auto handle = std::make_unique<crm_db>();
        handle->db = std::make_unique<Database>(path, opts ? opts->open : OpenOptions{});
        if (opts && !opts->principal.empty()) access::sign_in(*handle->db, opts->principal);
        *out = handle.release();
        return capi::ok();)
}

void crm_close(crm_db* db) noexcept {
    if (db == nullptr) return;
    // Closing with cursors open is misuse, but must not crash: detach them so
    // their statements are finalised first; they then report CRM_EMISUSE.
    for (crm_cursor* c : db->cursors) {
        c->impl.reset();
        c->owner = nullptr;
    }
    // Audit entries still pending (batched reads) are written before closing.
    try {
        access::flush_audit(*db->db);
    } catch (...) {
    }
    delete db;
}

crm_status crm_begin(crm_db* db) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(db->db->begin(); return capi::ok();)
}

crm_status crm_commit(crm_db* db) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(db->db->commit(); return capi::ok();)
}

crm_status crm_rollback(crm_db* db) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(db->db->rollback(); return capi::ok();)
}

crm_status crm_db_info(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        Database& d = *db->db;
        Json info = {{"schema_version", d.schema_version()},
                     {"library_version", CRMLITE_VERSION_STRING},
                     {"site_id", d.site_id().str()},
                     {"timezone", d.timezone()},
                     {"customers", d.counter("customers")},
                     {"interactions", d.counter("interactions")},
                     {"readonly", d.readonly()},
                     {"in_transaction", d.in_explicit_transaction()}};
        *out_json = capi::dup_string(dump(info));
        return capi::ok();)
}

crm_status crm_cursor_next(const char** out_json, crm_cursor* cursor) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(cursor);
    CRM_API_GUARD(
        if (!cursor->impl) return capi::fail(CRM_EMISUSE, "cursor: its database was closed");
        // Rows may be rendered with the handle's cached statements (full records).
        capi::StatementReset reset_guard{*cursor->owner->db};
        if (cursor->done) { capi::ok(); return CRM_DONE; }
        if (!cursor->impl->next(cursor->row)) {
            cursor->done = true;
            capi::ok();
            return CRM_DONE;
        }
        *out_json = cursor->row.c_str();
        capi::ok();
        return CRM_ROW;)
}

crm_status crm_cursor_token(char** out_token, crm_cursor* cursor) noexcept {
    CRM_REQUIRE(out_token);
    *out_token = nullptr;
    CRM_REQUIRE(cursor);
    CRM_API_GUARD(
        if (!cursor->impl) return capi::fail(CRM_EMISUSE, "cursor: its database was closed");
        if (auto t = cursor->impl->token()) *out_token = capi::dup_string(*t);
        return capi::ok();)
}

void crm_cursor_free(crm_cursor* cursor) noexcept {
    if (cursor == nullptr) return;
    if (cursor->owner) cursor->owner->cursors.erase(cursor);
    delete cursor;
}

}  // extern "C"
