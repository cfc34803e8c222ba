// A stale device re-baselines from a snapshot of the hub and keeps the work
// the hub never received, while nothing the hub deleted comes back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "sync/engine.hpp"
#include "sync/rebaseline.hpp"
#include "tags/tags.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::pull;
using crmlite::testing::TempDir;
using crmlite::testing::scalar;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;
namespace csync = crmlite::sync;

namespace {

// The hub declares `device` stale (away 40 days) and drops every tombstone.
void make_stale(Database& hub, Database& device) {
    SQLite::Statement away(hub.sql(), "UPDATE sync_peers SET last_seen = last_seen - 40 * 86400000 WHERE site = ?");
    away.bind(1, device.site_id().data(), Uuid::size());
    REQUIRE(away.exec() == 1);
    const Json gc = csync::collect_garbage(hub, 30LL * 86400000, crmlite::now_ms());
    REQUIRE(gc["stale_peers"] == 1);
    REQUIRE(scalar(hub, "SELECT count(*) FROM sync_tombstones") == 0);
}

// The canonical state without tombstones: garbage collection drops the hub's,
// devices keep theirs.
std::string live_state(Database& db) {
    Json d = Json::parse(csync::canonical_dump(db));
    if (d.contains("tables")) d["tables"].erase("tombstones");
    d.erase("tombstones");
    return d.dump(1);
}

bool listed(const Json& dropped, const Uuid& id) {
    for (const auto& d : dropped)
        if (d["id"] == id.str()) return true;
    return false;
}

}  // namespace

TEST_CASE("a stale device re-baselines and keeps its unsynced work; nothing deleted at the hub comes back",
          "[sync][rebaseline]") {
    TempDir dir;
    Database hub(dir.path("hub.db"), {}), device(dir.path("device.db"), {});
    const Uuid gone = customers::create(hub, Json{{"display_name", "删除的客户"}});
    const Uuid kept = customers::create(hub, Json{{"display_name", "王小明"}, {"phones", {"13800001111"}}});
    const Uuid dropped_by_device = customers::create(hub, Json{{"display_name", "Dropped Offline"}});
    pull(device, hub);
    // Made on the device and received by the hub, deleted there later.
    const Uuid made_then_deleted = customers::create(device, Json{{"display_name", "Made Here"}});
    pull(hub, device);
    pull(device, hub);

    // Offline on the device: edits, a new customer with a phone and a call, a
    // call for a customer the hub deletes, a delete, and edits of deleted ones.
    customers::update(device, kept, Json{{"city", "杭州"}});
    crmlite::tags::assign(device, kept, "vip/gold");
    const Uuid fresh = customers::create(device, Json{{"display_name", "李雷"}, {"phones", {"13900002222"}}});
    const Uuid call = interactions::add(device, Json{{"customer_id", fresh.str()}, {"kind", "call"},
                                                     {"occurred_at", "2026-11-20T09:00:00Z"}});
    interactions::add(device, Json{{"customer_id", gone.str()}, {"kind", "visit"}, {"occurred_at", "2026-11-20T10:00:00Z"}});
    customers::update(device, gone, Json{{"city", "北京"}});
    customers::update(device, made_then_deleted, Json{{"city", "上海"}});
    customers::remove(device, dropped_by_device);
    // Meanwhile at the hub.
    customers::update(hub, kept, Json{{"title", "经理"}});
    customers::remove(hub, gone);
    customers::remove(hub, made_then_deleted);
    make_stale(hub, device);
    {
        auto push = csync::changes_since(device, csync::received_from(hub, device.site_id()), 100);
        CHECK_CRM_ERROR(csync::apply(hub, push.blob, {}), CRM_ESTALE, "re-baseline");
    }

    const std::string path = dir.path("device-new.db");
    const std::string before = csync::canonical_dump(device);
    const Json r = csync::rebaseline(device, hub, path, {});
    CHECK(csync::canonical_dump(device) == before);  // the old file is only read
    CHECK(r["carried"]["since"] == csync::received_from(hub, device.site_id()));
    CHECK(r["carried"]["deleted"].get<int>() >= 1);
    CHECK(r["carried"]["missing_parent"] == 1);  // the visit of the customer deleted at the hub
    CHECK(listed(r["dropped"], gone));
    CHECK(listed(r["dropped"], made_then_deleted));
    CHECK_FALSE(listed(r["dropped"], kept));

    Database fresh_file(path, {});
    CHECK(fresh_file.site_id().str() == r["site_id"].get<std::string>());
    CHECK(fresh_file.site_id() != device.site_id());
    // The device's work is there, beside the hub's concurrent edit.
    const Json k = customers::get(fresh_file, kept);
    CHECK(k["city"] == "杭州");
    CHECK(k["title"] == "经理");
    CHECK(k["tags"].dump().find("vip/gold") != std::string::npos);
    CHECK(customers::get(fresh_file, fresh)["phones"].dump().find("13900002222") != std::string::npos);
    CHECK(interactions::get(fresh_file, call)["customer_id"] == fresh.str());
    // The device's delete holds; what the hub deleted does not come back.
    CHECK_FALSE(customers::exists(fresh_file, dropped_by_device));
    CHECK_FALSE(customers::exists(fresh_file, gone));
    CHECK_FALSE(customers::exists(fresh_file, made_then_deleted));
    CHECK(scalar(fresh_file, "SELECT count(*) FROM interactions") == 1);

    // The new file syncs on with the hub; the carried work reaches it.
    CHECK(pull(hub, fresh_file)["fields_applied"].get<int>() > 0);
    pull(fresh_file, hub);
    CHECK(customers::get(hub, kept)["city"] == "杭州");
    CHECK(customers::exists(hub, fresh));
    CHECK_FALSE(customers::exists(hub, dropped_by_device));
    CHECK_FALSE(customers::exists(hub, gone));
    CHECK_FALSE(customers::exists(hub, made_then_deleted));
    CHECK(csync::canonical_dump(fresh_file) == csync::canonical_dump(hub));
    // A second device joining later sees the same.
    Database other(dir.path("other.db"), {});
    pull(other, hub);
    CHECK(csync::canonical_dump(other) == csync::canonical_dump(hub));
}

