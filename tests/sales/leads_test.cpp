// Leads: matching, recapture, assignment fairness, reassignment history,
// conversion carrying the history, and the funnel.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "leads/leads.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "sales_reports/reports.hpp"
#include "store/cursor.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace customers = crmlite::customers;
namespace leads = crmlite::leads;
namespace pipeline = crmlite::pipeline;

namespace {

Uuid id_of(const Json& j) { return Uuid::parse(j["id"].get<std::string>(), "id"); }

std::vector<Json> timeline(crmlite::Database& db, const Uuid& customer) {
    auto c = crmlite::interactions::timeline(db, {{"customer_id", customer.str()}, {"limit", 100}});
    std::vector<Json> out;
    std::string row;
    while (c->next(row)) out.push_back(Json::parse(row));
    return out;
}

}  // namespace

TEST_CASE("a lead with a known phone or email links the customer; the same person captured again is one lead", "[sales][leads]") {
    TempDb t;
    const Uuid wang = customers::create(*t, {{"display_name", "王小明"}, {"phones", {"+86 138 1234 5678"}}});
    const Uuid ann = customers::create(*t, {{"display_name", "Ann"}, {"emails", {"ann@Example.COM"}}});
    const Json a = leads::capture(*t, {{"name", "王先生"}, {"phone", "13812345678"}, {"source", "web"}, {"assign", false}});
    CHECK(a["created"] == true);
    CHECK(a["customer_id"] == wang.str());
    const Json b = leads::capture(*t, {{"name", "Ann B."}, {"email", "ann@example.com"}, {"source", "fair"}, {"assign", false}});
    CHECK(b["customer_id"] == ann.str());
    const Json c = leads::capture(*t, {{"name", "New person"}, {"email", "new@example.com"}, {"assign", false}});
    CHECK_FALSE(c.contains("customer_id"));
    // Captured again from another channel, number written differently: the same lead.
    const Json again = leads::capture(*t, {{"name", "王小明"}, {"phone", "138-1234-5678"}, {"source", "wechat"}, {"company", "西湖茶业"}});
    CHECK(again["created"] == false);
    CHECK(again["id"] == a["id"]);
    const Json got = leads::get(*t, id_of(a));
    CHECK(got["name"] == "王先生");       // kept
    CHECK(got["company"] == "西湖茶业");  // filled in
    CHECK(got["phone_normalized"] == "+8613812345678");
    REQUIRE(got["events"].size() == 2);
    CHECK(got["events"][1]["kind"] == "recaptured");
    CHECK(got["events"][1]["to"] == "wechat");
    CHECK(t->sql().execAndGet("SELECT count(*) FROM leads").getInt() == 3);

    CHECK_CRM_ERROR(leads::capture(*t, {{"phone", "1"}}), CRM_EINVAL, "lead.name");
    CHECK_CRM_ERROR(leads::capture(*t, {{"name", "x"}, {"phone", "abc"}}), CRM_EINVAL, "lead.phone");
    CHECK_CRM_ERROR(leads::capture(*t, {{"name", "x"}, {"email", "nope"}}), CRM_EINVAL, "lead.email");
    CHECK_CRM_ERROR(leads::capture(*t, {{"name", "x"}, {"status", "converted"}}), CRM_EINVAL, "lead.status");
    CHECK_CRM_ERROR(leads::capture(*t, {{"name", "x"}, {"campaign_id", Uuid::v7().str()}}), CRM_ENOTFOUND, "lead.campaign_id");
    CHECK_CRM_ERROR(leads::capture(*t, {{"name", "x"}, {"size", 3}}), CRM_EINVAL, "lead.size");
    CHECK(t->sql().execAndGet("SELECT count(*) FROM leads").getInt() == 3);
}

