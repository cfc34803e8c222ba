// Undoing a merge: the records as they were, the undo refused (naming why)
// when a later change made it impossible, and the undo as a replicated fact:
// every replica brings the loser back and drops its redirect, whatever order
// the merge, the undo and concurrent edits arrive in; a customer a user
// deleted never comes back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <thread>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/merge.hpp"
#include "merge/redirects.hpp"
#include "merge/undo.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"

using namespace crmlite;
using crmlite::testing::TempDb;
using crmlite::testing::TempDir;

namespace {

void tick() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

std::vector<std::string> normalized(const Json& list) {
    std::vector<std::string> out;
    for (const auto& p : list) out.push_back(p["normalized"].get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> sorted(const Json& list) {
    std::vector<std::string> out;
    for (const auto& v : list) out.push_back(v.get<std::string>());
    std::sort(out.begin(), out.end());
    return out;
}

// What a user sees of a customer (times aside).
Json visible(Database& db, const Uuid& id) {
    Json c = customers::get(db, id);
    c.erase("updated_at");
    for (const char* k : {"phones", "emails"})
        for (auto& p : c[k]) p.erase("primary");  // the survivor's own primary may change hands
    return c;
}

Uuid merge_id(const Json& m) { return Uuid::parse(m["id"].get<std::string>(), "id"); }

struct Replicas {
    TempDir dir;
    std::vector<std::unique_ptr<Database>> db;
    std::map<std::pair<int, int>, std::int64_t> cursor;
    explicit Replicas(int n) {
        for (int i = 0; i < n; ++i) db.push_back(std::make_unique<Database>(dir.path("r" + std::to_string(i) + ".db"), OpenOptions{}));
    }
    Database& operator[](int i) { return *db[static_cast<std::size_t>(i)]; }
    void send(int from, int to, std::size_t page = 1000) {
        testing::send_pages((*this)[from], (*this)[to], cursor[{from, to}], page, [](const Json& r) {
            CHECK(r["missing_parent"] == 0);
            CHECK(r["incomplete"] == 0);
        });
    }
    void everyone() {
        for (int round = 0; round < 2; ++round)
            for (int i = 0; i < static_cast<int>(db.size()); ++i)
                for (int j = 0; j < static_cast<int>(db.size()); ++j)
                    if (i != j) send(i, j);
    }
    void converged() {
        const std::string first = sync::canonical_dump(*db[0]);
        for (std::size_t i = 1; i < db.size(); ++i) CHECK(sync::canonical_dump(*db[i]) == first);
    }
};

}  // namespace

TEST_CASE("undoing a merge restores the records as they were", "[merge][undo]") {
    TempDb t;
    const Uuid s = customers::create(*t, Json{{"display_name", "小明贸易"}, {"phones", {"13812345678"}}, {"tags", {"客户/VIP"}},
                                              {"external_ids", {{"erp", "C1"}}}, {"city", "上海"}, {"title", "经理"},
                                              {"kind", "company"}});
    tick();
    const Uuid l = customers::create(*t, Json{{"display_name", "Wang Xiaoming"}, {"phones", {"13812345678", "13900001111"}},
                                              {"emails", {"xm@example.com"}}, {"tags", {"来源/展会"}}, {"title", "采购经理"},
                                              {"external_ids", {{"shop", "S9"}}}, {"birthday", "1990-05-06"}, {"kind", "company"}});
    const Uuid member = customers::create(*t, Json{{"display_name", "Zhao Yun"}, {"company_id", l.str()}});
    const Uuid order = interactions::add(*t, Json{{"customer_id", l.str()}, {"kind", "order"}, {"amount_minor", 100}, {"currency", "CNY"}});
    const Uuid call = interactions::add(*t, Json{{"customer_id", s.str()}, {"kind", "call"}, {"subject", "hello"}});
    const Json s_before = visible(*t, s), l_before = visible(*t, l);
    const std::string dump_before = sync::canonical_dump(*t);

    const Json m = merge::merge(*t, s, {l}, Json());
    REQUIRE(customers::get(*t, l)["id"] == s.str());
    REQUIRE(customers::get(*t, s)["title"] == "采购经理");  // most recent
    REQUIRE(customers::get(*t, member)["company_id"] == s.str());

    const Json u = merge::undo(*t, merge_id(m));
    CHECK(u["status"] == "undone");
    CHECK(u["kept"].empty());
    CHECK(merge::get_merge(*t, merge_id(m))["status"] == "undone");
    // The loser is back under its own id, as it was; the survivor too.
    REQUIRE(customers::exists(*t, l));
    CHECK_FALSE(customers::get(*t, l).contains("redirected_from"));
    CHECK(visible(*t, l) == l_before);
    CHECK(visible(*t, s) == s_before);
    CHECK(normalized(customers::get(*t, s)["phones"]) == std::vector<std::string>{"+8613812345678"});
    CHECK(sorted(customers::get(*t, l)["tags"]) == std::vector<std::string>{"来源/展会"});
    CHECK(interactions::get(*t, order)["customer_id"] == l.str());
    CHECK(interactions::get(*t, call)["customer_id"] == s.str());
    CHECK(*customers::find_external(*t, "shop", "S9") == l);
    CHECK(*customers::find_external(*t, "erp", "C1") == s);
    CHECK(customers::get(*t, member)["company_id"] == l.str());
    CHECK_FALSE(merge::redirect_of(*t, l));
    CHECK(*merge::resolve(*t, l) == l);
    CHECK(t->counter("customers") == 3);
    // The loser's record is the one it was: same fields with the same versions.
    const Json now = Json::parse(sync::canonical_dump(*t)), was = Json::parse(dump_before);
    CHECK(now["customers"][l.str()] == was["customers"][l.str()]);

    // Merged again, it goes again (the undone merge stays undone).
    const Json again = merge::merge(*t, s, {l}, Json());
    CHECK(customers::get(*t, l)["id"] == s.str());
    CHECK(merge::get_merge(*t, merge_id(m))["status"] == "undone");
    merge::undo(*t, merge_id(again));
    CHECK(customers::exists(*t, l));
}

TEST_CASE("an undo keeps what was edited since the merge and says so", "[merge][undo]") {
    TempDb t;
    const Uuid s = customers::create(*t, Json{{"display_name", "Li Na"}, {"phones", {"13812345678"}}});
    tick();
    const Uuid l = customers::create(*t, Json{{"display_name", "李娜"}, {"title", "CEO"}, {"phones", {"13900001111"}}, {"tags", {"vip"}}});
    const Json m = merge::merge(*t, s, {l}, Json{{"fields", {{"display_name", "survivor"}}}});
    tick();
    customers::update(*t, s, Json{{"title", "CTO"}});  // a field the merge had set
    customers::update(*t, s, Json{{"phones", {{{"value", "13812345678"}, {"primary", true}},
                                              {{"value", "13900001111"}, {"label", "mobile"}}}}});  // the loser's phone, edited
    const Json u = merge::undo(*t, merge_id(m));
    CHECK(customers::get(*t, s)["title"] == "CTO");
    CHECK(customers::get(*t, l)["title"] == "CEO");
    CHECK(normalized(customers::get(*t, s)["phones"]).size() == 2);  // edited there since: kept
    CHECK(normalized(customers::get(*t, l)["phones"]) == std::vector<std::string>{"+8613900001111"});
    const std::string kept = u["kept"].dump();
    CHECK(kept.find("field title") != std::string::npos);
    CHECK(kept.find("+8613900001111") != std::string::npos);
    CHECK(sorted(customers::get(*t, s)["tags"]).empty());  // the loser's tag left, untouched since
}

TEST_CASE("an undo a later change made impossible is refused, naming the cause", "[merge][undo]") {
    TempDb t;
    const Uuid s = customers::create(*t, Json{{"display_name", "A"}});
    const Uuid l = customers::create(*t, Json{{"display_name", "B"}});
    const Uuid other = customers::create(*t, Json{{"display_name", "C"}});
    const Json m = merge::merge(*t, s, {l}, Json());
    CHECK_CRM_ERROR(merge::undo(*t, Uuid::v7()), CRM_ENOTFOUND, "merge");
    SECTION("the survivor merged into another customer since") {
        const Json later = merge::merge(*t, other, {s}, Json());
        CHECK_CRM_ERROR(merge::undo(*t, merge_id(m)), CRM_ECONFLICT, "survivor: customer " + s.str() + " was merged into " + other.str());
        merge::undo(*t, merge_id(later));  // undo the later one first, then this one
        merge::undo(*t, merge_id(m));
        CHECK(customers::exists(*t, l));
        CHECK(customers::exists(*t, s));
    }
    SECTION("the survivor deleted since") {
        customers::remove(*t, s);
        CHECK_CRM_ERROR(merge::undo(*t, merge_id(m)), CRM_ECONFLICT, "survivor: customer " + s.str() + " was deleted");
    }
    SECTION("already undone") {
        merge::undo(*t, merge_id(m));
        CHECK_CRM_ERROR(merge::undo(*t, merge_id(m)), CRM_ECONFLICT, "already undone");
    }
}

TEST_CASE("an undone merge brings the loser back on every replica, in any sync order", "[merge][undo][sync]") {
    Replicas r(2);
    const Uuid s = customers::create(r[0], Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}, {"city", "上海"}});
    const Uuid l = customers::create(r[0], Json{{"display_name", "Wang Xiaoming"}, {"phones", {"13900001111"}}, {"tags", {"展会"}},
                                                {"external_ids", {{"shop", "S9"}}}});
    const Uuid first = interactions::add(r[0], Json{{"customer_id", l.str()}, {"kind", "call"}, {"subject", "first call"}});
    r.everyone();
    tick();

