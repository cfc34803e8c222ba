// Sales records under access control (issue 7 applied to issue 8's records),
// through the public C++ wrapper (crm::, i.e. the C ABI every binding uses):
// leads follow their owner, opportunities, stage history and campaign members
// their customer, exactly as customers do; a principal without "unmask" gets
// lead phones and e-mails masked; forecasts and sales reports count only what
// is in scope; reads and denials are audited.
// The fixture: sales reps alice and bob (team east), dave (team west), their
// manager carol (east), an analyst, an admin; one customer, one lead and one
// opportunity per rep.
#include <catch2/catch.hpp>

#include <SQLiteCpp/Database.h>

#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "crmlite/crmlite.hpp"
#include "support/raw_db.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::testing::TempDir;

namespace {

const char* const kAlicePhone = "13812345678";
const char* const kAliceEmail = "xiaoming@example.com";
const char* const kBobPhone = "13987654321";
const char* const kBobEmail = "lisihai@example.com";

struct Fixture {
    TempDir dir;
    std::string file = dir.path("crm.db");
    std::string alice_c, bob_c, dave_c, alice_lead, bob_lead, alice_o, bob_o, dave_o, campaign, lead_stage, proposal;

    Fixture() {
        crm::Database sys(file);
        for (const char* u : {R"({"name":"alice","role":"sales","team":"east"})", R"({"name":"bob","role":"sales","team":"east"})",
                              R"({"name":"dave","role":"sales","team":"west"})", R"({"name":"carol","role":"manager","team":"east"})",
                              R"({"name":"ann","role":"analyst"})", R"({"name":"root","role":"admin"})"})
            sys.put_user(u);
        const Json p = Json::parse(sys.create_pipeline(
            R"({"name":"Standard","stages":[{"name":"Lead","probability":10},{"name":"Proposal","probability":50}]})"));
        lead_stage = p["stages"][0]["id"];
        proposal = p["stages"][1]["id"];
        alice_c = sys.create_customer(R"({"display_name":"王小明","owner":"alice","consent_marketing":true,"phones":[")" +
                                      std::string(kAlicePhone) + R"("]})");
        bob_c = sys.create_customer(R"({"display_name":"李四海","owner":"bob","consent_marketing":true,"phones":[")" +
                                    std::string(kBobPhone) + R"("]})");
        dave_c = sys.create_customer(R"({"display_name":"Dave Client","owner":"dave","consent_marketing":true})");
        // alice's lead shares the phone of her customer (so it is linked to it)
        // and brings an e-mail the customer lacks.
        alice_lead = Json::parse(sys.capture_lead(R"({"name":"王小明","company":"杭州茶业","owner":"alice","phone":")" +
                                                  std::string(kAlicePhone) + R"(","email":")" + kAliceEmail +
                                                  R"(","source":"web","notes":"回电 )" + kAlicePhone + R"("})"))["id"];
        bob_lead = Json::parse(sys.capture_lead(R"({"name":"李四海","owner":"bob","phone":")" + std::string(kBobPhone) +
                                                R"(","email":")" + kBobEmail + R"(","source":"fair"})"))["id"];
        const auto opp = [&](const std::string& customer, const char* name, int amount, const char* owner) {
            return sys.add_opportunity(R"({"customer_id":")" + customer + R"(","name":")" + name + R"(","owner":")" + owner +
                                       R"(","amount_minor":)" + std::to_string(amount) +
                                       R"(,"currency":"CNY","expected_close":"2026-12-15"})");
        };
        alice_o = opp(alice_c, "Tea", 100000, "alice");
        bob_o = opp(bob_c, "Cups", 55555, "bob");
        dave_o = opp(dave_c, "Pots", 33333, "dave");
        sys.update_opportunity(bob_o, R"({"stage_id":")" + proposal + R"("})");
        campaign = sys.create_campaign(R"({"name":"Spring","channel":"phone"})");
        sys.campaign_audience(campaign, true);  // alice_c and bob_c are members (dave_c has no phone)
    }
    crm::Database as(const std::string& user) {
        crm::Options o;
        o.principal(user);
        return crm::Database(file, o);
    }
    // Everything a write could change: every stored version and the sales rows.
    std::string state() const {
        crmlite::testing::RawDb raw(file, SQLite::OPEN_READONLY);
        std::string out = raw.execAndGet("SELECT coalesce(group_concat(hex(id) || tbl || hlc || seq, ','), '') FROM "
                                         "(SELECT * FROM sync_versions ORDER BY 1, 2, 3)").getString();
        for (const char* sql : {"SELECT group_concat(hex(id) || name || coalesce(owner, '') || status || coalesce(phone, '') || "
                                "coalesce(email, ''), ',') FROM (SELECT * FROM leads ORDER BY id)",
                                "SELECT group_concat(hex(id) || name || coalesce(owner, '') || status || hex(stage_id), ',') "
                                "FROM (SELECT * FROM opportunities ORDER BY id)",
                                "SELECT count(*) FROM lead_events", "SELECT count(*) FROM stage_history",
                                "SELECT count(*) FROM customers", "SELECT count(*) FROM interactions",
                                "SELECT group_concat(hex(id) || status, ',') FROM campaign_members"})
            out += "|" + raw.execAndGet(sql).getString();
        return out;
    }
};

