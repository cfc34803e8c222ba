// Filtered replication, found by reading the hub's code (2026-12-07): crafted
// blobs that reached outside the sender's write scope through a merge, a
// company link or the delete of a shared tag, and the ordering of a page that
// links a held person to a company entering the share.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>
#include <vector>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/merge.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "sync/peers.hpp"
#include "tags/tags.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"
#include "support/undo_migrations.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::Star;
using crmlite::testing::TempDir;
using crmlite::testing::scalar;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;
namespace csync = crmlite::sync;

namespace {

std::string hex(const Uuid& u) {
    std::string s = u.str();
    s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
    return s;
}

Uuid person(Database& db, const std::string& name, const std::string& owner) {
    const Uuid id = customers::create(db, Json{{"display_name", name}, {"owner", owner}, {"phones", {{{"value", "13800000000"}}}}});
    interactions::add(db, Json{{"customer_id", id.str()}, {"kind", "call"}, {"subject", name + " call"}});
    return id;
}

Uuid company(Database& db, const std::string& name, const std::string& owner) {
    return customers::create(db, Json{{"display_name", name}, {"kind", "company"}, {"owner", owner}});
}

// A file holding all of the hub's data: what a forger who once had it would hold.
struct Forger {
    TempDir dir;
    Database db{dir.path("forger.db"), OpenOptions{}};
    explicit Forger(Database& hub) { csync::apply(db, csync::changes_since(hub, 0, 100000).blob, {}); }

    // Its changes the hub has not received, applied there within `scope`.
    Json push(Database& hub, const csync::Filter& scope, bool rules = true) {
        csync::ChangesOptions o;
        o.peer = hub.site_id();
        const auto blob = csync::changes_since(db, csync::received_from(hub, db.site_id()), o).blob;
        csync::ApplyOptions a;
        a.scope = scope;
        a.rules = rules;
        return csync::apply(hub, blob, a);
    }
};

// A replica's synced records, without tombstones (a device receives every
// delete, holding ids and clocks only).
std::string state(Database& db) {
    Json j = Json::parse(csync::canonical_dump(db));
    j.erase("tombstones");
    return j.dump(1);
}

// Where the replica's redirect of `loser` points ("" when it has none).
std::string db_redirect_to(Database& db, const Uuid& loser) {
    const auto to = db.id_at("SELECT survivor_id FROM customer_redirects WHERE id = ?", loser);
    return to ? to->str() : "";
}

bool refused(const Json& report, const std::string& table) {
    for (const auto& r : report["refused"])
        if (r["table"] == table) return true;
    return false;
}

// Offline, Alice merges `loser` into `survivor` while the hub gives
// `reassigned` (one of the two) to Bob; her push of the merge is refused.
// Returns the push's report.
Json refused_merge(Star& s, const Uuid& survivor, const Uuid& loser, const Uuid& reassigned) {
    crmlite::merge::merge(s.alice, survivor, {loser}, Json());
    customers::update(s.hub, reassigned, Json{{"owner", "bob"}});
    const Json pushed = s.push();
    INFO(pushed.dump());
    CHECK(refused(pushed, "customer_redirects"));
    return pushed;
}

}  // namespace

TEST_CASE("a crafted merge cannot merge away a customer outside the sender's write scope", "[sync][share][merge]") {
    Star s;
    const Uuid mine = person(s.hub, "王小明", "alice");
    const Uuid theirs = person(s.hub, "王小明 (Bob's)", "bob");
    Forger f(s.hub);
    crmlite::merge::merge(f.db, mine, {theirs}, Json());
    REQUIRE_FALSE(customers::exists(f.db, theirs));
    const Json r = f.push(s.hub, s.share());
    CHECK(refused(r, "customer_redirects"));
    CHECK(refused(r, "customer_merges"));
    // Bob's customer is untouched: still there, still holding its call.
    CHECK(customers::exists(s.hub, theirs));
    CHECK(scalar(s.hub, "SELECT count(*) FROM customer_redirects") == 0);
    CHECK(scalar(s.hub, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(theirs) + "'") == 1);
    CHECK(scalar(s.hub, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(mine) + "'") == 1);

    // (The forged merge gave alice's customer Bob's values, owner included: a
    // rep may hand her own customer to anyone.) A merge of two customers the
    // sender holds goes through.
    const Uuid keep = person(s.hub, "周杰", "alice");
    const Uuid dup = person(s.hub, "周杰 重复", "alice");
    s.pull();
    crmlite::merge::merge(s.alice, keep, {dup}, Json());
    const Json ok = s.push();
    INFO(ok["refused"].dump());
    CHECK(ok["refused"].empty());
    CHECK_FALSE(customers::exists(s.hub, dup));
    CHECK(scalar(s.hub, "SELECT count(*) FROM customer_redirects") == 1);
}