    const int plan = GENERATE(0, 1, 2, 3, 4);
    INFO("plan " << plan);
    Uuid offline;  // an interaction logged for the loser on replica 1 before it learnt of anything
    const auto merge_undo_on_0 = [&] {
        const Json m = merge::merge(r[0], s, {l}, Json());
        tick();
        return merge_id(m);
    };
    switch (plan) {
    case 0: {  // merge, sync, undo, sync
        const Uuid m = merge_undo_on_0();
        r.everyone();
        merge::undo(r[0], m);
        break;
    }
    case 1: {  // merge and undo before any sync
        merge::undo(r[0], merge_undo_on_0());
        break;
    }
    case 2: {  // merged on one replica, undone on the other
        const Uuid m = merge_undo_on_0();
        r.everyone();
        merge::undo(r[1], m);
        break;
    }
    case 3: {  // an offline edit and interaction for the loser, made before the merge was known
        const Uuid m = merge_undo_on_0();
        customers::update(r[1], l, Json{{"title", "采购经理"}, {"emails", {"xm@example.com"}}});
        offline = interactions::add(r[1], Json{{"customer_id", l.str()}, {"kind", "visit"}, {"subject", "offline visit"}});
        r.send(0, 1);  // replica 1 learns of the merge (the edit moves to the survivor) ...
        merge::undo(r[0], m);
        r.send(0, 1);  // ... then of the undo
        break;
    }
    case 4: {  // the same edit, the undo arriving in the same exchange as the merge
        const Uuid m = merge_undo_on_0();
        customers::update(r[1], l, Json{{"title", "采购经理"}, {"emails", {"xm@example.com"}}});
        offline = interactions::add(r[1], Json{{"customer_id", l.str()}, {"kind", "visit"}, {"subject", "offline visit"}});
        merge::undo(r[0], m);
        r.send(1, 0);
        break;
    }
    }
    r.everyone();
    r.converged();
    for (int i = 0; i < 2; ++i) {
        Database& db = r[i];
        INFO("replica " << i);
        REQUIRE(customers::exists(db, l));
        CHECK(customers::get(db, l)["id"] == l.str());
        CHECK_FALSE(merge::redirect_of(db, l));
        CHECK(db.counter("customers") == 2);
        CHECK(customers::get(db, l)["display_name"] == "Wang Xiaoming");
        CHECK(normalized(customers::get(db, l)["phones"]) == std::vector<std::string>{"+8613900001111"});
        CHECK(normalized(customers::get(db, s)["phones"]) == std::vector<std::string>{"+8613812345678"});
        CHECK(sorted(customers::get(db, l)["tags"]) == std::vector<std::string>{"展会"});
        CHECK(customers::get(db, s)["tags"].empty());
        CHECK(interactions::get(db, first)["customer_id"] == l.str());
        CHECK(*customers::find_external(db, "shop", "S9") == l);
        if (plan >= 3) {
            CHECK(customers::get(db, l)["title"] == "采购经理");  // the offline edit, on the customer it was made to
            CHECK(interactions::get(db, offline)["customer_id"] == l.str());
        }
        // No tombstone is left for the customer that came back.
        SQLite::Statement st(db.sql(), "SELECT count(*) FROM sync_tombstones WHERE tbl = 1 AND id = ?");
        st.bind(1, l.data(), Uuid::size());
        REQUIRE(st.executeStep());
        CHECK(st.getColumn(0).getInt() == 0);
    }
}

