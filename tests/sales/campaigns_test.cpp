// Campaigns: consent exclusion, frozen and dynamic audiences, member statuses,
// the control group, and attribution windows.
#include <catch2/catch.hpp>

#include "campaigns/campaigns.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "sales_reports/reports.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace customers = crmlite::customers;
namespace campaigns = crmlite::campaigns;

TEST_CASE("only customers with marketing consent are in an audience; the others are counted with the reason", "[sales][campaigns]") {
    TempDb t;
    const Uuid a = customers::create(*t, {{"display_name", "A"}, {"city", "杭州"}, {"consent_marketing", true}, {"emails", {"a@x.cn"}}});
    const Uuid b = customers::create(*t, {{"display_name", "B"}, {"city", "杭州"}, {"consent_marketing", true}});  // no email
    customers::create(*t, {{"display_name", "C"}, {"city", "杭州"}, {"consent_marketing", false}, {"emails", {"c@x.cn"}}});
    customers::create(*t, {{"display_name", "D"}, {"city", "杭州"}, {"emails", {"d@x.cn"}}});  // consent never given
    customers::create(*t, {{"display_name", "E"}, {"city", "宁波"}, {"consent_marketing", true}, {"emails", {"e@x.cn"}}});
    const Uuid email = campaigns::create(*t, {{"name", "Spring tea"}, {"channel", "email"}, {"audience", {{"city", "杭州"}}}});
    const Json preview = campaigns::audience(*t, email, false);
    CHECK(preview["matched"] == 4);
    CHECK(preview["included"] == 1);
    CHECK(preview["excluded"]["no_marketing_consent"] == 2);
    CHECK(preview["excluded"]["no_email"] == 1);
    CHECK(t->sql().execAndGet("SELECT count(*) FROM campaign_members").getInt() == 0);  // a preview writes nothing

    // Frozen: members made once; later customers do not join.
    const Json frozen = campaigns::audience(*t, email, true);
    CHECK(frozen["included"] == 1);
    CHECK(frozen.contains("frozen_at"));
    customers::create(*t, {{"display_name", "F"}, {"city", "杭州"}, {"consent_marketing", true}, {"emails", {"f@x.cn"}}});
    const Json again = campaigns::audience(*t, email, true);
    CHECK(again["included"] == 1);
    CHECK(again["excluded"]["no_marketing_consent"] == 2);
    CHECK(t->sql().execAndGet("SELECT count(*) FROM campaign_members").getInt() == 1);
    campaigns::set_member_status(*t, email, a, "sent");
    CHECK_CRM_ERROR(campaigns::set_member_status(*t, email, b, "sent"), CRM_ENOTFOUND, "not in the frozen audience");
    CHECK_CRM_ERROR(campaigns::update(*t, email, {{"audience", {{"city", "宁波"}}}}), CRM_EINVAL, "campaign.audience");

    // Dynamic, sms: reachable by phone; a customer who withdraws consent leaves it.
    const Uuid sms = campaigns::create(*t, {{"name", "SMS"}, {"channel", "sms"}, {"audience_mode", "dynamic"}});
    customers::update(*t, b, {{"phones", {"13800000001"}}});
    Json d = campaigns::audience(*t, sms, false);
    CHECK(d["included"] == 1);  // b: consent and a phone
    CHECK(d["excluded"]["no_phone"] == 3);  // a, e, f have consent but no phone
    campaigns::set_member_status(*t, sms, b, "sent");
    customers::update(*t, b, {{"consent_marketing", false}});
    d = campaigns::audience(*t, sms, false);
    CHECK(d["included"] == 0);
    CHECK_CRM_ERROR(campaigns::set_member_status(*t, sms, a, "sent"), CRM_EINVAL, "not in the audience");
    CHECK_CRM_ERROR(campaigns::audience(*t, sms, true), CRM_EINVAL, "campaign.audience_mode");

    CHECK_CRM_ERROR(campaigns::create(*t, {{"name", "x"}, {"audience", {{"colour", "red"}}}}), CRM_EINVAL, "filter.colour");
    CHECK_CRM_ERROR(campaigns::create(*t, {{"name", "x"}, {"cost_minor", 5}}), CRM_EINVAL, "campaign.currency");
    CHECK_CRM_ERROR(campaigns::create(*t, {{"name", "x"}, {"control_pct", 80}}), CRM_EINVAL, "campaign.control_pct");
    CHECK_CRM_ERROR(campaigns::create(*t, {{"channel", "email"}}), CRM_EINVAL, "campaign.name");
    CHECK_CRM_ERROR(campaigns::set_member_status(*t, email, a, "bounced"), CRM_EINVAL, "member.status");
}