TEST_CASE("a crafted company link cannot pull a customer outside the scope into the sender's share", "[sync][share]") {
    Star s;
    const Uuid mine = person(s.hub, "李雷", "alice");
    const Uuid other = person(s.hub, "韩梅梅", "alice");
    const Uuid bobs_co = company(s.hub, "Bob Co", "bob");
    s.pull();
    REQUIRE_FALSE(customers::exists(s.alice, bobs_co));

    // A company of someone else's, which the sender does not hold.
    Forger f(s.hub);
    customers::update(f.db, mine, Json{{"company_id", bobs_co.str()}});
    const Json r = f.push(s.hub, s.share());
    CHECK(refused(r, "customers"));
    CHECK(customers::get(s.hub, mine)["company_id"].is_null());
    s.pull();
    CHECK_FALSE(customers::exists(s.alice, bobs_co));

    // A person (not a company) in the sender's own share, set as a company by
    // a hand-made blob: refused too.
    Forger g(s.hub);
    const Uuid own_co = company(g.db, "Alice Co", "alice");
    customers::update(g.db, mine, Json{{"company_id", own_co.str()}});
    csync::ChangesOptions o;
    o.peer = s.hub.site_id();
    auto cs = csync::decode(csync::changes_since(g.db, csync::received_from(s.hub, g.db.site_id()), o).blob);
    bool patched = false;
    for (auto& rc : cs.records)
        if (rc.id == mine)
            for (auto& field : rc.fields)
                if (cs.names[field.name] == "company_id") {
                    field.value = other;
                    patched = true;
                }
    REQUIRE(patched);
    csync::ApplyOptions a;
    a.scope = s.share();
    const Json r2 = csync::apply(s.hub, csync::encode(cs), a);
    CHECK(refused(r2, "customers"));
    CHECK(customers::get(s.hub, mine)["company_id"].is_null());

    // A company the sender holds (or makes) may be linked.
    customers::update(s.alice, mine, Json{{"company_id", customers::create(s.alice, Json{{"display_name", "新公司"}, {"kind", "company"}, {"owner", "alice"}}).str()}});
    const Json ok = s.push();
    CHECK(ok["refused"].empty());
    CHECK_FALSE(customers::get(s.hub, mine)["company_id"].is_null());
}

TEST_CASE("a device without the manage_rules permission cannot delete a shared tag at the hub", "[sync][share]") {
    Star s;
    const Uuid mine = person(s.hub, "张伟", "alice");
    const Uuid theirs = person(s.hub, "赵敏", "bob");
    crmlite::tags::assign(s.hub, mine, "客户/VIP");
    crmlite::tags::assign(s.hub, theirs, "客户/VIP");
    s.pull();
    crmlite::tags::remove(s.alice, "客户/VIP");
    csync::ChangesOptions o;
    o.peer = s.hub.site_id();
    const auto blob = csync::changes_since(s.alice, csync::received_from(s.hub, s.alice.site_id()), o).blob;
    csync::ApplyOptions a;
    a.scope = s.share();
    a.rules = false;
    const Json r = csync::apply(s.hub, blob, a);
    CHECK(refused(r, "tags"));
    CHECK(scalar(s.hub, "SELECT count(*) FROM tags WHERE path = '客户/VIP'") == 1);
    CHECK(scalar(s.hub, "SELECT count(*) FROM customer_tags WHERE customer_id = x'" + hex(theirs) + "'") == 1);
    // With the permission, the delete is the sender's to make.
    a.rules = true;
    const Json ok = csync::apply(s.hub, blob, a);
    CHECK_FALSE(refused(ok, "tags"));
    CHECK(scalar(s.hub, "SELECT count(*) FROM tags WHERE path = '客户/VIP'") == 0);
}

