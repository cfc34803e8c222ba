// The 360-degree view of one customer.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "support/temp_db.hpp"
#include "view/customer_view.hpp"
#include "support/errors.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;

namespace {

std::string day(int d) { return "2026-03-" + std::string(d < 10 ? "0" : "") + std::to_string(d) + "T08:00:00Z"; }

}  // namespace

TEST_CASE("the 360 view shows profile, tags, latest interactions, order totals and counts", "[view][customers]") {
    TempDb t;
    const Uuid company = customers::create(*t, Json{{"kind", "company"}, {"display_name", "阿里巴巴"}});
    const Uuid id = customers::create(*t, Json{{"display_name", "王小明"},
                                               {"company_id", company.str()},
                                               {"phones", {"13812345678"}},
                                               {"tags", {"等级/金卡", "vip"}},
                                               {"external_ids", {{"erp", "C001"}}}});
    const Uuid other = customers::create(*t, Json{{"display_name", "李四"}});
    // 14 interactions on days 1..14: orders in two currencies, calls and a survey.
    for (int d = 1; d <= 14; ++d) {
        Json j = {{"customer_id", id.str()}, {"occurred_at", day(d)}, {"subject", "#" + std::to_string(d)}};
        if (d % 3 == 0) {
            j["kind"] = "order";
            j["amount_minor"] = 1000 * d;
            j["currency"] = d % 2 ? "CNY" : "USD";  // 3, 9: CNY; 6, 12: USD
        } else if (d == 7) {
            j["kind"] = "survey";
            j["nps"] = 9;
        } else {
            j["kind"] = "call";
        }
        interactions::add(*t, j);
    }
    interactions::add(*t, Json{{"customer_id", id.str()}, {"kind", "order"}, {"occurred_at", day(15)}});  // no amount
    interactions::add(*t, Json{{"customer_id", other.str()}, {"kind", "order"}, {"amount_minor", 99}, {"currency", "CNY"},
                               {"occurred_at", day(20)}});

    const Json v = crmlite::view::customer_view(*t, id);

    SECTION("profile and tags") {
        CHECK(v["profile"] == customers::get(*t, id));
        CHECK(v["profile"]["display_name"] == "王小明");
        CHECK(v["profile"]["external_ids"] == Json{{"erp", "C001"}});
        CHECK(v["tags"] == Json{"vip", "等级/金卡"});
    }
    SECTION("the company link") {
        CHECK(v["company"] == Json{{"id", company.str()}, {"display_name", "阿里巴巴"}});
        CHECK_FALSE(crmlite::view::customer_view(*t, other).contains("company"));
    }
    SECTION("at most ten latest interactions, newest first") {
        const Json& latest = v["latest_interactions"];
        REQUIRE(latest.size() == 10);
        CHECK(latest[0]["occurred_at"] == "2026-03-15T08:00:00.000Z");
        CHECK(latest[9]["occurred_at"] == "2026-03-06T08:00:00.000Z");
        for (std::size_t i = 1; i < latest.size(); ++i) {
            CHECK(latest[i - 1]["occurred_at"].get<std::string>() > latest[i]["occurred_at"].get<std::string>());
            CHECK(latest[i]["customer_id"] == id.str());
        }
    }
    SECTION("order totals per currency") {
        CHECK(v["order_totals"] == Json::parse(R"([
            {"currency": "CNY", "orders": 2, "amount_minor": 12000, "last_order_at": "2026-03-09T08:00:00.000Z"},
            {"currency": "USD", "orders": 2, "amount_minor": 18000, "last_order_at": "2026-03-12T08:00:00.000Z"}])"));
    }
    SECTION("interaction counts per kind and first/last contact") {
        CHECK(v["interaction_counts"] == Json{{"call", 9}, {"order", 5}, {"survey", 1}});
        CHECK(v["first_interaction_at"] == "2026-03-01T08:00:00.000Z");
        CHECK(v["last_interaction_at"] == "2026-03-15T08:00:00.000Z");
    }
}

TEST_CASE("the 360 view of a customer without interactions is empty but complete", "[view][customers]") {
    TempDb t;
    const Uuid id = customers::create(*t, Json{{"display_name", "新客户"}});
    const Json v = crmlite::view::customer_view(*t, id);
    CHECK(v["profile"]["display_name"] == "新客户");
    CHECK(v["tags"] == Json::array());
    CHECK(v["latest_interactions"] == Json::array());
    CHECK(v["order_totals"] == Json::array());
    CHECK(v["interaction_counts"] == Json::object());
    CHECK_FALSE(v.contains("first_interaction_at"));
    CHECK_FALSE(v.contains("company"));
}

TEST_CASE("the 360 view of an unknown or deleted customer is not found", "[view][customers]") {
    TempDb t;
    const Uuid id = customers::create(*t, Json{{"display_name", "x"}});
    customers::remove(*t, id);
    CHECK(thrown([&] { crmlite::view::customer_view(*t, id); }).code() == CRM_ENOTFOUND);
    CHECK(thrown([&] { crmlite::view::customer_view(*t, Uuid::v7()); }).code() == CRM_ENOTFOUND);
}
