// Pipelines, opportunities, stage history and the forecast arithmetic.
#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "pipeline/forecast.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "sales_reports/reports.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace customers = crmlite::customers;
namespace opportunities = crmlite::opportunities;
namespace pipeline = crmlite::pipeline;
namespace forecast = crmlite::forecast;

namespace {

Json standard_pipeline(crmlite::Database& db) {
    return pipeline::create(db, {{"name", "Standard"},
                                 {"stages",
                                  {{{"name", "Lead"}, {"probability", 10}},
                                   {{"name", "Proposal"}, {"probability", 50}},
                                   {{"name", "Negotiation"}, {"probability", 80}}}}});
}

std::string stage_id(const Json& p, const std::string& name) {
    for (const auto& s : p["stages"])
        if (s["name"] == name) return s["id"];
    FAIL("no stage " << name);
    return "";
}

}  // namespace

TEST_CASE("a pipeline gets its won and lost stages and refuses bad stages", "[sales][pipeline]") {
    TempDb t;
    const Json p = standard_pipeline(*t);
    REQUIRE(p["stages"].size() == 5);
    CHECK(p["stages"][3]["name"] == "Won");
    CHECK(p["stages"][3]["probability"] == 100);
    CHECK(p["stages"][3]["outcome"] == "won");
    CHECK(p["stages"][4]["outcome"] == "lost");
    CHECK(p["stages"][1]["position"] == 2);
    CHECK_CRM_ERROR(pipeline::create(*t, {{"name", "x"}}), CRM_EINVAL, "pipeline.stages");
    CHECK_CRM_ERROR(pipeline::create(*t, {{"name", "x"}, {"stages", {{{"name", "a"}, {"probability", 101}}}}}), CRM_EINVAL,
                    "pipeline.stages[0].probability");
    CHECK_CRM_ERROR(pipeline::create(*t, {{"name", "x"}, {"stages", {{{"name", "a"}}, {{"name", "a"}}}}}), CRM_EINVAL,
                    "pipeline.stages[1].name");
    CHECK_CRM_ERROR(pipeline::create(*t, {{"name", "x"}, {"stages", {{{"name", "W"}, {"outcome", "won"}}}}}), CRM_EINVAL,
                    "open stage");
    CHECK(pipeline::list(*t).size() == 1);  // the failed ones left nothing behind
    CHECK(pipeline::update_stage(*t, Uuid::parse(stage_id(p, "Proposal"), "id"), {{"probability", 40}}));
    CHECK(pipeline::get(*t, Uuid::parse(p["id"].get<std::string>(), "id"))["stages"][1]["probability"] == 40);
    CHECK_CRM_ERROR(pipeline::update_stage(*t, Uuid::parse(stage_id(p, "Won"), "id"), {{"probability", 40}}), CRM_EINVAL,
                    "stage.probability");
}

