// Interaction logs: kinds, money and line items, ranges, the customer link,
// the timeline with keyset pagination, updates and deletes.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "store/cursor.hpp"
#include "store/versions.hpp"
#include "support/temp_db.hpp"
#include "support/errors.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
using crmlite::testing::scalar;
namespace interactions = crmlite::interactions;

namespace {

struct Fixture {
    TempDb t;
    Uuid customer = crmlite::customers::create(*t, Json{{"display_name", "王小明"}});

    Json with(Json j) const {
        j["customer_id"] = customer.str();
        return j;
    }
    Json add_get(const Json& j) { return interactions::get(*t, interactions::add(*t, with(j))); }
};

std::vector<Json> rows(crmlite::Cursor& c) {
    std::vector<Json> out;
    std::string row;
    while (c.next(row)) out.push_back(Json::parse(row));
    return out;
}

}  // namespace

TEST_CASE("an interaction has a kind: a known one or any lower-case name", "[interactions]") {
    static Fixture f;  // one file for every generated row
    SECTION("accepted") {
        const std::string kind = GENERATE(as<std::string>{}, "call", "email", "visit", "meeting", "chat", "note", "order",
                                          "ticket", "survey", "wechat_moment", "live2", "x");
        CHECK(f.add_get(Json{{"kind", kind}})["kind"] == kind);
    }
    SECTION("refused, naming interaction.kind") {
        const Json kind = GENERATE(Json("Bad Kind"), Json("Call"), Json("call-back"), Json(""), Json("电话"),
                                   Json(std::string(33, 'a')), Json(5), Json(nullptr));
        INFO(kind.dump());
        const auto before = scalar(*f.t, "SELECT count(*) FROM interactions");
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", kind}})), CRM_EINVAL, "interaction.kind");
        CHECK(scalar(*f.t, "SELECT count(*) FROM interactions") == before);
    }
    SECTION("missing") {
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"subject", "x"}})), CRM_EINVAL, "interaction.kind");
    }
}

TEST_CASE("money is minor units with an ISO-4217 currency", "[interactions]") {
    static Fixture f;  // one file for every generated row
    const Json order = f.add_get(Json{{"kind", "order"}, {"amount_minor", 129900}, {"currency", "CNY"}});
    CHECK(order["amount_minor"] == 129900);
    CHECK(order["currency"] == "CNY");
    CHECK(f.add_get(Json{{"kind", "order"}, {"amount_minor", -500}, {"currency", "USD"}})["amount_minor"] == -500);

    SECTION("an amount requires a currency") {
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "order"}, {"amount_minor", 100}})), CRM_EINVAL,
                        "interaction.currency");
    }
    SECTION("the currency is three capital letters") {
        const std::string bad = GENERATE(as<std::string>{}, "cny", "Cny", "CN", "CNYX", "C1Y", "人民币", "");
        INFO(bad);
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "order"}, {"amount_minor", 100}, {"currency", bad}})),
                        CRM_EINVAL, "interaction.currency");
    }
    SECTION("the amount is an integer") {
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "order"}, {"amount_minor", 12.5}, {"currency", "CNY"}})),
                        CRM_EINVAL, "interaction.amount_minor");
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "order"}, {"amount_minor", "100"}, {"currency", "CNY"}})),
                        CRM_EINVAL, "interaction.amount_minor");
    }
}

