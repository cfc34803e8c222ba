// Deleting sales records, and customers that sales records depend on: a lead
// goes with its events, an opportunity with its stage history, a campaign with
// its members, a pipeline (unused) with its stages; a deleted customer takes
// its opportunities, stage history and campaign memberships along and its
// leads lose the link. Every delete is a tombstone that syncs: it wins over
// edits made elsewhere meanwhile, in whatever order the replicas meet, and
// records made offline under a deleted parent are dropped and reported.
#include <catch2/catch.hpp>

#include <memory>
#include <optional>
#include <string>

#include "access/access.hpp"
#include "campaigns/campaigns.hpp"
#include "customers/customers.hpp"
#include "leads/leads.hpp"
#include "merge/merge.hpp"
#include "pipeline/forecast.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "subject/subject.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using crmlite::testing::TempDb;
using crmlite::testing::TempDir;
using crmlite::testing::scalar;
namespace csync = crmlite::sync;
namespace customers = crmlite::customers;
namespace leads = crmlite::leads;
namespace campaigns = crmlite::campaigns;
namespace opportunities = crmlite::opportunities;
namespace pipeline = crmlite::pipeline;

namespace {

std::int64_t count_where(Database& db, const char* table, const char* column, const Uuid& id) {
    SQLite::Statement st(db.sql(), std::string("SELECT count(*) FROM ") + table + " WHERE " + column + " = ?");
    st.bind(1, id.data(), Uuid::size());
    st.executeStep();
    return st.getColumn(0).getInt64();
}

std::int64_t tombstones(Database& db, crmlite::Table t) {
    return scalar(db, "SELECT count(*) FROM sync_tombstones WHERE tbl = " + std::to_string(static_cast<int>(t)));
}

Json make_pipeline(Database& db, const std::string& name = "P") {
    return pipeline::create(db, {{"name", name},
                                 {"stages", {{{"name", "Lead"}, {"probability", 10}}, {{"name", "Proposal"}, {"probability", 50}}}}});
}

std::string stage_named(const Json& p, const std::string& name) {
    for (const auto& s : p["stages"])
        if (s["name"] == name) return s["id"];
    return "";
}

Uuid id_of(const Json& j) { return Uuid::parse(j["id"].get<std::string>(), "id"); }

bool has_dropped(const Json& dropped, const std::string& table, const Uuid& id) {
    for (const auto& d : dropped)
        if (d["table"] == table && d["id"] == id.str()) return true;
    return false;
}

// Two replicas exchanging whole histories through small pages.
struct Pair {
    TempDir dir;
    std::unique_ptr<Database> a = std::make_unique<Database>(dir.path("a.db"), OpenOptions{});
    std::unique_ptr<Database> b = std::make_unique<Database>(dir.path("b.db"), OpenOptions{});
    std::int64_t ab = 0, ba = 0;
    std::int64_t missing = 0, incomplete = 0;
    Json dropped = Json::array();  // what the last send reported as dropped

    void send(Database& from, Database& to, std::int64_t& cursor) {
        dropped = Json::array();
        crmlite::testing::send_pages(from, to, cursor, 5, [this](const Json& r) {
            missing += r["missing_parent"].get<std::int64_t>();
            incomplete += r["incomplete"].get<std::int64_t>();
            for (const auto& d : r["dropped"]) dropped.push_back(d);
        });
    }
    void a_to_b() { send(*a, *b, ab); }
    void b_to_a() { send(*b, *a, ba); }
    // Until neither side has anything new for the other (applying a delete
    // writes this replica's own tombstones and unlinks, which travel back once).
    void settle() {
        for (int round = 0; round < 4; ++round) {
            a_to_b();
            b_to_a();
        }
        a_to_b();
    }
};

}  // namespace

