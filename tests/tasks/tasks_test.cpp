// Tasks, reminders (due, complete, snooze), follow-up rules (the handbook's
// defaults, never the same task twice) and lifecycle stages with history and
// manual overrides.
#include <catch2/catch.hpp>

#include <string>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "rfm/rfm.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"
#include "tasks/followup.hpp"
#include "tasks/lifecycle.hpp"
#include "tasks/tasks.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
using crmlite::testing::scalar;
namespace tasks = crmlite::tasks;
namespace followup = crmlite::followup;
namespace lifecycle = crmlite::lifecycle;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;

namespace {

constexpr std::int64_t kDay = 86400000, kHour = 3600000;
std::int64_t t0() { return crmlite::parse_instant("2026-03-01T09:00:00Z", "t"); }
std::string iso(std::int64_t ms) { return crmlite::format_instant(ms); }

Uuid person(crmlite::Database& db, const std::string& name, const std::string& owner = "") {
    Json j = {{"kind", "person"}, {"display_name", name}};
    if (!owner.empty()) j["owner"] = owner;
    return customers::create(db, j);
}

void log(crmlite::Database& db, const Uuid& c, const std::string& kind, std::int64_t at, const Json& extra = Json::object()) {
    Json j = {{"customer_id", c.str()}, {"kind", kind}, {"occurred_at", iso(at)}};
    j.update(extra);
    interactions::add(db, j);
}

}  // namespace

TEST_CASE("tasks are created, listed when due, completed and snoozed", "[tasks]") {
    TempDb t;
    const Uuid c = person(*t, "张伟");
    const Uuid a = tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", iso(t0())}, {"assignee", "li"}, {"notes", "回访"}});
    const Uuid b = tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "visit"}, {"due_at", iso(t0() + 2 * kDay)}, {"assignee", "wang"}});
    CHECK(tasks::get(*t, a)["status"] == "open");
    CHECK(tasks::get(*t, a)["notes"] == "回访");
    CHECK(tasks::due(*t, t0() - 1, std::nullopt).empty());
    Json due = tasks::due(*t, t0() + kHour, std::nullopt);
    REQUIRE(due.size() == 1);
    CHECK(due[0]["id"] == a.str());
    CHECK(due[0]["overdue"] == true);
    CHECK(tasks::due(*t, t0() + 3 * kDay, std::string("wang")).size() == 1);
    CHECK(tasks::due(*t, t0() + 3 * kDay, std::string("nobody")).empty());
    tasks::snooze(*t, a, t0() + kDay);
    CHECK(tasks::due(*t, t0() + kHour, std::nullopt).empty());
    CHECK(tasks::due(*t, t0() + kDay, std::nullopt).size() == 1);
    tasks::complete(*t, a, t0() + kDay + kHour);
    CHECK(tasks::get(*t, a)["status"] == "done");
    CHECK(tasks::get(*t, a)["completed_at"] == iso(t0() + kDay + kHour));
    CHECK_CRM_ERROR(tasks::snooze(*t, a, t0()), CRM_EINVAL, "task.status");
    tasks::update(*t, b, Json{{"status", "cancelled"}});
    CHECK(tasks::due(*t, t0() + 10 * kDay, std::nullopt).empty());
    CHECK_CRM_ERROR(tasks::complete(*t, b, t0()), CRM_EINVAL, "cancelled");
    CHECK(tasks::for_customer(*t, c).size() == 2);
    // Each change was one synced record version.
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 10") == 2);
}

