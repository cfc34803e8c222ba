// Duplicate detection: blocking keys, pairwise scores with evidence, clusters
// by transitive closure, the review queue, and the incremental check.
#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <thread>

#include "customers/customers.hpp"
#include "dedup/dedup.hpp"
#include "sync/engine.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"

using namespace crmlite;
using crmlite::testing::TempDb;

namespace {

Uuid add(Database& db, Json j) { return customers::create(db, j); }

std::set<std::string> members_of(const Json& cluster) {
    std::set<std::string> out;
    for (const auto& m : cluster["members"]) out.insert(m.get<std::string>());
    return out;
}

}  // namespace

TEST_CASE("the same person written in Chinese and in pinyin with one phone is a duplicate", "[dedup]") {
    TempDb t;
    const Uuid a = add(*t, {{"display_name", "王小明"}, {"city", "上海"}, {"phones", {"13812345678"}}});
    const Uuid b = add(*t, {{"display_name", "Wang Xiaoming"}, {"city", "上海市"}, {"phones", {"+86 138-1234-5678"}}});
    add(*t, {{"display_name", "李娜"}, {"city", "北京"}, {"phones", {"13900000000"}}});
    const Json r = dedup::find(*t, {});
    REQUIRE(r["clusters"].size() == 1);
    CHECK(members_of(r["clusters"][0]) == std::set<std::string>{a.str(), b.str()});
    const Json& pair = r["clusters"][0]["pairs"][0];
    CHECK(pair["score"].get<double>() >= 0.9);
    std::set<std::string> features;
    for (const auto& e : pair["evidence"]) features.insert(e["feature"].get<std::string>());
    CHECK(features.count("phone") == 1);
    CHECK(features.count("name") == 1);
    CHECK(r["duplicates"] == 1);
}

TEST_CASE("clusters are transitive: a~b by phone and b~c by e-mail make one cluster", "[dedup]") {
    TempDb t;
    const Uuid a = add(*t, {{"display_name", "John Smith"}, {"phones", {"+1 650 253 0000"}}, {"birthday", "1980-02-03"}});
    const Uuid b = add(*t, {{"display_name", "Jon Smith"}, {"phones", {"+16502530000"}}, {"emails", {"js@example.com"}},
                            {"birthday", "1980-02-03"}});
    const Uuid c = add(*t, {{"display_name", "Smith John"}, {"emails", {"JS@Example.com"}}, {"birthday", "1980-02-03"}});
    add(*t, {{"display_name", "John Smith"}, {"birthday", "1975-01-01"}, {"phones", {"+442079460958"}}});  // a namesake
    const Json r = dedup::find(*t, {});
    REQUIRE(r["clusters"].size() == 1);
    CHECK(members_of(r["clusters"][0]) == std::set<std::string>{a.str(), b.str(), c.str()});
}

TEST_CASE("conflicting strong evidence keeps namesakes apart", "[dedup]") {
    TempDb t;
    add(*t, {{"display_name", "张伟"}, {"city", "北京"}, {"national_id", "110105198001010011"}, {"birthday", "1980-01-01"}});
    add(*t, {{"display_name", "张伟"}, {"city", "北京"}, {"national_id", "110105199002020022"}, {"birthday", "1990-02-02"}});
    const Json r = dedup::find(*t, {});
    CHECK(r["clusters"].empty());
    CHECK(r["compared_pairs"].get<int>() >= 1);  // they were compared (same name and city)...
}

TEST_CASE("a pair between the thresholds goes to the review queue", "[dedup]") {
    TempDb t;
    // Same name and city only: probable, not sure.
    add(*t, {{"display_name", "陈静"}, {"city", "杭州"}, {"postcode", "310000"}});
    add(*t, {{"display_name", "陈静"}, {"city", "杭州"}, {"postcode", "310000"}});
    const Json r = dedup::find(*t, dedup::parse_options(Json{{"auto_threshold", 0.95}, {"review_threshold", 0.3}}));
    CHECK(r["clusters"].empty());
    REQUIRE(r["review"].size() == 1);
    CHECK(r["review"][0]["decision"] == "review");
}