TEST_CASE("deleting a customer tombstones its opportunities, stage history and campaign members, and unlinks its leads",
          "[sales][delete]") {
    TempDb t;
    const Json p = make_pipeline(*t);
    const Uuid c = customers::create(*t, {{"display_name", "王小明"}, {"phones", Json::array({"13800000001"})}, {"consent_marketing", true}});
    const Uuid other = customers::create(*t, {{"display_name", "Other"}});
    const Uuid o = opportunities::add(*t, {{"customer_id", c.str()}, {"name", "Tea"}});
    opportunities::update(*t, o, {{"stage_id", stage_named(p, "Proposal")}});
    const Uuid kept = opportunities::add(*t, {{"customer_id", other.str()}, {"name", "Cups"}});
    const Uuid camp = campaigns::create(*t, {{"name", "Spring"}, {"audience_mode", "dynamic"}});
    campaigns::set_member_status(*t, camp, c, "sent");
    const Json lead = leads::capture(*t, {{"name", "Wang"}, {"phone", "+86 138 0000 0001"}, {"assign", false}});
    REQUIRE(lead["customer_id"] == c.str());
    const Uuid lead_id = id_of(lead);

    customers::remove(*t, c);

    CHECK_CRM_ERROR(opportunities::get(*t, o), CRM_ENOTFOUND, "opportunity");
    CHECK(count_where(*t, "stage_history", "customer_id", c) == 0);
    CHECK(count_where(*t, "campaign_members", "customer_id", c) == 0);
    CHECK_FALSE(leads::get(*t, lead_id).contains("customer_id"));  // the lead stays, unlinked
    CHECK(tombstones(*t, crmlite::Table::opportunities) == 1);
    CHECK(tombstones(*t, crmlite::Table::stage_history) == 2);
    CHECK(tombstones(*t, crmlite::Table::campaign_members) == 1);
    CHECK(opportunities::get(*t, kept)["name"] == "Cups");  // another customer's stays
    CHECK(campaigns::results(*t, camp)["members"] == 0);
}

TEST_CASE("erasing a person takes its sales records along", "[sales][delete][privacy]") {
    TempDb t;
    make_pipeline(*t);
    const Uuid c = customers::create(*t, {{"display_name", "Erased"}});
    const Uuid o = opportunities::add(*t, {{"customer_id", c.str()}, {"name", "Tea"}, {"notes", "call 13912345678"}});
    const Json r = crmlite::subject::erase_person(*t, c);
    CHECK(r["records"].get<std::int64_t>() >= 3);  // the customer, the opportunity, its history
    CHECK_CRM_ERROR(opportunities::get(*t, o), CRM_ENOTFOUND, "opportunity");
    CHECK(scalar(*t, "SELECT count(*) FROM stage_history") == 0);
}

TEST_CASE("a customer deleted on one replica while an opportunity is added for it offline on another",
          "[sales][delete][sync]") {
    const bool deleter_first = GENERATE(true, false);
    Pair s;
    const Json p = make_pipeline(*s.a);
    const Uuid c = customers::create(*s.a, {{"display_name", "Wang"}, {"phones", Json::array({"13800000001"})}, {"consent_marketing", true}});
    const Uuid camp = campaigns::create(*s.a, {{"name", "Spring"}, {"audience_mode", "dynamic"}});
    s.settle();
    REQUIRE(s.missing == 0);

    customers::remove(*s.a, c);
    // B, offline: a deal with a stage move, a campaign contact, a lead that matches the customer.
    const Uuid o = opportunities::add(*s.b, {{"customer_id", c.str()}, {"name", "Tea"}});
    opportunities::update(*s.b, o, {{"stage_id", stage_named(p, "Proposal")}});
    campaigns::set_member_status(*s.b, camp, c, "sent");
    const Json lead = leads::capture(*s.b, {{"name", "Wang"}, {"phone", "13800000001"}, {"assign", false}});
    REQUIRE(lead["customer_id"] == c.str());

    if (deleter_first) {
        // B learns of the delete first: its offline records go with the customer.
        s.a_to_b();
        CHECK_CRM_ERROR(opportunities::get(*s.b, o), CRM_ENOTFOUND, "opportunity");
        CHECK(tombstones(*s.b, crmlite::Table::opportunities) == 1);
        s.b_to_a();
    } else {
        // A receives them first: dropped (the customer is deleted) and reported.
        s.b_to_a();
        CHECK(has_dropped(s.dropped, "opportunities", o));
        CHECK(s.dropped.size() == 4);  // the opportunity, its two history entries, the membership
        s.a_to_b();
    }
    s.settle();
    CHECK(s.missing == 0);
    CHECK(s.incomplete == 0);
    for (Database* db : {s.a.get(), s.b.get()}) {
        CHECK_FALSE(customers::exists(*db, c));
        CHECK(scalar(*db, "SELECT count(*) FROM opportunities") == 0);
        CHECK(scalar(*db, "SELECT count(*) FROM stage_history") == 0);
        CHECK(scalar(*db, "SELECT count(*) FROM campaign_members") == 0);
        CHECK_FALSE(leads::get(*db, id_of(lead)).contains("customer_id"));
    }
    CHECK(csync::canonical_dump(*s.a) == csync::canonical_dump(*s.b));
}

