// Every value report through the public C++ wrapper (crm::, i.e. the C ABI the
// bindings use), on data small enough to work out each figure by hand:
//
//   customer  orders (days before as-of x amount)   R F M  segment           tier       stage
//   A         5 x 12,000 (1..5 days ago)            5 5 5  Champions         core       loyal
//   B         1 x  9,000 (2 days ago)               4 1 1  Promising         base       customer
//   C         3 x 10,000 (10..12 days ago)          3 3 3  Need Attention    base       repeat
//   D         4 x 11,000 (100..103 days ago)        2 4 4  Cannot Lose Them  potential  at_risk (rhythm)
//   E         2 x 10,500 (300..301 days ago)        1 2 2  Hibernating       base       at_risk (>120 days)
//   F         none                                  - - -  No Purchases      base       prospect
#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "common/json.hpp"
#include "common/time.hpp"
#include "crmlite/crmlite.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::testing::TempDir;

namespace {

constexpr std::int64_t kDay = 86400000;
const std::int64_t kNow = crmlite::parse_instant("2026-06-01T00:00:00Z", "t");
std::string iso(std::int64_t t) { return crmlite::format_instant(t); }

struct Shop {
    TempDir dir;
    crm::Database db{dir.path("crm.db")};
    std::map<std::string, std::string> id;  // "A" -> customer id

    Shop() {
        const auto buyer = [&](const std::string& name, int n, std::int64_t amount, int latest_days_ago) {
            id[name] = db.create_customer(Json{{"kind", "person"}, {"display_name", name}}.dump());
            for (int k = 0; k < n; ++k)
                db.add_interaction(Json{{"customer_id", id[name]}, {"kind", "order"}, {"occurred_at", iso(kNow - (latest_days_ago + k) * kDay)},
                                        {"amount_minor", amount}, {"currency", "CNY"}}
                                       .dump());
        };
        buyer("A", 5, 12000, 1);
        buyer("B", 1, 9000, 2);
        buyer("C", 3, 10000, 10);
        buyer("D", 4, 11000, 100);
        buyer("E", 2, 10500, 300);
        buyer("F", 0, 0, 0);
        db.rfm_compute(Json{{"as_of", iso(kNow)}}.dump());
    }
    Json report(const std::string& name, const Json& params = Json::object()) { return Json::parse(db.value_report(name, params.dump())); }
};

Json find(const Json& list, const char* key, const std::string& value) {
    for (const auto& x : list)
        if (x[key] == value) return x;
    FAIL("no entry " << key << " = " << value << " in " << list.dump());
    return nullptr;
}

}  // namespace

TEST_CASE("segment and tier shares carry counts, revenue and orders", "[reports][api]") {
    Shop s;
    for (const auto& [name, seg] : std::map<std::string, std::string>{
             {"A", "Champions"}, {"B", "Promising"}, {"C", "Need Attention"}, {"D", "Cannot Lose Them"}, {"E", "Hibernating"}, {"F", "No Purchases"}})
        CHECK(Json::parse(s.db.rfm_customer(s.id[name]))["segment"] == seg);
    const Json r = s.report("segments");
    CHECK(r["currency"] == "CNY");
    CHECK(r["as_of"] == iso(kNow));
    REQUIRE(r["segments"].size() == 6);
    const Json champions = find(r["segments"], "name", "Champions");
    CHECK(champions["customers"] == 1);
    CHECK(champions["revenue"] == 60000);
    CHECK(champions["orders"] == 5);
    CHECK(champions["customer_share"].get<double>() == Approx(1.0 / 6).epsilon(1e-5));
    CHECK(champions["revenue_share"].get<double>() == Approx(60000.0 / 164000).epsilon(1e-5));
    const Json none = find(r["segments"], "name", "No Purchases");
    CHECK(none["revenue"] == 0);
    CHECK(none["orders"] == 0);
    // Tiers: 5 buyers -> core round(0.5) = 1 (A), potential up to round(2.0) = 2 (D), the rest base.
    const Json core = find(r["tiers"], "name", "core"), potential = find(r["tiers"], "name", "potential"), base = find(r["tiers"], "name", "base");
    CHECK(core["customers"] == 1);
    CHECK(core["revenue"] == 60000);
    CHECK(potential["customers"] == 1);
    CHECK(potential["revenue"] == 44000);
    CHECK(potential["orders"] == 4);
    CHECK(base["customers"] == 4);
    CHECK(base["revenue"] == 9000 + 30000 + 21000);
    CHECK(base["orders"] == 6);
    CHECK(base["customer_share"].get<double>() == Approx(4.0 / 6).epsilon(1e-5));
    CHECK(core["revenue_share"].get<double>() + potential["revenue_share"].get<double>() + base["revenue_share"].get<double>() ==
          Approx(1.0).epsilon(1e-5));
}