TEST_CASE("a held person linked to a company entering the share keeps the link on the device", "[sync][share]") {
    Star s;
    const Uuid p = person(s.hub, "陈静", "alice");
    const Uuid acme = company(s.hub, "Acme", "bob");
    customers::update(s.hub, p, Json{{"company_id", acme.str()}});
    s.pull();
    REQUIRE(customers::get(s.alice, p)["company_id"] == acme.str());
    // The hub moves her to a company of Bob's that alice's device does not
    // hold: the one-field change and the company arrive in the same page.
    const Uuid beta = company(s.hub, "Beta", "bob");
    customers::update(s.hub, p, Json{{"company_id", beta.str()}});
    s.pull();  // checks nothing arrived without its parent
    CHECK(customers::exists(s.alice, beta));
    CHECK(customers::get(s.alice, p)["company_id"] == beta.str());
    CHECK_FALSE(customers::exists(s.alice, acme));  // no longer anyone's company there
}

TEST_CASE("a company reset on a device does not lose its people's link to it", "[sync][share]") {
    Star s;
    const Uuid p = person(s.hub, "刘洋", "alice");
    const Uuid acme = company(s.hub, "Acme", "bob");
    customers::update(s.hub, p, Json{{"company_id", acme.str()}});
    s.pull();
    REQUIRE(customers::exists(s.alice, acme));
    // Alice edits the company offline; meanwhile the hub gives her person to
    // Bob, so her edit of Acme is outside her scope and refused (a reset).
    customers::update(s.alice, acme, Json{{"city", "上海"}});
    customers::update(s.hub, p, Json{{"owner", "bob"}});
    const Json r = s.push();
    CHECK(refused(r, "customers"));
    // The person comes back to her before she pulls again.
    customers::update(s.hub, p, Json{{"owner", "alice"}});
    s.pull();
    CHECK(customers::exists(s.alice, acme));
    CHECK(customers::get(s.alice, acme)["city"].is_null());
    CHECK(customers::get(s.alice, p)["company_id"] == acme.str());
    CHECK(customers::get(s.hub, p)["company_id"] == acme.str());
}

TEST_CASE("a late device page is refused after a whole copy even when a later eviction page was lost", "[sync][share]") {
    // The sibling of share seed 11,585: the device's copy was sent whole after
    // it made the page, then an eviction page went missing, so the hub's
    // latest record of the customer there is not the whole send any more.
    Star s;
    const Uuid c = person(s.hub, "孙丽", "alice");
    s.pull();
    customers::update(s.alice, c, Json{{"city", "苏州"}});
    csync::ChangesOptions o;
    o.peer = s.hub.site_id();
    const auto late = csync::changes_since(s.alice, csync::received_from(s.hub, s.alice.site_id()), o).blob;
    customers::update(s.hub, c, Json{{"owner", "bob"}});
    CHECK(s.pull()["evicted"] == 1);  // her copy, and her edit, go
    customers::update(s.hub, c, Json{{"owner", "alice"}});
    s.pull();  // back whole, without the edit
    REQUIRE(customers::get(s.alice, c)["city"].is_null());
    customers::update(s.hub, c, Json{{"owner", "bob"}});
    (void)s.page();  // the eviction page is lost
    customers::update(s.hub, c, Json{{"owner", "alice"}});
    csync::ApplyOptions a;
    a.scope = s.share();
    const Json r = csync::apply(s.hub, late, a);
    INFO(r.dump());
    CHECK(refused(r, "customers"));
    CHECK(r["fields_applied"] == 0);
    s.pull();
    CHECK(customers::get(s.hub, c)["city"] == customers::get(s.alice, c)["city"]);
    CHECK(customers::get(s.hub, c)["city"].is_null());
}

