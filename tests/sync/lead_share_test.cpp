// Filtered replication of leads (issue 7): a device receives only the leads of
// its share (by owner, or region) with their events; a lead reassigned away is
// evicted from it without leftovers, one reassigned to it arrives whole; its
// edits reach the hub, and the hub refuses changes to leads outside the
// sending device's write scope.
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "leads/leads.hpp"
#include "sync/engine.hpp"
#include "sync/schema.hpp"
#include "sync/snapshot.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::TempDir;
using crmlite::testing::scalar;
namespace csync = crmlite::sync;
namespace leads = crmlite::leads;

namespace {

// alice's device holds her leads only; every page she pulls is also checked
// to refuse nothing.
struct Star : crmlite::testing::Star {
    Star() : crmlite::testing::Star(/*check_refused=*/true) {}
};

std::string hex(const Uuid& id) {
    std::string h;
    for (const char c : id.str())
        if (c != '-') h += c;
    return h;
}

std::set<std::string> ids(Database& db, const std::string& sql) {
    std::set<std::string> out;
    SQLite::Statement st(db.sql(), sql);
    while (st.executeStep()) out.insert(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()).str());
    return out;
}
std::set<std::string> lead_ids(Database& db) { return ids(db, "SELECT id FROM leads"); }
std::set<std::string> event_ids(Database& db) { return ids(db, "SELECT id FROM lead_events"); }
std::set<std::string> events_of(Database& db, const Uuid& lead) {
    return ids(db, "SELECT id FROM lead_events WHERE lead_id = x'" + hex(lead) + "'");
}

Uuid capture(Database& db, const std::string& name, const std::string& owner, const std::string& phone) {
    Json in = {{"name", name}, {"phone", phone}, {"source", "web"}, {"notes", name + " wants a quote"}};
    if (!owner.empty()) in["owner"] = owner;
    else in["assign"] = false;
    return Uuid::parse(leads::capture(db, in)["id"].get<std::string>(), "id");
}

// The canonical rows of leads and lead_events (all fields and their versions).
// `owner` set: the hub's restricted to the leads of that owner and their events.
Json lead_state(Database& db, const std::string& owner = "") {
    Json all = Json::parse(csync::canonical_dump(db));
    const auto& lt = *csync::find_table(static_cast<int>(crmlite::Table::leads));
    const auto& et = *csync::find_table(static_cast<int>(crmlite::Table::lead_events));
    const auto owner_col = static_cast<std::size_t>(csync::column_index(lt, "owner")) + 1;  // [0] is created_at
    const auto lead_col = static_cast<std::size_t>(csync::column_index(et, "lead_id")) + 1;
    Json out = {{"leads", Json::object()}, {"lead_events", Json::object()}};
    std::set<std::string> kept;
    for (auto it = all["leads"].begin(); it != all["leads"].end(); ++it)
        if (owner.empty() || it.value()[owner_col] == owner) {
            kept.insert(it.key());
            out["leads"][it.key()] = it.value();
        }
    for (auto it = all["lead_events"].begin(); it != all["lead_events"].end(); ++it)
        if (kept.count(it.value()[lead_col].get<std::string>())) out["lead_events"][it.key()] = it.value();
    return out;
}

}  // namespace