TEST_CASE("line items compute the amount when none is given", "[interactions]") {
    static Fixture f;  // one file for every generated row
    const Json items = Json::parse(R"([
        {"product": "普洱茶", "sku": "PU-1", "quantity": 2, "unit_price_minor": 1999},
        {"product": "茶杯", "quantity": 1, "unit_price_minor": 500}])");
    const Json order = f.add_get(Json{{"kind", "order"}, {"currency", "CNY"}, {"items", items}});
    CHECK(order["amount_minor"] == 2 * 1999 + 500);
    CHECK(order["items"] == items);

    SECTION("fractional quantities round the total to the nearest minor unit") {
        const Json o = f.add_get(Json{{"kind", "order"}, {"currency", "CNY"},
                                      {"items", Json::parse(R"([{"product": "tea", "quantity": 1.5, "unit_price_minor": 333}])")}});
        CHECK(o["amount_minor"] == 500);  // 499.5
    }
    SECTION("an explicit amount wins (discounts)") {
        const Json o = f.add_get(Json{{"kind", "order"}, {"currency", "CNY"}, {"items", items}, {"amount_minor", 4000}});
        CHECK(o["amount_minor"] == 4000);
    }
    SECTION("items still need a currency") {
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "order"}, {"items", items}})), CRM_EINVAL,
                        "interaction.currency");
    }
    SECTION("updating the items recomputes the amount") {
        const Uuid id = Uuid::parse(order["id"].get<std::string>(), "id");
        REQUIRE(interactions::update(*f.t, id, Json{{"items", Json::parse(R"([{"product": "茶杯", "quantity": 3, "unit_price_minor": 500}])")}}));
        CHECK(interactions::get(*f.t, id)["amount_minor"] == 1500);
    }
    SECTION("bad items are named") {
        const auto [json, field] = GENERATE(table<std::string, std::string>({
            {R"({"x": 1})", "interaction.items"},
            {R"([1])", "interaction.items[0]"},
            {R"([{"quantity": 1, "unit_price_minor": 1}])", "interaction.items[0].product"},
            {R"([{"product": "a", "unit_price_minor": 1}])", "interaction.items[0].quantity"},
            {R"([{"product": "a", "quantity": 0, "unit_price_minor": 1}])", "interaction.items[0].quantity"},
            {R"([{"product": "a", "quantity": 0, "unit_price_minor": 1}])", "interaction.items[0].quantity"},
            {R"([{"product": "a", "quantity": "2", "unit_price_minor": 1}])", "interaction.items[0].quantity"},
            {R"([{"product": "a", "quantity": 1}])", "interaction.items[0].unit_price_minor"},
            {R"([{"product": "a", "quantity": 1, "unit_price_minor": 1.5}])", "interaction.items[0].unit_price_minor"},
            {R"([{"product": "a", "quantity": 1, "unit_price_minor": 1}, {"product": "b", "quantity": 1, "unit_price_minor": 1, "color": "red"}])",
             "interaction.items[1].color"},
        }));
        INFO(json);
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "order"}, {"currency", "CNY"}, {"items", Json::parse(json)}})),
                        CRM_EINVAL, field);
    }
}

TEST_CASE("ratings are 1 to 5 and NPS scores 0 to 10", "[interactions]") {
    static Fixture f;  // one file for every generated row
    SECTION("in range") {
        const int rating = GENERATE(1, 3, 5);
        const int nps = GENERATE(0, 7, 10);
        const Json s = f.add_get(Json{{"kind", "survey"}, {"rating", rating}, {"nps", nps}});
        CHECK(s["rating"] == rating);
        CHECK(s["nps"] == nps);
    }
    SECTION("out of range") {
        const auto [field, value] = GENERATE(table<std::string, int>({{"rating", 0}, {"rating", 6}, {"nps", -1}, {"nps", 11}}));
        INFO(field << " = " << value);
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "survey"}, {field, value}})), CRM_EINVAL,
                        "interaction." + field);
    }
}

TEST_CASE("an interaction belongs to an existing customer, for good", "[interactions]") {
    Fixture f;
    SECTION("unknown customer: not found") {
        CHECK_CRM_ERROR(interactions::add(*f.t, Json{{"customer_id", Uuid::v7().str()}, {"kind", "call"}}), CRM_ENOTFOUND,
                        "interaction.customer_id");
    }
    SECTION("missing or malformed customer id") {
        CHECK_CRM_ERROR(interactions::add(*f.t, Json{{"kind", "call"}}), CRM_EINVAL, "interaction.customer_id");
        CHECK_CRM_ERROR(interactions::add(*f.t, Json{{"kind", "call"}, {"customer_id", "42"}}), CRM_EINVAL,
                        "interaction.customer_id");
    }
    SECTION("the customer cannot change on update") {
        const Uuid other = crmlite::customers::create(*f.t, Json{{"display_name", "李四"}});
        const Uuid id = interactions::add(*f.t, f.with(Json{{"kind", "call"}}));
        CHECK_CRM_ERROR(interactions::update(*f.t, id, Json{{"customer_id", other.str()}}), CRM_EINVAL,
                        "interaction.customer_id");
        CHECK_CRM_ERROR(interactions::update(*f.t, id, Json{{"customer_id", nullptr}}), CRM_EINVAL, "interaction.customer_id");
        CHECK(interactions::get(*f.t, id)["customer_id"] == f.customer.str());
        // Naming the same customer again is not a change.
        CHECK_FALSE(interactions::update(*f.t, id, Json{{"customer_id", f.customer.str()}}));
    }
    SECTION("unknown fields and library-owned fields are refused") {
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "call"}, {"duration", 5}})), CRM_EINVAL,
                        "interaction.duration");
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "call"}, {"id", Uuid::v7().str()}})), CRM_EINVAL,
                        "interaction.id");
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "call"}, {"direction", "sideways"}})), CRM_EINVAL,
                        "interaction.direction");
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "call"}, {"occurred_at", "2026-02-30T10:00:00Z"}})),
                        CRM_EINVAL, "interaction.occurred_at");
        CHECK_CRM_ERROR(interactions::add(*f.t, f.with(Json{{"kind", "call"}, {"attributes", "x"}})), CRM_EINVAL,
                        "interaction.attributes");
    }
}