crm_status status_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const crm::Error& e) {
        return e.code();
    }
    return CRM_OK;
}

std::vector<std::string> ids_of(const Json& list) {
    std::vector<std::string> out;
    for (const auto& r : list) out.push_back(r["id"]);
    return out;
}

bool contains(const std::string& hay, const std::string& needle) { return hay.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("a sales rep reads only its own leads and the opportunities of its customers, masked", "[sales][access]") {
    Fixture f;
    auto alice = f.as("alice");

    SECTION("leads: get and list") {
        const std::string got = alice.lead(f.alice_lead);
        const Json lead = Json::parse(got);
        CHECK(lead["phone"] == "138****5678");
        CHECK(lead["phone_normalized"] == "+86138****5678");
        CHECK(lead["email"] == "x****@example.com");
        CHECK(lead["email_normalized"] == "x****@example.com");
        CHECK(lead["notes"] == "回电 *******5678");
        CHECK(lead["name"] == "王小明");  // names are not masked, as for customers
        CHECK_FALSE(contains(got, kAlicePhone));
        CHECK_FALSE(contains(got, kAliceEmail));
        CHECK(status_of([&] { alice.lead(f.bob_lead); }) == CRM_EPERM);

        const std::string list = alice.leads();
        CHECK(ids_of(Json::parse(list)) == std::vector<std::string>{f.alice_lead});
        CHECK(contains(list, "138****5678"));
        CHECK_FALSE(contains(list, kAlicePhone));
        CHECK_FALSE(contains(list, kAliceEmail));
        CHECK_FALSE(contains(list, kBobPhone));
        // Filtering on another owner finds nothing, not an error.
        CHECK(Json::parse(alice.leads(R"({"owner":"bob"})")).empty());
    }
    SECTION("opportunities and their stage history") {
        const Json o = Json::parse(alice.opportunity(f.alice_o));
        CHECK(o["stage_history"].size() == 1);
        CHECK(status_of([&] { alice.opportunity(f.bob_o); }) == CRM_EPERM);
        CHECK(ids_of(Json::parse(alice.opportunities())) == std::vector<std::string>{f.alice_o});
        CHECK(Json::parse(alice.opportunities(R"({"customer_id":")" + f.bob_c + "\"}")).empty());
    }
    SECTION("forecasts and sales reports count what is in scope") {
        const Json fc = Json::parse(alice.sales_report("forecast", R"({"group_by":"owner"})"));
        REQUIRE(fc["rows"].size() == 1);
        CHECK(fc["rows"][0]["owner"] == "alice");
        CHECK(fc["rows"][0]["pipeline_minor"] == 100000);
        CHECK(fc["rows"][0]["weighted_minor"] == 10000);
        CHECK(fc["summary"][0]["open_count"] == 1);

        const Json pl = Json::parse(alice.sales_report("pipeline"));
        std::int64_t open = 0;
        for (const auto& s : pl["pipelines"][0]["stages"]) open += s["count"].get<std::int64_t>();
        CHECK(open == 1);

        const Json st = Json::parse(alice.sales_report("stages"));
        CHECK(st["stages"][0]["entered"] == 1);  // only alice's opportunity entered "Lead"
        CHECK(st["stages"][1]["entered"] == 0);  // bob's moved to "Proposal": not counted

        const Json funnel = Json::parse(alice.sales_report("funnel", R"({"by":"owner"})"));
        REQUIRE(funnel["rows"].size() == 1);
        CHECK(funnel["rows"][0]["key"] == "alice");
        CHECK(funnel["rows"][0]["total"] == 1);
    }
    SECTION("campaign members: only customers in scope") {
        CHECK(Json::parse(alice.campaign(f.campaign))["member_statuses"]["targeted"] == 1);
        CHECK(Json::parse(alice.sales_report("campaigns", R"({"campaign_id":")" + f.campaign + "\"}"))["campaigns"][0]["members"] == 1);
        alice.set_member_status(f.campaign, f.alice_c, "sent");
        CHECK(status_of([&] { alice.set_member_status(f.campaign, f.bob_c, "sent"); }) == CRM_EPERM);
        // A preview counts the customers in scope; a frozen snapshot is everyone's.
        const std::string other = crm::Database(f.file).create_campaign(R"({"name":"Autumn","channel":"phone"})");
        CHECK(Json::parse(alice.campaign_audience(other, false))["matched"] == 1);
        CHECK(status_of([&] { alice.campaign_audience(other, true); }) == CRM_EPERM);
    }
}