TEST_CASE("a filtered device receives only its share's leads with their events; reassignments move them whole",
          "[sync][share][leads]") {
    Star s;
    const Uuid a1 = capture(s.hub, "A1", "alice", "13800000001");
    const Uuid a2 = capture(s.hub, "A2", "alice", "13800000002");
    const Uuid b1 = capture(s.hub, "B1", "bob", "13800000003");
    const Uuid none = capture(s.hub, "N1", "", "13800000004");  // no owner: in no filtered share
    leads::update(s.hub, a1, Json{{"status", "contacted"}});
    leads::update(s.hub, b1, Json{{"status", "contacted"}});
    s.pull(3);  // small pages
    CHECK(lead_ids(s.alice) == std::set<std::string>{a1.str(), a2.str()});
    std::set<std::string> want_events = events_of(s.hub, a1);
    for (const auto& e : events_of(s.hub, a2)) want_events.insert(e);
    CHECK(want_events.size() == 5);  // captured + assigned each, a1's status change
    CHECK(event_ids(s.alice) == want_events);
    CHECK(lead_state(s.alice) == lead_state(s.hub, "alice"));
    CHECK(leads::get(s.alice, a1) == leads::get(s.hub, a1));
    CHECK(scalar(s.hub, "SELECT count(*) FROM leads") == 4);
    CHECK(s.pull()["records"] == 0);  // nothing new

    // a1 goes to bob: alice's device drops it and its events, leaving nothing behind.
    leads::update(s.hub, a1, Json{{"owner", "bob"}});
    const Json r = s.pull();
    CHECK(r["evicted"] == 1);
    CHECK(lead_ids(s.alice) == std::set<std::string>{a2.str()});
    CHECK(events_of(s.alice, a1).empty());
    CHECK(event_ids(s.alice) == events_of(s.hub, a2));
    const std::string a1_key = "x'" + hex(a1) + "'";
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_versions WHERE id = " + a1_key) == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_versions WHERE tbl = 43 AND id NOT IN (SELECT id FROM lead_events)") == 0);
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_tombstones") == 0);  // local: nothing that syncs back
    CHECK(lead_state(s.alice) == lead_state(s.hub, "alice"));
    // The hub keeps it, and alice's next push changes nothing there.
    const Json before = lead_state(s.hub);
    CHECK(s.push()["refused"].empty());
    CHECK(lead_state(s.hub) == before);
    CHECK(events_of(s.hub, a1).size() == 4);  // captured, assigned, status, assigned

    // b1 comes to alice: whole, with all its fields and its events.
    leads::update(s.hub, b1, Json{{"owner", "alice"}});
    s.pull();
    CHECK(lead_ids(s.alice) == std::set<std::string>{a2.str(), b1.str()});
    CHECK(leads::get(s.alice, b1) == leads::get(s.hub, b1));
    CHECK(events_of(s.alice, b1) == events_of(s.hub, b1));
    CHECK(events_of(s.alice, b1).size() == 4);
    CHECK(lead_state(s.alice) == lead_state(s.hub, "alice"));

    // And a1 back again: whole once more.
    leads::update(s.hub, a1, Json{{"owner", "alice"}});
    s.pull();
    CHECK(lead_ids(s.alice) == std::set<std::string>{a1.str(), a2.str(), b1.str()});
    CHECK(lead_state(s.alice) == lead_state(s.hub, "alice"));
    CHECK(lead_ids(s.alice).count(none.str()) == 0);
}

TEST_CASE("a filtered device's lead edits reach the hub; changes to leads outside its scope are refused",
          "[sync][share][leads]") {
    Star s;
    const Uuid a1 = capture(s.hub, "A1", "alice", "13800000001");
    const Uuid b1 = capture(s.hub, "B1", "bob", "13800000002");
    s.pull();
    REQUIRE(lead_ids(s.alice) == std::set<std::string>{a1.str()});

    // alice's edit of her lead reaches the hub, its event too.
    leads::update(s.alice, a1, Json{{"status", "qualified"}, {"notes", "budget confirmed"}});
    Json pushed = s.push();
    CHECK(pushed["refused"].empty());
    CHECK(leads::get(s.hub, a1)["status"] == "qualified");
    CHECK(leads::get(s.hub, a1)["notes"] == "budget confirmed");
    CHECK(events_of(s.hub, a1) == events_of(s.alice, a1));
    CHECK(s.pull()["records"] == 0);  // not echoed back
    CHECK(lead_state(s.alice) == lead_state(s.hub, "alice"));

    // A crafted blob: a device in alice's scope edits bob's lead (it never had it).
    TempDir other;
    Database forger(other.path("forger.db"), OpenOptions{});
    csync::apply(forger, csync::changes_since(s.hub, 0, 1000).blob, {});
    leads::update(forger, b1, Json{{"status", "disqualified"}, {"notes", "hijacked"}});
    leads::update(forger, a1, Json{{"status", "contacted"}});
    csync::ChangesOptions o;
    o.peer = s.hub.site_id();
    const auto blob = csync::changes_since(forger, csync::received_from(s.hub, forger.site_id()), o).blob;
    const Json bob_before = leads::get(s.hub, b1);
    const auto hub_events_before = event_ids(s.hub);
    csync::ApplyOptions scope;
    scope.scope = s.share();
    const Json r = csync::apply(s.hub, blob, scope);
    // bob's lead and the status event made for it are refused; alice's lead's change applies.
    int refused_leads = 0, refused_events = 0;
    for (const auto& x : r["refused"]) {
        CHECK(x["reason"].get<std::string>().find(b1.str()) != std::string::npos);
        refused_leads += x["table"] == "leads";
        refused_events += x["table"] == "lead_events";
    }
    CHECK(refused_leads == 1);
    CHECK(refused_events == 1);
    CHECK(leads::get(s.hub, b1) == bob_before);
    CHECK(leads::get(s.hub, a1)["status"] == "contacted");
    CHECK(event_ids(s.hub).size() == hub_events_before.size() + 1);  // a1's status event only

    // A new lead may be made for anyone (captured for a colleague): it reaches
    // the hub and then leaves alice's device at the next pull.
    const Uuid for_bob = capture(s.alice, "B-new", "bob", "13800000009");
    const Uuid mine = capture(s.alice, "A-new", "alice", "13800000010");
    pushed = s.push();
    CHECK(pushed["refused"].empty());
    CHECK(leads::get(s.hub, for_bob)["owner"] == "bob");
    CHECK(leads::get(s.hub, mine)["owner"] == "alice");
    CHECK(s.pull()["evicted"] == 1);
    CHECK(lead_ids(s.alice) == std::set<std::string>{a1.str(), mine.str()});
    CHECK(events_of(s.alice, for_bob).empty());
    CHECK(lead_state(s.alice) == lead_state(s.hub, "alice"));
    CHECK(events_of(s.hub, for_bob).size() == 2);
}