TEST_CASE("a delete wins over a concurrent edit on another replica, in either sync order", "[sales][delete][sync]") {
    const std::string kind = GENERATE(as<std::string>{}, "lead", "opportunity", "campaign", "pipeline");
    const bool deleter_first = GENERATE(true, false);
    INFO(kind << (deleter_first ? ", deleter's changes first" : ", editor's changes first"));
    Pair s;
    const Json p = make_pipeline(*s.a);
    const Json unused = make_pipeline(*s.a, "Unused");
    const Uuid c = customers::create(*s.a, {{"display_name", "Wang"}, {"owner", "alice"}, {"consent_marketing", true}});
    const Uuid o = opportunities::add(*s.a, {{"customer_id", c.str()}, {"name", "Tea"}, {"pipeline_id", p["id"]}});
    const Uuid camp = campaigns::create(*s.a, {{"name", "Spring"}, {"audience_mode", "dynamic"}});
    const Uuid lead = id_of(leads::capture(*s.a, {{"name", "Zhao"}, {"owner", "alice"}}));
    s.settle();
    REQUIRE(s.missing == 0);

    Uuid gone = lead;
    std::optional<Uuid> made_offline;  // a record B makes under the deleted one
    if (kind == "lead") {
        leads::remove(*s.a, lead);
        leads::update(*s.b, lead, {{"status", "contacted"}, {"owner", "bob"}});
    } else if (kind == "opportunity") {
        gone = o;
        opportunities::remove(*s.a, o);
        opportunities::update(*s.b, o, {{"stage_id", stage_named(p, "Proposal")}, {"amount_minor", 900}, {"currency", "CNY"}});
    } else if (kind == "campaign") {
        gone = camp;
        campaigns::remove(*s.a, camp);
        campaigns::update(*s.b, camp, {{"status", "active"}});
        campaigns::set_member_status(*s.b, camp, c, "sent");
        made_offline = id_of(leads::capture(*s.b, {{"name", "Qian"}, {"campaign_id", camp.str()}, {"assign", false}}));
    } else {
        gone = id_of(unused);
        pipeline::remove(*s.a, gone);
        made_offline = opportunities::add(*s.b, {{"customer_id", c.str()}, {"name", "Cups"}, {"pipeline_id", unused["id"]}});
    }
    if (deleter_first) {
        s.a_to_b();
        s.b_to_a();
    } else {
        s.b_to_a();
        if (kind == "pipeline") CHECK(has_dropped(s.dropped, "opportunities", *made_offline));
        s.a_to_b();
    }
    s.settle();
    CHECK(s.missing == 0);
    CHECK(s.incomplete == 0);
    for (Database* db : {s.a.get(), s.b.get()}) {
        if (kind == "lead") {
            CHECK_CRM_ERROR(leads::get(*db, gone), CRM_ENOTFOUND, "lead");
            CHECK(scalar(*db, "SELECT count(*) FROM lead_events") == 0);
        } else if (kind == "opportunity") {
            CHECK_CRM_ERROR(opportunities::get(*db, gone), CRM_ENOTFOUND, "opportunity");
            CHECK(scalar(*db, "SELECT count(*) FROM stage_history") == 0);
        } else if (kind == "campaign") {
            CHECK_CRM_ERROR(campaigns::get(*db, gone), CRM_ENOTFOUND, "campaign");
            CHECK(scalar(*db, "SELECT count(*) FROM campaign_members") == 0);
            CHECK_FALSE(leads::get(*db, *made_offline).contains("campaign_id"));  // made offline, unlinked on both
        } else {
            CHECK_CRM_ERROR(pipeline::get(*db, gone), CRM_ENOTFOUND, "pipeline");
            CHECK_CRM_ERROR(opportunities::get(*db, *made_offline), CRM_ENOTFOUND, "opportunity");
            CHECK(count_where(*db, "pipeline_stages", "pipeline_id", gone) == 0);
            CHECK(opportunities::get(*db, o)["name"] == "Tea");  // the other pipeline's deal stays
        }
    }
    CHECK(csync::canonical_dump(*s.a) == csync::canonical_dump(*s.b));
    // The delete stays final: a later edit elsewhere cannot bring it back.
    s.settle();
    CHECK(csync::canonical_dump(*s.a) == csync::canonical_dump(*s.b));
}

