// Filtered replication: a device receives only its share of the hub's
// customers, a customer reassigned away is evicted from it, one reassigned to
// it arrives whole with its history, a lost page is sent again, and the hub
// refuses changes outside the sending device's write scope.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/merge.hpp"
#include "sync/changeset.hpp"
#include "common/error.hpp"
#include "sync/engine.hpp"
#include "sync/peers.hpp"
#include "common/time.hpp"
#include "sync/schema.hpp"
#include "tags/tags.hpp"
#include "tasks/tasks.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"

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

std::set<std::string> names(Database& db) {
    std::set<std::string> out;
    SQLite::Statement st(db.sql(), "SELECT display_name FROM customers");
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
}

Uuid make(Database& db, const std::string& name, const std::string& owner) {
    const Uuid id = customers::create(db, Json{{"display_name", name}, {"owner", owner}, {"phones", {{{"value", "13800000000"}}}}, {"tags", {"客户/VIP"}}});
    interactions::add(db, Json{{"customer_id", id.str()}, {"kind", "call"}, {"subject", name + " call"}});
    return id;
}

}  // namespace

TEST_CASE("a filtered device receives only its share, with children and the companies its people work at", "[sync][share]") {
    Star s;
    const Uuid acme = customers::create(s.hub, Json{{"display_name", "Acme"}, {"kind", "company"}, {"owner", "bob"}});
    const Uuid a1 = make(s.hub, "A1", "alice");
    customers::update(s.hub, a1, Json{{"company_id", acme.str()}});
    make(s.hub, "A2", "alice");
    make(s.hub, "B1", "bob");
    crmlite::tags::create(s.hub, Json{{"path", "区域/华东"}});
    s.pull(3);  // small pages: entering customers span several
    CHECK(names(s.alice) == std::set<std::string>{"A1", "A2", "Acme"});
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 2);
    CHECK(scalar(s.alice, "SELECT count(*) FROM contact_points") == 2);
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_tags") == 2);
    CHECK(scalar(s.alice, "SELECT count(*) FROM tags") == 4);  // tag definitions go to everyone
    CHECK(customers::get(s.alice, a1)["company_id"] == acme.str());
    CHECK(s.alice.counter("customers") == 3);
    // Nothing new: an empty page.
    CHECK(s.pull()["records"] == 0);
}

TEST_CASE("a customer reassigned away is evicted; one reassigned in arrives whole with its history", "[sync][share]") {
    Star s;
    const Uuid a1 = make(s.hub, "A1", "alice");
    const Uuid b1 = make(s.hub, "B1", "bob");
    s.pull();
    REQUIRE(names(s.alice) == std::set<std::string>{"A1"});
    customers::update(s.hub, a1, Json{{"owner", "bob"}});
    customers::update(s.hub, b1, Json{{"owner", "alice"}});
    const Json r = s.pull();
    CHECK(r["evicted"] == 1);
    CHECK(names(s.alice) == std::set<std::string>{"B1"});
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 1);  // B1's old call came along
    CHECK(customers::get(s.alice, b1)["phones"].size() == 1);
    // The eviction is local: no tombstone on the device, nothing to send back,
    // and the hub still has A1.
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_tombstones") == 0);
    s.push();
    CHECK(customers::exists(s.hub, a1));
    CHECK(scalar(s.hub, "SELECT count(*) FROM interactions") == 2);
    // Back again: A1 returns whole.
    customers::update(s.hub, a1, Json{{"owner", "alice"}});
    s.pull();
    CHECK(names(s.alice) == std::set<std::string>{"A1", "B1"});
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 2);
}

TEST_CASE("garbage collection drops a device's share rows only once their customer is gone", "[sync][share]") {
    Star s;
    const Uuid a1 = make(s.hub, "A1", "alice");
    make(s.hub, "A2", "alice");
    s.pull();
    customers::update(s.hub, a1, Json{{"owner", "bob"}});
    CHECK(s.pull()["evicted"] == 1);
    const auto rows = [&] { return scalar(s.hub, "SELECT count(*) FROM sync_shares"); };
    REQUIRE(rows() == 2);  // A1 "not held" (it still exists here), A2 held
    CHECK(csync::collect_garbage(s.hub, 86400000, crmlite::now_ms())["share_rows_pruned"] == 0);
    CHECK(rows() == 2);
    customers::remove(s.hub, a1);
    CHECK(csync::collect_garbage(s.hub, 86400000, crmlite::now_ms())["share_rows_pruned"] == 1);
    CHECK(rows() == 1);
    // Nothing the device is sent changes: A1's tombstone, nothing else.
    s.pull();
    CHECK(names(s.alice) == std::set<std::string>{"A2"});
    CHECK(s.page().records == 0);
}

