// Privacy under sync (issue 7, docs/privacy.md), through the public C++
// wrapper: the audit log synced to the hub and verified there, changesets
// masked for a principal without unmask, and erasure on the replicas that
// receive it.
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
#include "support/undo_migrations.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::testing::TempDir;

namespace {

crm_status status_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const crm::Error& e) {
        return e.code();
    }
    return CRM_OK;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string site_of(crm::Database& db) { return Json::parse(db.info())["site_id"]; }

crm::Database open_as(const std::string& path, const std::string& user) {
    crm::Options o;
    o.principal(user);
    return crm::Database(path, o);
}

// Every change of `from` after `since` for the peer `to` (one page).
Json send(crm::Database& from, crm::Database& to, crm::SyncOptions& opts, std::int64_t since = 0) {
    const auto page = from.sync_changes_for(since, 100000, opts);
    REQUIRE(!page.more);
    return Json::parse(to.sync_apply(page.blob));
}

Json records_of(const std::string& blob) { return Json::parse(crm::Database::sync_dump(blob))["records"]; }

int count_table(const Json& records, const std::string& table) {
    int n = 0;
    for (const auto& r : records) n += r["table"] == table ? 1 : 0;
    return n;
}

}  // namespace

TEST_CASE("a device's audit chain travels to the hub, which verifies every site's chain", "[privacy][audit][sync]") {
    TempDir dir;
    const std::string hub_path = dir.path("hub.db"), device_path = dir.path("device.db");
    crm::Database hub(hub_path);
    crm::Database device(device_path);
    const std::string hub_site = site_of(hub), device_site = site_of(device);
    hub.put_user(R"({"name":"alice","role":"sales"})");
    const std::string id = hub.create_customer(R"({"display_name":"王小明","owner":"alice"})");
    // The device: its own users, one of them reading (audited in its chain).
    device.put_user(R"({"name":"alice","role":"sales"})");
    device.put_user(R"({"name":"root","role":"admin"})");
    crm::SyncOptions down;
    down.peer(device_site).share("owner", "alice");
    send(hub, device, down);
    {
        auto alice = open_as(device_path, "alice");
        alice.customer(id);
        CHECK(status_of([&] { alice.customer("0190a000-0000-7000-8000-000000000000"); }) != CRM_OK);
    }
    crm::SyncOptions up;
    up.peer(hub_site);
    const auto page = device.sync_changes_for(0, 100000, up);
    const Json recs = records_of(page.blob);
    const int sent = count_table(recs, "audit_log");
    CHECK(sent >= 4);  // two user changes, the login, the read
    for (const auto& r : recs)
        if (r["table"] == "audit_log") {
            CHECK(r["fields"]["hash"]["value"].get<std::string>().size() == 64);
            CHECK(r.dump().find("王小明") == std::string::npos);  // ids, never content
        }
    Json rep = Json::parse(hub.sync_apply(page.blob));
    CHECK(rep["audit"]["appended"] == sent);
    CHECK(rep["audit"]["broken"] == 0);
    // Idempotent: the same page again changes nothing.
    rep = Json::parse(hub.sync_apply(page.blob));
    CHECK(rep["audit"]["known"] == sent);
    CHECK(rep["audit"]["appended"] == 0);

    // The hub holds the device's chain: queryable, verified.
    Json v = Json::parse(hub.audit_verify());
    CHECK(v["ok"] == true);
    CHECK(v["sites"] == 2);
    bool device_read = false;
    {
        crm::Cursor c = hub.audit(R"({"action":"customer.read","limit":100})");
        while (auto row = c.next()) {
            const Json e = Json::parse(*row);
            if (e["site"] == device_site && e["principal"] == "alice" && e["record_id"] == id) device_read = true;
        }
    }
    CHECK(device_read);
    // The chain goes to the hub only: the hub's answer to the device carries none.
    CHECK(count_table(records_of(hub.sync_changes_for(0, 100000, down).blob), "audit_log") == 0);
    // Unless asked for, a principal's changes do not carry it either; asking needs the audit permission.
    {
        auto alice = open_as(hub_path, "alice");
        crm::SyncOptions forced;
        forced.peer(device_site).audit(true);
        CHECK(status_of([&] { alice.sync_changes_for(0, 100, forced); }) == CRM_EPERM);
    }

    SECTION("an entry received by sync and edited at the hub") {
        {
            crmlite::testing::RawDb raw(hub_path, SQLite::OPEN_READWRITE);
            raw.exec("UPDATE audit_log SET principal = 'mallory' WHERE n = 2 AND site <> (SELECT value FROM crm_meta WHERE key = 'site_id')");
        }
        v = Json::parse(hub.audit_verify());
        CHECK(v["ok"] == false);
        REQUIRE(!v["problems"].empty());
        CHECK(v["problems"][0]["site"] == device_site);
        CHECK(v["problems"][0]["reason"].get<std::string>().find("edited") != std::string::npos);
    }
    SECTION("the newest entry received by sync deleted at the hub") {
        {
            crmlite::testing::RawDb raw(hub_path, SQLite::OPEN_READWRITE);
            raw.exec("DELETE FROM audit_log WHERE site <> (SELECT value FROM crm_meta WHERE key = 'site_id') AND n = "
                     "(SELECT max(n) FROM audit_log WHERE site <> (SELECT value FROM crm_meta WHERE key = 'site_id'))");
        }
        v = Json::parse(hub.audit_verify());
        CHECK(v["ok"] == false);
        CHECK(v["problems"][0]["site"] == device_site);
    }
    SECTION("a device that rewrites its log after it synced is found out at the hub") {
        {
            crmlite::testing::RawDb raw(device_path, SQLite::OPEN_READWRITE);
            raw.exec("UPDATE audit_log SET principal = 'nobody', hash = randomblob(32) WHERE n = 1");
        }
        rep = Json::parse(send(device, hub, up).dump());
        CHECK(rep["audit"]["mismatched"] == 1);
        v = Json::parse(hub.audit_verify());
        CHECK(v["ok"] == false);
        bool found = false;
        for (const auto& p : v["problems"])
            if (p["site"] == device_site && p["n"] == 1 && p["reason"].get<std::string>().find("rewritten") != std::string::npos)
                found = true;
        CHECK(found);
    }
    SECTION("entries after a gap wait for the missing ones") {
        // Later entries on the device, sent in a second page; a new hub gets
        // the second page first.
        device.put_user(R"({"name":"bob","role":"sales"})");
        const auto later = device.sync_changes_for(page.cursor, 100000, up);
        REQUIRE(count_table(records_of(later.blob), "audit_log") == 1);
        crm::Database hub2(dir.path("hub2.db"));
        rep = Json::parse(hub2.sync_apply(later.blob));
        CHECK(rep["audit"]["deferred"] == 1);
        CHECK(Json::parse(hub2.audit_verify())["ok"] == true);
        rep = Json::parse(hub2.sync_apply(page.blob));
        CHECK(rep["audit"]["appended"] == sent);
        rep = Json::parse(hub2.sync_apply(later.blob));
        CHECK(rep["audit"]["appended"] == 1);
        v = Json::parse(hub2.audit_verify());
        CHECK(v["ok"] == true);
        CHECK(v["entries"].get<int>() >= sent + 1);
    }
    SECTION("a receiver never sends another site's chain on") {
        crm::Database other(dir.path("other.db"));
        crm::SyncOptions none;
        const Json got = send(hub, other, none);  // unfiltered, from the system: the hub's own chain travels
        CHECK(got["audit"]["appended"].get<int>() >= 1);
        CHECK(count_table(records_of(other.sync_changes(0, 100000).blob), "audit_log") == 0);
        // The device's chain held at the hub is not the hub's: it stays there.
        crm::Database third(dir.path("third.db"));
        const Json from_hub = send(hub, third, none);
        CHECK(from_hub["audit"]["appended"] == got["audit"]["appended"]);
        CHECK(Json::parse(third.audit_verify())["sites"] == 1);
    }
}