TEST_CASE("the incremental check finds a new record's match without a full run", "[dedup]") {
    TempDb t;
    const Uuid a = add(*t, {{"display_name", "单伟"}, {"emails", {"shanwei@example.cn"}}, {"city", "深圳"}});
    for (int i = 0; i < 20; ++i) add(*t, {{"display_name", "客户" + std::to_string(i)}, {"city", "深圳"}});
    const Json r = dedup::check_json(*t, Json{{"display_name", "Shan Wei"}, {"emails", {"ShanWei@Example.cn"}}}, {});
    REQUIRE(r["matches"].size() == 1);
    CHECK(r["matches"][0]["id"] == a.str());
    CHECK(r["matches"][0]["decision"] == "duplicate");
    CHECK(r["candidates"].get<int>() < 5);  // only its blocks were compared
    // A changed customer is re-keyed on its next check.
    const Uuid b = add(*t, {{"display_name", "某人"}});
    CHECK(dedup::check(*t, b, {})["matches"].empty());
    customers::update(*t, b, Json{{"emails", {"shanwei@example.cn"}}, {"display_name", "单伟"}});
    const Json again = dedup::check(*t, b, {});
    REQUIRE(again["matches"].size() == 1);
    CHECK(again["matches"][0]["id"] == a.str());
}

TEST_CASE("bad detector options are refused naming the option", "[dedup]") {
    CHECK_CRM_ERROR(dedup::parse_options(Json{{"auto_threshold", 2}}), CRM_EINVAL, "options.auto_threshold");
    CHECK_CRM_ERROR(dedup::parse_options(Json{{"auto_threshold", 0.5}, {"review_threshold", 0.7}}), CRM_EINVAL,
                    "options.review_threshold");
    CHECK_CRM_ERROR(dedup::parse_options(Json{{"nope", 1}}), CRM_EINVAL, "options.nope");
}

TEST_CASE("Jaro-Winkler suits Latin and Chinese names", "[dedup]") {
    CHECK(dedup::jaro_winkler("martha", "marhta") == Approx(0.961).epsilon(0.01));
    CHECK(dedup::jaro_winkler("王小明", "王小明") == 1.0);
    CHECK(dedup::jaro_winkler("王小明", "王晓明") > 0.7);
    CHECK(dedup::jaro_winkler("abc", "") == 0.0);
}

namespace {

std::set<std::string> keys_of(Database& db, const Uuid& id) {
    SQLite::Statement st(db.sql(), "SELECT key FROM dedup_keys WHERE customer_id = ?");
    st.bind(1, id.data(), Uuid::size());
    std::set<std::string> out;
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
}

// The keys a full re-key of the customer gives.
std::set<std::string> fresh_keys_of(Database& db, const Uuid& id) {
    SQLite::Statement del(db.sql(), "DELETE FROM dedup_state WHERE customer_id = ?");
    del.bind(1, id.data(), Uuid::size());
    del.exec();
    dedup::refresh(db);
    return keys_of(db, id);
}

void send(Database& from, Database& to) {
    std::int64_t cursor = 0;
    testing::send_pages(from, to, cursor, 1000);
}

}  // namespace