TEST_CASE("migration 18 gives a filtered peer's rows the whole send they last had", "[sync][share][migration]") {
    TempDir dir;
    const std::string hub_path = dir.path("hub.db");
    std::int64_t rows = 0;
    {
        Database hub(hub_path, OpenOptions{});
        Database device(dir.path("device.db"), OpenOptions{});
        person(hub, "吴磊", "alice");
        const Uuid away = person(hub, "郑爽", "alice");
        csync::ChangesOptions o;
        o.peer = device.site_id();
        o.filter.owners = {"alice"};
        csync::apply(device, csync::changes_since(hub, 0, o).blob, {});
        customers::update(hub, away, Json{{"owner", "bob"}});
        csync::apply(device, csync::changes_since(hub, csync::received_from(device, hub.site_id()), o).blob, {});
        rows = scalar(hub, "SELECT count(*) FROM sync_shares");
        REQUIRE(rows == 2);
        REQUIRE(scalar(hub, "SELECT count(*) FROM sync_shares WHERE entered > 0") == 2);
        // Back to schema 17 through the handle's own connection (an encrypted
        // file, in the encryption pass, opens only with its key).
        hub.reset_statements();
        crmlite::testing::undo_migration_18(hub.sql());
    }
    Database hub(hub_path, OpenOptions{});
    CHECK(hub.schema_version() == Database::latest_schema_version());
    // The held one's latest transition was its whole send; the evicted one's
    // was its eviction, so the whole send before it is not known any more.
    CHECK(scalar(hub, "SELECT count(*) FROM sync_shares WHERE held = 1 AND entered = seq AND seq > 0") == 1);
    CHECK(scalar(hub, "SELECT count(*) FROM sync_shares WHERE held = 0 AND entered = 0") == 1);
}

TEST_CASE("a hub merge of a device's customer into one outside its share leaves nothing of it there", "[sync][share][merge]") {
    Star s;
    const Uuid loser = person(s.hub, "何静", "alice");
    const Uuid survivor = person(s.hub, "何静 (Bob's)", "bob");
    s.pull();
    REQUIRE(customers::exists(s.alice, loser));
    // Her offline edit of it, made before she learns of the merge, would be
    // carried into Bob's survivor: refused.
    customers::update(s.alice, loser, Json{{"city", "厦门"}});
    crmlite::merge::merge(s.hub, survivor, {loser}, Json{{"fields", {{"owner", "survivor"}}}});
    REQUIRE(customers::get(s.hub, survivor)["owner"] == "bob");
    const Json pushed = s.push();
    INFO(pushed.dump());
    CHECK(refused(pushed, "customers"));
    CHECK(customers::get(s.hub, survivor)["city"].is_null());
    s.pull();
    CHECK_FALSE(customers::exists(s.alice, loser));
    CHECK(scalar(s.alice, "SELECT count(*) FROM customers") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM contact_points") == 0);
}

TEST_CASE("a hub merge of a customer outside a device's share into one it holds brings the merged history", "[sync][share][merge]") {
    Star s;
    const Uuid survivor = person(s.hub, "冯军", "alice");
    const Uuid loser = person(s.hub, "冯军 (Bob's)", "bob");
    interactions::add(s.hub, Json{{"customer_id", loser.str()}, {"kind", "visit"}, {"subject", "Bob 的拜访"}});
    s.pull();
    REQUIRE_FALSE(customers::exists(s.alice, loser));
    crmlite::merge::merge(s.hub, survivor, {loser}, Json{{"fields", {{"owner", "survivor"}}}});
    REQUIRE(customers::get(s.hub, survivor)["owner"] == "alice");
    s.pull();  // checks nothing arrived incomplete
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == scalar(s.hub, "SELECT count(*) FROM interactions"));
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions WHERE subject = 'Bob 的拜访'") == 1);
}

// Merges made offline on a device meeting merges and reassignments at the hub
// (found by the share simulation with merges, 2026-12-07).