TEST_CASE("leads by region, a lost eviction page, deleted leads and a filtered snapshot", "[sync][share][leads]") {
    Star s;
    const Uuid a1 = capture(s.hub, "A1", "alice", "13800000001");
    const Uuid b1 = capture(s.hub, "B1", "bob", "13800000002");
    s.pull();
    // A lost page that carried an eviction is sent again.
    leads::update(s.hub, a1, Json{{"owner", "bob"}});
    (void)s.page();  // lost
    CHECK(s.pull()["evicted"] == 1);
    CHECK(lead_ids(s.alice).empty());
    CHECK(event_ids(s.alice).empty());
    // A deleted lead: its tombstone reaches every device, its content only those that held it.
    leads::update(s.hub, a1, Json{{"owner", "alice"}});
    s.pull();
    REQUIRE(lead_ids(s.alice) == std::set<std::string>{a1.str()});
    leads::remove(s.hub, a1);
    leads::remove(s.hub, b1);
    s.pull();
    CHECK(lead_ids(s.alice).empty());
    CHECK(event_ids(s.alice).empty());
    CHECK(scalar(s.alice, "SELECT count(*) FROM sync_tombstones WHERE tbl = 42") == 2);
    CHECK(lead_state(s.alice) == lead_state(s.hub, "alice"));

    // A region share holds the leads of its region whoever owns them.
    const Uuid north = Uuid::parse(
        leads::capture(s.hub, Json{{"name", "N1"}, {"owner", "carol"}, {"region", "north"}, {"phone", "13800000005"}})["id"]
            .get<std::string>(),
        "id");
    capture(s.hub, "C1", "carol", "13800000006");
    Database dev(s.dir.path("north.db"), OpenOptions{});
    csync::ChangesOptions o;
    o.peer = dev.site_id();
    o.filter.regions = {"north"};
    csync::apply(dev, csync::changes_since(s.hub, 0, o).blob, {});
    CHECK(lead_ids(dev) == std::set<std::string>{north.str()});
    CHECK(event_ids(dev) == events_of(s.hub, north));

    // A filtered snapshot holds the share's leads only, and the hub knows it.
    const Uuid a3 = capture(s.hub, "A3", "alice", "13800000007");
    csync::SnapshotOptions so;
    so.filter = s.share();
    const std::string path = s.dir.path("alice2.db");
    const Json snap = csync::snapshot(s.hub, path, so);
    Database copy(path, OpenOptions{});
    CHECK(lead_ids(copy) == std::set<std::string>{a3.str()});
    CHECK(event_ids(copy) == events_of(s.hub, a3));
    leads::update(s.hub, a3, Json{{"owner", "bob"}});
    csync::ChangesOptions co;
    co.peer = copy.site_id();
    co.filter = s.share();
    const Json r = csync::apply(copy, csync::changes_since(s.hub, snap["cursor"].get<std::int64_t>(), co).blob, {});
    CHECK(r["evicted"] == 1);
    CHECK(lead_ids(copy).empty());
    CHECK(event_ids(copy).empty());
}

TEST_CASE("an unfiltered replica still receives every lead", "[sync][leads]") {
    Star s;
    capture(s.hub, "A1", "alice", "13800000001");
    const Uuid b1 = capture(s.hub, "B1", "bob", "13800000002");
    capture(s.hub, "N1", "", "13800000003");
    csync::apply(s.alice, csync::changes_since(s.hub, 0, 1000).blob, {});
    CHECK(lead_ids(s.alice) == lead_ids(s.hub));
    CHECK(event_ids(s.alice) == event_ids(s.hub));
    leads::update(s.hub, b1, Json{{"owner", "carol"}});
    csync::ChangesOptions o;
    o.peer = s.alice.site_id();
    csync::apply(s.alice, csync::changes_since(s.hub, csync::received_from(s.alice, s.hub.site_id()), o).blob, {});
    CHECK(lead_state(s.alice) == lead_state(s.hub));
}
