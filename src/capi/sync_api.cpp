// Sync through the C ABI: changesets out, changesets in, a debug rendering.
#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "access/access.hpp"
#include "capi/handles.hpp"
#include "common/time.hpp"
#include "sync/audit_records.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "sync/rebaseline.hpp"
#include "sync/snapshot.hpp"
#include "sync/schema.hpp"

using namespace crmlite;

namespace {

sync::Filter filter_of(const crm_sync_options* opts) {
    sync::Filter f;
    if (opts) {
        f.owners = opts->owners;
        f.regions = opts->regions;
        f.tags = opts->tags;
    }
    return f;
}

// A handle opened as a principal (src/access) syncs only its scope: its
// owners drive the share (narrowed by the owners in opts, if any; regions and
// tags, which could widen it, give way). A changeset made by such a handle is
// for that principal's device: without the unmask permission its values are
// masked (`mask` set; sync/masked.hpp). A snapshot cannot be masked (`mask`
// null): such a principal gets none.
sync::Filter scoped(crmlite::Database& db, sync::Filter f, const char* what, bool receiving, bool* mask = nullptr) {
    const access::Principal* p = access::principal(db);
    if (p == nullptr) return f;
    access::require(db, receiving ? access::kRead : access::kUpdate, what);
    if (receiving && !(p->perms & access::kUnmask)) {
        if (mask == nullptr)
            throw Error(CRM_EPERM, std::string(what) + ": principal \"" + p->user +
                                       "\" may not unmask, and a snapshot holds clear values (sync by changesets, which carry masked ones)");
        *mask = true;
    }
    if (p->scope == access::Scope::all) return f;
    sync::Filter out;
    for (const auto& o : p->owners)
        if (f.owners.empty() || std::find(f.owners.begin(), f.owners.end(), o) != f.owners.end()) out.owners.push_back(o);
    if (out.owners.empty())
        throw Error(CRM_EPERM, std::string(what) + ": the share asked for is outside the scope of principal \"" + p->user + "\"");
    return out;
}

// Whether a changeset carries this file's audit chain (docs/privacy.md): by
// default an unfiltered changeset of the system does (a device's changes for
// its hub) and a filtered one or a principal's does not (changes for a
// device); crm_sync_options_set_audit decides otherwise, and asking for it on
// a principal's handle needs the audit permission.
bool audit_of(crmlite::Database& db, const crm_sync_options* opts, const sync::Filter& filter) {
    const access::Principal* p = access::principal(db);
    if (opts == nullptr || opts->audit < 0) return p == nullptr && filter.empty();
    if (opts->audit == 1) access::require(db, access::kAudit, "sync.audit");
    return opts->audit == 1;
}

}  // namespace

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

crm_status crm_sync_options_set_peer(crm_sync_options* opts, const char* peer_site) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(peer_site);
    CRM_API_GUARD(
        opts->peer = Uuid::parse(peer_site, "peer_site").str();
        return capi::ok();)
}

crm_status crm_sync_options_add_share(crm_sync_options* opts, const char* field, const char* value) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(field);
    CRM_REQUIRE(value);
    const std::string f(field);
    std::vector<std::string>* list = f == "owner" ? &opts->owners : f == "region" ? &opts->regions : f == "tag" ? &opts->tags : nullptr;
    if (!list) return capi::fail(CRM_EINVAL, "field: must be \"owner\", \"region\" or \"tag\"");
    if (!*value) return capi::fail(CRM_EINVAL, "value: must not be empty");
    CRM_API_GUARD(
        list->emplace_back(value);
        return capi::ok();)
}

crm_status crm_sync_options_set_audit(crm_sync_options* opts, int include) noexcept {
    CRM_REQUIRE(opts);
    if (include != 0 && include != 1) return capi::fail(CRM_EINVAL, "include: must be 0 or 1");
    opts->audit = include;
    return capi::ok();
}

crm_status crm_sync_options_set_conflict_retention_ms(crm_sync_options* opts, int64_t ms) noexcept {
    CRM_REQUIRE(opts);
    if (ms < 0) return capi::fail(CRM_EINVAL, "conflict_retention_ms: must be >= 0");
    opts->conflict_retention_ms = ms;
    return capi::ok();
}