TEST_CASE("a device's customer merged at the hub into one entering its share keeps the device's offline work", "[sync][share][merge]") {
    Star s;
    const Uuid mine = person(s.hub, "陈立", "alice");
    const Uuid bobs = person(s.hub, "陈立 (Bob's)", "bob");
    s.pull();
    // Offline, Alice logs a visit to her customer; meanwhile the hub merges it
    // into Bob's customer and then gives that one to Alice.
    interactions::add(s.alice, Json{{"customer_id", mine.str()}, {"kind", "visit"}, {"subject", "离线拜访"}});
    crmlite::merge::merge(s.hub, bobs, {mine}, Json{{"fields", {{"owner", "survivor"}}}});
    customers::update(s.hub, bobs, Json{{"owner", "alice"}});
    // Pages of one record: the merged customer's delete arrives before the
    // page that finds it gone from her share (it used to evict it, and her
    // visit with it).
    s.pull(1);  // checks nothing arrived incomplete or without its parent
    REQUIRE(customers::exists(s.alice, bobs));
    CHECK_FALSE(customers::exists(s.alice, mine));
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions WHERE subject = '离线拜访' AND customer_id = x'" + hex(bobs) + "'") == 1);
    CHECK(s.push()["refused"].empty());
    s.pull();
    CHECK(scalar(s.hub, "SELECT count(*) FROM interactions WHERE subject = '离线拜访' AND customer_id = x'" + hex(bobs) + "'") == 1);
    CHECK(state(s.alice) == state(s.hub));
}

TEST_CASE("a device's merge into a customer reassigned away meanwhile is refused and the loser comes back whole", "[sync][share][merge]") {
    Star s;
    const Uuid survivor = person(s.hub, "林芳", "alice");
    const Uuid loser = person(s.hub, "林芳 (2)", "alice");
    s.pull();
    crmlite::merge::merge(s.alice, survivor, {loser}, Json());
    // Meanwhile at the hub: the survivor goes to Bob, the loser gets a call and a city.
    customers::update(s.hub, survivor, Json{{"owner", "bob"}});
    interactions::add(s.hub, Json{{"customer_id", loser.str()}, {"kind", "visit"}, {"subject", "上门"}});
    customers::update(s.hub, loser, Json{{"city", "福州"}});
    // Her pull does not evict the survivor yet (the hub has not judged her
    // merge into it), and nothing arrives incomplete.
    s.pull();
    CHECK(customers::exists(s.alice, survivor));
    const Json pushed = s.push();
    INFO(pushed.dump());
    CHECK(refused(pushed, "customer_redirects"));
    CHECK(customers::exists(s.hub, loser));
    s.pull();
    CHECK_FALSE(customers::exists(s.alice, survivor));
    REQUIRE(customers::exists(s.alice, loser));
    CHECK(customers::get(s.alice, loser)["city"] == "福州");
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 2);
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_redirects") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") ==
          scalar(s.hub, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(loser) + "'"));
}

TEST_CASE("a version a device carried over in a merge cycle reaches the hub", "[sync][share][merge]") {
    Star s;
    const Uuid first = person(s.hub, "赵雷", "alice");
    const Uuid second = person(s.hub, "赵雷 (2)", "alice");
    REQUIRE(first < second);  // the smallest id of a cycle survives
    s.pull();
    // Alice merges the first into the second; the hub, the second into the
    // first, and edits the first. The cycle keeps the first everywhere.
    crmlite::merge::merge(s.alice, second, {first}, Json());
    crmlite::merge::merge(s.hub, first, {second}, Json());
    customers::update(s.hub, first, Json{{"city", "南昌"}});
    s.pull();
    s.push();
    s.pull();
    s.push();
    REQUIRE(customers::exists(s.hub, first));
    REQUIRE(customers::exists(s.alice, first));
    CHECK(customers::get(s.alice, first)["city"] == "南昌");
    CHECK(state(s.alice) == state(s.hub));
}

