// Churn risk: the score rises with days overdue against the customer's own
// rhythm, rising complaints and poor surveys, with the reasons listed.
#include <catch2/catch.hpp>

#include <vector>

#include "churn/churn.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace churn = crmlite::churn;

namespace {

constexpr std::int64_t kDay = 86400000;
const std::int64_t kNow = crmlite::parse_instant("2026-06-01T00:00:00Z", "t");

Uuid person(crmlite::Database& db, const std::string& name) {
    return crmlite::customers::create(db, Json{{"kind", "person"}, {"display_name", name}});
}
void log(crmlite::Database& db, const Uuid& c, const std::string& kind, std::int64_t at, const Json& extra = Json::object()) {
    Json j = {{"customer_id", c.str()}, {"kind", kind}, {"occurred_at", crmlite::format_instant(at)}};
    j.update(extra);
    crmlite::interactions::add(db, j);
}
bool has_reason(const Json& s, const std::string& code) {
    for (const auto& r : s["reasons"])
        if (r["code"] == code) return true;
    return false;
}

}  // namespace

TEST_CASE("churn risk scores the customer's own rhythm, complaints and surveys", "[churn]") {
    TempDb t;
    const Json p = {{"as_of", crmlite::format_instant(kNow)}};
    const Uuid steady = person(*t, "steady"), lapsed = person(*t, "lapsed"), unhappy = person(*t, "不满意");
    for (int i = 0; i < 10; ++i) log(*t, steady, "order", kNow - (2 + i * 7) * kDay);          // weekly, last 2 days ago
    for (int i = 0; i < 10; ++i) log(*t, lapsed, "order", kNow - (60 + i * 7) * kDay);         // weekly, stopped 60 days ago
    for (int i = 0; i < 10; ++i) log(*t, unhappy, "order", kNow - (2 + i * 7) * kDay);
    for (int i = 0; i < 4; ++i) log(*t, unhappy, "ticket", kNow - (5 + i) * kDay);
    log(*t, unhappy, "survey", kNow - 3 * kDay, {{"rating", 1}});
    const Json s = churn::score(*t, steady, p), l = churn::score(*t, lapsed, p), u = churn::score(*t, unhappy, p);
    CHECK(s["score"] == 0.0);
    CHECK(s["reasons"].empty());
    // 60 days against a 7-day rhythm: ratio 60/7, overdue part (r - 1) / (r + 1).
    const double r = 60.0 / 7.0;
    CHECK(l["score"].get<double>() == Approx(0.6 * (r - 1) / (r + 1)).margin(1e-4));
    CHECK(has_reason(l, "overdue"));
    CHECK(u["score"].get<double>() > 0.3);
    CHECK(has_reason(u, "complaints_rising"));
    CHECK(has_reason(u, "poor_surveys"));
    CHECK_FALSE(has_reason(u, "overdue"));
    const Json list = churn::at_risk(*t, Json{{"as_of", crmlite::format_instant(kNow)}, {"threshold", 0.3}});
    REQUIRE(list["count"] == 2);
    CHECK(list["customers"][0]["customer_id"] == lapsed.str());
    CHECK(list["customers"][1]["customer_id"] == unhappy.str());
    const Json by_default = churn::at_risk(*t, p);
    CHECK(by_default["threshold"] == 0.3);
    CHECK(by_default["count"] == 2);
    CHECK(churn::at_risk(*t, Json{{"as_of", crmlite::format_instant(kNow)}, {"threshold", 0.45}})["count"] == 1);
    CHECK_CRM_ERROR(churn::at_risk(*t, Json::object()), CRM_EINVAL, "churn.as_of");
    CHECK_CRM_ERROR(churn::at_risk(*t, Json{{"as_of", "2026-06-01"}, {"threshold", 2}}), CRM_EINVAL, "churn.threshold");
    CHECK_CRM_ERROR(churn::score(*t, Uuid::v7(), p), CRM_ENOTFOUND, "customer_id");
}

TEST_CASE("churn risk keeps ranking customers long past their usual interval", "[churn]") {
    // The same monthly rhythm; the last purchase 1x, 2x, 3x, 5x, 10x and 20x the interval ago.
    TempDb t;
    const Json p = {{"as_of", crmlite::format_instant(kNow)}};
    std::vector<double> scores;
    for (const int times : {1, 2, 3, 5, 10, 20}) {
        const Uuid c = person(*t, "x" + std::to_string(times));
        for (int i = 0; i < 6; ++i) log(*t, c, "order", kNow - (30 * times + 30 * i) * kDay);
        scores.push_back(churn::score(*t, c, p)["score"].get<double>());
    }
    CHECK(scores[0] == 0.0);
    CHECK(scores[2] == Approx(0.3));  // 3x: half of the overdue part's weight
    for (std::size_t i = 1; i < scores.size(); ++i) CHECK(scores[i] > scores[i - 1]);
    CHECK(scores.back() < 0.6);
    // A customer who never bought has no overdue part; one purchase uses the default 60-day interval.
    const Uuid never = person(*t, "never"), once = person(*t, "once");
    log(*t, once, "order", kNow - 180 * kDay);
    CHECK(churn::score(*t, never, p)["score"] == 0.0);
    CHECK(churn::score(*t, once, p)["score"].get<double>() == Approx(0.6 * 2.0 / 4.0).margin(1e-4));
}
