// Sales records under sync: concurrent edits of one opportunity on two devices
// converge field by field, with stage, status and close time from one writer,
// and both devices' stage moves kept in the history; leads, events and
// campaign members travel and converge too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "campaigns/campaigns.hpp"
#include "customers/customers.hpp"
#include "leads/leads.hpp"
#include "pipeline/forecast.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "sync/engine.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::TempDir;
namespace csync = crmlite::sync;
namespace opportunities = crmlite::opportunities;

namespace {

struct Pair {
    TempDir dir;
    std::unique_ptr<Database> a = std::make_unique<Database>(dir.path("a.db"), OpenOptions{});
    std::unique_ptr<Database> b = std::make_unique<Database>(dir.path("b.db"), OpenOptions{});
    std::int64_t ab = 0, ba = 0;
    std::int64_t missing = 0, incomplete = 0;

    void send(Database& from, Database& to, std::int64_t& cursor) {
        // small pages: parents before children across pages
        crmlite::testing::send_pages(from, to, cursor, 7, [this](const Json& r) {
            missing += r["missing_parent"].get<std::int64_t>();
            incomplete += r["incomplete"].get<std::int64_t>();
        });
    }
    void exchange() {
        send(*a, *b, ab);
        send(*b, *a, ba);
        send(*a, *b, ab);
    }
};

std::string stage_named(const Json& p, const std::string& name) {
    for (const auto& s : p["stages"])
        if (s["name"] == name) return s["id"];
    return "";
}

}  // namespace

