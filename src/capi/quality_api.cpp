// Data quality through the C ABI (crmlite_quality.h): normalisation, duplicate
// detection, merge, validation and the report. JSON in, JSON out.
#include "capi/handles.hpp"
#include "dedup/dedup.hpp"
#include "merge/merge.hpp"
#include "merge/undo.hpp"
#include "normalize/normalize.hpp"
#include "normalize/phone.hpp"
#include "normalize/settings.hpp"
#include "validation/rules.hpp"

using namespace crmlite;

namespace {

Json optional_json(const char* text, const char* what) {
    if (text == nullptr) return Json();
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded()) invalid(what, "not valid JSON");
    return j;
}

Json normalize_value(Database& db, const std::string& kind, const std::string& value) {
    if (kind == "phone") {
        const auto p = normalize::parse_phone(value, normalize::phone_region(db));
        return {{"e164", p.e164}, {"type", p.type}, {"region", p.region}, {"valid", p.valid}, {"parsed", p.parsed}};
    }
    if (kind == "email") {
        const auto e = normalize::parse_email(value);
        return {{"normalized", e.normalized}, {"match_key", e.match_key}, {"valid", e.valid}};
    }
    if (kind == "text") return {{"text", normalize::text(value)}};
    if (kind == "name")
        return {{"text", normalize::text(value)}, {"pinyin", normalize::name_pinyin(value)}, {"key", normalize::name_key(value)}};
    if (kind == "province") return {{"canonical", normalize::province(value)}};
    if (kind == "city") return {{"canonical", normalize::city(value)}};
    invalid("kind", "expected phone, email, text, name, province or city");
}

std::vector<Uuid> id_list(const char* json) {
    const Json j = optional_json(json, "losers");
    if (!j.is_array()) invalid("losers", "expected a JSON array of customer ids");
    std::vector<Uuid> out;
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string field = "losers[" + std::to_string(i) + "]";
        if (!j[i].is_string()) invalid(field, "expected a customer id");
        out.push_back(Uuid::parse(j[i].get<std::string>(), field));
    }
    return out;
}

}  // namespace

extern "C" {

crm_status crm_quality_normalize(char** out_json, crm_db* db, const char* kind, const char* value) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(kind);
    CRM_REQUIRE(value);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(normalize_value(*db->db, kind, value))); return capi::ok();)
}

crm_status crm_quality_set_phone_region(crm_db* db, const char* region) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(region);
    CRM_API_GUARD(normalize::set_phone_region(*db->db, region); return capi::ok();)
}

crm_status crm_quality_find_duplicates(char** out_json, crm_db* db, const char* options_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        const auto o = dedup::parse_options(optional_json(options_json, "options"));
        *out_json = capi::dup_string(dump(dedup::find(*db->db, o)));
        return capi::ok();)
}

crm_status crm_quality_check_customer(char** out_json, crm_db* db, const char* id, const char* options_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        const auto o = dedup::parse_options(optional_json(options_json, "options"));
        *out_json = capi::dup_string(dump(dedup::check(*db->db, Uuid::parse(std::string_view(id), "id"), o)));
        return capi::ok();)
}

crm_status crm_quality_check_record(char** out_json, crm_db* db, const char* customer_json, const char* options_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(customer_json);
    CRM_API_GUARD(
        const auto o = dedup::parse_options(optional_json(options_json, "options"));
        *out_json = capi::dup_string(dump(dedup::check_json(*db->db, parse_object(customer_json, "customer"), o)));
        return capi::ok();)
}

crm_status crm_quality_merge(char** out_json, crm_db* db, const char* survivor, const char* losers_json,
                             const char* options_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(survivor);
    CRM_REQUIRE(losers_json);
    CRM_API_GUARD(
        const Uuid s = Uuid::parse(std::string_view(survivor), "survivor");
        const auto losers = id_list(losers_json);
        *out_json = capi::dup_string(dump(merge::merge(*db->db, s, losers, optional_json(options_json, "options"))));
        return capi::ok();)
}

crm_status crm_quality_merge_undo(char** out_json, crm_db* db, const char* merge_id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(merge_id);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(merge::undo(*db->db, Uuid::parse(std::string_view(merge_id), "merge_id"))));
        return capi::ok();)
}

crm_status crm_quality_merge_get(char** out_json, crm_db* db, const char* merge_id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(merge_id);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(merge::get_merge(*db->db, Uuid::parse(std::string_view(merge_id), "merge_id"))));
        return capi::ok();)
}

crm_status crm_quality_merges_of(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(merge::merges_of(*db->db, Uuid::parse(std::string_view(id), "id"))));
        return capi::ok();)
}

crm_status crm_quality_rules_get(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(*out_json = capi::dup_string(dump(validation::rules_json(*db->db))); return capi::ok();)
}

crm_status crm_quality_rules_set(crm_db* db, const char* rules_json) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(validation::set_rules(*db->db, optional_json(rules_json, "rules")); return capi::ok();)
}

crm_status crm_quality_validate(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(validation::validate(*db->db, Uuid::parse(std::string_view(id), "id"))));
        return capi::ok();)
}

crm_status crm_quality_report(char** out_json, crm_db* db, const char* options_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(validation::report(*db->db, optional_json(options_json, "options"))));
        return capi::ok();)
}

}  // extern "C"