TEST_CASE("opportunities move through stages with a history, close won or lost with a reason", "[sales][pipeline]") {
    TempDb t;
    const Json p = standard_pipeline(*t);
    const Uuid c = customers::create(*t, {{"display_name", "杭州西湖茶业"}});
    const Uuid o = opportunities::add(*t, {{"customer_id", c.str()},
                                           {"name", "龙井 2027"},
                                           {"owner", "alice"},
                                           {"currency", "CNY"},
                                           {"items",
                                            {{{"name", "龙井 250g"}, {"quantity", 3}, {"unit_price_minor", 12900}},
                                             {{"name", "Gift box"}, {"quantity", 1.5}, {"unit_price_minor", 1000}}}}});
    Json got = opportunities::get(*t, o);
    CHECK(got["amount_minor"] == 3 * 12900 + 1500);  // items make the amount
    CHECK(got["status"] == "open");
    CHECK(got["stage"]["name"] == "Lead");  // the only pipeline, its first open stage
    REQUIRE(got["stage_history"].size() == 1);
    CHECK_FALSE(got["stage_history"][0].contains("from_stage_id"));

    CHECK(opportunities::update(*t, o, {{"stage_id", stage_id(p, "Proposal")}, {"by", "alice"}}));
    CHECK_CRM_ERROR(opportunities::update(*t, o, {{"status", "lost"}}), CRM_EINVAL, "opportunity.close_reason");
    CHECK(opportunities::get(*t, o)["status"] == "open");  // the refused close changed nothing
    CHECK(opportunities::update(*t, o, {{"status", "won"}}));
    got = opportunities::get(*t, o);
    CHECK(got["stage"]["name"] == "Won");
    CHECK(got.contains("closed_at"));
    REQUIRE(got["stage_history"].size() == 3);
    CHECK(got["stage_history"][1]["stage"] == "Proposal");
    CHECK(got["stage_history"][1]["by"] == "alice");
    CHECK(got["stage_history"][2]["from_stage_id"] == stage_id(p, "Proposal"));

    // Reopened: back to the first open stage, close time cleared.
    CHECK(opportunities::update(*t, o, {{"status", "open"}}));
    got = opportunities::get(*t, o);
    CHECK(got["stage"]["name"] == "Lead");
    CHECK_FALSE(got.contains("closed_at"));
    CHECK(opportunities::update(*t, o, {{"stage_id", stage_id(p, "Lost")}, {"close_reason", "price"}}));
    CHECK(opportunities::get(*t, o)["status"] == "lost");

    // Links to order interactions, which must be orders.
    const Uuid order = crmlite::interactions::add(*t, {{"customer_id", c.str()}, {"kind", "order"}, {"amount_minor", 100}, {"currency", "CNY"}});
    const Uuid call = crmlite::interactions::add(*t, {{"customer_id", c.str()}, {"kind", "call"}});
    CHECK(opportunities::update(*t, o, {{"order_ids", {order.str()}}}));
    CHECK_CRM_ERROR(opportunities::update(*t, o, {{"order_ids", {call.str()}}}), CRM_EINVAL, "opportunity.order_ids[0]");

    CHECK_CRM_ERROR(opportunities::add(*t, {{"customer_id", Uuid::v7().str()}, {"name", "x"}}), CRM_ENOTFOUND, "opportunity.customer_id");
    CHECK_CRM_ERROR(opportunities::add(*t, {{"customer_id", c.str()}}), CRM_EINVAL, "opportunity.name");
    CHECK_CRM_ERROR(opportunities::add(*t, {{"customer_id", c.str()}, {"name", "x"}, {"amount_minor", 5}}), CRM_EINVAL, "opportunity.currency");
    CHECK_CRM_ERROR(opportunities::add(*t, {{"customer_id", c.str()}, {"name", "x"}, {"currency", "cny"}}), CRM_EINVAL, "opportunity.currency");
    CHECK_CRM_ERROR(opportunities::add(*t, {{"customer_id", c.str()}, {"name", "x"}, {"items", {{{"name", "a"}, {"quantity", 0}, {"unit_price_minor", 1}}}}}),
                    CRM_EINVAL, "opportunity.items[0].quantity");
    CHECK_CRM_ERROR(opportunities::add(*t, {{"customer_id", c.str()}, {"name", "x"}, {"colour", "red"}}), CRM_EINVAL, "opportunity.colour");
    CHECK_CRM_ERROR(opportunities::update(*t, o, {{"customer_id", Uuid::v7().str()}}), CRM_EINVAL, "opportunity.customer_id");
    // A second pipeline: now one must be named.
    standard_pipeline(*t);
    CHECK_CRM_ERROR(opportunities::add(*t, {{"customer_id", c.str()}, {"name", "x"}}), CRM_EINVAL, "opportunity.pipeline_id");
    CHECK_CRM_ERROR(opportunities::update(*t, o, {{"stage_id", stage_id(standard_pipeline(*t), "Lead")}}), CRM_EINVAL,
                    "opportunity.stage_id");
}