TEST_CASE("concurrent edits of an opportunity on two devices converge, keeping both stage moves", "[sales][sync]") {
    Pair s;
    const Json p = crmlite::pipeline::create(*s.a, {{"name", "P"},
                                                    {"stages", {{{"name", "Lead"}, {"probability", 10}},
                                                                {{"name", "Proposal"}, {"probability", 50}},
                                                                {{"name", "Negotiation"}, {"probability", 80}}}}});
    const Uuid c = crmlite::customers::create(*s.a, {{"display_name", "王小明"}, {"owner", "alice"}});
    const Uuid o = opportunities::add(*s.a, {{"customer_id", c.str()}, {"name", "茶叶"}, {"amount_minor", 10000}, {"currency", "CNY"}});
    s.exchange();
    REQUIRE(s.missing == 0);
    REQUIRE(opportunities::get(*s.b, o)["name"] == "茶叶");

    // Offline on both: A raises the amount and wins it; B (later) moves it to
    // negotiation and changes the expected close date.
    opportunities::update(*s.a, o, {{"amount_minor", 25000}, {"by", "alice"}});
    opportunities::update(*s.a, o, {{"status", "won"}, {"by", "alice"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    opportunities::update(*s.b, o, {{"stage_id", stage_named(p, "Negotiation")}, {"expected_close", "2027-02-01"}, {"by", "bob"}});
    s.exchange();
    CHECK(s.missing == 0);
    CHECK(s.incomplete == 0);

    const Json ga = opportunities::get(*s.a, o), gb = opportunities::get(*s.b, o);
    CHECK(ga == gb);
    CHECK(ga["amount_minor"] == 25000);            // A's field
    CHECK(ga["expected_close"] == "2027-02-01");   // B's field
    CHECK(ga["stage"]["name"] == "Negotiation");   // the later stage write
    CHECK(ga["status"] == "open");                 // ...with its own status: never "won" at a negotiation stage
    CHECK_FALSE(ga.contains("closed_at"));
    // Both moves are in the history on both devices.
    REQUIRE(ga["stage_history"].size() == 3);
    std::vector<std::string> stages;
    for (const auto& h : ga["stage_history"]) stages.push_back(h["stage"]);
    std::sort(stages.begin(), stages.end());
    CHECK(stages == std::vector<std::string>{"Lead", "Negotiation", "Won"});
    // Reports derived from it agree.
    CHECK(crmlite::forecast::stage_analytics(*s.a, Json::object()) == crmlite::forecast::stage_analytics(*s.b, Json::object()));
    CHECK(crmlite::forecast::forecast(*s.a, Json::object()) == crmlite::forecast::forecast(*s.b, Json::object()));
    CHECK(csync::canonical_dump(*s.a) == csync::canonical_dump(*s.b));
}

TEST_CASE("leads, their events, rules and campaign members sync and converge", "[sales][sync]") {
    Pair s;
    crmlite::leads::add_rule(*s.a, {{"name", "rr"}, {"kind", "round_robin"}, {"members", {"alice", "bob"}}});
    const Uuid camp = crmlite::campaigns::create(*s.a, {{"name", "C"}, {"audience_mode", "dynamic"}});
    const Uuid cust = crmlite::customers::create(*s.a, {{"display_name", "Ann"}, {"consent_marketing", true}});
    const Json l = crmlite::leads::capture(*s.a, {{"name", "Zhao"}, {"campaign_id", camp.str()}, {"source", "web"}});
    CHECK(l["owner"] == "alice");
    s.exchange();
    REQUIRE(s.missing == 0);
    // The rule's turns are synced facts: B, having seen A's assignment, gives the next lead to bob.
    CHECK(crmlite::leads::capture(*s.b, {{"name", "Qian"}})["owner"] == "bob");
    const Uuid lead = Uuid::parse(l["id"].get<std::string>(), "id");
    // Concurrent: A qualifies the lead, B reassigns it.
    crmlite::leads::update(*s.a, lead, {{"status", "qualified"}});
    crmlite::leads::assign(*s.b, lead, std::string("chen"), "manager");
    crmlite::campaigns::set_member_status(*s.a, camp, cust, "sent");
    crmlite::campaigns::set_member_status(*s.b, camp, cust, "opened");
    s.exchange();
    CHECK(s.missing == 0);
    CHECK(s.incomplete == 0);
    const Json la = crmlite::leads::get(*s.a, lead);
    CHECK(la == crmlite::leads::get(*s.b, lead));
    CHECK(la["status"] == "qualified");
    CHECK(la["owner"] == "chen");
    CHECK(la["events"].size() == 4);  // captured, assigned, status, reassigned
    CHECK(crmlite::campaigns::get(*s.a, camp) == crmlite::campaigns::get(*s.b, camp));
    CHECK(crmlite::campaigns::results(*s.a, camp) == crmlite::campaigns::results(*s.b, camp));
    CHECK(csync::canonical_dump(*s.a) == csync::canonical_dump(*s.b));
}

TEST_CASE("concurrent edits of campaigns, stages and lead details converge field by field", "[sales][sync]") {
    Pair s;
    const Json p = crmlite::pipeline::create(*s.a, {{"name", "P"}, {"stages", {{{"name", "Lead"}, {"probability", 10}}}}});
    const Uuid camp = crmlite::campaigns::create(*s.a, {{"name", "Spring"}, {"cost_minor", 1000}, {"currency", "CNY"}});
    const Uuid lead = Uuid::parse(crmlite::leads::capture(*s.a, {{"name", "Zhao"}, {"assign", false}})["id"].get<std::string>(), "id");
    s.exchange();
    const Uuid stage = Uuid::parse(stage_named(p, "Lead"), "id");
    // Different fields on each side, and one field (the campaign's name) on both: B writes later.
    crmlite::campaigns::update(*s.a, camp, {{"cost_minor", 2500}, {"name", "Spring A"}});
    crmlite::pipeline::update_stage(*s.a, stage, {{"probability", 20}});
    crmlite::leads::update(*s.a, lead, {{"region", "华东"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    crmlite::campaigns::update(*s.b, camp, {{"attribution_days", 14}, {"name", "Spring B"}});
    crmlite::pipeline::update_stage(*s.b, stage, {{"name", "Inquiry"}});
    crmlite::leads::update(*s.b, lead, {{"notes", "met at the fair"}});
    s.exchange();
    CHECK(s.missing == 0);
    for (Database* db : {s.a.get(), s.b.get()}) {
        const Json c = crmlite::campaigns::get(*db, camp);
        CHECK(c["cost_minor"] == 2500);
        CHECK(c["attribution_days"] == 14);
        CHECK(c["name"] == "Spring B");  // the later write of the same field
        const auto st = crmlite::pipeline::stage(*db, stage);
        REQUIRE(st);
        CHECK(st->probability == 20);
        CHECK(st->name == "Inquiry");
        const Json l = crmlite::leads::get(*db, lead);
        CHECK(l["region"] == "华东");
        CHECK(l["notes"] == "met at the fair");
    }
    CHECK(csync::canonical_dump(*s.a) == csync::canonical_dump(*s.b));
}