TEST_CASE("forbidden sales writes return CRM_EPERM and write nothing", "[sales][access]") {
    Fixture f;
    const std::string before = f.state();
    {
        auto alice = f.as("alice");
        CHECK(status_of([&] { alice.update_lead(f.bob_lead, R"({"status":"contacted"})"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.update_lead(f.alice_lead, R"({"owner":"dave"})"); }) == CRM_EPERM);  // giving it away
        CHECK(status_of([&] { alice.assign_lead(f.bob_lead, "alice"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.assign_lead(f.alice_lead, "dave"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.convert_lead(f.bob_lead); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.update_opportunity(f.bob_o, R"({"status":"won"})"); }) == CRM_EPERM);
        CHECK(status_of([&] {
                  alice.add_opportunity(R"({"customer_id":")" + f.bob_c + R"(","name":"steal","amount_minor":1,"currency":"CNY"})");
              }) == CRM_EPERM);
        CHECK(status_of([&] { alice.capture_lead(R"({"name":"x","owner":"bob"})"); }) == CRM_EPERM);
        // Capturing bob's open lead again (same phone) would update it: denied.
        CHECK(status_of([&] { alice.capture_lead(R"({"name":"again","phone":")" + std::string(kBobPhone) + "\"}"); }) == CRM_EPERM);
        auto ann = f.as("ann");  // analyst: scope all, but neither create nor update
        CHECK(status_of([&] { ann.capture_lead(R"({"name":"y"})"); }) == CRM_EPERM);
        CHECK(status_of([&] { ann.update_lead(f.alice_lead, R"({"status":"contacted"})"); }) == CRM_EPERM);
        auto dave = f.as("dave");
        CHECK(status_of([&] { dave.update_opportunity(f.alice_o, R"({"stage_id":")" + f.proposal + "\"}"); }) == CRM_EPERM);
        CHECK(f.state() == before);  // the denials are only pending audit entries so far
    }
    // Allowed writes of the rep's own records go through.
    auto alice = f.as("alice");
    alice.update_lead(f.alice_lead, R"({"status":"contacted"})");
    alice.update_opportunity(f.alice_o, R"({"stage_id":")" + f.proposal + "\"}");
    // A rep's new lead without an owner becomes the rep's (no rule is asked).
    const Json mine = Json::parse(alice.capture_lead(R"({"name":"新线索","phone":"13700002222"})"));
    CHECK(mine["owner"] == "alice");
    CHECK(f.state() != before);
}

TEST_CASE("converting a lead as a principal without unmask keeps the customer's clear values", "[sales][access]") {
    Fixture f;
    {
        auto alice = f.as("alice");
        const Json r = Json::parse(alice.convert_lead(f.alice_lead));
        CHECK(r["customer_id"] == f.alice_c);  // linked by the phone
        CHECK(r["created_customer"] == false);
    }
    crm::Database sys(f.file);
    const Json c = Json::parse(sys.customer(f.alice_c));
    REQUIRE(c["phones"].size() == 1);
    CHECK(c["phones"][0]["value"] == kAlicePhone);  // not overwritten by its masked rendering
    REQUIRE(c["emails"].size() == 1);
    CHECK(c["emails"][0]["value"] == kAliceEmail);  // the lead's e-mail was added in clear
}

