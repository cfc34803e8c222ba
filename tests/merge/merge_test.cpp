// Merging duplicates: survivorship per field, nothing lost (contact points,
// tags, external ids, interactions), the merge recorded, reads of a loser
// following its redirect; and merges under sync: an edit made to the loser on
// another replica before it learned of the merge ends up on the survivor.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/liveness.hpp"
#include "merge/merge.hpp"
#include "merge/redirects.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"
#include "view/customer_view.hpp"

using namespace crmlite;
using crmlite::testing::TempDb;
using crmlite::testing::TempDir;

namespace {

std::vector<std::string> normalized(const Json& list) {
    std::vector<std::string> out;
    for (const auto& p : list) out.push_back(p["normalized"].get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
}

void tick() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

}  // namespace

TEST_CASE("merging keeps every contact point, tag, external id and interaction", "[merge]") {
    TempDb t;
    const Uuid s = customers::create(*t, Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}, {"tags", {"客户/VIP"}},
                                              {"external_ids", {{"erp", "C1"}}}, {"city", "上海"}});
    const Uuid l = customers::create(*t, Json{{"display_name", "Wang Xiaoming"}, {"phones", {"13812345678", "13900001111"}},
                                              {"emails", {"xm@example.com"}}, {"tags", {"来源/展会"}},
                                              {"external_ids", {{"shop", "S9"}}}, {"birthday", "1990-05-06"}});
    const Uuid order = interactions::add(*t, Json{{"customer_id", l.str()}, {"kind", "order"}, {"amount_minor", 100}, {"currency", "CNY"}});
    const Json m = merge::merge(*t, s, {l}, Json{{"fields", {{"display_name", "survivor"}}}});

    const Json c = customers::get(*t, s);
    CHECK(c["display_name"] == "王小明");
    CHECK(c["birthday"] == "1990-05-06");  // filled from the loser
    CHECK(c["city"] == "上海");
    CHECK(normalized(c["phones"]) == std::vector<std::string>{"+8613812345678", "+8613900001111"});
    CHECK(c["emails"].size() == 1);
    CHECK(c["tags"].size() == 2);
    CHECK(c["external_ids"]["erp"] == "C1");
    CHECK(c["external_ids"]["shop"] == "S9");
    CHECK(interactions::get(*t, order)["customer_id"] == s.str());
    CHECK(*customers::find_external(*t, "shop", "S9") == s);
    CHECK(t->counter("customers") == 1);

    // The merge is recorded with where each field came from and the records as they were.
    CHECK(m["survivor"] == s.str());
    CHECK(m["losers"] == Json::array({l.str()}));
    CHECK(m["sources"]["birthday"]["from"] == l.str());
    CHECK(m["sources"]["display_name"]["from"] == s.str());
    CHECK(m["before"][l.str()]["display_name"] == "Wang Xiaoming");
    CHECK(merge::get_merge(*t, Uuid::parse(m["id"].get<std::string>(), "id")) == m);
    CHECK(merge::merges_of(*t, s).size() == 1);

    // Reads of the loser follow the redirect (get and the 360 view).
    const Json via = customers::get(*t, l);
    CHECK(via["id"] == s.str());
    CHECK(via["redirected_from"] == l.str());
    CHECK(view::customer_view(*t, l)["profile"]["id"] == s.str());
    CHECK(*merge::resolve(*t, l) == s);
}

TEST_CASE("survivorship rules choose each field", "[merge]") {
    TempDb t;
    const Uuid s = customers::create(*t, Json{{"display_name", "A"}, {"title", "Engineer"}, {"address", "1 Main St"}});
    tick();
    const Uuid l = customers::create(*t, Json{{"display_name", "B"}, {"title", "Senior Engineer"}, {"address", "1 Main Street, Apt 5"}});
    tick();
    customers::update(*t, s, Json{{"title", "Lead"}});  // the survivor's title is now the most recent
    SECTION("most_recent (the default) takes the value written last") {
        merge::merge(*t, s, {l}, Json{{"fields", {{"display_name", "survivor"}}}});
        CHECK(customers::get(*t, s)["title"] == "Lead");
        CHECK(customers::get(*t, s)["address"] == "1 Main Street, Apt 5");
    }
    SECTION("most_complete takes the longest value") {
        merge::merge(*t, s, {l}, Json{{"rule", "most_complete"}});
        CHECK(customers::get(*t, s)["title"] == "Senior Engineer");
    }
    SECTION("survivor keeps the survivor's values") {
        merge::merge(*t, s, {l}, Json{{"rule", "survivor"}});
        CHECK(customers::get(*t, s)["display_name"] == "A");
        CHECK(customers::get(*t, s)["address"] == "1 Main St");
    }
    SECTION("manual choice per field") {
        merge::merge(*t, s, {l}, Json{{"rule", "survivor"}, {"choose", {{"address", l.str()}}}});
        CHECK(customers::get(*t, s)["address"] == "1 Main Street, Apt 5");
        CHECK(customers::get(*t, s)["title"] == "Lead");
    }
}