TEST_CASE("round-robin gives every member of the team the same number of leads in turn", "[sales][leads][assignment]") {
    TempDb t;
    const Uuid rule = leads::add_rule(*t, {{"name", "inbound"}, {"kind", "round_robin"}, {"team", "east"}, {"members", {"alice", "bob", "chen"}}});
    std::vector<std::string> owners;
    for (int i = 0; i < 9; ++i) {
        const Json r = leads::capture(*t, {{"name", "lead " + std::to_string(i)}});
        owners.push_back(r["owner"]);
        CHECK(r["rule_id"] == rule.str());
    }
    CHECK(owners == std::vector<std::string>{"alice", "bob", "chen", "alice", "bob", "chen", "alice", "bob", "chen"});
    // A member added later catches up before the turns go round again.
    CHECK(leads::list_rules(*t).size() == 1);
    leads::add_rule(*t, {{"name", "x"}, {"kind", "load"}, {"members", {"zed"}}, {"priority", 500}});  // lower priority: unused
    const Json l = leads::capture(*t, {{"name", "tenth"}});
    CHECK(l["owner"] == "alice");
    CHECK(leads::get(*t, id_of(l))["team"] == "east");

    CHECK_CRM_ERROR(leads::add_rule(*t, {{"name", "x"}, {"kind", "territory"}, {"members", {"a"}}}), CRM_EINVAL, "rule.region");
    CHECK_CRM_ERROR(leads::add_rule(*t, {{"name", "x"}, {"kind", "round_robin"}, {"members", Json::array()}}), CRM_EINVAL, "rule.members");
    CHECK_CRM_ERROR(leads::add_rule(*t, {{"name", "x"}, {"kind", "round_robin"}, {"members", {"a", "a"}}}), CRM_EINVAL, "rule.members[1]");
    CHECK_CRM_ERROR(leads::add_rule(*t, {{"name", "x"}, {"kind", "random"}, {"members", {"a"}}}), CRM_EINVAL, "rule.kind");
}

TEST_CASE("territory rules route by region; load rules pick the member with the least open work", "[sales][leads][assignment]") {
    TempDb t;
    leads::add_rule(*t, {{"name", "south"}, {"kind", "territory"}, {"region", "华南"}, {"members", {"li", "wu"}}, {"priority", 1}});
    leads::add_rule(*t, {{"name", "rest"}, {"kind", "load"}, {"members", {"alice", "bob"}}, {"priority", 2}});
    // Alice already carries three open leads and an open opportunity; bob one lead.
    for (int i = 0; i < 3; ++i) leads::capture(*t, {{"name", "a" + std::to_string(i)}, {"owner", "alice"}});
    leads::capture(*t, {{"name", "b0"}, {"owner", "bob"}});
    pipeline::create(*t, {{"name", "P"}, {"stages", {{{"name", "Open"}, {"probability", 20}}}}});
    const Uuid c = customers::create(*t, {{"display_name", "Acme"}});
    crmlite::opportunities::add(*t, {{"customer_id", c.str()}, {"name", "d"}, {"owner", "alice"}});

    std::map<std::string, int> got;
    for (int i = 0; i < 4; ++i) ++got[leads::capture(*t, {{"name", "s" + std::to_string(i)}, {"region", "华南"}})["owner"].get<std::string>()];
    CHECK(got == std::map<std::string, int>{{"li", 2}, {"wu", 2}});
    // Load: alice 4 open, bob 1 -> bob until they are level (4 each), then turns.
    std::vector<std::string> owners;
    for (int i = 0; i < 5; ++i) owners.push_back(leads::capture(*t, {{"name", "n" + std::to_string(i)}, {"region", "华北"}})["owner"]);
    CHECK(owners == std::vector<std::string>{"bob", "bob", "bob", "alice", "bob"});
    // Disqualifying a lead lowers the load.
    for (const auto& l : leads::list(*t, {{"owner", "bob"}}))
        if (l["status"] == "new") leads::update(*t, id_of(l), {{"status", "disqualified"}});
    CHECK(leads::capture(*t, {{"name", "last"}, {"region", "华北"}})["owner"] == "bob");
}

