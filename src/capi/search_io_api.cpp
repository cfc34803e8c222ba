// Search, import and export through the C ABI.
#include "access/access.hpp"
#include "capi/handles.hpp"
#include "io/import.hpp"
#include "search/search.hpp"

using namespace crmlite;

extern "C" {

crm_status crm_search(crm_cursor** out, crm_db* db, const char* query_json) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(query_json);
    CRM_API_GUARD(
        *out = capi::new_cursor(db, search::run(*db->db, parse_object(query_json, "search")));
        access::audit(*db->db, "search", nullptr, std::nullopt);
        return capi::ok();)
}

crm_status crm_import_options_new(crm_import_options** out) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_API_GUARD(*out = new crm_import_options; return capi::ok();)
}

void crm_import_options_free(crm_import_options* opts) noexcept { delete opts; }

crm_status crm_import_options_set_format(crm_import_options* opts, const char* format) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(format);
    CRM_API_GUARD(
        const std::string f(format);
        if (f != "csv" && f != "jsonl" && f != "ndjson")
            return capi::fail(CRM_EINVAL, "format: \"" + f + "\" is not one of: csv, jsonl, ndjson");
        opts->format = f;
        return capi::ok();)
}

crm_status crm_import_options_set_records(crm_import_options* opts, const char* records) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(records);
    CRM_API_GUARD(
        const std::string r(records);
        if (r != "customers" && r != "interactions")
            return capi::fail(CRM_EINVAL, "records: \"" + r + "\" is not one of: customers, interactions");
        opts->records = r;
        return capi::ok();)
}

crm_status crm_import_options_set_system(crm_import_options* opts, const char* system) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(system);
    CRM_API_GUARD(
        const std::string s(system);
        if (s.size() > 64) return capi::fail(CRM_EINVAL, "system: longer than 64 bytes");
        opts->system = s;
        return capi::ok();)
}

crm_status crm_import_options_set_mapping(crm_import_options* opts, const char* mapping_json) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(mapping_json);
    CRM_API_GUARD(
        const Json m = parse_object(mapping_json, "mapping");
        for (const auto& [k, v] : m.items())
            if (!v.is_string()) return capi::fail(CRM_EINVAL, "mapping." + k + ": expected a field name string");
        opts->mapping_json = mapping_json;
        return capi::ok();)
}

crm_status crm_import_options_set_batch_size(crm_import_options* opts, int rows) noexcept {
    CRM_REQUIRE(opts);
    if (rows < 1 || rows > 1000000) return capi::fail(CRM_EINVAL, "batch_size: must be between 1 and 1000000");
    opts->batch_size = rows;
    return capi::ok();
}

crm_status crm_import_options_set_progress(crm_import_options* opts, crm_progress_fn fn, void* user_data) noexcept {
    CRM_REQUIRE(opts);
    opts->progress = fn;
    opts->user_data = user_data;
    return capi::ok();
}

crm_status crm_import_file(char** out_report, crm_db* db, const char* path, const crm_import_options* opts) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(path);
    CRM_API_GUARD(
        io::ImportOptions o;
        if (opts) {
            o.format = opts->format;
            o.records = opts->records;
            o.system = opts->system;
            if (!opts->mapping_json.empty()) o.mapping = Json::parse(opts->mapping_json);
            o.batch_size = opts->batch_size;
            if (opts->progress) {
                const crm_progress_fn fn = opts->progress;
                void* ud = opts->user_data;
                o.progress = [fn, ud](std::int64_t done, std::int64_t total) { return fn(ud, done, total) == 0; };
            }
        }
        const Json report = io::import_file(*db->db, path, o);
        access::audit(*db->db, "import", nullptr, std::nullopt, {{"records", o.records}, {"inserted", report.value("inserted", 0)}, {"updated", report.value("updated", 0)}});
        *out_report = capi::dup_string(dump(report));
        return capi::ok();)
}

crm_status crm_export_file(char** out_report, crm_db* db, const char* records, const char* path) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(records);
    CRM_REQUIRE(path);
    CRM_API_GUARD(*out_report = capi::dup_string(dump(io::export_file(*db->db, records, path))); return capi::ok();)
}

}  // extern "C"