TEST_CASE("repeat rate, average order value and lifetime value per customer and segment", "[reports][api]") {
    Shop s;
    const Json rr = s.report("repeat_rate");
    CHECK(rr["buyers"] == 5);
    CHECK(rr["repeat_buyers"] == 4);
    CHECK(rr["repeat_rate"].get<double>() == Approx(0.8));

    const Json aov = s.report("aov");
    CHECK(aov["orders"] == 15);
    CHECK(aov["revenue"] == 164000);
    CHECK(aov["aov"] == 164000 / 15);
    CHECK(find(aov["segments"], "segment", "Champions")["aov"] == 12000);
    CHECK(find(aov["segments"], "segment", "Cannot Lose Them")["aov"] == 11000);
    CHECK(find(aov["segments"], "segment", "Hibernating")["aov"] == 10500);

    // Defaults: retention = the repeat rate 0.8, discount 0.1, margin 1:
    // factor 0.8 / (1 + 0.1 - 0.8) = 8/3 of a year's (the 365-day window's) value.
    const Json clv = s.report("clv", Json{{"customer_id", s.id["D"]}, {"limit", 2}});
    CHECK(clv["retention"].get<double>() == Approx(0.8));
    CHECK(clv["discount_rate"].get<double>() == Approx(0.1));
    CHECK(clv["customer"]["customer_id"] == s.id["D"]);
    CHECK(clv["customer"]["segment"] == "Cannot Lose Them");
    CHECK(clv["customer"]["clv"] == 44000 * 8 / 3);
    REQUIRE(clv["top"].size() == 2);
    CHECK(clv["top"][0]["customer_id"] == s.id["A"]);
    CHECK(clv["top"][0]["clv"] == 160000);
    CHECK(clv["top"][1]["customer_id"] == s.id["D"]);
    const Json champions = find(clv["segments"], "segment", "Champions");
    CHECK(champions["customers"] == 1);
    CHECK(champions["clv_total"] == 160000);
    CHECK(champions["clv_average"] == 160000);
    CHECK(find(clv["segments"], "segment", "No Purchases")["clv_total"] == 0);
    // The application's own assumptions: margin 50%, retention 0.5, no discounting -> half a year's value.
    const Json own = s.report("clv", Json{{"customer_id", s.id["B"]}, {"margin", 0.5}, {"retention", 0.5}, {"discount_rate", 0.0}});
    CHECK(own["customer"]["clv"] == 4500);
    try {
        s.report("clv", Json{{"margin", 2}});
        FAIL("a margin above 1 was accepted");
    } catch (const crm::Error& e) {
        CHECK(e.code() == CRM_EINVAL);
        CHECK(std::string(e.what()).find("report.margin") != std::string::npos);
    }
}

