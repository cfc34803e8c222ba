// Customers, interactions, tags and the 360-degree view through the C ABI:
// JSON in, JSON out, ids as UUID strings.
#include "access/access.hpp"
#include "capi/handles.hpp"
#include "customers/customers.hpp"
#include "customers/query.hpp"
#include "interactions/interactions.hpp"
#include "tags/tags.hpp"
#include "view/customer_view.hpp"

using namespace crmlite;

namespace {

Uuid record_id_arg(const char* id, const char* field) {
    return Uuid::parse(std::string_view(id), field);
}

Json object_arg(const char* json, const char* what) { return parse_object(json, what); }

}  // namespace

extern "C" {

crm_status crm_customer_create(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_REQUIRE(out_id);
    *out_id = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Uuid id = customers::create(*db->db, object_arg(json, "customer"));
        access::audit(*db->db, "customer.create", "customer", id);
        *out_id = capi::dup_string(id.str());
        return capi::ok();)
}

crm_status crm_customer_get(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(id, "id");
        *out_json = capi::dup_string(dump(customers::get(*db->db, uid)));
        access::audit(*db->db, "customer.read", "customer", uid);
        return capi::ok();)
}

crm_status crm_customer_update(crm_db* db, const char* id, const char* json) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(id, "id");
        customers::update(*db->db, uid, object_arg(json, "customer"));
        access::audit(*db->db, "customer.update", "customer", uid);
        return capi::ok();)
}

crm_status crm_customer_delete(crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(id, "id");
        customers::remove(*db->db, uid);
        access::audit(*db->db, "customer.delete", "customer", uid);
        return capi::ok();)
}

crm_status crm_customer_find_external(char** out_id, crm_db* db, const char* system, const char* external_id) noexcept {
    CRM_REQUIRE(out_id);
    *out_id = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(system);
    CRM_REQUIRE(external_id);
    CRM_API_GUARD(
        auto id = customers::find_external(*db->db, system, external_id);
        if (id && !access::visible(*db->db, *id)) id.reset();  // outside the principal's scope: not found
        if (!id) return capi::fail(CRM_ENOTFOUND, std::string("external_id: no customer with ") + system + " id \"" + external_id + "\"");
        *out_id = capi::dup_string(id->str());
        return capi::ok();)
}

crm_status crm_customer_view(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(id, "id");
        *out_json = capi::dup_string(dump(view::customer_view(*db->db, uid)));
        access::audit(*db->db, "customer.view", "customer", uid);
        return capi::ok();)
}

crm_status crm_customer_query(crm_cursor** out, crm_db* db, const char* query_json) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        const Json q = query_json ? object_arg(query_json, "query") : Json::object();
        access::require(*db->db, access::kRead, "customer.query");
        *out = capi::new_cursor(db, customers::query(*db->db, q));
        access::audit(*db->db, "customer.query", nullptr, std::nullopt);
        return capi::ok();)
}

crm_status crm_customer_count(int64_t* out_count, crm_db* db, const char* filter_json) noexcept {
    CRM_REQUIRE(out_count);
    *out_count = 0;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        const Json f = filter_json ? object_arg(filter_json, "filter") : Json::object();
        access::require(*db->db, access::kRead, "customer.count");
        *out_count = customers::count(*db->db, f);
        return capi::ok();)
}

crm_status crm_interaction_add(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_REQUIRE(out_id);
    *out_id = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Uuid id = interactions::add(*db->db, object_arg(json, "interaction"));
        access::audit(*db->db, "interaction.create", "interaction", id);
        *out_id = capi::dup_string(id.str());
        return capi::ok();)
}

crm_status crm_interaction_get(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(id, "id");
        *out_json = capi::dup_string(dump(interactions::get(*db->db, uid)));
        access::audit(*db->db, "interaction.read", "interaction", uid);
        return capi::ok();)
}

crm_status crm_interaction_update(crm_db* db, const char* id, const char* json) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(id, "id");
        interactions::update(*db->db, uid, object_arg(json, "interaction"));
        access::audit(*db->db, "interaction.update", "interaction", uid);
        return capi::ok();)
}

crm_status crm_interaction_delete(crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(id, "id");
        interactions::remove(*db->db, uid);
        access::audit(*db->db, "interaction.delete", "interaction", uid);
        return capi::ok();)
}

crm_status crm_timeline(crm_cursor** out, crm_db* db, const char* query_json) noexcept {
    CRM_REQUIRE(out);
    *out = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(query_json);
    CRM_API_GUARD(
        const Json q = object_arg(query_json, "timeline");
        *out = capi::new_cursor(db, interactions::timeline(*db->db, q));
        if (q.contains("customer_id") && q["customer_id"].is_string())
            access::audit(*db->db, "customer.timeline", "customer", record_id_arg(q["customer_id"].get<std::string>().c_str(), "customer_id"));
        return capi::ok();)
}

crm_status crm_tag_create(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_REQUIRE(out_id);
    *out_id = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(json);
    CRM_API_GUARD(
        access::require(*db->db, access::kCreate, "tag");
        const Uuid id = tags::create(*db->db, object_arg(json, "tag"));
        *out_id = capi::dup_string(id.str());
        return capi::ok();)
}

crm_status crm_tag_list(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(*out_json = capi::dup_string(dump(tags::list(*db->db))); return capi::ok();)
}

crm_status crm_tag_delete(crm_db* db, const char* path) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(path);
    CRM_API_GUARD(access::require(*db->db, access::kManageRules, "tag"); tags::remove(*db->db, path); return capi::ok();)
}

crm_status crm_tag_assign(crm_db* db, const char* customer_id, const char* path) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(customer_id);
    CRM_REQUIRE(path);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(customer_id, "customer_id");
        access::require_customer(*db->db, uid, access::kUpdate, "tag");
        tags::assign(*db->db, uid, path);
        return capi::ok();)
}

crm_status crm_tag_unassign(crm_db* db, const char* customer_id, const char* path) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(customer_id);
    CRM_REQUIRE(path);
    CRM_API_GUARD(
        const Uuid uid = record_id_arg(customer_id, "customer_id");
        access::require_customer(*db->db, uid, access::kUpdate, "tag");
        tags::unassign(*db->db, uid, path);
        return capi::ok();)
}

}  // extern "C"