TEST_CASE("bad merges are refused whole, naming the field", "[merge]") {
    TempDb t;
    const Uuid s = customers::create(*t, Json{{"display_name", "A"}});
    const Uuid l = customers::create(*t, Json{{"display_name", "B"}});
    CHECK_CRM_ERROR(merge::merge(*t, s, {}, Json()), CRM_EINVAL, "losers");
    CHECK_CRM_ERROR(merge::merge(*t, s, {s}, Json()), CRM_EINVAL, "losers[0]");
    CHECK_CRM_ERROR(merge::merge(*t, s, {l, l}, Json()), CRM_EINVAL, "losers[1]");
    CHECK_CRM_ERROR(merge::merge(*t, s, {Uuid::v7()}, Json()), CRM_ENOTFOUND, "losers[0]");
    CHECK_CRM_ERROR(merge::merge(*t, s, {l}, Json{{"rule", "loudest"}}), CRM_EINVAL, "options.rule");
    CHECK_CRM_ERROR(merge::merge(*t, s, {l}, Json{{"choose", {{"title", Uuid::v7().str()}}}}), CRM_EINVAL, "options.choose.title");
    CHECK_CRM_ERROR(merge::merge(*t, s, {l}, Json{{"fields", {{"shoe_size", "survivor"}}}}), CRM_EINVAL, "options.fields.shoe_size");
    CHECK(customers::exists(*t, l));
    CHECK(merge::merges_of(*t, s).empty());
}

namespace {

struct Pair {
    TempDir dir;
    std::unique_ptr<Database> a = std::make_unique<Database>(dir.path("a.db"), OpenOptions{});
    std::unique_ptr<Database> b = std::make_unique<Database>(dir.path("b.db"), OpenOptions{});
    std::int64_t ab = 0, ba = 0;
    void a_to_b() { testing::send_pages(*a, *b, ab, 1000); }
    void b_to_a() { testing::send_pages(*b, *a, ba, 1000); }
};

}  // namespace

TEST_CASE("an edit to the loser made elsewhere before the merge arrived ends up on the survivor", "[merge][sync]") {
    Pair p;
    const Uuid s = customers::create(*p.a, Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}, {"city", "上海"}});
    const Uuid l = customers::create(*p.a, Json{{"display_name", "Wang Xiaoming"}, {"phones", {"13812345678"}}});
    interactions::add(*p.a, Json{{"customer_id", l.str()}, {"kind", "call"}, {"subject", "first call"}});
    p.a_to_b();
    p.b_to_a();
    tick();

    const bool merge_first = GENERATE(true, false);  // which replica's clock is later
    INFO("merge made first: " << merge_first);
    const auto merge_on_a = [&] { merge::merge(*p.a, s, {l}, Json()); };
    const auto edit_on_b = [&] {
        customers::update(*p.b, l, Json{{"title", "采购经理"}, {"emails", {"xm@example.com"}}});
        interactions::add(*p.b, Json{{"customer_id", l.str()}, {"kind", "visit"}, {"subject", "offline visit"}});
    };
    if (merge_first) {
        merge_on_a();
        tick();
        edit_on_b();
    } else {
        edit_on_b();
        tick();
        merge_on_a();
    }
    const bool a_first = GENERATE(true, false);  // which direction syncs first
    INFO("a sends first: " << a_first);
    if (a_first) {
        p.a_to_b();
        p.b_to_a();
    } else {
        p.b_to_a();
        p.a_to_b();
    }
    p.a_to_b();
    p.b_to_a();

    for (Database* db : {p.a.get(), p.b.get()}) {
        CHECK_FALSE(customers::exists(*db, l));
        const Json c = customers::get(*db, s);
        CHECK(c["title"] == "采购经理");  // the edit made to the loser
        REQUIRE(c["emails"].size() == 1);
        CHECK(c["emails"][0]["normalized"] == "xm@example.com");
        CHECK(customers::get(*db, l)["id"] == s.str());  // the redirect synced
        CHECK(merge::merges_of(*db, s).size() == 1);      // the merge recorded on both
        CHECK(db->counter("customers") == 1);
        // Both calls, the one the merge saw and the one it did not, are on the survivor.
        const Json summary = interactions::summary(*db, s, 10);
        CHECK(summary.dump().find("first call") != std::string::npos);
        CHECK(summary.dump().find("offline visit") != std::string::npos);
    }
    CHECK(sync::canonical_dump(*p.a) == sync::canonical_dump(*p.b));
}