TEST_CASE("admins, managers and the system see sales records by their scope and unmask", "[sales][access]") {
    Fixture f;
    crm::Database sys(f.file);
    const std::string all = sys.leads();
    CHECK(Json::parse(all).size() == 2);
    CHECK(contains(all, kAlicePhone));
    CHECK(contains(all, kBobEmail));
    CHECK(Json::parse(sys.opportunities()).size() == 3);
    CHECK(Json::parse(sys.sales_report("forecast"))["summary"][0]["open_count"] == 3);

    auto root = f.as("root");
    CHECK(Json::parse(root.leads()).size() == 2);
    CHECK(Json::parse(root.lead(f.bob_lead))["phone"] == kBobPhone);
    CHECK(Json::parse(root.opportunities()).size() == 3);
    CHECK(Json::parse(root.sales_report("forecast"))["summary"][0]["open_count"] == 3);

    auto carol = f.as("carol");  // manager of team east: alice's and bob's, clear
    CHECK(Json::parse(carol.leads()).size() == 2);
    CHECK(Json::parse(carol.lead(f.alice_lead))["email"] == kAliceEmail);
    CHECK(Json::parse(carol.opportunities()).size() == 2);
    CHECK(status_of([&] { carol.opportunity(f.dave_o); }) == CRM_EPERM);

    auto ann = f.as("ann");  // analyst: every record, masked
    const std::string masked = ann.leads();
    CHECK(Json::parse(masked).size() == 2);
    for (const char* clear : {kAlicePhone, kAliceEmail, kBobPhone, kBobEmail}) CHECK_FALSE(contains(masked, clear));
    CHECK(Json::parse(ann.lead(f.bob_lead))["phone"] == "139****4321");
}

TEST_CASE("reads of leads and sales denials are audited without personal content", "[sales][access][audit]") {
    Fixture f;
    {
        auto alice = f.as("alice");
        alice.lead(f.alice_lead);
        alice.leads();
        alice.opportunity(f.alice_o);
        CHECK(status_of([&] { alice.lead(f.bob_lead); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.update_opportunity(f.bob_o, R"({"name":"x"})"); }) == CRM_EPERM);
    }  // close writes the batched entries
    auto root = f.as("root");
    std::vector<Json> entries;
    auto cursor = root.audit(R"({"principal":"alice"})");
    while (auto r = cursor.next()) entries.push_back(Json::parse(*r));
    const auto has = [&](const char* action, const char* outcome, const std::string& id) {
        for (const auto& e : entries)
            if (e["action"] == action && e["outcome"] == outcome && (id.empty() || e.value("record_id", "") == id)) return true;
        return false;
    };
    CHECK(has("lead.read", "ok", f.alice_lead));
    CHECK(has("lead.list", "ok", ""));
    CHECK(has("opportunity.read", "ok", f.alice_o));
    CHECK(has("lead.read", "denied", f.bob_lead));
    CHECK(has("opportunity.update", "denied", f.bob_c));  // a customer's scope: the denial names the customer
    crmlite::testing::RawDb raw(f.file, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("SELECT count(*) FROM audit_log WHERE detail LIKE '%138%' OR detail LIKE '%example%' OR "
                         "detail LIKE '%王%'").getInt() == 0);
}

