// Dynamic tags: conditions validated at save, rule tags assigned and removed
// as data changes, manual tags never touched, rule tags never synced.
#include <catch2/catch.hpp>

#include <string>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "rules/tag_rules.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"
#include "tags/tags.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace rules = crmlite::tag_rules;
namespace tags = crmlite::tags;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;

namespace {

constexpr std::int64_t kDay = 86400000;

Uuid person(crmlite::Database& db, const std::string& name, const std::string& city) {
    return customers::create(db, Json{{"kind", "person"}, {"display_name", name}, {"city", city}});
}

void order(crmlite::Database& db, const Uuid& c, std::int64_t at, std::int64_t amount) {
    interactions::add(db, Json{{"customer_id", c.str()}, {"kind", "order"}, {"occurred_at", crmlite::format_instant(at)},
                               {"amount_minor", amount}, {"currency", "CNY"}});
}

std::string source_of(crmlite::Database& db, const Uuid& c, const std::string& path) {
    SQLite::Statement st(db.sql(), "SELECT ct.source FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = ? AND t.path = ?");
    st.bind(1, c.data(), 16);
    st.bind(2, path);
    return st.executeStep() ? st.getColumn(0).getString() : "";
}

// "Big spender in Shanghai": city is 上海 and at least 3 orders worth 1000.00+ in 30 days, or any order over 5000.00.
const Json kBigSpender = {
    {"any",
     {{{"all",
        {{{"field", "city"}, {"op", "eq"}, {"value", "上海"}},
         {{"agg", "count"}, {"kind", "order"}, {"within_days", 30}, {"op", "gte"}, {"value", 3}},
         {{"agg", "sum"}, {"kind", "order"}, {"within_days", 30}, {"op", "gte"}, {"value", 100000}}}}},
      {{"agg", "sum"}, {"kind", "order"}, {"op", "gt"}, {"value", 500000}}}}};

}  // namespace

TEST_CASE("tag rule conditions are checked when saved", "[rules]") {
    TempDb t;
    const auto bad = [&](const Json& cond, const char* needle) {
        CHECK_CRM_ERROR(rules::save(*t, Json{{"name", "r"}, {"tag", "x"}, {"condition", cond}}), CRM_EINVAL, needle);
    };
    bad({{"field", "colour"}, {"op", "eq"}, {"value", 1}}, "tag_rule.condition.field");
    bad({{"field", "city"}, {"op", "like"}, {"value", "a"}}, "tag_rule.condition.op");
    bad({{"field", "city"}, {"op", "in"}, {"value", "a"}}, "tag_rule.condition.value");
    bad({{"all", {{{"field", "city"}, {"op", "eq"}}}}}, "tag_rule.condition.all[0].value");
    bad({{"any", Json::array()}}, "tag_rule.condition.any");
    bad({{"not", {{"agg", "median"}, {"op", "gt"}, {"value", 1}}}}, "tag_rule.condition.not.agg");
    bad({{"agg", "count"}, {"op", "contains"}, {"value", 1}}, "tag_rule.condition.op");
    bad({{"agg", "count"}, {"op", "gt"}, {"value", 1}, {"within_days", 0}}, "tag_rule.condition.within_days");
    bad({{"agg", "count"}, {"op", "gt"}, {"value", 1}, {"extra", 0}}, "tag_rule.condition.extra");
    bad({{"field", "city"}, {"op", "exists"}, {"value", 1}}, "tag_rule.condition.value");
    bad(Json::object(), "tag_rule.condition");
    CHECK_CRM_ERROR(rules::save(*t, Json{{"name", "r"}, {"tag", "a//b"}, {"condition", {{"field", "city"}, {"op", "exists"}}}}), CRM_EINVAL, "tag_rule.tag");
    CHECK(rules::list(*t).empty());
}