TEST_CASE("a contact point or a field arriving by sync re-keys its customer", "[dedup][sync]") {
    crmlite::testing::TempDir dir;
    Database a(dir.path("a.db"), {}), b(dir.path("b.db"), {});
    const Uuid x = add(a, {{"display_name", "Li Lei"}, {"city", "北京"}});
    const Uuid y = add(a, {{"display_name", "李雷"}, {"city", "北京"}, {"phones", {"13812345678"}},
                           {"national_id", "110105198001010011"}, {"birthday", "1980-01-01"}});
    send(a, b);
    dedup::refresh(b);
    const auto before = keys_of(b, x);
    REQUIRE_FALSE(before.empty());

    SECTION("a phone added elsewhere") {
        customers::update(a, x, Json{{"phones", {"13812345678"}}});
        send(a, b);
        CHECK(dedup::refresh(b) >= 1);
        const auto after = keys_of(b, x);
        CHECK(after != before);
        CHECK(after == fresh_keys_of(b, x));
        const Json m = dedup::check(b, x, {});
        REQUIRE(m["matches"].size() == 1);
        CHECK(m["matches"][0]["id"] == y.str());
    }
    SECTION("a field written elsewhere before this replica's own later edit") {
        customers::update(a, x, Json{{"national_id", "110105198001010011"}, {"birthday", "1980-01-01"}});
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        customers::update(b, x, Json{{"notes", "called on Monday"}});  // b's updated_at is now the later one
        dedup::refresh(b);
        send(a, b);  // the older edit does not move updated_at
        dedup::refresh(b);
        const auto after = keys_of(b, x);
        CHECK(after != before);
        CHECK(after == fresh_keys_of(b, x));
        const Json m = dedup::check(b, x, {});
        REQUIRE(m["matches"].size() == 1);
        CHECK(m["matches"][0]["id"] == y.str());
    }
    SECTION("a contact point deleted elsewhere") {
        customers::update(a, y, Json{{"phones", Json::array()}});
        const auto y_before = keys_of(b, y);
        send(a, b);
        dedup::refresh(b);
        CHECK(keys_of(b, y) != y_before);
        CHECK(keys_of(b, y) == fresh_keys_of(b, y));
    }
}

TEST_CASE("a tiny profile cache gives the same clusters as a large one (a pair's profiles outlive a cache reset)",
          "[dedup]") {
    TempDb t;
    // Ten people, each written twice (Chinese and pinyin, the same phone), and a
    // chain a~b~c~d by alternating phones and e-mails: one cluster of four.
    const char* names[][2] = {{"王小明", "Wang Xiaoming"}, {"李娜", "Li Na"},     {"张伟", "Zhang Wei"}, {"刘洋", "Liu Yang"},
                              {"陈静", "Chen Jing"},       {"杨帆", "Yang Fan"}, {"赵磊", "Zhao Lei"},   {"黄敏", "Huang Min"},
                              {"周杰", "Zhou Jie"},        {"吴芳", "Wu Fang"}};
    for (int i = 0; i < 10; ++i) {
        const std::string phone = "1380000" + std::to_string(1000 + i);
        add(*t, {{"display_name", names[i][0]}, {"city", "上海"}, {"phones", {phone}}});
        add(*t, {{"display_name", names[i][1]}, {"city", "上海"}, {"phones", {phone}}});
    }
    add(*t, {{"display_name", "Anna Berg"}, {"phones", {"+4930123456"}}, {"birthday", "1985-04-05"}});
    add(*t, {{"display_name", "Ana Berg"}, {"phones", {"+4930123456"}}, {"emails", {"ab@example.de"}}, {"birthday", "1985-04-05"}});
    add(*t, {{"display_name", "Berg Anna"}, {"emails", {"AB@example.de"}}, {"phones", {"+4930999999"}}, {"birthday", "1985-04-05"}});
    add(*t, {{"display_name", "Anna Berg"}, {"phones", {"+4930999999"}}, {"birthday", "1985-04-05"}});
    const Json big = dedup::find(*t, {});
    dedup::Options tiny;
    tiny.profile_cache = 1;  // every second profile of a pair starts the cache over
    const Json small = dedup::find(*t, tiny);
    REQUIRE(big["clusters"].size() == 11);
    CHECK(small["clusters"] == big["clusters"]);
    CHECK(small["review"] == big["review"]);
    CHECK(small["compared_pairs"] == big["compared_pairs"]);
    std::size_t largest = 0;
    for (const auto& c : big["clusters"]) largest = std::max(largest, c["members"].size());
    CHECK(largest == 4);
}