TEST_CASE("a rep's device gets the opportunities of its customers only, and every lead masked", "[sales][access][sync]") {
    Fixture f;
    const std::string device_path = f.dir.path("device.db");
    std::string hub_site;
    {
        crm::Database device(device_path);
        auto hub_as_alice = f.as("alice");
        hub_site = Json::parse(hub_as_alice.info())["site_id"];
        crm::SyncOptions down;
        down.peer(Json::parse(device.info())["site_id"].get<std::string>());
        const auto page = hub_as_alice.sync_changes_for(0, 100000, down);
        REQUIRE(!page.more);
        // Leads go to every replica (docs/sync.md), but never in clear to a
        // principal without unmask.
        for (const char* clear : {kAlicePhone, kAliceEmail, kBobPhone, kBobEmail}) CHECK(page.blob.find(clear) == std::string::npos);
        const Json rep = Json::parse(device.sync_apply(page.blob));
        CHECK(rep["incomplete"] == 0);

        // Opportunities, their stage history and campaign members follow the customer.
        CHECK(ids_of(Json::parse(device.opportunities())) == std::vector<std::string>{f.alice_o});
        CHECK(status_of([&] { device.opportunity(f.bob_o); }) == CRM_ENOTFOUND);
        {
            crmlite::testing::RawDb raw(device_path, SQLite::OPEN_READONLY);
            CHECK(raw.execAndGet("SELECT count(*) FROM stage_history").getInt() == 1);
            CHECK(raw.execAndGet("SELECT count(*) FROM campaign_members").getInt() == 1);
        }
        const Json lead = Json::parse(device.lead(f.alice_lead));
        CHECK(lead["phone"] == "138****5678");
        CHECK(lead["email"] == "x****@example.com");
        CHECK(lead["notes"] == "回电 *******5678");

        // The device edits a field that is not masked and sends its changes
        // back: the hub keeps the clear phone and e-mail.
        device.update_lead(f.alice_lead, R"({"status":"contacted"})");
        crm::SyncOptions up;
        up.peer(hub_site);
        const auto back = device.sync_changes_for(0, 100000, up);
        CHECK(back.blob.find("****") == std::string::npos);  // values held masked never travel back
        const Json applied = Json::parse(hub_as_alice.sync_apply(back.blob));
        CHECK(applied["refused"].empty());
    }
    crm::Database sys(f.file);
    const Json lead = Json::parse(sys.lead(f.alice_lead));
    CHECK(lead["status"] == "contacted");
    CHECK(lead["phone"] == kAlicePhone);
    CHECK(lead["email"] == kAliceEmail);
    CHECK(lead["phone_normalized"] == "+8613812345678");
    for (const std::string& path : {device_path, device_path + "-wal"}) {
        std::ifstream in(path, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        INFO(path);
        for (const char* clear : {kAlicePhone, kAliceEmail, kBobPhone, kBobEmail}) CHECK(bytes.find(clear) == std::string::npos);
    }
}

TEST_CASE("rules of every kind need manage_rules: a sales rep cannot add, change or delete them, a manager can",
          "[sales][access][rules]") {
    Fixture f;
    const std::string tag_rule = R"({"name":"vip","tag":"auto/vip","condition":{"field":"city","op":"eq","value":"上海"}})";
    const std::string follow_rule = R"({"name":"call","definition":{"trigger":"new_customer","within_days":3}})";
    const std::string assign_rule = R"({"name":"rr","kind":"round_robin","members":["alice","bob"]})";
    std::string rule_id, tag_rule_id, follow_id;
    {
        crm::Database carol = f.as("carol");  // manager: manage_rules
        rule_id = carol.add_assignment_rule(assign_rule);
        tag_rule_id = carol.save_tag_rule(tag_rule);
        follow_id = carol.save_followup_rule(follow_rule);
        carol.update_assignment_rule(rule_id, R"({"active":false})");
        CHECK(Json::parse(carol.assignment_rules())[0]["active"] == false);
    }
    const std::string with_rules = f.state();
    {
        crm::Database alice = f.as("alice");
        CHECK(status_of([&] { alice.add_assignment_rule(assign_rule); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.update_assignment_rule(rule_id, R"({"active":true})"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.delete_assignment_rule(rule_id); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.save_tag_rule(tag_rule); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.delete_tag_rule(tag_rule_id); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.save_followup_rule(follow_rule); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.delete_followup_rule(follow_id); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.install_default_followup_rules(); }) == CRM_EPERM);
        CHECK(Json::parse(alice.assignment_rules()).size() == 1);  // reading them is fine
    }
    CHECK(f.state() == with_rules);  // nothing written by the refused calls
    {
        crm::Database carol = f.as("carol");
        carol.delete_assignment_rule(rule_id);
        CHECK(Json::parse(carol.assignment_rules()).empty());
        CHECK(status_of([&] { carol.delete_assignment_rule(rule_id); }) == CRM_ENOTFOUND);
    }
}

TEST_CASE("a hub signed in as a principal without manage_rules refuses rules a device sends", "[sales][access][rules][sync]") {
    Fixture f;
    std::string blob;
    {
        crm::Database device(f.dir.path("device.db"));  // the system on its own device may write rules
        device.save_tag_rule(R"({"name":"vip","tag":"auto/vip","condition":{"field":"city","op":"eq","value":"上海"}})");
        device.add_assignment_rule(R"({"name":"rr","kind":"round_robin","members":["alice"]})");
        blob = device.sync_changes(0, 1000).blob;
    }
    {
        crm::Database alice = f.as("alice");  // a sales rep: no manage_rules
        const Json r = Json::parse(alice.sync_apply(blob));
        int refused_rules = 0;
        for (const auto& x : r["refused"])
            if (x["reason"] == "rules need the manage_rules permission") ++refused_rules;
        CHECK(refused_rules == 2);
        CHECK(Json::parse(alice.assignment_rules()).empty());
        CHECK(Json::parse(alice.tag_rules()).empty());
    }
    {
        crmlite::testing::RawDb raw(f.file);
        CHECK(raw.execAndGet("SELECT (SELECT count(*) FROM assignment_rules) + (SELECT count(*) FROM tag_rules) + "
                             "(SELECT count(*) FROM sync_versions WHERE tbl IN (44, 11, 12))").getInt() == 0);
    }
    {
        crm::Database carol = f.as("carol");  // a manager may
        const Json r = Json::parse(carol.sync_apply(blob));
        CHECK(r["refused"].empty());
        CHECK(Json::parse(carol.assignment_rules()).size() == 1);
        CHECK(Json::parse(carol.tag_rules()).size() == 1);
    }
}
