// Principals, roles, the audit log and data subject rights through the C ABI
// (include/crmlite/crmlite_privacy.h).
#include "access/access.hpp"
#include "audit/audit.hpp"
#include "capi/handles.hpp"
#include "subject/subject.hpp"

using namespace crmlite;

extern "C" {

crm_status crm_options_set_principal(crm_options* opts, const char* user) noexcept {
    CRM_REQUIRE(opts);
    CRM_REQUIRE(user);
    CRM_API_GUARD(
        const std::string u(user);
        if (u.size() > 100) return capi::fail(CRM_EINVAL, "principal: longer than 100 bytes");
        if (!utf8_valid(u)) return capi::fail(CRM_EINVAL, "principal: not valid UTF-8");
        opts->principal = u;
        return capi::ok();)
}

crm_status crm_whoami(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(*out_json = capi::dup_string(dump(access::whoami(*db->db))); return capi::ok();)
}

crm_status crm_user_put(crm_db* db, const char* json) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(json);
    CRM_API_GUARD(access::put_user(*db->db, parse_object(json, "user")); return capi::ok();)
}

crm_status crm_user_list(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(*out_json = capi::dup_string(dump(access::list_users(*db->db))); return capi::ok();)
}

crm_status crm_role_put(crm_db* db, const char* json) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(json);
    CRM_API_GUARD(access::put_role(*db->db, parse_object(json, "role")); return capi::ok();)
}

crm_status crm_role_list(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(*out_json = capi::dup_string(dump(access::list_roles(*db->db))); return capi::ok();)
}

crm_status crm_audit_query(crm_cursor** out, crm_db* db, const char* query_json) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        access::require(*db->db, access::kAudit, "audit");
        access::flush_audit(*db->db);  // the handle's own pending entries are part of the answer
        const Json q = query_json ? parse_object(query_json, "audit") : Json::object();
        *out = capi::new_cursor(db, audit::query(*db->db, q));
        return capi::ok();)
}

crm_status crm_audit_verify(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        access::require(*db->db, access::kAudit, "audit");
        access::flush_audit(*db->db);
        *out_json = capi::dup_string(dump(audit::verify(*db->db)));
        return capi::ok();)
}

crm_status crm_audit_flush(crm_db* db) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(access::flush_audit(*db->db); return capi::ok();)
}

crm_status crm_subject_export(char** out_json, crm_db* db, const char* customer_id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(customer_id);
    CRM_API_GUARD(
        const Uuid id = Uuid::parse(std::string_view(customer_id), "customer_id");
        *out_json = capi::dup_string(dump(subject::export_person(*db->db, id)));
        return capi::ok();)
}

crm_status crm_subject_erase(char** out_report, crm_db* db, const char* customer_id) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(customer_id);
    CRM_API_GUARD(
        const Uuid id = Uuid::parse(std::string_view(customer_id), "customer_id");
        // The checkpoint needs every statement of this handle finished.
        db->db->reset_statements();
        *out_report = capi::dup_string(dump(subject::erase_person(*db->db, id)));
        return capi::ok();)
}

crm_status crm_export_marketing(char** out_report, crm_db* db, const char* path) noexcept {
    CRM_REQUIRE(out_report);
    *out_report = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(path);
    CRM_API_GUARD(*out_report = capi::dup_string(dump(subject::export_marketing(*db->db, path))); return capi::ok();)
}

}  // extern "C"