TEST_CASE("a changeset for a principal without unmask carries masked values; the device never overwrites the clear ones",
          "[privacy][sync]") {
    TempDir dir;
    const std::string hub_path = dir.path("hub.db"), device_path = dir.path("device.db");
    std::string id, other_id, interaction;
    {
        crm::Database sys(hub_path);
        sys.put_user(R"({"name":"alice","role":"sales"})");
        sys.put_user(R"({"name":"bob","role":"sales"})");
        id = sys.create_customer(
            R"({"display_name":"王小明","owner":"alice","phones":["13812345678"],"emails":["xiaoming@example.com"],)"
            R"("national_id":"110101199001011234","address":"浙江省杭州市西湖区文三路100号","birthday":"1990-01-01",)"
            R"("postcode":"310012","notes":"回电 13812345678","external_ids":{"erp":"A1"}})");
        other_id = sys.create_customer(R"({"display_name":"李四海","owner":"bob","phones":["13987654321"]})");
        interaction = sys.add_interaction(R"({"customer_id":")" + id +
                                          R"(","kind":"call","subject":"续约","body":"new number 13912345678, mail xiaoming@example.com"})");
        sys.tag(id, "vip");
    }
    std::string device_site;
    {
        crm::Database device(device_path);
        device_site = site_of(device);
        auto hub_as_alice = open_as(hub_path, "alice");
        crm::SyncOptions down;
        down.peer(device_site);
        const auto page = hub_as_alice.sync_changes_for(0, 100000, down);
        for (const char* clear : {"13812345678", "xiaoming@example.com", "110101199001011234", "文三路", "1990-01-01",
                                  "13912345678", "310012"})
            CHECK(page.blob.find(clear) == std::string::npos);
        const Json rep = Json::parse(device.sync_apply(page.blob));
        CHECK(rep["incomplete"] == 0);
        CHECK(rep["missing_parent"] == 0);
        // The device holds its customer, masked, whole (tags, external ids, interactions).
        const Json c = Json::parse(device.customer(id));
        CHECK(c["phones"][0]["value"] == "138****5678");
        CHECK(c["phones"][0]["normalized"] == "+86138****5678");
        CHECK(c["emails"][0]["value"] == "x****@example.com");
        CHECK(c["national_id"] == "110***********1234");
        CHECK(c["address"] == "浙江省杭州市****");
        CHECK(c["birthday"] == "****-**-**");
        CHECK(c["notes"] == "回电 *******5678");
        CHECK(c["external_ids"]["erp"] == "A1");
        CHECK(Json::parse(device.interaction(interaction))["body"] == "new number *******5678, mail x****@example.com");
        CHECK(status_of([&] { device.customer(other_id); }) == CRM_ENOTFOUND);
        // Searching the device finds the masked forms only.
        CHECK(device.count_customers() == 1);

        // The device edits a field that is not masked and one that is, and
        // sends its changes (as the system of its own file) to the hub, which
        // applies them within alice's scope.
        device.update_customer(id, R"({"city":"宁波"})");
        crm::SyncOptions up;
        up.peer(site_of(hub_as_alice));
        const auto back = device.sync_changes_for(0, 100000, up);
        CHECK(back.blob.find("****") == std::string::npos);  // values held masked never travel back
        const Json applied = Json::parse(hub_as_alice.sync_apply(back.blob));
        CHECK(applied["refused"].empty());
    }
    {
        crm::Database sys(hub_path);
        const Json c = Json::parse(sys.customer(id));
        CHECK(c["city"] == "宁波");
        CHECK(c["phones"][0]["value"] == "13812345678");
        CHECK(c["emails"][0]["value"] == "xiaoming@example.com");
        CHECK(c["national_id"] == "110101199001011234");
        CHECK(c["notes"] == "回电 13812345678");
        CHECK(Json::parse(sys.interaction(interaction))["body"] == "new number 13912345678, mail xiaoming@example.com");
    }
    // No clear value of the person in the device's file bytes.
    for (const std::string& path : {device_path, device_path + "-wal"}) {
        const std::string bytes = slurp(path);
        INFO(path);
        for (const char* clear : {"13812345678", "xiaoming@example.com", "110101199001011234", "文三路", "13912345678"})
            CHECK(bytes.find(clear) == std::string::npos);
    }

    SECTION("an edit of a masked field on the device is a real new value") {
        {
            crm::Database device(device_path);
            device.update_customer(id, R"({"notes":"新号码 13700001234"})");
            crm::Database hub(hub_path);
            crm::SyncOptions up;
            up.peer(site_of(hub));
            send(device, hub, up, hub.sync_received(device_site));
            CHECK(Json::parse(hub.customer(id))["notes"] == "新号码 13700001234");
            CHECK(Json::parse(hub.customer(id))["phones"][0]["value"] == "13812345678");
            // Back at the device: the hub's answer does not return the device's own value.
            auto hub_as_alice = open_as(hub_path, "alice");
            crm::SyncOptions down;
            down.peer(device_site);
            send(hub_as_alice, device, down, device.sync_received(site_of(hub)));
            CHECK(Json::parse(device.customer(id))["notes"] == "新号码 13700001234");
        }
    }
    SECTION("a masked copy never replaces the clear value of the same write; the clear one replaces a masked copy") {
        auto hub_as_alice = open_as(hub_path, "alice");
        crm::Database full(dir.path("full.db"));
        crm::Database sys(hub_path);
        crm::SyncOptions plain, masked;
        masked.peer(site_of(full));
        send(sys, full, plain);
        send(hub_as_alice, full, masked);  // the same writes, masked: a full replica keeps the clear values
        CHECK(Json::parse(full.customer(id))["phones"][0]["value"] == "13812345678");
        CHECK(Json::parse(full.customer(id))["national_id"] == "110101199001011234");
        crm::Database later(dir.path("later.db"));
        crm::SyncOptions masked_later;
        masked_later.peer(site_of(later));
        send(hub_as_alice, later, masked_later);
        CHECK(Json::parse(later.customer(id))["national_id"] == "110***********1234");
        send(sys, later, plain);  // the clear copies arrive: they win
        CHECK(Json::parse(later.customer(id))["national_id"] == "110101199001011234");
        CHECK(Json::parse(later.customer(id))["phones"][0]["value"] == "13812345678");
        // Both replicas now equal the hub.
        crmlite::testing::RawDb raw(dir.path("later.db"), SQLite::OPEN_READONLY);
        CHECK(raw.execAndGet("SELECT count(*) FROM sync_masked").getInt() == 0);
    }
    SECTION("a principal without unmask gets no snapshot") {
        auto hub_as_alice = open_as(hub_path, "alice");
        CHECK(status_of([&] { hub_as_alice.sync_snapshot(dir.path("snap.db")); }) == CRM_EPERM);
    }
}

