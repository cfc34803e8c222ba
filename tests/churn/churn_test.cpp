// Churn risk: the score rises with days overdue against the customer's own
// rhythm, rising complaints and poor surveys, with the reasons listed.
#include <catch2/catch.hpp>

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
    CHECK(l["score"].get<double>() == Approx(0.6));  // 60 days against a 7-day rhythm: fully overdue
    CHECK(has_reason(l, "overdue"));
    CHECK(u["score"].get<double>() > 0.3);
    CHECK(has_reason(u, "complaints_rising"));
    CHECK(has_reason(u, "poor_surveys"));
    CHECK_FALSE(has_reason(u, "overdue"));
    const Json list = churn::at_risk(*t, Json{{"as_of", crmlite::format_instant(kNow)}, {"threshold", 0.3}});
    REQUIRE(list["count"] == 2);
    CHECK(list["customers"][0]["customer_id"] == lapsed.str());
    CHECK(list["customers"][1]["customer_id"] == unhappy.str());
    CHECK(churn::at_risk(*t, p)["count"] == 1);
    CHECK_CRM_ERROR(churn::at_risk(*t, Json::object()), CRM_EINVAL, "churn.as_of");
    CHECK_CRM_ERROR(churn::at_risk(*t, Json{{"as_of", "2026-06-01"}, {"threshold", 2}}), CRM_EINVAL, "churn.threshold");
    CHECK_CRM_ERROR(churn::score(*t, Uuid::v7(), p), CRM_ENOTFOUND, "customer_id");
}
