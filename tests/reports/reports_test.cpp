// Reports: segment and tier shares, transitions, funnel, follow-up on-time
// rate, repeat purchase rate, average order value, lifetime value.
#include <catch2/catch.hpp>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "reports/reports.hpp"
#include "rfm/rfm.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"
#include "tasks/lifecycle.hpp"
#include "tasks/tasks.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace reports = crmlite::reports;

namespace {
constexpr std::int64_t kDay = 86400000;
const std::int64_t kNow = crmlite::parse_instant("2026-06-01T00:00:00Z", "t");
std::string iso(std::int64_t t) { return crmlite::format_instant(t); }
Uuid person(crmlite::Database& db, const std::string& name) {
    return crmlite::customers::create(db, Json{{"kind", "person"}, {"display_name", name}});
}
void order(crmlite::Database& db, const Uuid& c, std::int64_t at, std::int64_t amount) {
    crmlite::interactions::add(db, Json{{"customer_id", c.str()}, {"kind", "order"}, {"occurred_at", iso(at)}, {"amount_minor", amount}, {"currency", "CNY"}});
}
}  // namespace

TEST_CASE("value reports compute shares, rates and averages from the data", "[reports]") {
    TempDb t;
    CHECK_CRM_ERROR(reports::run(*t, "segments", Json::object()), CRM_ENOTFOUND, "RFM");
    const Uuid a = person(*t, "a"), b = person(*t, "b"), c = person(*t, "c");
    person(*t, "d");  // never bought
    order(*t, a, kNow - kDay, 30000);
    order(*t, a, kNow - 2 * kDay, 10000);
    order(*t, b, kNow - 3 * kDay, 20000);
    order(*t, c, kNow - 300 * kDay, 35000);
    crmlite::rfm::compute(*t, crmlite::rfm::parse_params(Json{{"as_of", iso(kNow)}}));

    const Json seg = reports::run(*t, "segments", Json::object());
    std::int64_t customers = 0, revenue = 0;
    double shares = 0;
    for (const auto& s : seg["segments"]) customers += s["customers"].get<std::int64_t>(), revenue += s["revenue"].get<std::int64_t>(), shares += s["customer_share"].get<double>();
    CHECK(customers == 4);
    CHECK(revenue == 95000);
    CHECK(shares == Approx(1.0));
    CHECK(seg["currency"] == "CNY");

    const Json rr = reports::run(*t, "repeat_rate", Json::object());
    CHECK(rr["buyers"] == 3);
    CHECK(rr["repeat_buyers"] == 1);
    CHECK(rr["repeat_rate"].get<double>() == Approx(1.0 / 3).epsilon(1e-5));
    const Json aov = reports::run(*t, "aov", Json::object());
    CHECK(aov["orders"] == 4);
    CHECK(aov["aov"] == 23750);
    const Json clv = reports::run(*t, "clv", Json{{"retention", 0.5}, {"discount_rate", 0.0}, {"margin", 1.0}, {"customer_id", a.str()}});
    CHECK(clv["customer"]["clv"] == 40000);  // 40000 x (365/365) x 1 x 0.5 / (1 - 0.5)
    CHECK(clv["top"][0]["customer_id"] == a.str());

    // Lifecycle funnel and follow-up on-time rate.
    crmlite::lifecycle::apply(*t, kNow, std::nullopt, Json(nullptr));
    const Json funnel = reports::run(*t, "funnel", Json::object());
    std::int64_t staged = 0;
    for (const auto& s : funnel["stages"]) staged += s["customers"].get<std::int64_t>();
    CHECK(staged == 4);
    const Uuid t1 = crmlite::tasks::create(*t, Json{{"customer_id", a.str()}, {"kind", "call"}, {"due_at", iso(kNow)}});
    const Uuid t2 = crmlite::tasks::create(*t, Json{{"customer_id", b.str()}, {"kind", "call"}, {"due_at", iso(kNow)}});
    crmlite::tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", iso(kNow)}});
    crmlite::tasks::complete(*t, t1, kNow - kDay);  // on time
    crmlite::tasks::complete(*t, t2, kNow + kDay);  // late
    const Json fu = reports::run(*t, "followup", Json{{"now", iso(kNow + 2 * kDay)}});
    CHECK(fu["done"] == 2);
    CHECK(fu["done_on_time"] == 1);
    CHECK(fu["overdue_open"] == 1);
    CHECK(fu["on_time_rate"].get<double>() == Approx(1.0 / 3).epsilon(1e-5));
    CHECK_CRM_ERROR(reports::run(*t, "weather", Json::object()), CRM_EINVAL, "report");
}
