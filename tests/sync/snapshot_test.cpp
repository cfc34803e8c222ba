// A new replica from a snapshot of the hub: the same state without replaying
// history, a site of its own, the hub's writes still the hub's, and sync that
// goes on from the snapshot's cursor in both directions (filtered too).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "sync/engine.hpp"
#include "sync/snapshot.hpp"
#include "tags/tags.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::pull;
using crmlite::testing::TempDir;
using crmlite::testing::scalar;
namespace customers = crmlite::customers;
namespace csync = crmlite::sync;

TEST_CASE("a snapshot of the hub is a new replica that syncs on from there", "[sync][snapshot]") {
    TempDir dir;
    Database hub(dir.path("hub.db"), {}), old_device(dir.path("old.db"), {});
    const Uuid wang = customers::create(hub, Json{{"display_name", "王小明"}, {"owner", "alice"}, {"phones", {"13800001111"}},
                                                  {"tags", {"vip/gold"}}});
    const Uuid li = customers::create(hub, Json{{"display_name", "李雷"}, {"owner", "bob"}});
    const Uuid gone = customers::create(hub, Json{{"display_name", "Gone"}});
    crmlite::interactions::add(hub, Json{{"customer_id", wang.str()}, {"kind", "call"}, {"occurred_at", "2026-11-01T09:00:00Z"}});
    // A device's writes at the hub stay the device's in the snapshot.
    pull(old_device, hub);
    customers::update(old_device, li, Json{{"city", "杭州"}});
    pull(hub, old_device);
    customers::remove(hub, gone);

    const std::string path = dir.path("new.db");
    const Json r = csync::snapshot(hub, path, {});
    CHECK(r["customers"] == 2);
    CHECK(r["origin"] == hub.site_id().str());
    Database device(path, {});
    CHECK(device.site_id().str() == r["site_id"].get<std::string>());
    CHECK(device.site_id() != hub.site_id());
    CHECK(csync::received_from(device, hub.site_id()) == r["cursor"].get<std::int64_t>());
    CHECK(csync::canonical_dump(device) == csync::canonical_dump(hub));
    CHECK(scalar(device, "SELECT count(*) FROM sync_tombstones WHERE tbl = 1") == 1);  // the delete is known
    CHECK(scalar(device, "SELECT count(*) FROM sync_peers") == 1);
    // Nothing is new to the hub: the device's first page from the hub is empty.
    CHECK(pull(device, hub)["records"] == 0);
    // ... and the device sends back none of the hub's (or the old device's) writes.
    {
        csync::ChangesOptions o;
        o.peer = hub.site_id();
        CHECK(csync::received_from(hub, device.site_id()) == r["cursor"].get<std::int64_t>());
        auto ch = csync::changes_since(device, csync::received_from(hub, device.site_id()), o);
        const Json first_push = csync::apply(hub, ch.blob, {});
        CHECK(first_push["records"] == 0);  // not every record of the copy again
        CHECK(first_push["fields_applied"] == 0);
    }

    // Edits on both sides after the snapshot meet.
    customers::update(device, wang, Json{{"city", "上海"}});
    customers::update(hub, wang, Json{{"title", "经理"}});
    const Json up = pull(hub, device);
    CHECK(up["fields_applied"] == 1);
    pull(device, hub);
    CHECK(customers::get(hub, wang)["city"] == "上海");
    CHECK(customers::get(device, wang)["title"] == "经理");
    CHECK(csync::canonical_dump(device) == csync::canonical_dump(hub));
    // The device's edit is the device's: the hub attributes it to the new site.
    CHECK(scalar(hub, "SELECT count(*) FROM sync_sites") >= 3);
    // A third replica hears of the device's edit through the hub, once.
    Database other(dir.path("other.db"), {});
    pull(other, hub);
    CHECK(customers::get(other, wang)["city"] == "上海");
    CHECK(csync::canonical_dump(other) == csync::canonical_dump(device));
}

TEST_CASE("a filtered snapshot holds its share only and filtered sync goes on from it", "[sync][snapshot]") {
    TempDir dir;
    Database hub(dir.path("hub.db"), {});
    const Uuid mine = customers::create(hub, Json{{"display_name", "张三"}, {"owner", "alice"}, {"phones", {"13800002222"}}});
    const Uuid theirs = customers::create(hub, Json{{"display_name", "李四"}, {"owner", "bob"}, {"phones", {"13800003333"}}});
    csync::SnapshotOptions o;
    o.filter.owners = {"alice"};
    const Json r = csync::snapshot(hub, dir.path("alice.db"), o);
    CHECK(r["customers"] == 1);
    Database alice(dir.path("alice.db"), {});
    CHECK(customers::exists(alice, mine));
    CHECK_FALSE(customers::exists(alice, theirs));
    CHECK(scalar(alice, "SELECT count(*) FROM contact_points") == 1);
    CHECK(scalar(alice, "SELECT count(*) FROM sync_tombstones") == 0);  // left out, not deleted
    // Reassignments at the hub: bob's customer enters alice's share whole, hers leaves.
    customers::update(hub, theirs, Json{{"owner", "alice"}});
    customers::update(hub, mine, Json{{"owner", "bob"}});
    const Json got = pull(alice, hub, o.filter);
    CHECK(got["evicted"] == 1);
    CHECK(customers::exists(alice, theirs));
    CHECK_FALSE(customers::exists(alice, mine));
    CHECK(customers::get(alice, theirs)["phones"].size() == 1);
}