TEST_CASE("deleting a lead, an opportunity or a campaign unlinks the records that named it", "[sales][delete]") {
    TempDb t;
    make_pipeline(*t);
    const Uuid camp = campaigns::create(*t, {{"name", "Spring"}});
    const Uuid lead = id_of(leads::capture(*t, {{"name", "Zhao"}, {"campaign_id", camp.str()}, {"assign", false}}));
    const Json conv = leads::convert(*t, lead, {{"opportunity", {{"name", "Tea"}}}});
    const Uuid o = Uuid::parse(conv["opportunity_id"].get<std::string>(), "id");
    REQUIRE(opportunities::get(*t, o)["lead_id"] == lead.str());
    REQUIRE(opportunities::get(*t, o)["campaign_id"] == camp.str());

    campaigns::remove(*t, camp);
    CHECK_FALSE(opportunities::get(*t, o).contains("campaign_id"));
    CHECK_FALSE(leads::get(*t, lead).contains("campaign_id"));
    opportunities::remove(*t, o);
    const Json l = leads::get(*t, lead);
    CHECK_FALSE(l.contains("opportunity_id"));
    CHECK(l["status"] == "converted");  // its history stays
    CHECK(l.contains("customer_id"));
    CHECK_CRM_ERROR(leads::remove(*t, Uuid::v7()), CRM_ENOTFOUND, "lead");
    leads::remove(*t, lead);
    CHECK(scalar(*t, "SELECT count(*) FROM leads") == 0);
    CHECK(scalar(*t, "SELECT count(*) FROM lead_events") == 0);
    CHECK(tombstones(*t, crmlite::Table::lead_events) >= 2);
}

TEST_CASE("a pipeline can be deleted only when no opportunity uses it", "[sales][delete]") {
    TempDb t;
    const Json p = make_pipeline(*t);
    const Uuid pid = id_of(p);
    const Uuid c = customers::create(*t, {{"display_name", "Wang"}});
    const Uuid o = opportunities::add(*t, {{"customer_id", c.str()}, {"name", "Tea"}, {"status", "lost"}, {"close_reason", "price"}});
    CHECK_CRM_ERROR(pipeline::remove(*t, pid), CRM_EEXISTS, "pipeline_id");
    CHECK(pipeline::list(*t).size() == 1);  // nothing written
    opportunities::remove(*t, o);
    pipeline::remove(*t, pid);
    CHECK(pipeline::list(*t).empty());
    CHECK(tombstones(*t, crmlite::Table::pipeline_stages) == 4);
    CHECK_CRM_ERROR(pipeline::remove(*t, pid), CRM_ENOTFOUND, "pipeline");
}