TEST_CASE("the forecast matches a hand computation", "[sales][pipeline][forecast]") {
    TempDb t;
    const Json p = standard_pipeline(*t);
    const Uuid c = customers::create(*t, {{"display_name", "Acme"}});
    const auto opp = [&](const std::string& owner, const std::string& stage, std::int64_t amount, const std::string& close,
                         const std::string& currency = "CNY") {
        return opportunities::add(*t, {{"customer_id", c.str()}, {"name", "deal"}, {"owner", owner}, {"stage_id", stage_id(p, stage)},
                                       {"amount_minor", amount}, {"currency", currency}, {"expected_close", close}});
    };
    // December, alice: 100000 at 10 %, 55555 at 50 %; bob: 33333 at 80 %.
    opp("alice", "Lead", 100000, "2026-12-05");
    opp("alice", "Proposal", 55555, "2026-12-20");
    opp("bob", "Negotiation", 33333, "2026-12-31");
    // January (next quarter), alice 20001 at 50 %; a USD deal stays apart.
    opp("alice", "Proposal", 20001, "2027-01-10");
    opp("bob", "Proposal", 999, "2026-12-01", "USD");

    const Json all = forecast::forecast(*t, {{"period", "month"}});
    // Hand computation, December CNY:
    //   unweighted 100000 + 55555 + 33333 = 188888
    //   weighted (100000*10 + 55555*50 + 33333*80) / 100 = (1000000 + 2777750 + 2666640) / 100 = 64443.9 -> 64444
    const Json* dec = nullptr;
    for (const auto& r : all["rows"])
        if (r["period"] == "2026-12" && r["currency"] == "CNY") dec = &r;
    REQUIRE(dec);
    CHECK((*dec)["open_count"] == 3);
    CHECK((*dec)["pipeline_minor"] == 188888);
    CHECK((*dec)["weighted_minor"] == 64444);

    const Json by_owner = forecast::forecast(*t, {{"period", "quarter"}, {"group_by", "owner"}, {"to", "2026-12-31"}});
    // Q4, alice CNY: 155555 unweighted; (1000000 + 2777750) / 100 = 37777.5 -> 37778. bob CNY: 33333 / 26666.4 -> 26666.
    bool alice = false, bob = false;
    for (const auto& r : by_owner["rows"]) {
        CHECK(r["period"] == "2026-Q4");  // January is outside "to"
        if (r["owner"] == "alice" && r["currency"] == "CNY") {
            alice = true;
            CHECK(r["pipeline_minor"] == 155555);
            CHECK(r["weighted_minor"] == 37778);
        }
        if (r["owner"] == "bob" && r["currency"] == "CNY") {
            bob = true;
            CHECK(r["pipeline_minor"] == 33333);
            CHECK(r["weighted_minor"] == 26666);
        }
    }
    CHECK(alice);
    CHECK(bob);

    // Pipeline by stage: Proposal CNY 55555 + 20001 = 75556, weighted 37778.
    const Json stages = forecast::by_stage(*t, Json::object());
    const Json& proposal = stages["pipelines"][0]["stages"][1];
    CHECK(proposal["name"] == "Proposal");
    CHECK(proposal["count"] == 3);
    CHECK(proposal["amounts"][0]["currency"] == "CNY");
    CHECK(proposal["amounts"][0]["amount_minor"] == 75556);
    CHECK(proposal["amounts"][0]["weighted_minor"] == 37778);
    CHECK(proposal["amounts"][1]["currency"] == "USD");

    CHECK_CRM_ERROR(forecast::forecast(*t, {{"period", "week"}}), CRM_EINVAL, "forecast.period");
    CHECK_CRM_ERROR(forecast::forecast(*t, {{"from", "2027-01-01"}, {"to", "2026-01-01"}}), CRM_EINVAL, "forecast.to");
    CHECK_CRM_ERROR(crmlite::sales_reports::report(*t, "nope", Json::object()), CRM_EINVAL, "kind");
}