TEST_CASE("an interaction is stored with its fields, times in UTC, and versioned", "[interactions]") {
    Fixture f;
    const auto before = crmlite::now_ms();
    const Json in = {{"kind", "call"},           {"channel", "phone"},   {"direction", "inbound"},
                     {"occurred_at", "2026-11-23T17:00:00+08:00"}, {"subject", "续约"}, {"body", "客户询问价格"},
                     {"user", "alice"},          {"status", "done"},     {"attributes", {{"duration_s", 125}}}};
    const Uuid id = interactions::add(*f.t, f.with(in));
    const Json got = interactions::get(*f.t, id);
    CHECK(got["occurred_at"] == "2026-11-23T09:00:00.000Z");
    for (const char* k : {"kind", "channel", "direction", "subject", "body", "user", "status", "attributes"}) CHECK(got[k] == in[k]);
    CHECK(got["id"] == id.str());
    CHECK(crmlite::parse_instant(got["created_at"].get<std::string>(), "t") >= before);
    CHECK(f.t->counter("interactions") == 1);

    SECTION("occurred_at defaults to now") {
        const Json now = f.add_get(Json{{"kind", "note"}});
        CHECK(crmlite::parse_instant(now["occurred_at"].get<std::string>(), "t") >= before);
        CHECK(now["occurred_at"] == now["created_at"]);
    }
    SECTION("the version row lists exactly the fields given, plus the defaulted time") {
        SQLite::Statement st(f.t->sql(), "SELECT hlc, vers, seq FROM sync_versions WHERE tbl = 3 AND id = ?");
        st.bind(1, id.data(), Uuid::size());
        REQUIRE(st.executeStep());
        const std::string blob(static_cast<const char*>(st.getColumn(1).getBlob()), static_cast<std::size_t>(st.getColumn(1).getBytes()));
        std::set<std::string> fields;
        for (const auto& v : crmlite::decode_versions(blob, st.getColumn(0).getInt64(), st.getColumn(2).getInt64()))
            fields.insert(interactions::fields()[static_cast<std::size_t>(v.field)].json);
        CHECK(fields == std::set<std::string>{"customer_id", "kind", "channel", "direction", "occurred_at", "subject", "body",
                                              "user", "status", "attributes"});
    }
    SECTION("a partial update changes only what it names") {
        REQUIRE(interactions::update(*f.t, id, Json{{"status", "follow_up"}, {"body", nullptr}}));
        const Json after = interactions::get(*f.t, id);
        CHECK(after["status"] == "follow_up");
        CHECK_FALSE(after.contains("body"));
        CHECK(after["subject"] == "续约");
        CHECK_FALSE(interactions::update(*f.t, id, Json{{"status", "follow_up"}}));
        CHECK_CRM_ERROR(interactions::update(*f.t, id, Json{{"occurred_at", nullptr}}), CRM_EINVAL, "interaction.occurred_at");
        CHECK_CRM_ERROR(interactions::update(*f.t, Uuid::v7(), Json{{"status", "x"}}), CRM_ENOTFOUND, "interaction");
    }
}

TEST_CASE("upserting an interaction by a deterministic id is idempotent", "[interactions]") {
    Fixture f;
    const Uuid id = interactions::id_for_external("shop", "order-1001");
    CHECK(id == interactions::id_for_external("shop", "order-1001"));
    CHECK(id != interactions::id_for_external("shop", "order-1002"));
    CHECK(id != interactions::id_for_external("erp", "order-1001"));
    const Json order = f.with(Json{{"kind", "order"}, {"amount_minor", 100}, {"currency", "CNY"}});
    CHECK(interactions::upsert(*f.t, id, order) == interactions::Upsert::inserted);
    CHECK(interactions::upsert(*f.t, id, order) == interactions::Upsert::unchanged);
    Json more = order;
    more["amount_minor"] = 200;
    CHECK(interactions::upsert(*f.t, id, more) == interactions::Upsert::updated);
    CHECK(interactions::get(*f.t, id)["amount_minor"] == 200);
    CHECK(f.t->counter("interactions") == 1);
}