TEST_CASE("a merge that arrives before its survivor keeps the loser and its records until it comes", "[merge][sync]") {
    // Replica a creates S, merges L into it and then writes S again: merges it
    // away into T, deletes it, or merges it into a new S2 that it merges into
    // T in turn. Its pages carry the redirect L -> S before S (S's row was
    // rewritten later), and S -> S2 before S2. b, which logged a call for L
    // that a has not seen, keeps L and the call until the end of the chain
    // arrives; then the call follows the merges (to T), or goes with the
    // deleted S. A replica c that starts from b's snapshot meanwhile holds L
    // waiting too.
    Pair p;
    const Uuid l = customers::create(*p.a, Json{{"display_name", "Li Lei"}, {"phones", {"13900001003"}}});
    const Uuid t = customers::create(*p.a, Json{{"display_name", "李雷"}, {"phones", {"13900001004"}}});
    p.a_to_b();
    const Uuid call = interactions::add(*p.b, Json{{"customer_id", l.str()}, {"kind", "call"}, {"subject", "b's call"}});
    tick();
    const int how = GENERATE(0, 1, 2);
    INFO("S merged into T (0), deleted (1), merged into S2 and S2 into T (2): " << how);
    const Uuid s = customers::create(*p.a, Json{{"display_name", "李 雷"}});
    merge::merge(*p.a, s, {l}, Json());
    tick();
    if (how == 1) customers::remove(*p.a, s);
    else if (how == 0) merge::merge(*p.a, t, {s}, Json());
    else {
        const Uuid s2 = customers::create(*p.a, Json{{"display_name", "Li Lei (2)"}});
        merge::merge(*p.a, s2, {s}, Json());
        tick();
        merge::merge(*p.a, t, {s2}, Json());
    }

    TempDir dir;
    Database c(dir.path("c.db"), OpenOptions{});
    bool waited = false;
    testing::send_pages(*p.a, *p.b, p.ab, 1, [&](const Json& r) {
        CHECK(r["missing_parent"] == 0);
        // A page with L's merge but not yet the end of its chain: L waits, with b's call.
        if (merge::redirect_of(*p.b, l) && customers::exists(*p.b, l) && !waited) {
            waited = true;
            CHECK(p.b->id_at("SELECT customer_id FROM interactions WHERE id = ?", call) == l);
            CHECK(testing::scalar(*p.b, "SELECT count(*) FROM sync_waiting_merges") == 1);
            const Json snap = sync::apply(c, sync::changes_since(*p.b, 0, 100000).blob, {});
            CHECK(snap["missing_parent"] == 0);
            CHECK(c.id_at("SELECT customer_id FROM interactions WHERE id = ?", call) == l);
            CHECK(testing::scalar(c, "SELECT count(*) FROM sync_waiting_merges") == 1);
        }
    });
    CHECK(waited);
    p.b_to_a();
    p.a_to_b();
    // A full exchange with c (each replica stamps its own tombstone for a
    // call dropped with a deleted customer; the newest stays everywhere).
    std::int64_t bc = 0, cb = 0;
    CHECK(testing::send_pages(*p.b, c, bc, 1000)["missing_parent"] == 0);
    testing::send_pages(c, *p.b, cb, 1000);
    p.b_to_a();
    testing::send_pages(*p.b, c, bc, 1000);
    for (Database* db : {p.a.get(), p.b.get(), &c}) {
        CHECK_FALSE(customers::exists(*db, l));
        CHECK_FALSE(customers::exists(*db, s));
        const auto owner = db->id_at("SELECT customer_id FROM interactions WHERE id = ?", call);
        if (how == 1) CHECK_FALSE(owner);
        else CHECK(owner == t);
        CHECK(testing::scalar(*db, "SELECT count(*) FROM sync_waiting_merges") == 0);
    }
    CHECK(sync::canonical_dump(*p.a) == sync::canonical_dump(*p.b));
    CHECK(sync::canonical_dump(c) == sync::canonical_dump(*p.b));
}