TEST_CASE("garbage collection drops every share row of a device gone stale", "[sync][share]") {
    Star s;
    make(s.hub, "A1", "alice");
    make(s.hub, "A2", "alice");
    s.pull();
    s.push();
    const auto rows = [&] { return scalar(s.hub, "SELECT count(*) FROM sync_shares"); };
    REQUIRE(rows() == 2);
    // Still active a day later with a week's retention: nothing goes.
    CHECK(csync::collect_garbage(s.hub, 7 * 86400000LL, crmlite::now_ms() + 86400000)["share_rows_pruned"] == 0);
    CHECK(rows() == 2);
    // Away longer than the retention: stale, and its share is forgotten.
    const Json gc = csync::collect_garbage(s.hub, 86400000, crmlite::now_ms() + 2 * 86400000LL);
    CHECK(gc["newly_stale"] == 1);
    CHECK(gc["share_rows_pruned"] == 2);
    CHECK(rows() == 0);
    CHECK_THROWS_WITH(s.page(), Catch::Contains("re-baseline"));
}

TEST_CASE("a merge survivor reassigned away leaves the device with its merge records", "[sync][share][merge]") {
    // customer_redirects and customer_merges follow their survivor (customer
    // column survivor_id); customer_merges.before holds the merged customers'
    // whole records, so none may stay on a device that lost the survivor.
    Star s;
    const Uuid keep = make(s.hub, "王小明", "alice");
    const Uuid dup = make(s.hub, "王小明 重复", "alice");
    crmlite::merge::merge(s.hub, keep, {dup}, Json());
    s.pull();
    REQUIRE(scalar(s.alice, "SELECT count(*) FROM customer_merges") == 1);
    REQUIRE(scalar(s.alice, "SELECT count(*) FROM customer_redirects") == 1);
    customers::update(s.hub, keep, Json{{"owner", "bob"}});
    CHECK(s.pull()["evicted"] == 1);
    CHECK(scalar(s.alice, "SELECT count(*) FROM customers") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_merges") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM customer_redirects") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_versions WHERE tbl IN (20, 21)") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_tombstones WHERE tbl = 1 AND lower(hex(id)) = replace('" + keep.str() + "', '-', '')") == 0);  // not a delete
}

TEST_CASE("a lost page of a filtered sync is sent again", "[sync][share]") {
    Star s;
    make(s.hub, "A1", "alice");
    auto lost = s.page();  // never delivered
    CHECK(lost.records > 0);
    s.pull();
    CHECK(names(s.alice) == std::set<std::string>{"A1"});
    // And an eviction lost on the way is sent again too.
    const Uuid a2 = make(s.hub, "A2", "alice");
    s.pull();
    customers::update(s.hub, a2, Json{{"owner", "bob"}});
    (void)s.page();  // lost
    CHECK(s.pull()["evicted"] == 1);
    CHECK(names(s.alice) == std::set<std::string>{"A1"});
}

TEST_CASE("the hub refuses a device's changes outside its write scope and applies the rest", "[sync][share]") {
    Star s;
    const Uuid a1 = make(s.hub, "A1", "alice");
    const Uuid b1 = make(s.hub, "B1", "bob");
    s.pull();
    // A crafted blob: alice's device edits bob's customer (it never had it).
    TempDir other;
    Database forger(other.path("forger.db"), OpenOptions{});
    csync::apply(forger, csync::changes_since(s.hub, 0, 1000).blob, {});
    customers::update(forger, b1, Json{{"city", "hijacked"}});
    customers::update(forger, a1, Json{{"city", "杭州"}});
    csync::ChangesOptions o;
    o.peer = s.hub.site_id();
    auto blob = csync::changes_since(forger, csync::received_from(s.hub, forger.site_id()), o).blob;
    csync::ApplyOptions scope;
    scope.scope = s.share();
    const Json r = csync::apply(s.hub, blob, scope);
    CHECK(r["refused"].size() >= 1);
    CHECK(customers::get(s.hub, b1)["city"].is_null());
    CHECK(customers::get(s.hub, a1)["city"] == "杭州");
    // New customers may be made for anyone (a lead for a colleague); one made
    // for bob then leaves alice's device at the next pull instead of staying
    // behind as a ghost.
    customers::create(s.alice, Json{{"display_name", "A-new"}, {"owner", "alice"}});
    customers::create(s.alice, Json{{"display_name", "B-new"}, {"owner", "bob"}});
    const Json pushed = s.push();
    CHECK(pushed["refused"].empty());
    CHECK(names(s.hub).count("A-new") == 1);
    CHECK(names(s.hub).count("B-new") == 1);
    CHECK(s.pull()["evicted"] == 1);
    CHECK(names(s.alice).count("B-new") == 0);
    CHECK(names(s.alice).count("A-new") == 1);
    // An eviction sent to the hub is never obeyed.
    auto cs = csync::decode(csync::changes_since(s.alice, 0, 10).blob);
    csync::Changeset evil = cs;
    evil.records.clear();
    crmlite::sync::RecordChange ev;
    ev.table = static_cast<int>(crmlite::Table::customers);
    ev.id = a1;
    ev.evict = true;
    evil.records.push_back(ev);
    csync::apply(s.hub, csync::encode(evil), scope);
    CHECK(customers::exists(s.hub, a1));
}