TEST_CASE("a device's merge of a customer reassigned away meanwhile is refused and leaves nothing on the device", "[sync][share][merge]") {
    Star s;
    const Uuid kept = person(s.hub, "周敏", "alice");
    const Uuid moved = person(s.hub, "周敏 (2)", "alice");
    const Uuid last = person(s.hub, "周敏 (3)", "alice");
    s.pull();
    // Offline, Alice merges one of hers into another and that one into a third;
    // meanwhile the first goes to Bob.
    crmlite::merge::merge(s.alice, kept, {moved}, Json());
    crmlite::merge::merge(s.alice, last, {kept}, Json());
    customers::update(s.hub, moved, Json{{"owner", "bob"}});
    const Json pushed = s.push();
    INFO(pushed.dump());
    CHECK(refused(pushed, "customer_redirects"));
    s.pull();
    // The hub keeps Bob's customer with its call; Alice keeps her second merge
    // and nothing of the refused one (it used to stay on her device for good).
    CHECK(customers::exists(s.hub, moved));
    CHECK(scalar(s.hub, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(moved) + "'") == 1);
    CHECK_FALSE(customers::exists(s.alice, moved));
    CHECK(customers::exists(s.alice, last));
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_redirects WHERE id = x'" + hex(moved) + "'") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_redirects") == scalar(s.hub, "SELECT count(*) FROM customer_redirects"));
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_merges") == scalar(s.hub, "SELECT count(*) FROM customer_merges"));
}

// Refused merges, resets and deletes meeting merges elsewhere (found by the
// share simulation with merges, seeds 7161, 17508, 18328, 18338; 2026-12-07).

TEST_CASE("a call a device's refused merge moved leaves the device with the customer it was refused for", "[sync][share][merge]") {
    Star s;
    const Uuid survivor = person(s.hub, "郑华", "alice");
    const Uuid loser = person(s.hub, "郑华 (2)", "alice");
    const Uuid third = person(s.hub, "郑华 (3)", "alice");
    s.pull();
    // Offline, Alice merges the second into the first (its call moves with
    // it); meanwhile the hub gives the second to Bob: the merge and the
    // call's move are refused.
    CHECK(refused(refused_merge(s, survivor, loser, loser), "interactions"));
    // Before her next pull she merges the third into the first: her copy of
    // the first stays until the hub has that merge, holding the moved call.
    crmlite::merge::merge(s.alice, survivor, {third}, Json());
    s.pull();
    CHECK(s.push()["refused"].empty());
    s.pull();
    // The call stays under Bob's customer at the hub and leaves Alice's device
    // (it used to stay there under her customer, refused at every push).
    CHECK(scalar(s.hub, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(loser) + "'") == 1);
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 2);
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") ==
          scalar(s.hub, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(survivor) + "'"));
    CHECK(s.push()["refused"].empty());
}

TEST_CASE("a loser sent back whole after a refused merge does not follow the refused redirect", "[sync][share][merge]") {
    Star s;
    const Uuid survivor = person(s.hub, "钱进", "alice");
    const Uuid loser = person(s.hub, "钱进 (2)", "alice");
    const Uuid third = person(s.hub, "钱进 (3)", "alice");
    s.pull();
    // Offline, Alice merges the second into the first; meanwhile the hub
    // edits the second and gives the first to Bob.
    customers::update(s.hub, loser, Json{{"city", "温州"}});
    refused_merge(s, survivor, loser, survivor);
    // A merge into the first she has not sent keeps it on her device while
    // the second comes back whole, with the eviction of her refused redirect
    // in the same page (listed after it).
    crmlite::merge::merge(s.alice, survivor, {third}, Json());
    s.pull();
    REQUIRE(customers::exists(s.alice, loser));
    CHECK(customers::get(s.alice, loser)["city"] == "温州");
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_redirects WHERE id = x'" + hex(loser) + "'") == 0);
}

TEST_CASE("merges into a customer leave a device when that customer's own merge leads out of its share", "[sync][share][merge]") {
    Star s;
    Database office{s.dir.path("office.db"), OpenOptions{}};  // a replica holding everything (an admin's)
    const Uuid survivor = person(s.hub, "吴刚", "alice");
    const Uuid loser = person(s.hub, "吴刚 (2)", "alice");
    const Uuid bobs = person(s.hub, "吴刚 (Bob's)", "bob");
    crmlite::merge::merge(s.hub, survivor, {loser}, Json());
    s.pull();
    crmlite::testing::pull(office, s.hub);
    REQUIRE(scalar(s.alice, "SELECT count(*) FROM customer_redirects") == 1);
    // Offline, the office merges Alice's customer into Bob's; meanwhile the
    // hub deletes it, and Alice learns of the delete. The office's merge
    // arrives after: the chain of merges into it ends at Bob's customer now.
    crmlite::merge::merge(office, bobs, {survivor}, Json());
    customers::remove(s.hub, survivor);
    s.pull();
    crmlite::testing::pull(s.hub, office);
    REQUIRE(scalar(s.hub, "SELECT count(*) FROM customer_redirects WHERE id = x'" + hex(survivor) + "'") == 1);
    s.pull();
    // Nothing of that chain stays on Alice's device (it used to stay for good).
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_redirects") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_merges") == 0);
}