TEST_CASE("win rate, cycle length, velocity and time in stage come from closes and the stage history", "[sales][pipeline][forecast]") {
    TempDb t;
    const Json p = standard_pipeline(*t);
    const Uuid c = customers::create(*t, {{"display_name", "Acme"}});
    const auto add = [&](std::int64_t amount) {
        return opportunities::add(*t, {{"customer_id", c.str()}, {"name", "d"}, {"amount_minor", amount}, {"currency", "CNY"}});
    };
    const Uuid w1 = add(30000), w2 = add(10000), l1 = add(5000);
    add(7000);  // stays open
    add(9000);  // stays open
    for (const Uuid& o : {w1, w2}) {
        opportunities::update(*t, o, {{"stage_id", stage_id(p, "Proposal")}});
        opportunities::update(*t, o, {{"status", "won"}});
    }
    opportunities::update(*t, l1, {{"status", "lost"}, {"close_reason", "budget"}});
    // Put the history and the record times on a known calendar (days from a base).
    const std::int64_t base = crmlite::parse_instant("2026-01-01", "t"), day = 86400000;
    const auto set_times = [&](const Uuid& o, std::vector<std::int64_t> days, std::int64_t created, std::int64_t closed) {
        auto& st = t->stmt("SELECT id FROM stage_history WHERE opportunity_id = ? ORDER BY at, id");
        st.bind(1, o.data(), Uuid::size());
        std::vector<std::string> ids;
        while (st.executeStep()) ids.emplace_back(static_cast<const char*>(st.getColumn(0).getBlob()), 16);
        st.reset();
        REQUIRE(ids.size() == days.size());
        for (std::size_t i = 0; i < ids.size(); ++i) {
            SQLite::Statement up(t->sql(), "UPDATE stage_history SET at = ? WHERE id = ?");
            up.bind(1, base + days[i] * day);
            up.bind(2, ids[i].data(), 16);
            up.exec();
        }
        SQLite::Statement up(t->sql(), "UPDATE opportunities SET created_at = ?, closed_at = ? WHERE id = ?");
        up.bind(1, base + created * day);
        up.bind(2, base + closed * day);
        up.bind(3, o.data(), Uuid::size());
        up.exec();
    };
    set_times(w1, {0, 4, 10}, 0, 10);  // Lead 4 days, Proposal 6 days, cycle 10
    set_times(w2, {0, 2, 22}, 0, 22);  // Lead 2 days, Proposal 20 days, cycle 22
    set_times(l1, {0, 3}, 0, 3);       // Lead 3 days, lost
    const Json s = forecast::stage_analytics(*t, Json::object());
    CHECK(s["won"] == 2);
    CHECK(s["lost"] == 1);
    CHECK(s["win_rate"].get<double>() == Approx(2.0 / 3.0));
    CHECK(s["avg_cycle_days"].get<double>() == Approx(16.0));
    const Json& lead = s["stages"][0];
    CHECK(lead["entered"] == 5);
    CHECK(lead["advanced"] == 2);  // w1 and w2 moved on; l1 lost; two still there
    CHECK(lead["conversion_rate"].get<double>() == Approx(0.4));
    CHECK(lead["avg_days_in_stage"].get<double>() == Approx((4.0 + 2.0 + 3.0) / 3.0));
    CHECK(s["stages"][1]["avg_days_in_stage"].get<double>() == Approx(13.0));
    CHECK(s["stages"][1]["conversion_rate"].get<double>() == Approx(1.0));

    // Summary: win rate 2/3, average won 20000, cycle 16 days, 2 open deals:
    // velocity = 2 x 20000 x 2/3 / 16 = 1666.67 per day.
    const Json f = forecast::forecast(*t, Json::object());
    REQUIRE(f["summary"].size() == 1);
    const Json& sum = f["summary"][0];
    CHECK(sum["avg_won_minor"] == 20000);
    CHECK(sum["avg_cycle_days"].get<double>() == Approx(16.0));
    CHECK(sum["velocity_minor_per_day"].get<double>() == Approx(2.0 * 20000.0 * (2.0 / 3.0) / 16.0));
    // Won deals count in the month they closed.
    bool jan = false;
    for (const auto& r : f["rows"])
        if (r["period"] == "2026-01") {
            jan = true;
            CHECK(r["won_count"] == 2);
            CHECK(r["won_minor"] == 40000);
            CHECK(r["lost_count"] == 1);
        }
    CHECK(jan);
}