TEST_CASE("a snapshot refuses an existing path and an open transaction, and leaves no file on failure", "[sync][snapshot]") {
    TempDir dir;
    Database hub(dir.path("hub.db"), {});
    customers::create(hub, Json{{"display_name", "A"}});
    const std::string taken = dir.path("taken.db");
    { Database other(taken, {}); }
    CHECK_CRM_ERROR(csync::snapshot(hub, taken, {}), CRM_EEXISTS, "path");
    CHECK_CRM_ERROR(csync::snapshot(hub, "", {}), CRM_EINVAL, "path");
    hub.begin();
    CHECK_CRM_ERROR(csync::snapshot(hub, dir.path("in_txn.db"), {}), CRM_EMISUSE, "transaction");
    hub.rollback();
    CHECK_FALSE(std::filesystem::exists(dir.path("in_txn.db")));
    CHECK_CRM_ERROR(csync::snapshot(hub, dir.path("no/such/dir/x.db"), {}), CRM_EIO, "cannot write");
    CHECK_FALSE(std::filesystem::exists(dir.path("no/such/dir/x.db")));
}

TEST_CASE("the snapshot of an encrypted hub is encrypted with the hub's key", "[sync][snapshot][crypto]") {
    TempDir dir;
    const std::string key(32, '\x42');
    OpenOptions keyed;
    keyed.raw_key = key;
    Database hub(dir.path("hub.db"), keyed);
    REQUIRE(hub.encrypted());
    const Uuid wang = customers::create(hub, Json{{"display_name", "王小明"}, {"owner", "alice"}, {"phones", {"13800001111"}}});
    customers::create(hub, Json{{"display_name", "Theodora Quist"}, {"owner", "bob"}, {"phones", {"13800002222"}}});
    const auto bytes_of = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    const auto holds_text = [](const std::string& bytes) {
        for (const char* s : {"王小明", "Theodora Quist", "13800001111", "13800002222", "SQLite format 3"})
            if (bytes.find(s) != std::string::npos) return true;
        return false;
    };

    SECTION("whole") {
        const std::string path = dir.path("device.db");
        const Json r = csync::snapshot(hub, path, {});
        CHECK(r["customers"] == 2);
        CHECK_FALSE(holds_text(bytes_of(path)));
        CHECK_FALSE(std::filesystem::exists(path + "-wal"));
        CHECK_CRM_ERROR(Database(path, OpenOptions{}), CRM_ENOTADB, "encrypted");
        OpenOptions other_key;
        other_key.raw_key = std::string(32, '\x43');
        CHECK_CRM_ERROR(Database(path, other_key), CRM_ENOTADB, "wrong key");
        Database device(path, keyed);
        CHECK(device.encrypted());
        CHECK(csync::canonical_dump(device) == csync::canonical_dump(hub));
        CHECK(device.site_id().str() == r["site_id"].get<std::string>());
        customers::update(device, wang, Json{{"city", "上海"}});
        pull(hub, device);
        CHECK(customers::get(hub, wang)["city"] == "上海");
    }
    SECTION("filtered (the copy is vacuumed after dropping what is outside the share)") {
        const std::string path = dir.path("alice.db");
        csync::SnapshotOptions o;
        o.filter.owners = {"alice"};
        CHECK(csync::snapshot(hub, path, o)["customers"] == 1);
        CHECK_FALSE(holds_text(bytes_of(path)));
        Database alice(path, keyed);
        CHECK(scalar(alice, "SELECT count(*) FROM customers") == 1);
        CHECK(customers::exists(alice, wang));
    }
    SECTION("a passphrase opens the snapshot of a hub opened with it") {
        OpenOptions pass;
        pass.passphrase = "hub passphrase";
        Database phub(dir.path("phub.db"), pass);
        customers::create(phub, Json{{"display_name", "王小明"}});
        const std::string path = dir.path("pdevice.db");
        csync::snapshot(phub, path, {});
        CHECK_FALSE(holds_text(bytes_of(path)));
        Database device(path, pass);
        CHECK(scalar(device, "SELECT count(*) FROM customers") == 1);
    }
}
