// Principals, scopes, masking, the audit chain and data subject rights,
// through the public C++ wrapper (crm::, i.e. the C ABI every binding uses).
// The fixture: sales reps alice and bob (team east), dave (team west), their
// manager carol (east), an analyst, an admin; one customer per rep.
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

struct Fixture {
    TempDir dir;
    std::string file = dir.path("crm.db");
    std::string alice_c, bob_c, dave_c, alice_i, bob_i;

    Fixture() {
        crm::Database sys(file);
        for (const char* u : {R"({"name":"alice","role":"sales","team":"east"})", R"({"name":"bob","role":"sales","team":"east"})",
                              R"({"name":"dave","role":"sales","team":"west"})", R"({"name":"carol","role":"manager","team":"east"})",
                              R"({"name":"ann","role":"analyst"})", R"({"name":"root","role":"admin"})",
                              R"({"name":"ro","role":"read-only"})"})
            sys.put_user(u);
        alice_c = sys.create_customer(
            R"({"display_name":"王小明","owner":"alice","phones":["13812345678"],"emails":["xiaoming@example.com"],)"
            R"("national_id":"110101199001011234","address":"浙江省杭州市西湖区文三路100号","birthday":"1990-01-01",)"
            R"("notes":"回电 13812345678","external_ids":{"erp":"A1"}})");
        bob_c = sys.create_customer(
            R"({"display_name":"李四海","owner":"bob","phones":["13987654321"],"notes":"bob's note","external_ids":{"erp":"B1"}})");
        dave_c = sys.create_customer(R"({"display_name":"Dave Client","owner":"dave","phones":["13700001111"]})");
        alice_i = sys.add_interaction(R"({"customer_id":")" + alice_c +
                                      R"(","kind":"call","subject":"续约 renewal","body":"new number 13812345678"})");
        bob_i = sys.add_interaction(R"({"customer_id":")" + bob_c + R"(","kind":"call","subject":"续约 renewal"})");
    }
    crm::Database as(const std::string& user) {
        crm::Options o;
        o.principal(user);
        return crm::Database(file, o);
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

std::vector<Json> rows(crm::Cursor c) {
    std::vector<Json> out;
    while (auto r = c.next()) out.push_back(Json::parse(*r));
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("a sales principal sees only its own customers, masked, through every read path", "[privacy]") {
    Fixture f;
    auto alice = f.as("alice");
    const Json me = Json::parse(alice.whoami());
    CHECK(me["principal"] == "alice");
    CHECK(me["scope"] == "own");

    SECTION("get and view") {
        const Json c = Json::parse(alice.customer(f.alice_c));
        CHECK(c["phones"][0]["value"] == "138****5678");
        CHECK(c["phones"][0]["normalized"] == "+86138****5678");
        CHECK(c["emails"][0]["value"] == "x****@example.com");
        CHECK(c["national_id"] == "110***********1234");
        CHECK(c["address"] == "浙江省杭州市****");
        CHECK(c["birthday"] == "****-**-**");
        CHECK(c["notes"] == "回电 *******5678");
        CHECK(alice.view(f.alice_c).find("13812345678") == std::string::npos);
        CHECK(status_of([&] { alice.customer(f.bob_c); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.view(f.bob_c); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.interaction(f.bob_i); }) == CRM_EPERM);
        CHECK(!alice.find_external("erp", "B1"));
        CHECK(alice.find_external("erp", "A1") == f.alice_c);
    }
    SECTION("list, count, timeline") {
        const auto list = rows(alice.query_customers(R"({"full":false})"));
        REQUIRE(list.size() == 1);
        CHECK(list[0]["id"] == f.alice_c);
        CHECK(list[0]["phone"] == "138****5678");
        const auto full = rows(alice.query_customers(R"({"full":true})"));
        REQUIRE(full.size() == 1);
        CHECK(full[0]["phones"][0]["value"] == "138****5678");
        CHECK(alice.count_customers() == 1);
        CHECK(alice.count_customers(R"({"owner":"bob"})") == 0);
        const auto tl = rows(alice.timeline(R"({"customer_id":")" + f.alice_c + "\"}"));
        REQUIRE(tl.size() == 1);
        CHECK(tl[0]["body"] == "new number *******5678");
        CHECK(Json::parse(alice.interaction(f.alice_i))["body"] == "new number *******5678");
        CHECK(status_of([&] { alice.timeline(R"({"customer_id":")" + f.bob_c + "\"}"); }) == CRM_EPERM);
    }
    SECTION("search results and snippets") {
        CHECK(rows(alice.search(R"({"q":"李四"})")).empty());
        CHECK(rows(alice.search(R"({"q":"13987654321"})")).empty());
        CHECK(rows(alice.search(R"({"q":"Dave"})")).empty());
        const auto renewals = rows(alice.search(R"({"q":"renewal"})"));
        REQUIRE(renewals.size() == 1);  // bob's interaction with the same subject is not there
        CHECK(renewals[0]["customer_id"] == f.alice_c);
        const auto mine = rows(alice.search(R"({"q":"5678"})"));
        REQUIRE(!mine.empty());
        for (const auto& hit : mine) CHECK(hit["snippet"].get<std::string>().find("1381234") == std::string::npos);
    }
    SECTION("export and sync are refused without the permissions") {
        CHECK(status_of([&] { alice.export_file("customers", f.dir.path("out.jsonl")); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.sync_changes(0, 1000); }) == CRM_EPERM);
    }
}