TEST_CASE("sales deletes need the delete permission and the record in the principal's scope", "[sales][delete][access]") {
    TempDb t;
    make_pipeline(*t);
    crmlite::access::put_user(*t, Json{{"name", "alice"}, {"role", "sales"}, {"team", "east"}});
    crmlite::access::put_user(*t, Json{{"name", "erin"}, {"role", "manager"}, {"team", "east"}});
    crmlite::access::put_user(*t, Json{{"name", "will"}, {"role", "manager"}, {"team", "west"}});
    const Uuid c = customers::create(*t, {{"display_name", "Wang"}, {"owner", "alice"}});
    const Uuid o = opportunities::add(*t, {{"customer_id", c.str()}, {"name", "Tea"}});
    const Uuid lead = id_of(leads::capture(*t, {{"name", "Zhao"}, {"owner", "alice"}}));
    const Uuid camp = campaigns::create(*t, {{"name", "Spring"}});

    Database rep(t.file, OpenOptions{});
    crmlite::access::sign_in(rep, "alice");
    CHECK_CRM_ERROR(leads::remove(rep, lead), CRM_EPERM, "\"delete\" permission");
    CHECK_CRM_ERROR(opportunities::remove(rep, o), CRM_EPERM, "\"delete\" permission");
    CHECK_CRM_ERROR(campaigns::remove(rep, camp), CRM_EPERM, "\"delete\" permission");

    Database west(t.file, OpenOptions{});
    crmlite::access::sign_in(west, "will");
    CHECK_CRM_ERROR(leads::remove(west, lead), CRM_EPERM, "outside the scope");
    CHECK_CRM_ERROR(opportunities::remove(west, o), CRM_EPERM, "outside the scope");
    CHECK(leads::get(*t, lead)["owner"] == "alice");  // nothing written

    Database east(t.file, OpenOptions{});
    crmlite::access::sign_in(east, "erin");
    leads::remove(east, lead);
    opportunities::remove(east, o);
    campaigns::remove(east, camp);  // campaigns have no owner: the permission suffices
    t->reset_statements();          // no statement of this handle keeps an older snapshot open
    CHECK(scalar(*t, "SELECT count(*) FROM leads") + scalar(*t, "SELECT count(*) FROM opportunities") +
              scalar(*t, "SELECT count(*) FROM campaigns") ==
          0);
}

TEST_CASE("forecast periods are calendar dates in the database's time zone", "[sales][forecast]") {
    TempDir dir;
    for (const auto& [zone, want] : {std::pair{std::string("UTC"), "2026-03"}, {std::string("Asia/Shanghai"), "2026-04"}}) {
        OpenOptions o;
        o.timezone = zone;
        Database db(dir.path(zone == "UTC" ? "utc.db" : "sh.db"), o);
        make_pipeline(db);
        const Uuid c = customers::create(db, {{"display_name", "Wang"}});
        const Uuid deal = opportunities::add(db, {{"customer_id", c.str()}, {"name", "Tea"}, {"amount_minor", 100}, {"currency", "CNY"}});
        // Won at 20:00 UTC on 31 March: 04:00 on 1 April in Shanghai.
        opportunities::update(db, deal, {{"status", "won"}, {"closed_at", "2026-03-31T20:00:00Z"}});
        const Json rows = crmlite::forecast::forecast(db, Json::object())["rows"];
        INFO(zone << ": " << rows.dump());
        REQUIRE(rows.size() == 1);
        CHECK(rows[0]["period"] == want);
        CHECK(rows[0]["won_count"] == 1);
        // from/to are dates of the same calendar.
        CHECK(crmlite::forecast::forecast(db, {{"from", "2026-04-01"}})["rows"].size() == (zone == "UTC" ? 0u : 1u));
    }
}

TEST_CASE("a customer evicted from a filtered device takes its sales records along, without tombstones",
          "[sales][delete][sync][share]") {
    TempDir dir;
    Database hub(dir.path("hub.db"), OpenOptions{});
    Database dev(dir.path("dev.db"), OpenOptions{});
    csync::Filter share;
    share.owners = {"alice"};
    const auto pull = [&] {
        for (;;) {
            csync::ChangesOptions o;
            o.peer = dev.site_id();
            o.filter = share;
            auto ch = csync::changes_since(hub, csync::received_from(dev, hub.site_id()), o);
            const Json r = csync::apply(dev, ch.blob, {});
            CHECK(r["missing_parent"] == 0);
            if (!ch.more) break;
        }
    };
    const Json p = make_pipeline(hub);
    const Uuid c = customers::create(hub, {{"display_name", "Wang"}, {"owner", "alice"}, {"phones", Json::array({"13800000001"})},
                                           {"consent_marketing", true}});
    const Uuid o = opportunities::add(hub, {{"customer_id", c.str()}, {"name", "Tea"}});
    opportunities::update(hub, o, {{"stage_id", stage_named(p, "Proposal")}});
    const Uuid camp = campaigns::create(hub, {{"name", "Spring"}, {"audience_mode", "dynamic"}});
    campaigns::set_member_status(hub, camp, c, "sent");
    const Json lead = leads::capture(hub, {{"name", "Wang"}, {"phone", "13800000001"}, {"owner", "alice"}});
    REQUIRE(lead["customer_id"] == c.str());
    pull();
    REQUIRE(opportunities::get(dev, o)["stage_history"].size() == 2);
    REQUIRE(scalar(dev, "SELECT count(*) FROM campaign_members") == 1);

    customers::update(hub, c, {{"owner", "bob"}});  // leaves alice's share
    pull();
    CHECK_FALSE(customers::exists(dev, c));
    CHECK(scalar(dev, "SELECT count(*) FROM opportunities") == 0);
    CHECK(scalar(dev, "SELECT count(*) FROM stage_history") == 0);
    CHECK(scalar(dev, "SELECT count(*) FROM campaign_members") == 0);
    CHECK(scalar(dev, "SELECT count(*) FROM sync_tombstones") == 0);  // nothing that could sync back as a delete
    CHECK(leads::get(dev, id_of(lead))["customer_id"] == c.str());    // the customer lives on at the hub
    // The device's next push deletes nothing at the hub.
    csync::ChangesOptions o2;
    o2.peer = hub.site_id();
    auto ch = csync::changes_since(dev, csync::received_from(hub, dev.site_id()), o2);
    csync::ApplyOptions scope;
    scope.scope = share;
    csync::apply(hub, ch.blob, scope);
    CHECK(opportunities::get(hub, o)["stage_history"].size() == 2);
    CHECK(scalar(hub, "SELECT count(*) FROM campaign_members") == 1);
}