TEST_CASE("a concurrent edit the hub made later wins over the carried one and the carried value is logged",
          "[sync][rebaseline]") {
    TempDir dir;
    Database hub(dir.path("hub.db"), {}), device(dir.path("device.db"), {});
    const Uuid c = customers::create(hub, Json{{"display_name", "Zhang"}});
    pull(device, hub);
    customers::update(device, c, Json{{"city", "device value"}});
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    customers::update(hub, c, Json{{"city", "hub value"}});  // a later clock
    make_stale(hub, device);
    const std::string path = dir.path("new.db");
    const Json r = csync::rebaseline(device, hub, path, {});
    CHECK(r["carried"]["fields_superseded"].get<int>() >= 1);
    CHECK(r["carried"]["conflicts"] == 1);
    Database fresh_file(path, {});
    CHECK(customers::get(fresh_file, c)["city"] == "hub value");
    CHECK(csync::conflicts(fresh_file, std::optional<Uuid>(c), 10).dump().find("device value") != std::string::npos);
}

TEST_CASE("re-baselining refuses the hub itself, an existing path and an open transaction, and leaves no file",
          "[sync][rebaseline]") {
    TempDir dir;
    Database hub(dir.path("hub.db"), {}), device(dir.path("device.db"), {});
    customers::create(hub, Json{{"display_name", "A"}});
    pull(device, hub);
    const std::string path = dir.path("new.db");
    CHECK_CRM_ERROR(csync::rebaseline(hub, hub, path, {}), CRM_EINVAL, "device");
    CHECK_FALSE(std::filesystem::exists(path));
    CHECK_CRM_ERROR(csync::rebaseline(device, hub, dir.path("hub.db"), {}), CRM_EEXISTS, "path");
    device.begin();
    CHECK_CRM_ERROR(csync::rebaseline(device, hub, path, {}), CRM_EMISUSE, "transaction");
    device.rollback();
    CHECK_FALSE(std::filesystem::exists(path));
    const std::int64_t peers = scalar(hub, "SELECT count(*) FROM sync_peers");
    // A filtered re-baseline holds the share only.
    csync::SnapshotOptions share;
    share.filter.owners = {"nobody"};
    const Json r = csync::rebaseline(device, hub, path, share);
    CHECK(r["customers"] == 0);
    CHECK(scalar(hub, "SELECT count(*) FROM sync_peers") == peers + 1);
}

namespace {

// The randomized check: a hub and two devices edit, create, delete and log
// calls while syncing at random; one device then stays away, keeps working,
// is declared stale (its tombstones collected) and re-baselines. After a full
// exchange every replica is identical, nothing deleted anywhere is back, and
// the stale device's offline writes hold wherever nobody wrote the same field
// after going offline, and its new customers live on.
struct World {
    TempDir dir;
    Database hub{dir.path("hub.db"), {}}, active{dir.path("active.db"), {}}, away{dir.path("away.db"), {}};
    std::unique_ptr<Database> fresh;
    std::mt19937 rng;
    std::vector<Uuid> ids;
    std::set<Uuid> deleted;
    explicit World(unsigned seed) : rng(seed) {}