TEST_CASE("reassignment keeps the history; no matching rule is an error", "[sales][leads][assignment]") {
    TempDb t;
    const Json l = leads::capture(*t, {{"name", "Zhao"}, {"owner", "alice"}});
    CHECK_CRM_ERROR(leads::assign(*t, id_of(l), std::nullopt), CRM_ENOTFOUND, "no active assignment rule");
    CHECK(leads::assign(*t, id_of(l), std::string("bob"), "manager")["owner"] == "bob");
    CHECK(leads::update(*t, id_of(l), {{"owner", "chen"}, {"status", "contacted"}, {"by", "bob"}}));
    const Json got = leads::get(*t, id_of(l));
    CHECK(got["owner"] == "chen");
    std::vector<std::string> trail;
    for (const auto& e : got["events"])
        if (e["kind"] == "assigned") trail.push_back(e.value("from", "") + ">" + e["to"].get<std::string>());
    CHECK(trail == std::vector<std::string>{">alice", "alice>bob", "bob>chen"});
    CHECK_CRM_ERROR(leads::assign(*t, id_of(l), std::string(""), ""), CRM_EINVAL, "lead.owner");
    CHECK_CRM_ERROR(leads::assign(*t, Uuid::v7(), std::string("x"), ""), CRM_ENOTFOUND, "lead");
}

TEST_CASE("conversion makes the customer and opportunity and carries the lead's history", "[sales][leads][conversion]") {
    TempDb t;
    const Json p = pipeline::create(*t, {{"name", "P"}, {"stages", {{{"name", "Open"}, {"probability", 20}}}}});
    const Json l = leads::capture(*t, {{"name", "陈静"}, {"company", "宁波港贸"}, {"phone", "13900001111"}, {"email", "chen@nbport.cn"},
                                       {"source", "trade_fair"}, {"owner", "alice"}, {"region", "华东"}, {"notes", "wants samples"}});
    leads::update(*t, id_of(l), {{"status", "qualified"}, {"by", "alice"}});
    leads::assign(*t, id_of(l), std::string("bob"), "manager");
    const Json r = leads::convert(*t, id_of(l), {{"opportunity", {{"amount_minor", 500000}, {"currency", "CNY"}}}, {"by", "bob"}});
    CHECK(r["created_customer"] == true);
    const Uuid customer = Uuid::parse(r["customer_id"].get<std::string>(), "c");
    const Json c = customers::get(*t, customer);
    CHECK(c["display_name"] == "陈静");
    CHECK(c["company"] == "宁波港贸");
    CHECK(c["owner"] == "bob");
    CHECK(c["source"] == "trade_fair");
    CHECK(c["phones"][0]["normalized"] == "+8613900001111");
    // The history: captured, assigned to alice, qualified, reassigned to bob -- plus the notes.
    const auto tl = timeline(*t, customer);
    std::vector<std::string> subjects;
    for (const auto& i : tl)
        if (i["kind"] == "lead") subjects.push_back(i["subject"]);
    // (They may share a millisecond, so the timeline's order among them is the id's.)
    std::sort(subjects.begin(), subjects.end());
    CHECK(subjects == std::vector<std::string>{"Lead assigned to alice", "Lead captured from trade_fair",
                                               "Lead reassigned from alice to bob", "Lead status new -> qualified"});
    const Json events = leads::get(*t, id_of(l))["events"];
    for (const auto& i : tl)
        if (i["kind"] == "lead") {
            bool same_time = false;
            for (const auto& e : events) same_time = same_time || e["at"] == i["occurred_at"];
            CHECK(same_time);  // at the time it happened
        }
    bool notes = false;
    for (const auto& i : tl) notes = notes || (i["kind"] == "note" && i["body"] == "wants samples");
    CHECK(notes);
    for (const auto& i : tl) CHECK(i["attributes"]["lead_id"] == l["id"]);
    // The opportunity.
    const Json o = crmlite::opportunities::get(*t, Uuid::parse(r["opportunity_id"].get<std::string>(), "o"));
    CHECK(o["customer_id"] == customer.str());
    CHECK(o["lead_id"] == l["id"]);
    CHECK(o["owner"] == "bob");
    CHECK(o["amount_minor"] == 500000);
    CHECK(o["name"] == "宁波港贸");
    const Json after = leads::get(*t, id_of(l));
    CHECK(after["status"] == "converted");
    CHECK(after["customer_id"] == customer.str());
    CHECK(after["events"].back()["kind"] == "converted");
    CHECK_CRM_ERROR(leads::convert(*t, id_of(l), Json::object()), CRM_EEXISTS, "already converted");
    CHECK_CRM_ERROR(leads::update(*t, id_of(l), {{"status", "new"}}), CRM_EINVAL, "lead.status");

    // A lead that matched an existing customer converts into it, adding the missing email.
    const Uuid known = customers::create(*t, {{"display_name", "Ann"}, {"phones", {"13700000000"}}});
    const Json l2 = leads::capture(*t, {{"name", "Ann"}, {"phone", "13700000000"}, {"email", "ann@x.cn"}, {"assign", false}});
    const Json r2 = leads::convert(*t, id_of(l2), Json::object());
    CHECK(r2["created_customer"] == false);
    CHECK(r2["customer_id"] == known.str());
    CHECK(customers::get(*t, known)["emails"][0]["value"] == "ann@x.cn");
    CHECK(customers::get(*t, known)["phones"].size() == 1);
    // A failing conversion leaves nothing: a bad opportunity rolls the customer back.
    const Json l3 = leads::capture(*t, {{"name", "Rollback"}, {"assign", false}});
    const auto before = t->counter("customers");
    CHECK_CRM_ERROR(leads::convert(*t, id_of(l3), {{"opportunity", {{"amount_minor", 5}}}}), CRM_EINVAL, "opportunity.currency");
    CHECK(t->counter("customers") == before);
    CHECK(leads::get(*t, id_of(l3))["status"] == "new");
}