TEST_CASE("a later allowed change does not cancel the reset a refused one asked for", "[sync][share]") {
    // Share seed 2537: alice logs a call on her customer while the hub hands it
    // to bob; the hub refuses the call. The customer comes back to her and she
    // edits it: that change is allowed, and her copy (still holding the refused
    // call) must still be reset to the hub's.
    Star s;
    const Uuid a1 = make(s.hub, "A1", "alice");
    s.pull();
    const Uuid call = interactions::add(s.alice, Json{{"customer_id", a1.str()}, {"kind", "call"}, {"subject", "离线回访"}});
    customers::update(s.hub, a1, Json{{"owner", "bob"}});
    const Json refused = s.push();
    INFO(refused.dump());
    // Refused: the call, and her echoes of the customer's content-addressed
    // records (phone, tag), which travel whole.
    bool call_refused = false;
    for (const auto& r : refused["refused"]) call_refused = call_refused || r["id"] == call.str();
    CHECK(call_refused);
    customers::update(s.hub, a1, Json{{"owner", "alice"}});
    customers::update(s.alice, a1, Json{{"city", "温州"}});
    CHECK(s.push()["refused"].empty());
    CHECK(customers::get(s.hub, a1)["city"] == "温州");
    const Json r = s.pull();
    CHECK(r["evicted"] == 1);  // reset: evicted, then sent again whole in the same catch-up
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions WHERE subject = '离线回访'") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == scalar(s.hub, "SELECT count(*) FROM interactions"));
    CHECK(customers::get(s.alice, a1)["city"] == "温州");
    CHECK(s.pull()["records"] == 0);
}

TEST_CASE("a refused delete of a customer the device already lost resets nothing it does not hold", "[sync][share]") {
    // Share seed 1953: alice hands her customer to bob and deletes it before the
    // eviction arrives; the eviction forgets her delete of the customer, and
    // the deletes of its children she sends later are refused. Until the reset
    // goes through, the hub must not send her edits of those children (she holds
    // neither them nor their customer), and once the customer comes back it
    // arrives whole, children included.
    Star s;
    const Uuid a1 = make(s.hub, "A1", "alice");
    s.pull();
    customers::update(s.alice, a1, Json{{"owner", "bob"}});
    s.push();
    customers::remove(s.alice, a1);
    CHECK(s.pull()["evicted"] == 0);  // already gone here; the eviction drops her delete of it
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_tombstones WHERE tbl = 1") == 0);
    const Json pushed = s.push();
    INFO(pushed.dump());
    // The eviction dropped her deletes of its phone, tag assignment and call
    // too (they were refused here before 2026-12-07): nothing left to send.
    CHECK(pushed["refused"].empty());
    CHECK(pushed["records"] == 0);
    CHECK(customers::exists(s.hub, a1));
    SQLite::Statement st(s.hub.sql(), "SELECT id FROM interactions");
    REQUIRE(st.executeStep());
    const Uuid call = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    interactions::update(s.hub, call, Json{{"subject", "bob 改"}});
    // New to her, in pages before the one that carries the reset.
    for (const char* subject : {"bob 拜访", "bob 回访"})
        interactions::add(s.hub, Json{{"customer_id", a1.str()}, {"kind", "visit"}, {"subject", subject}});
    s.pull(1);  // small pages: the edit and the reset in different ones; checks that nothing arrives missing its parent
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_tombstones") == 0);  // the reset took the refused deletes back
    customers::update(s.hub, a1, Json{{"owner", "alice"}});
    s.pull();
    CHECK(names(s.alice) == std::set<std::string>{"A1"});
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions WHERE subject = 'bob 改'") == 1);
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions WHERE subject LIKE 'bob _访'") == 2);
    CHECK(customers::get(s.alice, a1)["phones"].size() == 1);
}

