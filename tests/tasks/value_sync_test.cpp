// Tasks, follow-up rules, tag rules and lifecycle history are synced records:
// concurrent edits on replicas converge; rule-created tasks made on two
// devices are one task.
#include <catch2/catch.hpp>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "merge/merge.hpp"
#include "merge/undo.hpp"
#include "rules/tag_rules.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"
#include "tasks/followup.hpp"
#include "tasks/lifecycle.hpp"
#include "tasks/tasks.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::TempDir;
namespace csync = crmlite::sync;

namespace {

struct Trio {
    TempDir dir;
    std::vector<std::unique_ptr<Database>> dbs;
    Trio() {
        for (int i = 0; i < 3; ++i) dbs.push_back(std::make_unique<Database>(dir.path("r" + std::to_string(i) + ".db"), OpenOptions{}));
    }
    Database& operator[](int i) { return *dbs[static_cast<std::size_t>(i)]; }
    void send(int from, int to) { csync::apply((*this)[to], csync::changes_since((*this)[from], 0, 100000).blob, {}); }
    void exchange() {
        for (int round = 0; round < 2; ++round)
            for (int a = 0; a < 3; ++a)
                for (int b = 0; b < 3; ++b)
                    if (a != b) send(a, b);
    }
};

}  // namespace

TEST_CASE("value records converge across three replicas", "[tasks][sync]") {
    Trio r;
    const Uuid c = crmlite::customers::create(r[0], Json{{"kind", "person"}, {"display_name", "同步客户"}, {"owner", "li"}});
    const Uuid task = crmlite::tasks::create(r[0], Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
    crmlite::followup::install_defaults(r[0]);
    const Uuid rule = crmlite::tag_rules::save(r[0], Json{{"name", "sh"}, {"tag", "geo/sh"}, {"condition", {{"field", "city"}, {"op", "eq"}, {"value", "上海"}}}});
    r.exchange();
    for (int i = 0; i < 3; ++i) CHECK(crmlite::tasks::get(r[i], task)["kind"] == "call");

    // Concurrent edits: different fields of the task on two replicas, stage changes on two.
    crmlite::tasks::update(r[1], task, Json{{"notes", "call after lunch"}});
    crmlite::tasks::complete(r[2], task, crmlite::parse_instant("2026-03-01T10:00:00Z", "t"));
    crmlite::lifecycle::set(r[1], c, "loyal", "manual");
    crmlite::lifecycle::set(r[2], c, "at_risk", "manual");
    crmlite::tag_rules::save(r[1], Json{{"id", rule.str()}, {"name", "sh"}, {"tag", "geo/sh"}, {"condition", {{"field", "city"}, {"op", "eq"}, {"value", "上海"}}}, {"enabled", false}});
    // The same follow-up run on two devices makes the same task id.
    const auto now = crmlite::now_ms() + 3600000;
    const Json made1 = crmlite::followup::run(r[1], now), made2 = crmlite::followup::run(r[2], now);
    CHECK(made1["tasks"] == made2["tasks"]);
    CHECK(made1["created"] == 1);
    r.exchange();
    const std::string first = csync::canonical_dump(r[0]);
    for (int i = 1; i < 3; ++i) CHECK(csync::canonical_dump(r[i]) == first);
    const Json t = crmlite::tasks::get(r[0], task);
    CHECK(t["notes"] == "call after lunch");
    CHECK(t["status"] == "done");
    CHECK(crmlite::lifecycle::history(r[0], c).size() == 2);  // both changes kept as history
    CHECK(crmlite::tasks::for_customer(r[0], c).size() == 2);  // the manual task + one rule task, not two
    CHECK(crmlite::tag_rules::list(r[0])[0]["enabled"] == false);
}

TEST_CASE("a rule deleted on one replica is gone from every replica, tasks of a deleted customer too", "[tasks][sync]") {
    Trio r;
    const Uuid c = crmlite::customers::create(r[0], Json{{"kind", "person"}, {"display_name", "规则客户"}});
    const Uuid task = crmlite::tasks::create(r[0], Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
    const Json defaults = crmlite::followup::install_defaults(r[0]);
    REQUIRE(defaults.size() == 3);
    const Uuid follow = Uuid::parse(defaults[0].get<std::string>(), "id");
    const Uuid rule = crmlite::tag_rules::save(r[0], Json{{"name", "sh"}, {"tag", "geo/sh"}, {"condition", {{"field", "city"}, {"op", "eq"}, {"value", "上海"}}}});
    r.exchange();
    REQUIRE(crmlite::followup::list(r[2]).size() == 3);
    REQUIRE(crmlite::tag_rules::list(r[2]).size() == 1);

    crmlite::followup::remove(r[1], follow);
    crmlite::tag_rules::remove(r[1], rule);
    crmlite::customers::remove(r[2], c);
    r.exchange();
    for (int i = 0; i < 3; ++i) {
        INFO("replica " << i);
        CHECK(crmlite::followup::list(r[i]).size() == 2);
        CHECK(crmlite::tag_rules::list(r[i]).empty());
        CHECK(r[i].sql().execAndGet("SELECT count(*) FROM tasks").getInt64() == 0);
        CHECK_FALSE(crmlite::customers::exists(r[i], c));
    }
    (void)task;
    const std::string first = csync::canonical_dump(r[0]);
    for (int i = 1; i < 3; ++i) CHECK(csync::canonical_dump(r[i]) == first);
}

namespace {
std::int64_t count(Database& db, const std::string& sql) { return db.sql().execAndGet(sql).getInt64(); }
}  // namespace

TEST_CASE("a deleted customer's tasks and stage history leave tombstones that sync and no versions behind", "[tasks][sync]") {
    Trio r;
    const Uuid c = crmlite::customers::create(r[0], Json{{"kind", "person"}, {"display_name", "删除客户"}});
    const Uuid keep = crmlite::customers::create(r[0], Json{{"kind", "person"}, {"display_name", "留下客户"}});
    crmlite::tasks::create(r[0], Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
    crmlite::tasks::create(r[0], Json{{"customer_id", keep.str()}, {"kind", "visit"}, {"due_at", "2026-03-02T09:00:00Z"}});
    crmlite::lifecycle::set(r[0], c, "loyal", "manual");
    r.exchange();
    // Offline on replica 1, before it learns of the delete: another task for c.
    crmlite::tasks::create(r[1], Json{{"customer_id", c.str()}, {"kind", "email"}, {"due_at", "2026-03-03T09:00:00Z"}});
    crmlite::customers::remove(r[2], c);
    CHECK(count(r[2], "SELECT count(*) FROM sync_tombstones WHERE tbl = 10") == 1);
    CHECK(count(r[2], "SELECT count(*) FROM sync_tombstones WHERE tbl = 13") == 1);
    r.exchange();
    for (int i = 0; i < 3; ++i) {
        INFO("replica " << i);
        CHECK(count(r[i], "SELECT count(*) FROM tasks") == 1);  // keep's visit
        CHECK(count(r[i], "SELECT count(*) FROM lifecycle_history") == 0);
        // Nothing of the removed records stays in the sync bookkeeping but their tombstones.
        CHECK(count(r[i], "SELECT count(*) FROM sync_versions WHERE tbl IN (10, 13)") == 1);
        CHECK(count(r[i], "SELECT count(*) FROM sync_log WHERE tbl IN (10, 13)") == 1);
        CHECK(count(r[i], "SELECT count(*) FROM sync_tombstones WHERE tbl = 10") == 2);  // the offline email too
        CHECK(count(r[i], "SELECT count(*) FROM sync_tombstones WHERE tbl = 13") == 1);
    }
    const std::string first = csync::canonical_dump(r[0]);
    for (int i = 1; i < 3; ++i) CHECK(csync::canonical_dump(r[i]) == first);
}

TEST_CASE("a deleted task stays deleted everywhere: the delete wins over a concurrent edit, and a rule does not make it again", "[tasks][sync]") {
    Trio r;
    const Uuid c = crmlite::customers::create(r[0], Json{{"kind", "person"}, {"display_name", "任务客户"}, {"owner", "li"}});
    const Uuid manual = crmlite::tasks::create(r[0], Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
    crmlite::followup::install_defaults(r[0]);
    const auto now = crmlite::now_ms() + 3600000;
    const Json made = crmlite::followup::run(r[0], now);
    REQUIRE(made["created"] == 1);
    const Uuid by_rule = Uuid::parse(made["tasks"][0].get<std::string>(), "id");
    r.exchange();

    // Replica 1 edits both tasks while replica 2, later, deletes them.
    crmlite::tasks::update(r[1], manual, Json{{"notes", "改期"}});
    crmlite::tasks::complete(r[1], by_rule, crmlite::now_ms());
    crmlite::tasks::remove(r[2], manual);
    crmlite::tasks::remove(r[2], by_rule);
    CHECK_THROWS_WITH(crmlite::tasks::remove(r[2], manual), Catch::Contains("no task"));
    CHECK_THROWS_WITH(crmlite::tasks::get(r[2], manual), Catch::Contains("no task"));
    r.exchange();
    for (int i = 0; i < 3; ++i) {
        INFO("replica " << i);
        CHECK(crmlite::tasks::for_customer(r[i], c).empty());
        CHECK(count(r[i], "SELECT count(*) FROM sync_versions WHERE tbl = 10") == 0);
        CHECK(count(r[i], "SELECT count(*) FROM sync_tombstones WHERE tbl = 10") == 2);
        // The rule's task for this period is not made again, on any replica.
        CHECK(crmlite::followup::run(r[i], now + 60000)["created"] == 0);
        CHECK(crmlite::tasks::for_customer(r[i], c).empty());
    }
    const std::string first = csync::canonical_dump(r[0]);
    for (int i = 1; i < 3; ++i) CHECK(csync::canonical_dump(r[i]) == first);
}

TEST_CASE("merging duplicates moves the loser's tasks to the survivor; undoing the merge moves them back", "[tasks][sync][merge]") {
    Trio r;
    const Uuid a = crmlite::customers::create(r[0], Json{{"kind", "person"}, {"display_name", "王小明"}});
    const Uuid b = crmlite::customers::create(r[0], Json{{"kind", "person"}, {"display_name", "王小明 (重复)"}});
    const Uuid tb = crmlite::tasks::create(r[0], Json{{"customer_id", b.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
    r.exchange();
    // Offline on replica 1, before the merge reaches it: a task for the loser.
    const Uuid offline = crmlite::tasks::create(r[1], Json{{"customer_id", b.str()}, {"kind", "visit"}, {"due_at", "2026-03-02T09:00:00Z"}});
    const Json m = crmlite::merge::merge(r[0], a, {b}, Json());
    CHECK(crmlite::tasks::get(r[0], tb)["customer_id"] == a.str());
    r.exchange();
    for (int i = 0; i < 3; ++i) {
        INFO("replica " << i);
        CHECK(crmlite::tasks::get(r[i], tb)["customer_id"] == a.str());
        CHECK(crmlite::tasks::get(r[i], offline)["customer_id"] == a.str());
        CHECK(crmlite::tasks::for_customer(r[i], a).size() == 2);
    }
    crmlite::merge::undo(r[2], Uuid::parse(m["id"].get<std::string>(), "id"));
    r.exchange();
    for (int i = 0; i < 3; ++i) {
        INFO("replica " << i);
        CHECK(crmlite::tasks::get(r[i], tb)["customer_id"] == b.str());
        CHECK(crmlite::tasks::for_customer(r[i], a).size() + crmlite::tasks::for_customer(r[i], b).size() == 2);
    }
    const std::string first = csync::canonical_dump(r[0]);
    for (int i = 1; i < 3; ++i) CHECK(csync::canonical_dump(r[i]) == first);
}