TEST_CASE("merging duplicates moves the loser's opportunities, stage history and lead links to the survivor",
          "[sales][merge]") {
    TempDb t;
    const Json p = make_pipeline(*t);
    const Uuid s = customers::create(*t, {{"display_name", "王小明"}, {"phones", Json::array({"13800000001"})}});
    const Uuid l = customers::create(*t, {{"display_name", "Wang Xiaoming"}, {"phones", Json::array({"13800000002"})}});
    const Uuid o = opportunities::add(*t, {{"customer_id", l.str()}, {"name", "Tea"}});
    opportunities::update(*t, o, {{"stage_id", stage_named(p, "Proposal")}});
    const Json lead = leads::capture(*t, {{"name", "Wang"}, {"phone", "13800000002"}, {"assign", false}});
    REQUIRE(lead["customer_id"] == l.str());
    crmlite::merge::merge(*t, s, {l}, Json());
    const Json got = opportunities::get(*t, o);
    CHECK(got["customer_id"] == s.str());
    CHECK(got["stage_history"].size() == 2);
    CHECK(count_where(*t, "stage_history", "customer_id", s) == 2);
    CHECK(leads::get(*t, id_of(lead))["customer_id"] == s.str());
    CHECK(tombstones(*t, crmlite::Table::opportunities) == 0);
    // Converting the lead uses the survivor.
    CHECK(leads::convert(*t, id_of(lead), Json::object())["customer_id"] == s.str());
}

TEST_CASE("a merge and an opportunity added offline for the loser meet in either order", "[sales][merge][sync]") {
    const bool merger_first = GENERATE(true, false);
    Pair x;
    const Json p = make_pipeline(*x.a);
    const Uuid s = customers::create(*x.a, {{"display_name", "王小明"}});
    const Uuid l = customers::create(*x.a, {{"display_name", "Wang Xiaoming"}});
    const Uuid o = opportunities::add(*x.a, {{"customer_id", l.str()}, {"name", "Tea"}});
    x.settle();
    crmlite::merge::merge(*x.a, s, {l}, Json());
    const Uuid offline = opportunities::add(*x.b, {{"customer_id", l.str()}, {"name", "Cups"}});
    opportunities::update(*x.b, o, {{"stage_id", stage_named(p, "Proposal")}});
    if (merger_first) {
        x.a_to_b();
        x.b_to_a();
    } else {
        x.b_to_a();
        x.a_to_b();
    }
    x.settle();
    CHECK(x.missing == 0);
    for (Database* db : {x.a.get(), x.b.get()}) {
        CHECK(opportunities::get(*db, o)["customer_id"] == s.str());
        CHECK(opportunities::get(*db, o)["stage"]["name"] == "Proposal");
        CHECK(opportunities::get(*db, offline)["customer_id"] == s.str());
        CHECK(count_where(*db, "stage_history", "customer_id", l) == 0);
    }
    CHECK(csync::canonical_dump(*x.a) == csync::canonical_dump(*x.b));
}