TEST_CASE("a customer a user deleted never comes back, even when a merge of it is undone", "[merge][undo][sync]") {
    Replicas r(2);
    const Uuid s = customers::create(r[0], Json{{"display_name", "A"}});
    const Uuid l = customers::create(r[0], Json{{"display_name", "B"}, {"phones", {"13900001111"}}});
    r.everyone();
    const bool delete_first = GENERATE(true, false);
    INFO("delete made first: " << delete_first);
    if (delete_first) {
        customers::remove(r[1], l);
        tick();
    }
    const Json m = merge::merge(r[0], s, {l}, Json());
    if (!delete_first) {
        tick();
        customers::remove(r[1], l);
    }
    const bool undo_before_sync = GENERATE(true, false);
    INFO("undo before sync: " << undo_before_sync);
    if (undo_before_sync) {
        merge::undo(r[0], merge_id(m));
        r.everyone();
    } else {
        r.everyone();
        CHECK_CRM_ERROR(merge::undo(r[0], merge_id(m)), CRM_ECONFLICT, "was deleted since the merge");
        r.everyone();
    }
    r.converged();
    for (int i = 0; i < 2; ++i) {
        CHECK_FALSE(customers::exists(r[i], l));
        CHECK(customers::exists(r[i], s));
    }
}

