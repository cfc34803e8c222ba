// Filtered replication: a device receives only its share of the hub's
// customers, a customer reassigned away is evicted from it, one reassigned to
// it arrives whole with its history, a lost page is sent again, and the hub
// refuses changes outside the sending device's write scope.
#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "tags/tags.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::TempDir;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;
namespace csync = crmlite::sync;

namespace {

struct Star {
    TempDir dir;
    Database hub{dir.path("hub.db"), OpenOptions{}};
    Database alice{dir.path("alice.db"), OpenOptions{}};  // alice's device: her customers only

    csync::Filter share() const {
        csync::Filter f;
        f.owners = {"alice"};
        return f;
    }
    csync::Changes page(std::size_t max_records = 1000) {
        csync::ChangesOptions o;
        o.max_records = max_records;
        o.peer = alice.site_id();
        o.filter = share();
        return csync::changes_since(hub, csync::received_from(alice, hub.site_id()), o);
    }
    Json pull(std::size_t max_records = 1000) {
        Json total = {{"evicted", 0}, {"records", 0}};
        for (;;) {
            auto ch = page(max_records);
            const Json r = csync::apply(alice, ch.blob, {});
            CHECK(r["missing_parent"] == 0);
            CHECK(r["incomplete"] == 0);
            total["evicted"] = total["evicted"].get<int>() + r["evicted"].get<int>();
            total["records"] = total["records"].get<int>() + r["records"].get<int>();
            if (!ch.more) break;
        }
        return total;
    }
    Json push() {
        csync::ChangesOptions o;
        o.peer = hub.site_id();
        auto ch = csync::changes_since(alice, csync::received_from(hub, alice.site_id()), o);
        csync::ApplyOptions a;
        a.scope = share();
        return csync::apply(hub, ch.blob, a);
    }
};

std::set<std::string> names(Database& db) {
    std::set<std::string> out;
    SQLite::Statement st(db.sql(), "SELECT display_name FROM customers");
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
}

std::int64_t scalar(Database& db, const std::string& sql) { return db.sql().execAndGet(sql).getInt64(); }

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
    // New customers: alice's own are accepted, one made for bob is refused.
    customers::create(s.alice, Json{{"display_name", "A-new"}, {"owner", "alice"}});
    const Uuid stolen = customers::create(s.alice, Json{{"display_name", "B-new"}, {"owner", "bob"}});
    const Json pushed = s.push();
    CHECK(pushed["refused"].size() == 1);
    CHECK(pushed["refused"][0]["id"] == stolen.str());
    CHECK(names(s.hub).count("A-new") == 1);
    CHECK(names(s.hub).count("B-new") == 0);
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