TEST_CASE("a push made before an eviction and applied after it does not make the hub think the device holds the customer", "[sync][share]") {
    // Blobs exchanged through files arrive late: alice's push is written while
    // she holds A1, then she applies the eviction (and pulls again), and only
    // then does the hub read her push, A1 being hers again by that time. The
    // push must not mark A1 as held there: she has not got it, and must get it
    // whole.
    Star s;
    const Uuid a1 = make(s.hub, "A1", "alice");
    s.pull();
    customers::update(s.alice, a1, Json{{"city", "丽水"}});
    csync::ChangesOptions o;
    o.peer = s.hub.site_id();
    const auto late = csync::changes_since(s.alice, csync::received_from(s.hub, s.alice.site_id()), o);
    customers::update(s.hub, a1, Json{{"owner", "bob"}});
    CHECK(s.pull()["evicted"] == 1);
    CHECK(s.pull()["records"] == 0);
    customers::update(s.hub, a1, Json{{"owner", "alice"}});
    // A later push reaches the hub first; the eviction took A1's edit out of
    // her log, so only the late page carries it (and it must still apply).
    customers::create(s.alice, Json{{"display_name", "B"}, {"owner", "alice"}});
    CHECK(s.push()["refused"].empty());
    csync::ApplyOptions scope;
    scope.scope = s.share();
    CHECK(csync::apply(s.hub, late.blob, scope)["refused"].empty());
    CHECK(customers::get(s.hub, a1)["city"] == "丽水");
    s.pull();
    REQUIRE(customers::exists(s.alice, a1));
    CHECK(customers::get(s.alice, a1)["city"] == "丽水");
    CHECK(scalar(s.alice, "SELECT count(*) FROM interactions") == 1);
}

TEST_CASE("a device's own changes are not echoed back to it", "[sync][share]") {
    Star s;
    const Uuid a1 = make(s.hub, "A1", "alice");
    s.pull();
    customers::update(s.alice, a1, Json{{"city", "宁波"}, {"title", "经理"}});
    s.push();
    CHECK(customers::get(s.hub, a1)["city"] == "宁波");
    auto ch = s.page();
    CHECK(ch.records == 0);
    csync::apply(s.alice, ch.blob, {});
}

// ------------------------------------------------------------- property test

namespace {

// The hub's canonical state restricted to the customers owned by `owner` and
// everything under them (tag definitions whole; tombstones left out: a device
// receives every tombstone, holding ids and clocks only).
// Where a chain of merges ends: redirects followed while the survivor is
// itself merged away (no longer a customer).
std::string final_survivor(const Json& all, std::string id) {
    const auto& t = *csync::find_table(static_cast<int>(crmlite::Table::customer_redirects));
    const auto sc = static_cast<std::size_t>(csync::column_index(t, "survivor_id")) + 1;
    std::set<std::string> seen;
    while (!all["customers"].contains(id) && all["customer_redirects"].contains(id) && seen.insert(id).second)
        id = all["customer_redirects"][id][sc].get<std::string>();
    return id;
}

Json restricted(Database& hub, const std::string& owner) {
    Json all = Json::parse(csync::canonical_dump(hub));
    Json out = Json::object();
    std::set<std::string> members;
    const auto& customers_table = *csync::find_table(static_cast<int>(crmlite::Table::customers));
    const auto owner_col = static_cast<std::size_t>(csync::column_index(customers_table, "owner")) + 1;
    const auto company_col = static_cast<std::size_t>(csync::column_index(customers_table, "company_id")) + 1;
    // The owner's customers and the companies their people work at.
    for (auto it = all["customers"].begin(); it != all["customers"].end(); ++it)
        if (it.value()[owner_col] == owner) {
            members.insert(it.key());
            if (it.value()[company_col].is_string()) members.insert(it.value()[company_col].get<std::string>());
        }
    for (const auto& t : csync::synced_tables()) {
        Json rows = Json::object();
        const int cc = t.customer_column.empty() || t.table == crmlite::Table::customers ? -1 : csync::column_index(t, t.customer_column);
        for (auto it = all[t.name].begin(); it != all[t.name].end(); ++it) {
            std::string customer = it.key();
            if (cc >= 0) customer = it.value()[static_cast<std::size_t>(cc) + 1].get<std::string>();
            if (t.table == crmlite::Table::customer_redirects || t.table == crmlite::Table::customer_merges)
                customer = final_survivor(all, customer);
            if (t.customer_column.empty() || members.count(customer)) rows[it.key()] = it.value();
        }
        out[t.name] = rows;
    }
    return out;
}

// Merge redirects and merge records of a customer deleted at the hub stay, as
// at the hub, on the devices that held it, and no device that did not gets
// them: they are left out of the comparison on both sides.
void drop_orphan_merges(Json& dump, const Json& hub_all) {
    for (const char* name : {"customer_redirects", "customer_merges"}) {
        const auto& t = *csync::find_table(static_cast<int>(name[9] == 'r' ? crmlite::Table::customer_redirects : crmlite::Table::customer_merges));
        const auto sc = static_cast<std::size_t>(csync::column_index(t, "survivor_id")) + 1;
        Json kept = Json::object();
        for (auto it = dump[name].begin(); it != dump[name].end(); ++it)
            if (hub_all["customers"].contains(final_survivor(hub_all, it.value()[sc].get<std::string>()))) kept[it.key()] = it.value();
        dump[name] = kept;
    }
}

// Traced runs (CRMLITE_SHARE_TRACE): who holds what after each sync, ids
// shortened to their last six hex digits.
void print_state(Database& hub, const std::vector<std::unique_ptr<Database>>& dev, const std::vector<std::string>& reps) {
    const auto list = [](Database& db, const std::string& sql) {
        std::string out;
        SQLite::Statement st(db.sql(), sql);
        while (st.executeStep()) out += " " + st.getColumn(0).getString();
        return out;
    };
    const std::string cust = "SELECT substr(lower(hex(id)), 27, 6) || ':' || owner FROM customers ORDER BY 1";
    const std::string calls =
        "SELECT substr(lower(hex(id)), 27, 6) || '@' || substr(lower(hex(customer_id)), 27, 6) FROM interactions ORDER BY 1";
    const std::string log = "SELECT tbl || ':' || substr(lower(hex(id)), 27, 6) || '@' || seq FROM sync_log ORDER BY seq";
    const std::string tombs = "SELECT tbl || ':' || substr(lower(hex(id)), 27, 6) || '@' || seq FROM sync_tombstones ORDER BY seq";
    std::printf("    hub customers%s\n    hub calls%s\n", list(hub, cust).c_str(), list(hub, calls).c_str());
    for (std::size_t d = 0; d < dev.size(); ++d) {
        const char* r = reps[d].c_str();
        std::printf("    %s customers%s\n    %s calls%s\n", r, list(*dev[d], cust).c_str(), r, list(*dev[d], calls).c_str());
        std::printf("    %s log%s\n    %s tombstones%s\n", r, list(*dev[d], log).c_str(), r, list(*dev[d], tombs).c_str());
        std::printf("    %s redirects%s\n", r, list(*dev[d], "SELECT substr(lower(hex(id)), 27, 6) || '>' || substr(lower(hex(survivor_id)), 27, 6) FROM customer_redirects ORDER BY 1").c_str());
    }
    std::printf("    hub tombstones%s\n", list(hub, tombs).c_str());
    std::printf("    hub redirects%s\n", list(hub, "SELECT substr(lower(hex(id)), 27, 6) || '>' || substr(lower(hex(survivor_id)), 27, 6) FROM customer_redirects ORDER BY 1").c_str());
    std::printf("    hub merges%s\n", list(hub, "SELECT substr(lower(hex(id)), 27, 6) || '>' || substr(lower(hex(survivor_id)), 27, 6) || ':' || status FROM customer_merges ORDER BY 1").c_str());
    std::printf("    hub shares%s\n",
                list(hub, "SELECT peer || ':' || substr(lower(hex(customer)), 27, 6) || '=' || held || '/' || prev_held || '@' || seq "
                          "FROM sync_shares ORDER BY 1").c_str());
}

Json without_tombstones(Database& db) {
    Json j = Json::parse(csync::canonical_dump(db));
    j.erase("tombstones");
    return j;
}

}  // namespace