TEST_CASE("the lead funnel reports conversion by source and owner", "[sales][leads][reports]") {
    TempDb t;
    std::vector<Uuid> web;
    for (int i = 0; i < 4; ++i) web.push_back(id_of(leads::capture(*t, {{"name", "w" + std::to_string(i)}, {"source", "web"}, {"owner", "alice"}})));
    const Uuid fair = id_of(leads::capture(*t, {{"name", "f"}, {"source", "fair"}, {"owner", "bob"}}));
    leads::convert(*t, web[0], Json::object());
    leads::convert(*t, fair, Json::object());
    leads::update(*t, web[1], {{"status", "disqualified"}});
    leads::update(*t, web[2], {{"status", "qualified"}});
    const Json f = crmlite::sales_reports::lead_funnel(*t, {{"by", "source"}});
    REQUIRE(f["rows"].size() == 2);
    const Json& fair_row = f["rows"][0];
    const Json& web_row = f["rows"][1];
    CHECK(fair_row["key"] == "fair");
    CHECK(fair_row["conversion_rate"].get<double>() == Approx(1.0));
    CHECK(web_row["total"] == 4);
    CHECK(web_row["converted"] == 1);
    CHECK(web_row["disqualified"] == 1);
    CHECK(web_row["qualified"] == 1);
    CHECK(web_row["new"] == 1);
    CHECK(web_row["conversion_rate"].get<double>() == Approx(0.25));
    const Json o = crmlite::sales_reports::report(*t, "funnel", {{"by", "owner"}});
    CHECK(o["rows"][0]["key"] == "alice");
    CHECK(o["rows"][1]["key"] == "bob");
}