TEST_CASE("the hub's own merge of a loser replaces a device's refused merge of it", "[sync][share][merge]") {
    Star s;
    const Uuid gone_away = person(s.hub, "冯涛", "alice");
    const Uuid loser = person(s.hub, "冯涛 (2)", "alice");
    const Uuid survivor = person(s.hub, "冯涛 (3)", "alice");
    s.pull();
    // Offline, Alice merges the second into the first, which the hub gives to
    // Bob meanwhile: refused. Then the hub merges the second into the third.
    refused_merge(s, gone_away, loser, gone_away);
    crmlite::merge::merge(s.hub, survivor, {loser}, Json());
    s.pull();
    // Her redirect of the second (same id as the hub's) goes; the hub's stays
    // (it used to be evicted with hers).
    CHECK(db_redirect_to(s.alice, loser) == survivor.str());
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(survivor) + "'") == 2);
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") ==
          scalar(s.hub, "SELECT count(*) FROM interactions WHERE customer_id = x'" + hex(survivor) + "'"));
}

TEST_CASE("a device's merge into a customer it made and deleted before sending it settles at the hub", "[sync][share][merge]") {
    // Share seed 16978. Alice makes S, merges L into it and deletes S: S's
    // row is gone before any page carries it, so her pages name S (the merge)
    // long before its delete. The hub keeps L, with bob's call under it, until
    // S's fate arrives; meanwhile it must not evict S from her device (she
    // would forget her unsent delete, and L would wait for it for ever).
    Star s;
    const Uuid loser = person(s.hub, "L", "alice");
    s.pull();
    const Uuid bobs_call = interactions::add(s.hub, Json{{"customer_id", loser.str()}, {"kind", "call"}, {"subject", "bob's call"}});
    const Uuid survivor = customers::create(s.alice, Json{{"display_name", "S"}, {"owner", "alice"}});
    crmlite::merge::merge(s.alice, survivor, {loser}, Json());
    customers::remove(s.alice, survivor);
    // Her first page: up to the merge (one seq per page).
    csync::ChangesOptions o;
    o.peer = s.hub.site_id();
    o.max_records = 1;
    csync::ApplyOptions scope;
    scope.scope = s.share();
    std::int64_t cursor = csync::received_from(s.hub, s.alice.site_id());
    bool merge_sent = false;
    while (!merge_sent) {
        const auto page = csync::changes_since(s.alice, cursor, o);
        const Json r = csync::apply(s.hub, page.blob, scope);
        CHECK(r["missing_parent"] == 0);
        CHECK(r["refused"].empty());
        cursor = page.cursor;
        merge_sent = scalar(s.hub, "SELECT count(*) FROM customer_redirects") == 1;
        REQUIRE((merge_sent || page.more));
    }
    // L waits at the hub, bob's call under it.
    CHECK(customers::exists(s.hub, loser));
    CHECK(s.hub.id_at("SELECT customer_id FROM interactions WHERE id = ?", bobs_call) == loser);
    CHECK(scalar(s.hub, "SELECT count(*) FROM sync_waiting_merges") == 1);
    // A pull meanwhile keeps her delete of S.
    s.pull();
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_tombstones WHERE tbl = 1 AND id = x'" + hex(survivor) + "'") == 1);
    CHECK(s.push()["refused"].empty());
    s.pull();
    CHECK_FALSE(customers::exists(s.hub, loser));
    CHECK_FALSE(s.hub.id_at("SELECT customer_id FROM interactions WHERE id = ?", bobs_call));  // went with S
    CHECK(scalar(s.hub, "SELECT count(*) FROM sync_waiting_merges") == 0);
    CHECK_FALSE(customers::exists(s.alice, loser));
    CHECK(s.pull()["records"] == 0);
}
