// Sync through the C ABI: changesets out, changesets in, a debug rendering.
#include <cstdlib>
#include <cstring>

#include "capi/handles.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "sync/schema.hpp"

using namespace crmlite;

extern "C" {

crm_status crm_sync_options_new(crm_sync_options** out) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_API_GUARD(*out = new crm_sync_options; return capi::ok();)
}

void crm_sync_options_free(crm_sync_options* opts) noexcept { delete opts; }

crm_status crm_sync_options_set_max_clock_skew_ms(crm_sync_options* opts, int64_t ms) noexcept {
    CRM_REQUIRE(opts);
    if (ms < 0) return capi::fail(CRM_EINVAL, "max_clock_skew_ms: must be >= 0");
    opts->max_clock_skew_ms = ms;
    return capi::ok();
}

crm_status crm_sync_changes(unsigned char** out_blob, size_t* out_len, int64_t* out_cursor, int* out_more, crm_db* db,
                            int64_t since, int64_t max_records) noexcept {
    CRM_REQUIRE(out_blob);
    *out_blob = nullptr;
    CRM_REQUIRE(out_len);
    *out_len = 0;
    CRM_REQUIRE(out_cursor);
    CRM_REQUIRE(out_more);
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    if (max_records < 1 || max_records > 10000000) return capi::fail(CRM_EINVAL, "max_records: must be between 1 and 10000000");
    CRM_API_GUARD(
        const auto ch = sync::changes_since(*db->db, since, static_cast<std::size_t>(max_records));
        auto* buf = static_cast<unsigned char*>(std::malloc(ch.blob.size() ? ch.blob.size() : 1));
        if (!buf) return capi::fail(CRM_ENOMEM, "out of memory");
        std::memcpy(buf, ch.blob.data(), ch.blob.size());
        *out_blob = buf;
        *out_len = ch.blob.size();
        *out_cursor = ch.cursor;
        *out_more = ch.more ? 1 : 0;
        return capi::ok();)
}

crm_status crm_sync_apply(char** out_report, crm_db* db, const unsigned char* blob, size_t len,
                          const crm_sync_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(blob);
    CRM_API_GUARD(
        sync::ApplyOptions o;
        if (opts) o.max_clock_skew_ms = opts->max_clock_skew_ms;
        const Json report = sync::apply(*db->db, std::string_view(reinterpret_cast<const char*>(blob), len), o);
        *out_report = capi::dup_string(dump(report));
        return capi::ok();)
}

crm_status crm_sync_received(int64_t* out, crm_db* db, const char* peer_site) noexcept {
    CRM_REQUIRE(out);
    *out = 0;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(peer_site);
    CRM_API_GUARD(
        *out = sync::received_from(*db->db, Uuid::parse(peer_site, "peer_site"));
        return capi::ok();)
}

crm_status crm_sync_dump(char** out_json, const unsigned char* blob, size_t len) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(blob);
    CRM_API_GUARD(
        std::vector<std::string> names(8);
        for (const auto& t : sync::synced_tables()) names.at(static_cast<std::size_t>(t.table)) = t.name;
        const auto cs = sync::decode(std::string_view(reinterpret_cast<const char*>(blob), len));
        *out_json = capi::dup_string(dump(sync::to_json(cs, names)));
        return capi::ok();)
}

}  // extern "C"