crm_status crm_sync_changes(unsigned char** out_blob, size_t* out_len, int64_t* out_cursor, int* out_more, crm_db* db,
                            int64_t since, int64_t max_records) noexcept {
    return crm_sync_changes_for(out_blob, out_len, out_cursor, out_more, db, since, max_records, nullptr);
}

crm_status crm_sync_changes_for(unsigned char** out_blob, size_t* out_len, int64_t* out_cursor, int* out_more,
                                crm_db* db, int64_t since, int64_t max_records, const crm_sync_options* opts) noexcept {
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
        sync::ChangesOptions o;
        o.max_records = static_cast<std::size_t>(max_records);
        if (opts && !opts->peer.empty()) o.peer = Uuid::parse(opts->peer, "peer_site");
        o.filter = scoped(*db->db, filter_of(opts), "sync", true, &o.mask);
        o.audit = audit_of(*db->db, opts, o.filter);
        if (access::principal(*db->db) && !o.filter.empty() && !o.peer)
            return capi::fail(CRM_EPERM, "sync: a principal limited to its scope gets a filtered changeset only: set its peer (crm_sync_options_set_peer)");
        const auto ch = sync::changes_since(*db->db, since, o);
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
        if (opts) {
            o.max_clock_skew_ms = opts->max_clock_skew_ms;
            o.conflict_retention_ms = opts->conflict_retention_ms;
        }
        o.scope = scoped(*db->db, filter_of(opts), "sync", false);
        if (const access::Principal* p = access::principal(*db->db)) o.rules = (p->perms & access::kManageRules) != 0;
        const Json report = sync::apply(*db->db, std::string_view(reinterpret_cast<const char*>(blob), len), o);
        access::audit(*db->db, "sync.apply", nullptr, std::nullopt, {{"records", report.value("records", 0)}});
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

crm_status crm_sync_conflicts(char** out_json, crm_db* db, const char* record_id, int64_t limit) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        std::optional<Uuid> record;
        if (record_id) record = Uuid::parse(record_id, "record_id");
        *out_json = capi::dup_string(dump(sync::conflicts(*db->db, record, limit)));
        return capi::ok();)
}

crm_status crm_sync_gc(char** out_report, crm_db* db, int64_t retention_ms) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        *out_report = capi::dup_string(dump(sync::collect_garbage(*db->db, retention_ms, now_ms())));
        return capi::ok();)
}

crm_status crm_sync_snapshot(char** out_report, crm_db* db, const char* path, const crm_sync_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    CRM_REQUIRE(path);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        sync::SnapshotOptions o;
        // A principal's snapshot holds its scope only, in clear (like a changeset).
        o.filter = scoped(*db->db, filter_of(opts), "sync snapshot", true);
        *out_report = capi::dup_string(dump(sync::snapshot(*db->db, path, o)));
        return capi::ok();)
}

crm_status crm_sync_rebaseline(char** out_report, crm_db* device, crm_db* hub, const char* path,
                               const crm_sync_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(device);
    CRM_REQUIRE(hub);
    CRM_REQUIRE(path);
    capi::StatementReset reset_device{*device->db}, reset_hub{*hub->db};
    CRM_API_GUARD(
        sync::SnapshotOptions o;
        // As for a snapshot: a principal's new file holds its scope only.
        o.filter = scoped(*hub->db, filter_of(opts), "sync rebaseline", true);
        scoped(*device->db, {}, "sync rebaseline", false);  // the device's principal must be able to write
        *out_report = capi::dup_string(dump(sync::rebaseline(*device->db, *hub->db, path, o)));
        return capi::ok();)
}

crm_status crm_sync_dump(char** out_json, const unsigned char* blob, size_t len) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(blob);
    CRM_API_GUARD(
        std::size_t n_tables = sync::kAuditTable + 1;
        for (const auto& t : sync::synced_tables()) n_tables = std::max(n_tables, static_cast<std::size_t>(t.table) + 1);
        std::vector<std::string> names(n_tables);
        for (const auto& t : sync::synced_tables()) names.at(static_cast<std::size_t>(t.table)) = t.name;
        names[sync::kAuditTable] = "audit_log";
        const auto cs = sync::decode(std::string_view(reinterpret_cast<const char*>(blob), len));
        *out_json = capi::dup_string(dump(sync::to_json(cs, names)));
        return capi::ok();)
}

}  // extern "C"