TEST_CASE("an undo moves the loser's opportunities back to it, here and on a replica", "[merge][undo][sales][sync]") {
    Replicas r(2);
    pipeline::create(r[0], {{"name", "P"}, {"stages", {{{"name", "Lead"}, {"probability", 10}}}}});
    const Uuid s = customers::create(r[0], Json{{"display_name", "陈静"}, {"phones", {"13700000000"}}});
    const Uuid l = customers::create(r[0], Json{{"display_name", "Chen Jing"}, {"phones", {"13700000000"}}});
    const Uuid mine = opportunities::add(r[0], {{"customer_id", s.str()}, {"name", "Tea"}});
    const Uuid theirs = opportunities::add(r[0], {{"customer_id", l.str()}, {"name", "Cups"}});
    r.everyone();
    const Json m = merge::merge(r[0], s, {l}, Json());
    CHECK(opportunities::get(r[0], theirs)["customer_id"] == s.str());
    r.everyone();
    CHECK(opportunities::get(r[1], theirs)["customer_id"] == s.str());
    const Json u = merge::undo(r[0], merge_id(m));
    CHECK(u["status"] == "undone");
    CHECK(opportunities::get(r[0], theirs)["customer_id"] == l.str());
    CHECK(opportunities::get(r[0], mine)["customer_id"] == s.str());
    r.everyone();
    CHECK(opportunities::get(r[1], theirs)["customer_id"] == l.str());
    CHECK(opportunities::get(r[1], mine)["customer_id"] == s.str());
    r.converged();
}