TEST_CASE("orders and won deals within the window after contact are attributed, with cost, ROI and a control group", "[sales][campaigns][attribution]") {
    TempDb t;
    crmlite::pipeline::create(*t, {{"name", "P"}, {"stages", {{{"name", "Open"}, {"probability", 30}}}}});
    std::vector<Uuid> people;
    for (int i = 0; i < 40; ++i)
        people.push_back(customers::create(*t, {{"display_name", "c" + std::to_string(i)}, {"consent_marketing", true}, {"tags", {"vip"}}}));
    const std::int64_t start = crmlite::parse_instant("2026-03-01", "t"), day = 86400000;
    const Uuid camp = campaigns::create(*t, {{"name", "VIP spring"}, {"channel", "visit"}, {"audience", {{"tags_any", {"vip"}}}},
                                             {"starts_at", "2026-03-01"}, {"cost_minor", 100000}, {"currency", "CNY"},
                                             {"attribution_days", 30}, {"control_pct", 25}});
    const Json aud = campaigns::audience(*t, camp, true);
    const std::int64_t control = aud["control"];
    CHECK(control > 0);
    CHECK(control < 40);
    CHECK(aud["included"].get<std::int64_t>() + control == 40);
    // The draw is the same on every device: a function of the ids.
    int drawn = 0;
    for (const auto& p : people) drawn += campaigns::in_control(camp, p, 25) ? 1 : 0;
    CHECK(drawn == control);

    std::vector<Uuid> treated, held_out;
    for (const auto& p : people) (campaigns::in_control(camp, p, 25) ? held_out : treated).push_back(p);
    REQUIRE(treated.size() >= 4);
    CHECK_CRM_ERROR(campaigns::set_member_status(*t, camp, held_out[0], "sent"), CRM_EINVAL, "control group");
    const auto order = [&](const Uuid& c, std::int64_t at, std::int64_t amount) {
        return crmlite::interactions::add(*t, {{"customer_id", c.str()}, {"kind", "order"}, {"occurred_at", crmlite::format_instant(at)},
                                               {"amount_minor", amount}, {"currency", "CNY"}});
    };
    // Contacted on day 2 (window days 2..32).
    for (std::size_t i = 0; i < 4; ++i) campaigns::set_member_status(*t, camp, treated[i], "sent", start + 2 * day);
    campaigns::set_member_status(*t, camp, treated[0], "responded", start + 3 * day);
    order(treated[0], start + 1 * day, 99999);   // before contact: not attributed
    order(treated[0], start + 10 * day, 50000);  // inside
    order(treated[1], start + 31 * day, 30000);  // inside (day 31 < 32)
    order(treated[2], start + 33 * day, 70000);  // after the window
    // A won deal inside the window whose order is linked: counted once.
    const Uuid linked = order(treated[3], start + 5 * day, 80000);
    const Uuid deal = crmlite::opportunities::add(*t, {{"customer_id", treated[3].str()}, {"name", "d"}, {"amount_minor", 80000},
                                                       {"currency", "CNY"}, {"order_ids", {linked.str()}}});
    crmlite::opportunities::update(*t, deal, {{"status", "won"}, {"closed_at", crmlite::format_instant(start + 6 * day)}});
    order(treated[5], start + 5 * day, 12345);  // never contacted: not attributed
    // Control group: one buys within the window after the campaign start.
    order(held_out[0], start + 20 * day, 40000);

    const Json r = campaigns::results(*t, camp);
    CHECK(r["contacted"] == 4);
    CHECK(r["converted"] == 3);  // treated 0, 1, 3
    CHECK(r["conversion_rate"].get<double>() == Approx(0.75));
    CHECK(r["attributed_orders"] == 2);
    CHECK(r["attributed_opportunities"] == 1);
    REQUIRE(r["revenue"].size() == 1);
    CHECK(r["revenue"][0]["amount_minor"] == 50000 + 30000 + 80000);
    CHECK(r["cost_minor"] == 100000);
    CHECK(r["roi"].get<double>() == Approx((160000.0 - 100000.0) / 100000.0));
    CHECK(r["control"] == control);
    CHECK(r["control_converted"] == 1);
    CHECK(r["control_conversion_rate"].get<double>() == Approx(1.0 / static_cast<double>(control)));
    CHECK(r["lift"].get<double>() == Approx(0.75 - 1.0 / static_cast<double>(control)));
    CHECK(r["statuses"]["sent"] == 3);
    CHECK(r["statuses"]["responded"] == 1);

    // A shorter window drops the day-31 order.
    campaigns::update(*t, camp, {{"attribution_days", 20}});
    const Json shorter = crmlite::sales_reports::report(*t, "campaigns", {{"campaign_id", camp.str()}})["campaigns"][0];
    CHECK(shorter["revenue"][0]["amount_minor"] == 50000 + 80000);
    CHECK(shorter["converted"] == 2);
}