    int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); }
    std::optional<Uuid> live(Database& db) {
        std::vector<Uuid> here;
        for (const auto& id : ids)
            if (customers::exists(db, id)) here.push_back(id);
        if (here.empty()) return std::nullopt;
        return here[static_cast<std::size_t>(pick(static_cast<int>(here.size())))];
    }
    // One random operation on db; returns the (customer, field) it wrote, if any.
    std::optional<std::pair<Uuid, std::string>> op(Database& db, int step) {
        static const char* kFields[] = {"city", "title", "stage"};
        static const char* kStages[] = {"prospect", "customer", "repeat", "loyal", "churned"};
        const int what = pick(10);
        if (what < 2 || ids.size() < 3) {
            ids.push_back(customers::create(db, Json{{"display_name", "客户" + std::to_string(step)}}));
            return std::nullopt;
        }
        const auto id = live(db);
        if (!id) return std::nullopt;
        if (what < 7) {
            const std::string field = kFields[pick(3)];
            const std::string value = field == "stage" ? kStages[pick(5)] : field + "-" + std::to_string(step);
            customers::update(db, *id, Json{{field, value}});
            return std::make_pair(*id, field);
        }
        if (what < 9) {
            interactions::add(db, Json{{"customer_id", id->str()}, {"kind", "call"}, {"occurred_at", "2026-11-20T09:00:00Z"}});
            return std::nullopt;
        }
        customers::remove(db, *id);
        deleted.insert(*id);
        return std::nullopt;
    }
    void exchange(Database& device) {
        pull(hub, device);
        pull(device, hub);
    }
};

}  // namespace

TEST_CASE("random work on a device that goes stale and re-baselines: nothing deleted comes back, its work holds",
          "[sync][rebaseline][property]") {
    const char* env = std::getenv("CRMLITE_SYNC_SEEDS");
    const int seeds = std::max(5, (env ? std::atoi(env) : 50) / 10);
    int writes_checked = 0, made_checked = 0, dropped = 0, carried_deletes = 0;
    for (int seed = 1; seed <= seeds; ++seed) {
        INFO("seed " << seed);
        World w(static_cast<unsigned>(seed));
        int step = 0;
        // Together, syncing at random.
        for (int i = 0; i < 30; ++i, ++step) {
            Database* dbs[] = {&w.hub, &w.active, &w.away};
            w.op(*dbs[w.pick(3)], step);
            if (w.pick(3) == 0) w.exchange(w.pick(2) ? w.active : w.away);
        }
        w.exchange(w.away);
        // The away device works offline; the others go on.
        std::map<std::pair<Uuid, std::string>, int> offline_writes;  // (customer, field) -> step
        std::set<std::pair<Uuid, std::string>> written_elsewhere;
        std::set<Uuid> made_offline;
        for (int i = 0; i < 40; ++i, ++step) {
            const int who = w.pick(3);
            if (who == 0) {
                const std::size_t before = w.ids.size();
                if (const auto wrote = w.op(w.away, step)) offline_writes[*wrote] = step;
                if (w.ids.size() > before) made_offline.insert(w.ids.back());
            } else {
                if (const auto wrote = w.op(who == 1 ? w.hub : w.active, step)) written_elsewhere.insert(*wrote);
                if (w.pick(2) == 0) w.exchange(w.active);
            }
        }
        for (int i = 0; i < 3; ++i) w.exchange(w.active);  // the active device acknowledges every delete
        make_stale(w.hub, w.away);
        const Json r = csync::rebaseline(w.away, w.hub, w.dir.path("fresh.db"), {});
        w.fresh = std::make_unique<Database>(w.dir.path("fresh.db"), crmlite::OpenOptions{});
        for (int round = 0; round < 2; ++round) {
            w.exchange(*w.fresh);
            w.exchange(w.active);
        }
        const std::string hub_dump = live_state(w.hub);
        REQUIRE(live_state(w.active) == hub_dump);
        REQUIRE(live_state(*w.fresh) == hub_dump);
        for (Database* db : {&w.hub, &w.active, w.fresh.get()}) {
            CHECK(scalar(*db, "SELECT count(*) FROM pragma_foreign_key_check") == 0);
            for (const auto& id : w.deleted) CHECK_FALSE(customers::exists(*db, id));
        }
        for (const auto& id : made_offline)
            if (!w.deleted.count(id)) {
                CHECK(customers::exists(w.hub, id));
                ++made_checked;
            }
        // An offline write holds unless its customer was deleted or someone
        // else wrote the same field meanwhile (then either may win, by clock).
        for (const auto& [key, at] : offline_writes) {
            const auto& [id, field] = key;
            if (w.deleted.count(id) || written_elsewhere.count(key) || !customers::exists(w.hub, id)) continue;
            const std::string got = customers::get(w.hub, id)[field].get<std::string>();
            if (field != "stage") CHECK(got == field + "-" + std::to_string(at));
            ++writes_checked;
        }
        dropped += static_cast<int>(r["dropped"].size());
        carried_deletes += r["carried"]["deleted"].get<int>();
    }
    // The runs exercised every path: writes carried, customers made offline,
    // edits of customers deleted at the hub dropped, offline deletes carried.
    CHECK(writes_checked > seeds);
    CHECK(made_checked > seeds);
    CHECK(dropped > 0);
    CHECK(carried_deletes > 0);
}