TEST_CASE("filtered devices end holding exactly the hub's state restricted to their share", "[sync][share][property]") {
    // Two reps' devices and a hub: random edits, pushes (some pages read late),
    // pulls (some pages lost). A fifth of the main simulation's seeds (CRMLITE_SYNC_SEEDS) from
    // CRMLITE_SHARE_SEED_FROM (default 1), and always the seeds that once
    // failed; replay one with CRMLITE_SHARE_SEED=n.
    const char* env = std::getenv("CRMLITE_SYNC_SEEDS");
    const char* one = std::getenv("CRMLITE_SHARE_SEED");
    const char* from = std::getenv("CRMLITE_SHARE_SEED_FROM");
    std::vector<int> seeds;
    if (one) {
        seeds.push_back(std::atoi(one));
    } else {
        const int first = from ? std::max(1, std::atoi(from)) : 1;
        const int count = std::max(5, (env ? std::atoi(env) : 20) / 5);
        for (int seed = first; seed < first + count; ++seed) seeds.push_back(seed);
        // 1953: a refused child delete reset a customer the device did not hold; 2537, 4854: an
        // allowed change cancelled the reset a refused one had asked for; 11585: a device page
        // made before the customer was sent to it whole again arrived late and was applied, and
        // the device, whose copy had dropped the change, never got it back (blob format 4).
        // 167, 787, 4966, 15780, 17551 failed once companies were simulated (2026-12-07): a
        // person linked to a company the device could not get, a refused link dropping a new
        // person, a device's old deletes winning over a customer sent whole again, a company
        // reset emptying its people's link.
        // 267, 299, 301, 307, 323, 616, 729, 1181, 5673, 9655, 10196, 13762 failed once merges
        // were simulated (2026-12-07, docs/sync.md "Merges under filtered replication").
        for (const int regression : {1953, 2537, 4854, 11585, 167, 787, 4966, 15780, 17551, 267, 299, 301, 307, 323, 616, 729,
                                     1181, 5673, 9655, 10196, 13762})
            if (regression < first || regression >= first + count) seeds.push_back(regression);
    }
    for (const int seed : seeds) {
        std::mt19937_64 rng(static_cast<std::uint64_t>(seed) * 7919);
        TempDir dir;
        Database hub(dir.path("hub.db"), OpenOptions{});
        std::vector<std::unique_ptr<Database>> dev;
        const std::vector<std::string> reps = {"alice", "bob"};
        for (const auto& r : reps) dev.push_back(std::make_unique<Database>(dir.path(r + ".db"), OpenOptions{}));
        std::int64_t missing_parent = 0, incomplete = 0;
        const auto share = [&](std::size_t d) {
            csync::Filter f;
            f.owners = {reps[d]};
            return f;
        };
        const bool trace = std::getenv("CRMLITE_SHARE_TRACE") != nullptr;
        const bool blobs = trace && std::getenv("CRMLITE_SHARE_BLOBS") != nullptr;  // every blob, as JSON
        const auto state = [&]() { print_state(hub, dev, reps); };
        const auto pull = [&](std::size_t d, std::size_t page, bool lose_one) {
            if (trace) std::printf("pull %zu page %zu lose %d\n", d, page, lose_one ? 1 : 0);
            for (;;) {
                csync::ChangesOptions o;
                o.max_records = page;
                o.peer = dev[d]->site_id();
                o.filter = share(d);
                auto ch = csync::changes_since(hub, csync::received_from(*dev[d], hub.site_id()), o);
                if (lose_one) {  // a page lost on the way: asked again from the same cursor
                    lose_one = false;
                    continue;
                }
                if (blobs) std::printf("pull blob to %zu: %s\n", d, csync::to_json(csync::decode(ch.blob), {}).dump().c_str());
                const Json r = csync::apply(*dev[d], ch.blob, {});
                if (trace && r["evicted"] != 0) std::printf("evicted on the device: %s\n", r["evicted"].dump().c_str());
                if (blobs) {
                    std::printf("pull report: %s\n", r.dump().c_str());
                    SQLite::Statement q(dev[d]->sql(), "SELECT group_concat(substr(lower(hex(id)), 27, 6) || '@' || substr(lower(hex(customer_id)), 27, 6), ' ') FROM interactions");
                    if (q.executeStep()) std::printf("  calls now: %s\n", q.getColumn(0).getString().c_str());
                }
                if (trace && r["missing_parent"] != 0) std::printf("missing parent on device pull: %s\n%s\n", r.dump().c_str(), csync::to_json(csync::decode(ch.blob), {}).dump().c_str());
                if (trace && r["incomplete"] != 0) std::printf("incomplete on device pull: %s\n%s\n", r.dump().c_str(), csync::to_json(csync::decode(ch.blob), {}).dump().c_str());
                missing_parent += r["missing_parent"].get<std::int64_t>();
                incomplete += r["incomplete"].get<std::int64_t>();
                if (!ch.more) break;
            }
            if (trace) state();
        };
        // Pushes written to a file and read by the hub later (after the device's
        // next syncs): a second generator, so that the main one still replays
        // the seeds that once failed step for step.
        std::mt19937_64 late_rng(static_cast<std::uint64_t>(seed) * 104729 + 1);
        std::vector<std::pair<std::size_t, std::string>> late;
        bool settling = false;  // the final full exchange: every page arrives
        const auto deliver_late = [&](std::size_t i) {
            if (trace) std::printf("late push %zu arrives\n", late[i].first);
            csync::ApplyOptions a;
            a.scope = share(late[i].first);
            const Json r = csync::apply(hub, late[i].second, a);
            if (trace && !r["refused"].empty()) std::printf("refused at the hub: %s\n", r["refused"].dump().c_str());
            missing_parent += r["missing_parent"].get<std::int64_t>();
            late.erase(late.begin() + static_cast<std::ptrdiff_t>(i));
        };
        const auto push = [&](std::size_t d, std::size_t page) {
            if (trace) std::printf("push %zu page %zu\n", d, page);
            for (;;) {
                csync::ChangesOptions o;
                o.max_records = page;
                o.peer = hub.site_id();
                auto ch = csync::changes_since(*dev[d], csync::received_from(hub, dev[d]->site_id()), o);
                if (blobs) std::printf("push blob from %zu: %s\n", d, csync::to_json(csync::decode(ch.blob), {}).dump().c_str());
                if (!settling && late.size() < 3 && late_rng() % 6 == 0) {  // this page travels slowly; the device stops here
                    if (trace) std::printf("push %zu: a page held back\n", d);
                    late.emplace_back(d, std::move(ch.blob));
                    break;
                }
                csync::ApplyOptions a;
                a.scope = share(d);
                const Json r = csync::apply(hub, ch.blob, a);
                if (trace && !r["refused"].empty()) std::printf("refused at the hub: %s\n%s\n", r["refused"].dump().c_str(), csync::to_json(csync::decode(ch.blob), {}).dump().c_str());
                if (trace && r["missing_parent"] != 0) std::printf("missing parent at the hub: %s\n", r.dump().c_str());
                // A device's later edit of a child the hub refused (its customer was
                // out of scope) arrives partial and is counted incomplete at the hub,
                // until the reset that follows the refusal replaces the device's copy.
                missing_parent += r["missing_parent"].get<std::int64_t>();
                if (!ch.more) break;
            }
            if (trace) state();
        };
        if (trace) std::printf("sites: hub %s alice %s bob %s\n", hub.site_id().str().c_str(), dev[0]->site_id().str().c_str(), dev[1]->site_id().str().c_str());
        std::vector<Uuid> ids, calls, companies;
        const char* cities[] = {"杭州", "Berlin", "上海"};
        // Companies, merges and pulls that stop at a lost page (the hub's next
        // changes come before the device asks again): a third generator, off for
        // the regression seeds, which replay step for step as they failed.
        const bool regression_seed = seed == 1953 || seed == 2537 || seed == 4854 || seed == 11585;
        // Merges of customers (on any replica): off for the seeds that failed
        // before merges were simulated (they replay as they failed), and with
        // CRMLITE_SHARE_MERGES=0.
        const char* merges_env = std::getenv("CRMLITE_SHARE_MERGES");
        const bool merges = !(merges_env && std::string(merges_env) == "0") && seed != 167 && seed != 787 &&
                            seed != 4966 && seed != 15780 && seed != 17551;
        std::mt19937_64 extra_rng(static_cast<std::uint64_t>(seed) * 15485863 + 7);
        const auto extra = [&](std::size_t who, int step) {
            Database& db = who < 2 ? *dev[who] : hub;
            const std::string own = who < 2 ? reps[who] : reps[extra_rng() % 2];
            const auto any = [&](const std::vector<Uuid>& v) { return v[extra_rng() % v.size()]; };
            try {
                switch (extra_rng() % 4) {
                case 0:
                    companies.push_back(customers::create(db, Json{{"display_name", "公司" + std::to_string(step)}, {"kind", "company"}, {"owner", own}}));
                    if (trace) std::printf("  extra on %zu: company %s owner %s\n", who, companies.back().str().c_str(), own.c_str());
                    break;
                case 1:
                case 2:
                    if (!ids.empty() && !companies.empty()) {
                        const Uuid p = any(ids), c = any(companies);
                        if (trace) std::printf("  extra on %zu: %s works at %s\n", who, p.str().c_str(), c.str().c_str());
                        customers::update(db, p, Json{{"company_id", c.str()}});
                    }
                    break;
                default:
                    if (merges && ids.size() >= 2) {
                        const Uuid keep = any(ids), gone = any(ids);
                        if (keep == gone) break;
                        if (trace) std::printf("  extra on %zu: merge %s into %s\n", who, gone.str().c_str(), keep.str().c_str());
                        crmlite::merge::merge(db, keep, {gone}, Json());
                    }
                    break;
                }
            } catch (const crmlite::Error& e) {
                if (e.code() != CRM_ENOTFOUND && e.code() != CRM_EINVAL && e.code() != CRM_ECONFLICT) throw;
            }
        };
        for (int step = 0; step < 50; ++step) {
            const std::size_t who = rng() % 3;  // 0, 1: a device; 2: the hub
            Database& db = who < 2 ? *dev[who] : hub;
            const auto pick = [&](const std::vector<Uuid>& v) {
                const Uuid id = v[rng() % v.size()];
                if (trace) std::printf("  record %s\n", id.str().c_str());
                return id;
            };
            const std::string own = who < 2 ? reps[who] : reps[rng() % 2];
            try {
                const auto op = rng() % 8;
                if (trace) std::printf("step %d on %zu op %d\n", step, who, static_cast<int>(op));
                switch (op) {
                case 0:
                case 1:
                    ids.push_back(customers::create(db, Json{{"display_name", "客户" + std::to_string(step)}, {"owner", own},
                                                             {"phones", {{{"value", "1390000" + std::to_string(1000 + step)}}}}}));
                    if (trace) std::printf("  customer %s owner %s\n", ids.back().str().c_str(), own.c_str());
                    break;
                case 2:
                    if (!ids.empty()) customers::update(db, pick(ids), Json{{"city", cities[rng() % 3]}});
                    break;
                case 3:  // reassign (a device only its own customers: the hub would refuse the rest)
                    if (!ids.empty()) customers::update(db, pick(ids), Json{{"owner", reps[rng() % 2]}});
                    break;
                case 4:
                    if (!ids.empty() && rng() % 3 == 0) customers::remove(db, pick(ids));
                    break;
                case 5:
                    if (!ids.empty()) {
                        const Uuid c = pick(ids);
                        calls.push_back(interactions::add(db, Json{{"customer_id", c.str()}, {"kind", "call"},
                                                                   {"subject", "回访 " + std::to_string(step)}}));
                        if (trace) std::printf("  call %s\n", calls.back().str().c_str());
                        // And a follow-up task: tasks follow their customer in and out of a share.
                        crmlite::tasks::create(db, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
                    }
                    break;
                case 6:
                    if (!ids.empty()) crmlite::tags::assign(db, pick(ids), rng() % 2 ? "价值/高" : "区域/华东");
                    break;
                default:
                    if (!calls.empty()) interactions::update(db, pick(calls), Json{{"subject", "改 " + std::to_string(step)}});
                    break;
                }
            } catch (const crmlite::Error& e) {
                if (e.code() != CRM_ENOTFOUND && e.code() != CRM_EINVAL) throw;
            }
            if (!regression_seed && extra_rng() % 4 == 0) extra(extra_rng() % 3, step);
            if (rng() % 3 == 0) {
                const std::size_t d = rng() % 2;
                if (rng() % 2) push(d, 1 + rng() % 10);
                else pull(d, 1 + rng() % 10, rng() % 4 == 0);
            }
            if (!regression_seed && extra_rng() % 8 == 0) {  // a pull whose page is lost; the device asks again later
                const std::size_t d = extra_rng() % 2;
                csync::ChangesOptions o;
                o.max_records = 1 + extra_rng() % 10;
                o.peer = dev[d]->site_id();
                o.filter = share(d);
                if (trace) std::printf("pull %zu: a page lost, asked again later\n", d);
                (void)csync::changes_since(hub, csync::received_from(*dev[d], hub.site_id()), o);
            }
            if (!late.empty() && late_rng() % 3 == 0) deliver_late(late_rng() % late.size());
        }
        while (!late.empty()) deliver_late(0);
        settling = true;
        for (int round = 0; round < 2; ++round)
            for (std::size_t d = 0; d < 2; ++d) {
                push(d, 1000);
                pull(d, 1000, false);
            }
        if (trace) {
            SQLite::Statement st(hub.sql(), "SELECT s.peer, hex(s.customer), s.held, s.prev_held, s.seq, c.owner, c.display_name FROM sync_shares s LEFT JOIN customers c ON c.id = s.customer");
            while (st.executeStep())
                std::printf("share peer %d %s held %d prev %d seq %lld owner %s %s\n", st.getColumn(0).getInt(), st.getColumn(1).getString().c_str(),
                            st.getColumn(2).getInt(), st.getColumn(3).getInt(), static_cast<long long>(st.getColumn(4).getInt64()),
                            st.getColumn(5).getString().c_str(), st.getColumn(6).getString().c_str());
        }
        INFO("seed " << seed);
        CHECK(missing_parent == 0);
        CHECK(incomplete == 0);
        for (std::size_t d = 0; d < 2; ++d) {
            INFO("device " << reps[d]);
            Json want = restricted(hub, reps[d]), got = without_tombstones(*dev[d]);
            const Json hub_all = Json::parse(csync::canonical_dump(hub));
            drop_orphan_merges(want, hub_all);
            drop_orphan_merges(got, hub_all);
            if (got.dump(1) != want.dump(1) && std::getenv("CRMLITE_SYNC_DUMP")) {
                std::ofstream(std::string(std::getenv("CRMLITE_SYNC_DUMP")) + ".want") << want.dump(1);
                std::ofstream(std::string(std::getenv("CRMLITE_SYNC_DUMP")) + ".got") << got.dump(1);
            }
            CHECK(got.dump(1) == want.dump(1));
            auto& st = dev[d]->sql();
            CHECK(st.execAndGet("SELECT count(*) FROM pragma_foreign_key_check").getInt() == 0);
            CHECK(dev[d]->counter("customers") == st.execAndGet("SELECT count(*) FROM customers").getInt64());
            CHECK_NOTHROW(st.exec("INSERT INTO customer_fts(customer_fts) VALUES ('integrity-check')"));
            CHECK(st.execAndGet("SELECT count(*) FROM customers WHERE id IN (SELECT id FROM sync_tombstones WHERE tbl = 1)").getInt() == 0);
            // No versions of a task or call that is not here (evictions drop both).
            CHECK(st.execAndGet("SELECT count(*) FROM sync_versions v WHERE (tbl = 10 AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = v.id)) "
                                "OR (tbl = 3 AND NOT EXISTS (SELECT 1 FROM interactions i WHERE i.id = v.id))").getInt() == 0);
        }
    }
}
