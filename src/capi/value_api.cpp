// Customer value and lifecycle through the C ABI (crmlite_value.h): JSON in,
// JSON out; the engine is src/rfm, src/tasks, src/rules, src/churn, src/reports.
#include <optional>

#include "capi/handles.hpp"
#include "rfm/rfm.hpp"
#include "churn/churn.hpp"
#include "common/time.hpp"
#include "reports/reports.hpp"
#include "rules/tag_rules.hpp"
#include "tasks/followup.hpp"
#include "tasks/lifecycle.hpp"
#include "tasks/tasks.hpp"

using namespace crmlite;

namespace {

Json params_arg(const char* json, const char* what) { return parse_object(json, what); }

}  // namespace

extern "C" {

crm_status crm_rfm_compute(char** out_json, crm_db* db, const char* params_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(params_json);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(rfm::compute(*db->db, rfm::parse_params(params_arg(params_json, "rfm")))));
        return capi::ok();)
}

crm_status crm_rfm_refresh(char** out_json, crm_db* db, const char* params_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(params_json);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(rfm::refresh(*db->db, rfm::parse_params(params_arg(params_json, "rfm")))));
        return capi::ok();)
}

crm_status crm_rfm_customer(char** out_json, crm_db* db, const char* customer_id) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(customer_id);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(rfm::customer(*db->db, Uuid::parse(customer_id, "customer_id"))));
        return capi::ok();)
}

crm_status crm_rfm_snapshots(char** out_json, crm_db* db) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(*out_json = capi::dup_string(dump(rfm::snapshots(*db->db))); return capi::ok();)
}

crm_status crm_rfm_movement(char** out_json, crm_db* db, int64_t from, int64_t to) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_API_GUARD(*out_json = capi::dup_string(dump(rfm::movement(*db->db, from, to))); return capi::ok();)
}

crm_status crm_rfm_default_segments(char** out_json) noexcept {
    CRM_REQUIRE(out_json);
    *out_json = nullptr;
    CRM_API_GUARD(*out_json = capi::dup_string(dump(rfm::default_table())); return capi::ok();)
}

}  // extern "C"

// ---------------------------------------------------------------- tasks, rules, lifecycle, churn, reports


namespace {

std::int64_t time_arg(const char* iso, const char* field) { return iso ? parse_instant(iso, field) : now_ms(); }
std::optional<Uuid> opt_id(const char* id, const char* field) {
    if (!id) return std::nullopt;
    return Uuid::parse(id, field);
}
// Splits "as_of" off a parameter object (required).
std::int64_t take_as_of(Json& p, const char* what) {
    if (!p.contains("as_of") || !p.at("as_of").is_string()) invalid(std::string(what) + ".as_of", "required (ISO-8601 instant)");
    const std::int64_t t = parse_instant(p.at("as_of").get<std::string>(), std::string(what) + ".as_of");
    p.erase("as_of");
    return t;
}

}  // namespace

#define CRM_OUT_DB(out)       \
    CRM_REQUIRE(out);         \
    *(out) = nullptr;         \
    CRM_REQUIRE(db);          \
    capi::StatementReset reset_guard { *db->db }

extern "C" {

crm_status crm_task_create(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_OUT_DB(out_id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(*out_id = capi::dup_string(tasks::create(*db->db, parse_object(json, "task")).str()); return capi::ok();)
}

crm_status crm_task_update(crm_db* db, const char* id, const char* json) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(tasks::update(*db->db, Uuid::parse(id, "id"), parse_object(json, "task")); return capi::ok();)
}

crm_status crm_task_get(char** out_json, crm_db* db, const char* id) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(id);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(tasks::get(*db->db, Uuid::parse(id, "id")))); return capi::ok();)
}

crm_status crm_task_complete(crm_db* db, const char* id, const char* at) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(tasks::complete(*db->db, Uuid::parse(id, "id"), time_arg(at, "at")); return capi::ok();)
}

crm_status crm_task_delete(crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(tasks::remove(*db->db, Uuid::parse(id, "id")); return capi::ok();)
}

crm_status crm_task_snooze(crm_db* db, const char* id, const char* until) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_REQUIRE(until);
    CRM_API_GUARD(tasks::snooze(*db->db, Uuid::parse(id, "id"), parse_instant(until, "until")); return capi::ok();)
}

crm_status crm_tasks_due(char** out_json, crm_db* db, const char* now, const char* assignee) noexcept {
    CRM_OUT_DB(out_json);
    CRM_API_GUARD(
        std::optional<std::string> who;
        if (assignee) who = assignee;
        *out_json = capi::dup_string(dump(tasks::due(*db->db, time_arg(now, "now"), who)));
        return capi::ok();)
}

crm_status crm_tasks_for_customer(char** out_json, crm_db* db, const char* customer_id) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(customer_id);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(tasks::for_customer(*db->db, Uuid::parse(customer_id, "customer_id")))); return capi::ok();)
}