TEST_CASE("the transition matrix counts customers between two snapshots", "[reports][api]") {
    Shop s;
    // A day later F buys for the first time and A's last order ages a day.
    s.db.add_interaction(Json{{"customer_id", s.id["F"]}, {"kind", "order"}, {"occurred_at", iso(kNow + kDay / 2)}, {"amount_minor", 500},
                              {"currency", "CNY"}}
                             .dump());
    const Json second = Json::parse(s.db.rfm_refresh(Json{{"as_of", iso(kNow + kDay)}}.dump()));
    CHECK(second["mode"] == "incremental");
    const Json t = s.report("transitions");
    CHECK(t["to"] == second["snapshot"]);
    CHECK(t == Json::parse(s.db.rfm_movement()));
    CHECK(t["moved"].get<int>() + t["stayed"].get<int>() == 6);
    CHECK(t["entered"] == 0);
    CHECK(t["left"] == 0);
    int from_none = 0, total = 0;
    for (const auto& cell : t["matrix"]) {
        total += cell["count"].get<int>();
        if (cell["from"] != "No Purchases") continue;
        from_none += cell["count"].get<int>();
        CHECK(cell["to"] != "No Purchases");
    }
    CHECK(from_none == 1);
    CHECK(total == 6);
    // Explicit snapshot ids give the same matrix; an unknown one is refused naming it.
    CHECK(s.report("transitions", Json{{"from", t["from"]}, {"to", t["to"]}}) == t);
    try {
        s.report("transitions", Json{{"from", 42}});
        FAIL("an unknown snapshot was accepted");
    } catch (const crm::Error& e) {
        CHECK(e.code() == CRM_ENOTFOUND);
    }
}

TEST_CASE("the lifecycle funnel counts current stages and every stage ever reached", "[reports][api]") {
    Shop s;
    s.db.apply_stage_rules(Json{{"as_of", iso(kNow)}}.dump());
    const auto stages = [&] {
        std::map<std::string, std::pair<std::int64_t, std::int64_t>> out;
        const Json f = s.report("funnel");
        for (const auto& st : f["stages"]) out[st["stage"]] = {st["customers"].get<std::int64_t>(), st["ever_reached"].get<std::int64_t>()};
        CHECK(f["no_stage"] == 0);
        return out;
    };
    auto f = stages();
    CHECK(f["prospect"] == std::pair<std::int64_t, std::int64_t>{1, 1});   // F
    CHECK(f["customer"] == std::pair<std::int64_t, std::int64_t>{1, 1});   // B
    CHECK(f["repeat"] == std::pair<std::int64_t, std::int64_t>{1, 1});     // C
    CHECK(f["loyal"] == std::pair<std::int64_t, std::int64_t>{1, 1});      // A
    CHECK(f["at_risk"] == std::pair<std::int64_t, std::int64_t>{2, 2});    // D (rhythm), E (120+ days)
    CHECK(f["churned"] == std::pair<std::int64_t, std::int64_t>{0, 0});
    s.db.set_stage(s.id["E"], "churned");  // a manual decision
    f = stages();
    CHECK(f["at_risk"] == std::pair<std::int64_t, std::int64_t>{1, 2});  // E left at_risk but had reached it
    CHECK(f["churned"] == std::pair<std::int64_t, std::int64_t>{1, 1});
}

TEST_CASE("the follow-up on-time rate counts done-by-due against done and overdue", "[reports][api]") {
    Shop s;
    const auto task = [&](const std::string& who, std::int64_t due) {
        return s.db.create_task(Json{{"customer_id", s.id[who]}, {"kind", "call"}, {"due_at", iso(due)}}.dump());
    };
    const std::string t1 = task("A", kNow), t2 = task("B", kNow), t3 = task("C", kNow);
    task("D", kNow + 10 * kDay);                         // not yet due: not counted as overdue
    const std::string t5 = task("E", kNow);
    s.db.complete_task(t1, iso(kNow - kDay));           // on time
    s.db.complete_task(t2, iso(kNow + kDay));           // late
    s.db.update_task(t5, Json{{"status", "cancelled"}}.dump());  // cancelled: not counted at all
    (void)t3;                                            // open and overdue
    const Json r = s.report("followup", Json{{"now", iso(kNow + 2 * kDay)}});
    CHECK(r["tasks"] == 4);
    CHECK(r["done"] == 2);
    CHECK(r["done_on_time"] == 1);
    CHECK(r["overdue_open"] == 1);
    CHECK(r["on_time_rate"].get<double>() == Approx(1.0 / 3).epsilon(1e-5));
    // A window of due times: only the task due in ten days.
    const Json later = s.report("followup", Json{{"from", iso(kNow + kDay)}, {"to", iso(kNow + 20 * kDay)}, {"now", iso(kNow + 2 * kDay)}});
    CHECK(later["tasks"] == 1);
    CHECK(later["overdue_open"] == 0);
    CHECK(later["on_time_rate"].get<double>() == 0.0);
}