TEST_CASE("bad tasks are refused naming the field", "[tasks]") {
    TempDb t;
    const Uuid c = person(*t, "x");
    CHECK_CRM_ERROR(tasks::create(*t, Json{{"kind", "call"}, {"due_at", iso(t0())}}), CRM_EINVAL, "task.customer_id");
    CHECK_CRM_ERROR(tasks::create(*t, Json{{"customer_id", c.str()}, {"due_at", iso(t0())}}), CRM_EINVAL, "task.kind");
    CHECK_CRM_ERROR(tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "call"}}), CRM_EINVAL, "task.due_at");
    CHECK_CRM_ERROR(tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "soon"}}), CRM_EINVAL, "task.due_at");
    CHECK_CRM_ERROR(tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", iso(t0())}, {"status", "later"}}), CRM_EINVAL, "task.status");
    CHECK_CRM_ERROR(tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", iso(t0())}, {"colour", 1}}), CRM_EINVAL, "task.colour");
    CHECK_CRM_ERROR(tasks::create(*t, Json{{"customer_id", Uuid::v7().str()}, {"kind", "call"}, {"due_at", iso(t0())}}), CRM_ENOTFOUND, "task.customer_id");
    CHECK(scalar(*t, "SELECT count(*) FROM tasks") == 0);
}

TEST_CASE("the handbook's follow-up rules create each task once", "[tasks][followup]") {
    TempDb t;
    const Json ids = followup::install_defaults(*t);
    REQUIRE(ids.size() == 3);
    CHECK(followup::install_defaults(*t) == ids);  // idempotent
    CHECK(followup::list(*t).size() == 3);

    SECTION("a new customer is followed up within 3 days, by the owner") {
        const Uuid c = person(*t, "新客户", "li");
        const std::int64_t now = crmlite::now_ms();
        const Json r = followup::run(*t, now);
        REQUIRE(r["created"] == 1);
        const Json task = tasks::get(*t, Uuid::parse(r["tasks"][0].get<std::string>(), "id"));
        CHECK(task["customer_id"] == c.str());
        CHECK(task["assignee"] == "li");
        CHECK(task["status"] == "open");
        const std::int64_t due = crmlite::parse_instant(task["due_at"].get<std::string>(), "due");
        const std::int64_t created = crmlite::parse_instant(customers::get(*t, c)["created_at"].get<std::string>(), "c");
        CHECK(due == created + 3 * kDay);
        CHECK(followup::run(*t, now + kHour)["created"] == 0);  // never twice
    }
    SECTION("a ticket open for more than 48 hours escalates, a closed one does not") {
        const Uuid c = person(*t, "Ann");
        t->sql().exec("DELETE FROM tasks");
        log(*t, c, "ticket", t0(), {{"status", "open"}, {"subject", "broken"}});
        log(*t, c, "ticket", t0(), {{"status", "resolved"}});
        const std::int64_t lookback_past = t0() + 60 * kDay;  // customers created "now" are not new then
        CHECK(followup::run(*t, t0() + 47 * kHour)["created"] == 0);
        const Json r = followup::run(*t, t0() + 49 * kHour);
        int escalations = 0;
        for (const auto& id : r["tasks"]) escalations += tasks::get(*t, Uuid::parse(id.get<std::string>(), "id"))["kind"] == "escalation";
        CHECK(escalations == 1);
        CHECK(followup::run(*t, lookback_past)["created"] == 0);
    }
    SECTION("core-tier customers are revisited 30 days after the last contact") {
        const Uuid c = person(*t, "VIP");
        log(*t, c, "order", t0(), {{"amount_minor", 100000}, {"currency", "CNY"}});
        log(*t, c, "call", t0());
        // One buyer: make the whole top share core.
        crmlite::rfm::compute(*t, crmlite::rfm::parse_params(Json{{"as_of", iso(t0() + kHour)}, {"tiers", {{"core", 1.0}, {"potential", 0.0}}}}));
        REQUIRE(crmlite::rfm::customer(*t, c)["tier"] == "core");
        const std::int64_t late = crmlite::now_ms() + 400 * kDay;  // past every new-customer lookback
        Json r = followup::run(*t, t0() + 29 * kDay);
        for (const auto& id : r["tasks"]) CHECK(tasks::get(*t, Uuid::parse(id.get<std::string>(), "id"))["title"] != "Revisit a core customer");
        r = followup::run(*t, t0() + 31 * kDay);
        REQUIRE(r["created"] == 1);
        CHECK(tasks::get(*t, Uuid::parse(r["tasks"][0].get<std::string>(), "id"))["due_at"] == iso(t0() + 30 * kDay));
        CHECK(followup::run(*t, t0() + 32 * kDay)["created"] == 0);
        // A new contact starts a new period: the next visit is a new task.
        log(*t, c, "visit", t0() + 33 * kDay);
        CHECK(followup::run(*t, t0() + 62 * kDay)["created"] == 0);
        CHECK(followup::run(*t, t0() + 64 * kDay)["created"] == 1);
        (void)late;
    }
}

TEST_CASE("follow-up rules are validated when saved", "[tasks][followup]") {
    TempDb t;
    CHECK_CRM_ERROR(followup::save(*t, Json{{"name", "x"}, {"definition", {{"trigger", "birthday"}}}}), CRM_EINVAL, "followup_rule.definition.trigger");
    CHECK_CRM_ERROR(followup::save(*t, Json{{"name", "x"}, {"definition", {{"trigger", "new_customer"}, {"tier", "core"}}}}), CRM_EINVAL,
                    "followup_rule.definition.tier");
    CHECK_CRM_ERROR(followup::save(*t, Json{{"name", "x"}, {"definition", {{"trigger", "ticket_open"}, {"after_hours", 0}}}}), CRM_EINVAL,
                    "followup_rule.definition.after_hours");
    CHECK_CRM_ERROR(followup::save(*t, Json{{"definition", {{"trigger", "new_customer"}}}}), CRM_EINVAL, "followup_rule.name");
    const Uuid id = followup::save(*t, Json{{"name", "fast"}, {"definition", {{"trigger", "new_customer"}, {"within_days", 1}}}});
    followup::save(*t, Json{{"id", id.str()}, {"name", "fast"}, {"definition", {{"trigger", "new_customer"}, {"within_days", 2}}}, {"enabled", false}});
    const Json list = followup::list(*t);
    REQUIRE(list.size() == 1);
    CHECK(list[0]["enabled"] == false);
    CHECK(list[0]["definition"]["within_days"] == 2);
    person(*t, "someone");
    CHECK(followup::run(*t, crmlite::now_ms())["created"] == 0);  // disabled
    followup::remove(*t, id);
    CHECK(followup::list(*t).empty());
    CHECK_CRM_ERROR(followup::remove(*t, id), CRM_ENOTFOUND, "followup_rule");
}

TEST_CASE("lifecycle stages: rules set them, manual settings override, history is kept", "[tasks][lifecycle]") {
    TempDb t;
    const Uuid c = person(*t, "客户");
    const Json none = {};
    CHECK(lifecycle::suggest(*t, c, t0(), none)["stage"] == "prospect");
    log(*t, c, "order", t0() - 10 * kDay);
    CHECK(lifecycle::suggest(*t, c, t0(), none)["stage"] == "customer");
    log(*t, c, "order", t0() - 5 * kDay);
    CHECK(lifecycle::suggest(*t, c, t0(), none)["stage"] == "repeat");
    CHECK(lifecycle::suggest(*t, c, t0() + 200 * kDay, none)["stage"] == "at_risk");
    CHECK(lifecycle::suggest(*t, c, t0() + 400 * kDay, none)["stage"] == "churned");
    // The customer's own rhythm: every 5 days, so 40 days of silence is at risk.
    CHECK(lifecycle::suggest(*t, c, t0() + 40 * kDay, none)["stage"] == "at_risk");

    Json r = lifecycle::apply(*t, t0(), std::nullopt, none);
    CHECK(r["changed"] == 1);
    CHECK(customers::get(*t, c)["stage"] == "repeat");
    CHECK(lifecycle::apply(*t, t0(), std::nullopt, none)["unchanged"] == 1);
    lifecycle::set(*t, c, "loyal", "manual");
    r = lifecycle::apply(*t, t0() + 400 * kDay, std::nullopt, none);
    CHECK(r["kept_manual"] == 1);
    CHECK(customers::get(*t, c)["stage"] == "loyal");
    CHECK_CRM_ERROR(lifecycle::set(*t, c, "churned", "rule"), CRM_EINVAL, "manually");
    lifecycle::set(*t, c, "auto", "manual");  // release
    CHECK(lifecycle::apply(*t, t0() + 400 * kDay, c, none)["changed"] == 1);
    CHECK(customers::get(*t, c)["stage"] == "churned");
    const Json h = lifecycle::history(*t, c);
    REQUIRE(h.size() == 4);
    CHECK(h[0]["stage"] == "repeat");
    CHECK(h[0]["source"] == "rule");
    CHECK(h[1]["stage"] == "loyal");
    CHECK(h[1]["previous"] == "repeat");
    CHECK(h[1]["source"] == "manual");
    CHECK(h[2]["stage"] == "auto");
    CHECK(h[3]["stage"] == "churned");
    CHECK_CRM_ERROR(lifecycle::set(*t, c, "vip", "manual"), CRM_EINVAL, "stage");
    CHECK_CRM_ERROR(lifecycle::set(*t, Uuid::v7(), "loyal", "manual"), CRM_ENOTFOUND, "customer_id");
    CHECK_CRM_ERROR(lifecycle::apply(*t, t0(), std::nullopt, Json{{"churned_days", 10}}), CRM_EINVAL, "lifecycle.churned_days");
}