crm_status crm_followup_rule_save(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_OUT_DB(out_id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(*out_id = capi::dup_string(followup::save(*db->db, parse_object(json, "followup_rule")).str()); return capi::ok();)
}

crm_status crm_followup_rule_list(char** out_json, crm_db* db) noexcept {
    CRM_OUT_DB(out_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(followup::list(*db->db))); return capi::ok();)
}

crm_status crm_followup_rule_delete(crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(followup::remove(*db->db, Uuid::parse(id, "id")); return capi::ok();)
}

crm_status crm_followup_install_defaults(char** out_json, crm_db* db) noexcept {
    CRM_OUT_DB(out_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(followup::install_defaults(*db->db))); return capi::ok();)
}

crm_status crm_followup_run(char** out_json, crm_db* db, const char* now) noexcept {
    CRM_OUT_DB(out_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(followup::run(*db->db, time_arg(now, "now")))); return capi::ok();)
}

crm_status crm_lifecycle_set(crm_db* db, const char* customer_id, const char* stage, const char* source) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(customer_id);
    CRM_REQUIRE(stage);
    CRM_REQUIRE(source);
    CRM_API_GUARD(lifecycle::set(*db->db, Uuid::parse(customer_id, "customer_id"), stage, source); return capi::ok();)
}

crm_status crm_lifecycle_history(char** out_json, crm_db* db, const char* customer_id) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(customer_id);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(lifecycle::history(*db->db, Uuid::parse(customer_id, "customer_id")))); return capi::ok();)
}

crm_status crm_lifecycle_suggest(char** out_json, crm_db* db, const char* customer_id, const char* params_json) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(customer_id);
    CRM_REQUIRE(params_json);
    CRM_API_GUARD(
        Json p = parse_object(params_json, "lifecycle");
        const std::int64_t as_of = take_as_of(p, "lifecycle");
        *out_json = capi::dup_string(dump(lifecycle::suggest(*db->db, Uuid::parse(customer_id, "customer_id"), as_of, p)));
        return capi::ok();)
}

crm_status crm_lifecycle_apply(char** out_json, crm_db* db, const char* customer_id, const char* params_json) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(params_json);
    CRM_API_GUARD(
        Json p = parse_object(params_json, "lifecycle");
        const std::int64_t as_of = take_as_of(p, "lifecycle");
        *out_json = capi::dup_string(dump(lifecycle::apply(*db->db, as_of, opt_id(customer_id, "customer_id"), p)));
        return capi::ok();)
}

crm_status crm_tag_rule_save(char** out_id, crm_db* db, const char* json) noexcept {
    CRM_OUT_DB(out_id);
    CRM_REQUIRE(json);
    CRM_API_GUARD(*out_id = capi::dup_string(tag_rules::save(*db->db, parse_object(json, "tag_rule")).str()); return capi::ok();)
}

crm_status crm_tag_rule_list(char** out_json, crm_db* db) noexcept {
    CRM_OUT_DB(out_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(tag_rules::list(*db->db))); return capi::ok();)
}

crm_status crm_tag_rule_delete(crm_db* db, const char* id) noexcept {
    CRM_REQUIRE(db);
    capi::StatementReset reset_guard{*db->db};
    CRM_REQUIRE(id);
    CRM_API_GUARD(tag_rules::remove(*db->db, Uuid::parse(id, "id")); return capi::ok();)
}

crm_status crm_tag_rules_apply(char** out_json, crm_db* db, const char* customer_id, const char* now) noexcept {
    CRM_OUT_DB(out_json);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(tag_rules::apply(*db->db, time_arg(now, "now"), opt_id(customer_id, "customer_id"))));
        return capi::ok();)
}

crm_status crm_tag_rules_refresh(char** out_json, crm_db* db, const char* now) noexcept {
    CRM_OUT_DB(out_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(tag_rules::refresh(*db->db, time_arg(now, "now")))); return capi::ok();)
}

crm_status crm_churn_score(char** out_json, crm_db* db, const char* customer_id, const char* params_json) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(customer_id);
    CRM_REQUIRE(params_json);
    CRM_API_GUARD(
        *out_json = capi::dup_string(dump(churn::score(*db->db, Uuid::parse(customer_id, "customer_id"), parse_object(params_json, "churn"))));
        return capi::ok();)
}

crm_status crm_churn_at_risk(char** out_json, crm_db* db, const char* params_json) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(params_json);
    CRM_API_GUARD(*out_json = capi::dup_string(dump(churn::at_risk(*db->db, parse_object(params_json, "churn")))); return capi::ok();)
}

crm_status crm_value_report(char** out_json, crm_db* db, const char* name, const char* params_json) noexcept {
    CRM_OUT_DB(out_json);
    CRM_REQUIRE(name);
    CRM_API_GUARD(
        const Json p = params_json ? parse_object(params_json, "report") : Json::object();
        *out_json = capi::dup_string(dump(reports::run(*db->db, name, p)));
        return capi::ok();)
}

}  // extern "C"