TEST_CASE("a forbidden write returns CRM_EPERM and writes nothing", "[privacy]") {
    Fixture f;
    const auto state = [&] {
        crmlite::testing::RawDb raw(f.file, SQLite::OPEN_READONLY);
        return raw.execAndGet("SELECT (SELECT group_concat(hex(id) || hlc || seq, ',') FROM sync_versions) || "
                              "(SELECT total_changes())").getString() +
               raw.execAndGet("SELECT group_concat(display_name || coalesce(owner, ''), ',') FROM customers").getString();
    };
    const std::string before = state();
    {
        auto alice = f.as("alice");
        CHECK(status_of([&] { alice.update_customer(f.bob_c, R"({"display_name":"hacked"})"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.update_customer(f.alice_c, R"({"owner":"bob"})"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.delete_customer(f.alice_c); }) == CRM_EPERM);  // sales may not delete
        CHECK(status_of([&] { alice.create_customer(R"({"display_name":"x","owner":"bob"})"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.add_interaction(R"({"customer_id":")" + f.bob_c + R"(","kind":"note"})"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.update_interaction(f.bob_i, R"({"subject":"x"})"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.tag(f.bob_c, "vip"); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.put_user(R"({"name":"eve","role":"admin"})"); }) == CRM_EPERM);
        auto ro = f.as("ro");
        CHECK(status_of([&] { ro.update_customer(f.alice_c, R"({"city":"x"})"); }) == CRM_EPERM);
        CHECK(state() == before);  // the denials are only pending audit entries so far
    }
    // A rep's new customer without an owner becomes the rep's.
    auto alice = f.as("alice");
    const std::string id = alice.create_customer(R"({"display_name":"新客户"})");
    crm::Database sys(f.file);
    CHECK(Json::parse(sys.customer(id))["owner"] == "alice");
}

TEST_CASE("a manager sees the team's customers unmasked; unknown principals cannot open", "[privacy]") {
    Fixture f;
    auto carol = f.as("carol");
    const auto list = rows(carol.query_customers());
    CHECK(list.size() == 2);  // alice's and bob's, not dave's
    CHECK(Json::parse(carol.customer(f.bob_c))["phones"][0]["value"] == "13987654321");
    CHECK(status_of([&] { carol.customer(f.dave_c); }) == CRM_EPERM);
    CHECK(status_of([&] { f.as("mallory"); }) == CRM_EPERM);
    crm::Database sys(f.file);
    sys.put_user(R"({"name":"bob","role":"sales","team":"east","active":false})");
    CHECK(status_of([&] { f.as("bob"); }) == CRM_EPERM);
    // An inactive colleague leaves the manager's scope.
    CHECK(rows(f.as("carol").query_customers()).size() == 1);
}

TEST_CASE("an analyst exports every customer masked; the marketing export honours consent", "[privacy]") {
    Fixture f;
    {
        crm::Database sys(f.file);
        sys.update_customer(f.bob_c, R"({"consent_marketing":true})");
    }
    auto ann = f.as("ann");
    const Json r = Json::parse(ann.export_file("customers", f.dir.path("all.jsonl")));
    CHECK(r["rows"] == 3);
    const std::string text = slurp(f.dir.path("all.jsonl"));
    CHECK(text.find("13812345678") == std::string::npos);
    CHECK(text.find("13987654321") == std::string::npos);
    CHECK(text.find("138****5678") != std::string::npos);
    const Json m = Json::parse(ann.export_marketing(f.dir.path("mkt.jsonl")));
    CHECK(m["rows"] == 1);
    CHECK(m["skipped_without_consent"] == 2);
    const std::string mkt = slurp(f.dir.path("mkt.jsonl"));
    CHECK(mkt.find(f.bob_c) != std::string::npos);
    CHECK(mkt.find(f.alice_c) == std::string::npos);
}

TEST_CASE("custom roles: permissions per capability and scope", "[privacy]") {
    Fixture f;
    crm::Database sys(f.file);
    CHECK(status_of([&] { sys.put_role(R"({"name":"sales","permissions":["read"],"scope":"all"})"); }) == CRM_EINVAL);
    CHECK(status_of([&] { sys.put_role(R"({"name":"x","permissions":["fly"],"scope":"all"})"); }) == CRM_EINVAL);
    sys.put_role(R"({"name":"field","permissions":["read","update","unmask"],"scope":"own"})");
    sys.put_user(R"({"name":"fred","role":"field"})");
    sys.update_customer(f.dave_c, R"({"owner":"fred"})");
    auto fred = f.as("fred");
    CHECK(Json::parse(fred.customer(f.dave_c))["phones"][0]["value"] == "13700001111");  // unmask
    CHECK(status_of([&] { fred.create_customer(R"({"display_name":"n"})"); }) == CRM_EPERM);  // no create
    fred.update_customer(f.dave_c, R"({"city":"杭州"})");
    const Json roles = Json::parse(sys.roles());
    CHECK(roles.size() == 7);
}

TEST_CASE("the audit log records reads, denials and logins, and its chain detects tampering", "[privacy][audit]") {
    Fixture f;
    {
        auto alice = f.as("alice");
        alice.customer(f.alice_c);
        CHECK(status_of([&] { alice.customer(f.bob_c); }) == CRM_EPERM);
        CHECK(status_of([&] { alice.audit(); }) == CRM_EPERM);  // sales may not read the audit log
    }  // close writes the batched entries
    auto root = f.as("root");
    const auto reads = rows(root.audit(R"({"principal":"alice"})"));
    bool read_ok = false, denied = false, login = false;
    for (const auto& e : reads) {
        if (e["action"] == "customer.read" && e["outcome"] == "ok" && e["record_id"] == f.alice_c) read_ok = true;
        if (e["action"] == "customer.read" && e["outcome"] == "denied" && e["record_id"] == f.bob_c) denied = true;
        if (e["action"] == "login") login = true;
    }
    CHECK(read_ok);
    CHECK(denied);
    CHECK(login);
    // Entries hold ids, never content.
    crmlite::testing::RawDb raw(f.file, SQLite::OPEN_READONLY);
    CHECK(raw.execAndGet("SELECT count(*) FROM audit_log WHERE detail LIKE '%王%' OR detail LIKE '%138%'").getInt() == 0);

    Json v = Json::parse(root.audit_verify());
    CHECK(v["ok"] == true);
    CHECK(v["entries"].get<int>() >= 4);

    SECTION("an edited entry") {
        crmlite::testing::RawDb w(f.file, SQLite::OPEN_READWRITE);
        w.exec("UPDATE audit_log SET principal = 'bob' WHERE n = 3");
        v = Json::parse(root.audit_verify());
        CHECK(v["ok"] == false);
        CHECK(v["problems"][0]["reason"].get<std::string>().find("edited") != std::string::npos);
    }
    SECTION("a deleted entry in the middle") {
        crmlite::testing::RawDb w(f.file, SQLite::OPEN_READWRITE);
        w.exec("DELETE FROM audit_log WHERE n = 2");
        v = Json::parse(root.audit_verify());
        CHECK(v["ok"] == false);
    }
    SECTION("the newest entry deleted") {
        crmlite::testing::RawDb w(f.file, SQLite::OPEN_READWRITE);
        w.exec("DELETE FROM audit_log WHERE n = (SELECT max(n) FROM audit_log)");
        v = Json::parse(root.audit_verify());
        CHECK(v["ok"] == false);
    }
}

TEST_CASE("sync follows the principal's scope", "[privacy][sync]") {
    Fixture f;
    crm::Database sys(f.file);
    sys.put_role(R"({"name":"field","permissions":["read","create","update","unmask"],"scope":"own"})");
    sys.put_user(R"({"name":"alice","role":"field","team":"east"})");
    TempDir other;
    crm::Database device(other.path("device.db"));
    const std::string device_site = Json::parse(device.info())["site_id"];
    auto hub_as_alice = f.as("alice");
    crm::SyncOptions o;
    o.peer(device_site);
    const auto page = hub_as_alice.sync_changes_for(0, 10000, o);
    device.sync_apply(page.blob);
    CHECK(device.count_customers() == 1);
    CHECK(Json::parse(device.customer(f.alice_c))["display_name"] == "王小明");
    CHECK(status_of([&] { device.customer(f.bob_c); }) == CRM_ENOTFOUND);
    // Asking for bob's share does not widen it.
    crm::SyncOptions wide;
    wide.peer(device_site).share("owner", "bob");
    CHECK(status_of([&] { hub_as_alice.sync_changes_for(0, 10000, wide); }) == CRM_EPERM);
}

TEST_CASE("a subject export holds everything about the person; erasure leaves no trace in the file", "[privacy][subject]") {
    Fixture f;
    auto root = f.as("root");
    const Json ex = Json::parse(root.subject_export(f.alice_c));
    CHECK(ex["customer"]["phones"][0]["value"] == "13812345678");
    CHECK(ex["interactions"].size() == 1);
    CHECK(ex["audit"].is_array());
    CHECK(status_of([&] { f.as("alice").subject_export(f.alice_c); }) == CRM_EPERM);
    CHECK(status_of([&] { f.as("carol").subject_erase(f.alice_c); }) == CRM_EPERM);

    // Earlier versions of the person's row, freed before the erasure, must go too.
    {
        crm::Database sys(f.file);
        for (int i = 0; i < 5; ++i)
            sys.update_customer(f.alice_c, R"({"notes":"王小明 回电 13812345678 第)" + std::to_string(i) + R"(次","city":"杭州)" +
                                               std::to_string(i) + "\"}");
    }
    // A replica that holds the person before the erasure.
    TempDir other;
    crm::Database replica(other.path("replica.db"));
    {
        crm::Database sys(f.file);
        replica.sync_apply(sys.sync_changes(0, 10000).blob);
    }
    REQUIRE(replica.count_customers() == 3);

    const Json rep = Json::parse(root.subject_erase(f.alice_c));
    INFO(rep.dump());
    CHECK(rep["records"].get<int>() >= 4);  // customer, phone, e-mail, external id, interaction
    CHECK(rep["checkpoint_complete"] == true);
    CHECK(rep.contains("fts_rewrite_ms"));
    CHECK(rep.contains("vacuum_ms"));
    WARN("erasure cost: " << rep.dump());
    CHECK(status_of([&] { root.customer(f.alice_c); }) == CRM_ENOTFOUND);
    CHECK(rows(root.search(R"({"q":"小明"})")).empty());

    // The raw bytes of the database and its WAL hold no trace of the person.
    for (const std::string& path : {f.file, f.file + "-wal"}) {
        const std::string bytes = slurp(path);
        INFO(path);
        CHECK(bytes.find("王小明") == std::string::npos);
        CHECK(bytes.find("13812345678") == std::string::npos);
        CHECK(bytes.find("xiaoming@example.com") == std::string::npos);
        CHECK(bytes.find("110101199001011234") == std::string::npos);
        CHECK(bytes.find("文三路") == std::string::npos);
        CHECK(bytes.find("wangxiaoming") == std::string::npos);
    }
    // The tombstone syncs: the replica loses the person, and its older copy
    // (edited meanwhile) does not bring the person back to the hub.
    replica.update_customer(f.alice_c, R"({"city":"宁波"})");
    const auto back = replica.sync_changes(0, 10000);
    {
        crm::Database sys(f.file);
        sys.sync_apply(back.blob);
        CHECK(status_of([&] { sys.customer(f.alice_c); }) == CRM_ENOTFOUND);
        replica.sync_apply(sys.sync_changes(0, 10000).blob);
    }
    CHECK(status_of([&] { replica.customer(f.alice_c); }) == CRM_ENOTFOUND);
    CHECK(replica.count_customers() == 2);
}