TEST_CASE("the timeline lists a customer's interactions newest first, page by page", "[interactions]") {
    Fixture f;
    const Uuid other = crmlite::customers::create(*f.t, Json{{"display_name", "李四"}});
    interactions::add(*f.t, Json{{"customer_id", other.str()}, {"kind", "call"}, {"occurred_at", "2026-06-01T00:00:00Z"}});
    // 23 interactions over 8 days, several at the same instant.
    std::vector<std::string> kinds = {"call", "email", "order"};
    for (int i = 0; i < 23; ++i) {
        Json j = {{"kind", kinds[static_cast<std::size_t>(i % 3)]},
                  {"occurred_at", "2026-05-0" + std::to_string(1 + i % 8) + "T10:00:00Z"},
                  {"subject", "#" + std::to_string(i)}};
        if (i % 3 == 2) {
            j["amount_minor"] = 100 * i;
            j["currency"] = "CNY";
        }
        interactions::add(*f.t, f.with(j));
    }
    const auto all = rows(*interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"limit", 100}}));
    REQUIRE(all.size() == 23);
    for (std::size_t i = 1; i < all.size(); ++i) {
        const auto& a = all[i - 1];
        const auto& b = all[i];
        CHECK(a["customer_id"] == f.customer.str());
        CHECK((a["occurred_at"].get<std::string>() > b["occurred_at"].get<std::string>() ||
               (a["occurred_at"] == b["occurred_at"] && a["id"].get<std::string>() > b["id"].get<std::string>())));
    }

    SECTION("pages of 5 with the token give the same sequence") {
        std::vector<std::string> walked;
        Json q = {{"customer_id", f.customer.str()}, {"limit", 5}};
        for (int page = 0; page < 10; ++page) {
            auto c = interactions::timeline(*f.t, q);
            const auto got = rows(*c);
            CHECK(got.size() <= 5);
            for (const auto& r : got) walked.push_back(r["id"]);
            if (got.empty()) break;
            q["after"] = *c->token();
        }
        std::vector<std::string> expected;
        for (const auto& r : all) expected.push_back(r["id"]);
        CHECK(walked == expected);
    }
    SECTION("a kinds filter") {
        const auto orders = rows(*interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"kinds", {"order"}}}));
        CHECK(orders.size() == 7);
        for (const auto& r : orders) CHECK(r["kind"] == "order");
        const auto two = rows(*interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"kinds", {"order", "email"}}}));
        CHECK(two.size() == 15);
        CHECK(rows(*interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"kinds", {"visit"}}})).empty());
    }
    SECTION("bad timeline queries are named") {
        CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"limit", 5}}), CRM_EINVAL, "timeline.customer_id");
        CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"customer_id", "x"}}), CRM_EINVAL, "timeline.customer_id");
        CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"kinds", Json::array()}}), CRM_EINVAL,
                        "timeline.kinds");
        CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"kinds", {1}}}), CRM_EINVAL,
                        "timeline.kinds[0]");
        CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"sort", "asc"}}), CRM_EINVAL,
                        "timeline.sort");
        CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"after", "v1:zz"}}), CRM_EINVAL,
                        "timeline.after");
        CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"after", "v1:31:" + std::string(30, '0')}}),
                        CRM_EINVAL, "timeline.after");
    }
}

// The time part of a timeline token goes through std::stoll: a part that is not
// a number must be CRM_EINVAL like every other bad token.
TEST_CASE("a timeline token whose time part is not a number is refused with CRM_EINVAL", "[interactions]") {
    Fixture f;
    CHECK_CRM_ERROR(interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}, {"after", "v1:7a7a:" + std::string(32, '1')}}),
                    CRM_EINVAL, "timeline.after");
}

TEST_CASE("deleting an interaction removes it and leaves a tombstone", "[interactions]") {
    Fixture f;
    const Uuid a = interactions::add(*f.t, f.with(Json{{"kind", "call"}, {"subject", "first"}}));
    const Uuid b = interactions::add(*f.t, f.with(Json{{"kind", "call"}, {"subject", "second"}}));
    REQUIRE(f.t->counter("interactions") == 2);
    interactions::remove(*f.t, a);
    CHECK_CRM_ERROR(interactions::get(*f.t, a), CRM_ENOTFOUND, a.str());
    CHECK(interactions::get(*f.t, b)["subject"] == "second");
    CHECK(f.t->counter("interactions") == 1);
    SQLite::Statement st(f.t->sql(), "SELECT (SELECT count(*) FROM sync_tombstones WHERE tbl = 3 AND id = ?1), "
                                     "(SELECT count(*) FROM sync_versions WHERE tbl = 3 AND id = ?1)");
    st.bind(1, a.data(), Uuid::size());
    REQUIRE(st.executeStep());
    CHECK(st.getColumn(0).getInt() == 1);
    CHECK(st.getColumn(1).getInt() == 0);
    CHECK_CRM_ERROR(interactions::remove(*f.t, a), CRM_ENOTFOUND, a.str());
    CHECK(f.t->counter("interactions") == 1);
    CHECK(rows(*interactions::timeline(*f.t, Json{{"customer_id", f.customer.str()}})).size() == 1);
}