TEST_CASE("an erasure received by sync leaves no trace of the person in the receiving replica's file",
          "[privacy][subject][sync]") {
    TempDir dir;
    const std::string hub_path = dir.path("hub.db"), replica_path = dir.path("replica.db"), relay_path = dir.path("relay.db");
    crm::Database hub(hub_path);
    crm::Database replica(replica_path);
    crm::Database relay(relay_path);
    hub.put_user(R"({"name":"root","role":"admin"})");
    const std::string id = hub.create_customer(
        R"({"display_name":"王小明","owner":"alice","phones":["13812345678"],"emails":["xiaoming@example.com"],)"
        R"("national_id":"110101199001011234","address":"浙江省杭州市西湖区文三路100号","notes":"王小明 回电 13812345678"})");
    const std::string keep = hub.create_customer(R"({"display_name":"李四海","phones":["13987654321"]})");
    hub.add_interaction(R"({"customer_id":")" + id + R"(","kind":"call","subject":"王小明 来电","body":"13812345678"})");
    crm::SyncOptions none;
    // The replica receives several versions of the person (old ones end up in its free pages).
    for (int i = 0; i < 4; ++i) {
        hub.update_customer(id, R"({"notes":"王小明 回电 13812345678 第)" + std::to_string(i) + R"(次","city":"杭州)" +
                                    std::to_string(i) + "\"}");
        send(hub, replica, none);
    }
    send(replica, relay, none);
    const bool held = slurp(replica_path).find("13812345678") != std::string::npos ||
                      slurp(replica_path + "-wal").find("13812345678") != std::string::npos;
    REQUIRE(held);

    SECTION("a plain delete is not an erasure") {
        hub.delete_customer(id);
        const Json rep = send(hub, replica, none);
        CHECK(rep["deleted"].get<int>() >= 1);
        CHECK(rep["erased"] == 0);
        CHECK(!rep.contains("scrub"));
    }
    SECTION("the erasure") {
        {
            auto root = open_as(hub_path, "root");
            root.subject_erase(id);
        }
        const Json rep = send(hub, replica, none);
        INFO(rep.dump());
        CHECK(rep["erased"] == 1);
        REQUIRE(rep.contains("scrub"));
        CHECK(rep["scrub"]["checkpoint_complete"] == true);
        CHECK(status_of([&] { replica.customer(id); }) == CRM_ENOTFOUND);
        CHECK(Json::parse(replica.customer(keep))["phones"][0]["value"] == "13987654321");
        // Again: nothing new, no second scrub.
        const Json again = send(hub, replica, none);
        CHECK(again["erased"] == 0);
        CHECK(!again.contains("scrub"));
        // The replica passes the erasure on: a third file scrubs too.
        const Json relayed = send(replica, relay, none);
        CHECK(relayed["erased"] == 1);
        CHECK(relayed.contains("scrub"));
        for (const std::string& path : {replica_path, replica_path + "-wal", relay_path, relay_path + "-wal"}) {
            const std::string bytes = slurp(path);
            INFO(path);
            CHECK(bytes.find("王小明") == std::string::npos);
            CHECK(bytes.find("13812345678") == std::string::npos);
            CHECK(bytes.find("xiaoming@example.com") == std::string::npos);
            CHECK(bytes.find("110101199001011234") == std::string::npos);
            CHECK(bytes.find("文三路") == std::string::npos);
            CHECK(bytes.find("wangxiaoming") == std::string::npos);
        }
        CHECK(slurp(replica_path).find("李四海") != std::string::npos);  // the others stay
    }
    SECTION("an erasure applied inside a transaction is scrubbed at the next apply") {
        {
            auto root = open_as(hub_path, "root");
            root.subject_erase(id);
        }
        replica.begin();
        const Json rep = send(hub, replica, none);
        CHECK(rep["erased"] == 1);
        CHECK(!rep.contains("scrub"));
        replica.commit();
        const Json next = send(hub, replica, none);
        REQUIRE(next.contains("scrub"));
        for (const std::string& path : {replica_path, replica_path + "-wal"}) {
            const std::string bytes = slurp(path);
            CHECK(bytes.find("13812345678") == std::string::npos);
            CHECK(bytes.find("王小明") == std::string::npos);
        }
    }
}

