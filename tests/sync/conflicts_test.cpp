// The conflict log (what a concurrent edit overwrote), fields of newer
// versions kept and forwarded, and tombstone garbage collection with stale
// peers made to re-baseline.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>
#include <thread>
#include <string>
#include <vector>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::TempDir;
using crmlite::testing::scalar;
namespace customers = crmlite::customers;
namespace csync = crmlite::sync;

namespace {

struct Pair {
    TempDir dir;
    std::vector<std::unique_ptr<Database>> dbs;
    explicit Pair(int n = 2) {
        for (int i = 0; i < n; ++i) dbs.push_back(std::make_unique<Database>(dir.path("r" + std::to_string(i) + ".db"), OpenOptions{}));
    }
    Database& operator[](int i) { return *dbs[static_cast<std::size_t>(i)]; }
    // Everything `from` holds that `to` has not received yet, as `to` would ask for it.
    Json sync(int from, int to, const csync::ApplyOptions& opts = {}) {
        return crmlite::testing::pull((*this)[to], (*this)[from], {}, 500, opts);
    }
};

}  // namespace

TEST_CASE("a value overwritten by a concurrent edit is kept in the conflict log on both sides", "[sync][conflicts]") {
    Pair p;
    const Uuid id = customers::create(p[0], Json{{"display_name", "王小明"}, {"city", "杭州"}});
    p.sync(0, 1);
    customers::update(p[0], id, Json{{"city", "宁波"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    customers::update(p[1], id, Json{{"city", "温州"}});  // later clock: wins
    p.sync(0, 1);
    p.sync(1, 0);
    for (int i = 0; i < 2; ++i) {
        INFO("replica " << i);
        CHECK(customers::get(p[i], id)["city"] == "温州");
        const Json log = csync::conflicts(p[i], id, 10);
        REQUIRE(log.size() == 1);
        CHECK(log[0]["table"] == "customers");
        CHECK(log[0]["field"] == "city");
        CHECK(log[0]["reason"] == "concurrent edit");
        CHECK(log[0]["lost"]["value"] == "宁波");
        CHECK(log[0]["lost"]["site"] == p[0].site_id().str());
        CHECK(log[0]["kept"]["value"] == "温州");
        CHECK(log[0]["kept"]["site"] == p[1].site_id().str());
    }
    // Applying the same blobs again logs nothing new.
    p.sync(0, 1);
    p.sync(1, 0);
    CHECK(csync::conflicts(p[0], std::nullopt, 10).size() == 1);
}

TEST_CASE("sequential edits and edits of different fields are not conflicts", "[sync][conflicts]") {
    Pair p;
    const Uuid id = customers::create(p[0], Json{{"display_name", "Alice"}, {"city", "Boston"}});
    p.sync(0, 1);
    customers::update(p[1], id, Json{{"city", "Berlin"}});  // B saw A's value
    p.sync(1, 0);
    customers::update(p[0], id, Json{{"city", "Paris"}});  // A saw B's
    p.sync(0, 1);
    customers::update(p[0], id, Json{{"stage", "customer"}});
    customers::update(p[1], id, Json{{"notes", "met at the fair"}});
    p.sync(0, 1);
    p.sync(1, 0);
    CHECK(customers::get(p[1], id)["city"] == "Paris");
    CHECK(customers::get(p[0], id)["notes"] == "met at the fair");
    for (int i = 0; i < 2; ++i) CHECK(csync::conflicts(p[i], std::nullopt, 10).empty());
}

TEST_CASE("a late arrival of an older value that the winner had seen is not a conflict", "[sync][conflicts]") {
    Pair p(3);
    const Uuid id = customers::create(p[0], Json{{"display_name", "Bob"}, {"city", "one"}});
    p.sync(0, 1);
    customers::update(p[1], id, Json{{"city", "two"}});  // B overwrote A's value knowingly
    p.sync(1, 2);  // C gets B's version (and the record) first ...
    p.sync(0, 2);  // ... then A's older one, which loses
    CHECK(customers::get(p[2], id)["city"] == "two");
    CHECK(csync::conflicts(p[2], std::nullopt, 10).empty());
}

TEST_CASE("an edit lost to a concurrent delete is logged", "[sync][conflicts]") {
    Pair p;
    const Uuid id = customers::create(p[0], Json{{"display_name", "Carol"}});
    p.sync(0, 1);
    customers::remove(p[0], id);
    std::this_thread::sleep_for(std::chrono::milliseconds(3));  // B's edit is clocked after the delete
    customers::update(p[1], id, Json{{"city", "edited offline"}});
    p.sync(1, 0);  // A: the edit arrives for a deleted customer
    p.sync(0, 1);  // B: the delete removes its newer edit
    for (int i = 0; i < 2; ++i) {
        INFO("replica " << i);
        CHECK_FALSE(customers::exists(p[i], id));
        const Json log = csync::conflicts(p[i], id, 10);
        REQUIRE(log.size() >= 1);
        bool city = false;
        for (const auto& e : log) city = city || (e["field"] == "city" && e["lost"]["value"] == "edited offline");
        CHECK(city);
        CHECK(log[0]["reason"] == "deleted");
        CHECK(log[0]["kept"]["value"].is_null());
    }
}

TEST_CASE("the conflict log is pruned after its retention time", "[sync][conflicts]") {
    Pair p;
    const Uuid id = customers::create(p[0], Json{{"display_name", "Dan"}});
    p.sync(0, 1);
    customers::update(p[0], id, Json{{"city", "x"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(3));
    customers::update(p[1], id, Json{{"city", "y"}});
    p.sync(0, 1);
    REQUIRE(csync::conflicts(p[1], std::nullopt, 10).size() == 1);
    p[1].sql().exec("UPDATE sync_conflicts SET at = at - 40 * 86400000");  // logged 40 days ago
    customers::update(p[0], id, Json{{"title", "CEO"}});
    p.sync(0, 1);  // the default retention is 30 days
    CHECK(csync::conflicts(p[1], std::nullopt, 10).empty());
    CHECK_CRM_ERROR(csync::conflicts(p[1], std::nullopt, 0), CRM_EINVAL, "limit");
}

TEST_CASE("fields a newer version sends are kept and forwarded, last writer wins", "[sync][unknown]") {
    Pair p(3);
    const Uuid id = customers::create(p[0], Json{{"display_name", "Eve"}});
    auto ch = csync::changes_since(p[0], 0, 100);
    // What a newer crmlite would send: an extra customer field.
    auto cs = csync::decode(ch.blob);
    for (auto& r : cs.records)
        if (r.table == static_cast<int>(crmlite::Table::customers)) {
            r.fields.push_back({cs.name_index("loyalty_level"), 0, r.fields.front().hlc, std::string("gold")});
        }
    const Json rep = csync::apply(p[1], csync::encode(cs), {});
    CHECK(rep["unknown_fields"] == 1);
    CHECK(scalar(p[1], "SELECT count(*) FROM sync_extra WHERE name = 'loyalty_level' AND value = 'gold'") == 1);
    // B forwards it to C, which keeps it too.
    p.sync(1, 2);
    CHECK(scalar(p[2], "SELECT count(*) FROM sync_extra WHERE name = 'loyalty_level' AND value = 'gold'") == 1);
    const std::string dump = csync::to_json(csync::decode(csync::changes_since(p[2], 0, 100).blob), {}).dump();
    CHECK(dump.find("loyalty_level") != std::string::npos);
    // An older write of it loses; a newer one wins.
    auto older = cs;
    for (auto& r : older.records)
        for (auto& f : r.fields)
            if (older.names[f.name] == "loyalty_level") f.value = std::string("silver");
    csync::apply(p[2], csync::encode(older), {});  // same clock and site: already known, no change
    CHECK(scalar(p[2], "SELECT count(*) FROM sync_extra WHERE value = 'gold'") == 1);
    customers::remove(p[2], id);
    CHECK(scalar(p[2], "SELECT count(*) FROM sync_extra") == 0);  // goes with its record
}

TEST_CASE("tombstones every peer has seen are collected; a peer away too long must re-baseline", "[sync][gc]") {
    Pair p(3);  // 0 = hub, 1 = an active device, 2 = a device that goes away
    const Uuid a = customers::create(p[0], Json{{"display_name", "A"}});
    const Uuid b = customers::create(p[0], Json{{"display_name", "B"}});
    p.sync(0, 1);
    p.sync(0, 2);
    customers::update(p[2], b, Json{{"city", "offline edit"}});
    customers::remove(p[0], a);
    customers::remove(p[0], b);
    // Nothing collected while a peer has not seen the deletes.
    Json gc = csync::collect_garbage(p[0], 30LL * 86400000, crmlite::now_ms());
    CHECK(gc["tombstones_dropped"] == 0);
    p.sync(0, 1);
    p.sync(0, 1);  // device 1 asks again: it acknowledges the deletes
    CHECK_FALSE(customers::exists(p[1], a));
    // Device 2 has been away for 40 days.
    {
        SQLite::Statement away(p[0].sql(), "UPDATE sync_peers SET last_seen = last_seen - 40 * 86400000 WHERE site = ?");
        away.bind(1, p[2].site_id().data(), Uuid::size());
        REQUIRE(away.exec() == 1);
    }
    gc = csync::collect_garbage(p[0], 30LL * 86400000, crmlite::now_ms());
    CHECK(gc["tombstones_dropped"] == 2);
    CHECK(gc["stale_peers"] == 1);
    CHECK(scalar(p[0], "SELECT count(*) FROM sync_tombstones") == 0);
    // Device 2's edit of a deleted customer cannot come back through the hub ...
    auto push = csync::changes_since(p[2], 0, 100);
    CHECK_CRM_ERROR(csync::apply(p[0], push.blob, {}), CRM_ESTALE, "re-baseline");
    CHECK_FALSE(customers::exists(p[0], b));
    // ... nor can it pull on from its old cursor.
    csync::ChangesOptions o;
    o.peer = p[2].site_id();
    CHECK_CRM_ERROR(csync::changes_since(p[0], csync::received_from(p[2], p[0].site_id()), o), CRM_ESTALE, "re-baseline");
    // An anonymous pull from before the horizon is refused too; a snapshot (0) is not.
    CHECK_CRM_ERROR(csync::changes_since(p[0], 1, 100), CRM_ESTALE, "horizon");
    CHECK_NOTHROW(csync::changes_since(p[0], 0, 100));
    // The active device goes on as before.
    customers::create(p[0], Json{{"display_name", "C"}});
    CHECK(p.sync(0, 1)["fields_applied"].get<int>() > 0);
    CHECK_CRM_ERROR(csync::collect_garbage(p[0], -1, crmlite::now_ms()), CRM_EINVAL, "retention_ms");
}

TEST_CASE("a content-addressed record under a foreign id or clashing with a rule is refused whole", "[sync][hostile]") {
    Pair p;
    const Uuid id = customers::create(p[0], Json{{"display_name", "Fay"}, {"tags", {"vip"}}});
    auto cs = csync::decode(csync::changes_since(p[0], 0, 100).blob);
    // A tag record whose id is not the one its path makes.
    auto forged = cs;
    for (auto& r : forged.records)
        if (r.table == static_cast<int>(crmlite::Table::tags)) r.id = Uuid::v7();
    const std::string before = csync::canonical_dump(p[1]);
    CHECK_CRM_ERROR(csync::apply(p[1], csync::encode(forged), {}), CRM_ECORRUPT, "the id its content makes");
    CHECK(csync::canonical_dump(p[1]) == before);
    // A customer kind the table's CHECK rejects: refused, not an internal error.
    auto bad_kind = cs;
    for (auto& r : bad_kind.records)
        for (auto& f : r.fields)
            if (bad_kind.names[f.name] == "kind" && r.table == static_cast<int>(crmlite::Table::customers)) f.value = std::string("robot");
    CHECK_CRM_ERROR(csync::apply(p[1], csync::encode(bad_kind), {}), CRM_ECORRUPT, "breaks a rule");
    CHECK(csync::canonical_dump(p[1]) == before);
    // (The valid blob applies right after the failed one: a cached statement
    // whose last step failed must not fail again.)
    CHECK_NOTHROW(csync::apply(p[1], csync::encode(cs), {}));
    CHECK(customers::exists(p[1], id));
}