TEST_CASE("rule tags follow the data and never touch manual tags", "[rules]") {
    TempDb t;
    const std::int64_t now = crmlite::parse_instant("2026-05-01T00:00:00Z", "t");
    const Uuid sh = person(*t, "上海客户", "上海"), bj = person(*t, "北京客户", "北京"), manual = person(*t, "手工", "上海");
    rules::save(*t, Json{{"name", "big spender"}, {"tag", "价值/大客户"}, {"condition", kBigSpender}});
    tags::assign(*t, manual, "价值/大客户");  // the user's own tag
    for (int i = 0; i < 3; ++i) order(*t, sh, now - (i + 1) * kDay, 40000);
    order(*t, bj, now - kDay, 40000);
    Json r = rules::apply(*t, now, std::nullopt);
    CHECK(r["evaluated"] == 3);
    CHECK(r["added"] == 1);
    CHECK(source_of(*t, sh, "价值/大客户") == "rule");
    CHECK(source_of(*t, bj, "价值/大客户").empty());
    CHECK(source_of(*t, manual, "价值/大客户") == "manual");  // the manual customer fails the condition but keeps the tag

    SECTION("the condition stops holding: the rule tag goes, on refresh of the affected customer") {
        // 40 days later the three orders are outside the 30-day window.
        r = rules::apply(*t, now + 40 * kDay, std::nullopt);
        CHECK(r["removed"] == 1);
        CHECK(source_of(*t, sh, "价值/大客户").empty());
        CHECK(source_of(*t, manual, "价值/大客户") == "manual");
        order(*t, bj, now + 40 * kDay, 600000);  // Beijing customer now qualifies by the big order
        r = rules::refresh(*t, now + 40 * kDay);
        CHECK(r["evaluated"] == 1);  // only the customer whose data changed
        CHECK(source_of(*t, bj, "价值/大客户") == "rule");
    }
    SECTION("rule tags are derived: not in changesets, recomputed on a replica") {
        const auto changes = crmlite::sync::changes_since(*t, 0, 100000);
        TempDb other;
        crmlite::sync::apply(*other, changes.blob, {});
        CHECK(source_of(*other, sh, "价值/大客户").empty());  // not shipped
        CHECK(source_of(*other, manual, "价值/大客户") == "manual");  // manual tags sync
        rules::apply(*other, now, std::nullopt);
        CHECK(source_of(*other, sh, "价值/大客户") == "rule");  // recomputed from synced rules + data
    }
    SECTION("a user assigning a rule-made tag makes it manual for good") {
        tags::assign(*t, sh, "价值/大客户");
        CHECK(source_of(*t, sh, "价值/大客户") == "manual");
        rules::apply(*t, now + 40 * kDay, std::nullopt);
        CHECK(source_of(*t, sh, "价值/大客户") == "manual");
    }
    SECTION("deleting the rule removes its tags on the next apply") {
        rules::remove(*t, Uuid::parse(rules::list(*t)[0]["id"].get<std::string>(), "id"));
        rules::refresh(*t, now);
        CHECK(source_of(*t, sh, "价值/大客户").empty());
        CHECK(source_of(*t, manual, "价值/大客户") == "manual");
    }
}

TEST_CASE("not, any and profile operators evaluate as documented", "[rules]") {
    TempDb t;
    const std::int64_t now = crmlite::parse_instant("2026-05-01T00:00:00Z", "t");
    const Uuid a = person(*t, "Alice", "Paris"), b = person(*t, "Bob", "Lyon");
    const Json not_paris = {{"not", {{"field", "city"}, {"op", "in"}, {"value", {"Paris", "Nice"}}}}};
    rules::save(*t, Json{{"name", "not paris"}, {"tag", "geo/elsewhere"}, {"condition", not_paris}});
    const Json dormant = {{"any",
                           {{{"agg", "days_since_last"}, {"kind", "order"}, {"op", "gt"}, {"value", 90}},
                            {{"agg", "count"}, {"kind", "order"}, {"op", "eq"}, {"value", 0}}}}};
    rules::save(*t, Json{{"name", "dormant"}, {"tag", "behaviour/dormant"}, {"condition", dormant}});
    order(*t, a, now - 10 * kDay, 100);
    order(*t, b, now - 100 * kDay, 100);
    rules::apply(*t, now, std::nullopt);
    CHECK(source_of(*t, a, "geo/elsewhere").empty());
    CHECK(source_of(*t, b, "geo/elsewhere") == "rule");
    CHECK(source_of(*t, a, "behaviour/dormant").empty());
    CHECK(source_of(*t, b, "behaviour/dormant") == "rule");
}