TEST_CASE("migration 14 sends the entries a file logged before it to the hub", "[privacy][audit][sync][store]") {
    TempDir dir;
    const std::string path = dir.path("old.db");
    std::int64_t seq_before = 0;
    {
        crm::Database db(path);
        db.put_user(R"({"name":"alice","role":"sales"})");
        db.put_user(R"({"name":"bob","role":"sales"})");
    }
    {
        // Back to schema 12: no seq on the log, no erased tombstones, no masked
        // fields, no duplicate detector triggers (migration 13).
        crmlite::testing::RawDb raw(path, SQLite::OPEN_READWRITE);
        crmlite::testing::undo_migration_17(raw);
        raw.exec("DROP TRIGGER dedup_stale_customer; DROP TRIGGER dedup_stale_point_insert; "
                 "DROP TRIGGER dedup_stale_point_delete; DROP TRIGGER dedup_stale_point_update; "
                 "DROP INDEX audit_log_seq; ALTER TABLE audit_log DROP COLUMN seq; "
                 "ALTER TABLE sync_tombstones DROP COLUMN erased; DROP TABLE sync_masked; "
                 "DROP INDEX sync_conflicts_customer; ALTER TABLE sync_conflicts DROP COLUMN customer; "
                 "DROP INDEX sync_tombstones_customer; ALTER TABLE sync_tombstones DROP COLUMN customer; PRAGMA user_version = 12");
        seq_before = raw.execAndGet("SELECT value FROM crm_meta WHERE key = 'seq'").getInt64();
    }
    crm::Database db(path);
    {
        crmlite::testing::RawDb raw(path, SQLite::OPEN_READONLY);
        CHECK(raw.execAndGet("SELECT count(*) FROM audit_log WHERE seq = " + std::to_string(seq_before + 1)).getInt() == 2);
    }
    const auto page = db.sync_changes(0, 1000);
    CHECK(count_table(records_of(page.blob), "audit_log") == 2);
    crm::Database hub(dir.path("hub.db"));
    CHECK(Json::parse(hub.sync_apply(page.blob))["audit"]["appended"] == 2);
    CHECK(Json::parse(hub.audit_verify())["ok"] == true);
}
