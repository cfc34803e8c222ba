// Customer lists: filters compiled to SQL, indexed sorts, keyset pagination, counts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "customers/query.hpp"
#include "store/cursor.hpp"
#include "support/temp_db.hpp"
#include "support/errors.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace customers = crmlite::customers;

namespace {

std::vector<Json> all_rows(crmlite::Cursor& c) {
    std::vector<Json> out;
    std::string row;
    while (c.next(row)) out.push_back(Json::parse(row));
    return out;
}

std::vector<Json> run(crmlite::Database& db, const Json& q) {
    auto c = customers::query(db, q);
    return all_rows(*c);
}

std::vector<std::string> names(crmlite::Database& db, const Json& q) {
    std::vector<std::string> out;
    for (const auto& r : run(db, q)) out.push_back(r["display_name"]);
    return out;
}

std::set<std::string> name_set(crmlite::Database& db, const Json& filter) {
    const auto n = names(db, Json{{"filter", filter}});
    return {n.begin(), n.end()};
}

// Walks every page of `q` with the keyset token; returns the ids in order.
std::vector<std::string> walk(crmlite::Database& db, Json q, int page) {
    q["limit"] = page;
    std::vector<std::string> ids;
    for (int guard = 0; guard < 1000; ++guard) {
        auto c = customers::query(db, q);
        int n = 0;
        std::string row;
        while (c->next(row)) {
            ids.push_back(Json::parse(row)["id"]);
            ++n;
        }
        CHECK(n <= page);
        const auto token = c->token();
        if (n == 0) {
            CHECK_FALSE(token);
            break;
        }
        REQUIRE(token);
        q["after"] = *token;
    }
    return ids;
}

std::vector<std::string> ids_of(const std::vector<Json>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r["id"]);
    return out;
}

void let_a_millisecond_pass() { std::this_thread::sleep_for(std::chrono::milliseconds(3)); }

// A small book of customers, created a few milliseconds apart.
struct Book {
    TempDb t;
    std::map<std::string, Uuid> id;
    std::map<std::string, std::string> created;

    Book() {
        add(R"({"display_name": "张三", "stage": "customer", "owner": "alice", "city": "上海",
                "tags": ["等级/金卡"], "custom": {"level": 3, "vip": true, "src": "expo"}})");
        add(R"({"display_name": "李四", "stage": "prospect", "owner": "bob", "city": "北京",
                "tags": ["等级/银卡", "兴趣/茶"], "custom": {"level": 1, "vip": false}})");
        add(R"({"display_name": "王五", "stage": "customer", "owner": "alice", "city": "广州",
                "tags": ["兴趣/茶"], "notes": "喜欢普洱茶"})");
        add(R"({"display_name": "Anna Smith", "stage": "loyal", "owner": "carol", "city": "上海",
                "custom": {"src": "web"}, "emails": ["anna@example.com"]})");
        add(R"({"display_name": "Bob Lee", "tags": ["等级X"]})");
    }

    void add(const std::string& json) {
        const Json in = Json::parse(json);
        const Uuid u = customers::create(*t, in);
        const std::string name = in["display_name"];
        id[name] = u;
        created[name] = customers::get(*t, u)["created_at"];
        let_a_millisecond_pass();
    }
};

using Names = std::set<std::string>;

}  // namespace

TEST_CASE("filters on stage, owner and city take a string or an array", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    CHECK(name_set(db, Json{{"stage", "customer"}}) == Names{"张三", "王五"});
    CHECK(name_set(db, Json{{"stage", {"customer", "loyal"}}}) == Names{"张三", "王五", "Anna Smith"});
    CHECK(name_set(db, Json{{"owner", "alice"}}) == Names{"张三", "王五"});
    CHECK(name_set(db, Json{{"owner", {"bob", "carol"}}}) == Names{"李四", "Anna Smith"});
    CHECK(name_set(db, Json{{"city", "上海"}}) == Names{"张三", "Anna Smith"});
    CHECK(name_set(db, Json{{"city", {"上海", "北京"}}}) == Names{"张三", "李四", "Anna Smith"});
    CHECK(name_set(db, Json{{"city", "深圳"}}).empty());
    CHECK(name_set(db, Json{{"stage", "customer"}, {"owner", "alice"}, {"city", "上海"}}) == Names{"张三"});
    CHECK(name_set(db, Json::object()).size() == 5);
}

TEST_CASE("tag filters match a tag and every tag below it", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    SECTION("tags_all") {
        CHECK(name_set(db, Json{{"tags_all", {"等级", "兴趣/茶"}}}) == Names{"李四"});
        CHECK(name_set(db, Json{{"tags_all", "兴趣"}}) == Names{"李四", "王五"});
    }
    SECTION("tags_any") {
        CHECK(name_set(db, Json{{"tags_any", {"等级/金卡", "兴趣"}}}) == Names{"张三", "李四", "王五"});
        CHECK(name_set(db, Json{{"tags_any", "等级"}}) == Names{"张三", "李四"});  // not 等级X
        CHECK(name_set(db, Json{{"tags_any", "等级X"}}) == Names{"Bob Lee"});
        CHECK(name_set(db, Json{{"tags_any", " 等级 / 金卡 "}}) == Names{"张三"});  // canonicalised
        CHECK(name_set(db, Json{{"tags_any", "没有"}}).empty());
    }
    SECTION("tags_none") {
        CHECK(name_set(db, Json{{"tags_none", "等级"}}) == Names{"王五", "Anna Smith", "Bob Lee"});
        CHECK(name_set(db, Json{{"tags_none", {"等级", "兴趣"}}}) == Names{"Anna Smith", "Bob Lee"});
    }
    SECTION("combined with other filters") {
        CHECK(name_set(db, Json{{"tags_any", "兴趣"}, {"stage", "customer"}}) == Names{"王五"});
    }
}

TEST_CASE("created and updated ranges are half-open: after is inclusive, before exclusive", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    const std::string li = b.created["李四"];
    CHECK(name_set(db, Json{{"created_after", li}}) == Names{"李四", "王五", "Anna Smith", "Bob Lee"});
    CHECK(name_set(db, Json{{"created_before", li}}) == Names{"张三"});
    CHECK(name_set(db, Json{{"created_after", li}, {"created_before", b.created["Anna Smith"]}}) == Names{"李四", "王五"});
    CHECK(name_set(db, Json{{"created_after", "2000-01-01"}}).size() == 5);
    CHECK(name_set(db, Json{{"created_before", "2000-01-01T08:00:00+08:00"}}).empty());

    let_a_millisecond_pass();
    customers::update(db, b.id["张三"], Json{{"city", "苏州"}});
    const std::string touched = customers::get(db, b.id["张三"])["updated_at"];
    CHECK(name_set(db, Json{{"updated_after", touched}}) == Names{"张三"});
    CHECK(name_set(db, Json{{"updated_before", touched}}).size() == 4);
}

TEST_CASE("custom field filters compare strings, integers and booleans", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    CHECK(name_set(db, Json{{"custom", {{"level", 3}}}}) == Names{"张三"});
    CHECK(name_set(db, Json{{"custom", {{"vip", true}}}}) == Names{"张三"});
    CHECK(name_set(db, Json{{"custom", {{"vip", false}}}}) == Names{"李四"});
    CHECK(name_set(db, Json{{"custom", {{"src", "web"}}}}) == Names{"Anna Smith"});
    CHECK(name_set(db, Json{{"custom", {{"src", "expo"}, {"level", 3}}}}) == Names{"张三"});
    CHECK(name_set(db, Json{{"custom", {{"src", "expo"}, {"level", 1}}}}).empty());
    CHECK(name_set(db, Json{{"custom", {{"src", nullptr}}}}) == Names{"李四", "王五", "Bob Lee"});
}

TEST_CASE("the text filter searches the full-text index", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    CHECK(name_set(db, Json{{"text", "普洱"}}) == Names{"王五"});
    CHECK(name_set(db, Json{{"text", "smi"}}) == Names{"Anna Smith"});
    CHECK(name_set(db, Json{{"text", "anna@example.com"}}) == Names{"Anna Smith"});
    CHECK(name_set(db, Json{{"text", "李四"}, {"stage", "prospect"}}) == Names{"李四"});
    CHECK(name_set(db, Json{{"text", "nobody"}}).empty());
}

TEST_CASE("a bad filter or query is refused naming the key", "[query][customers]") {
    static Book b;  // read only: one book for every generated row
    auto& db = *b.t;
    const auto [json, field] = GENERATE(table<std::string, std::string>({
        {R"({"filter": {"colour": "red"}})", "filter.colour"},
        {R"({"filter": {"stage": 5}})", "filter.stage"},
        {R"({"filter": {"city": []}})", "filter.city"},
        {R"({"filter": {"city": ["上海", 1]}})", "filter.city[1]"},
        {R"({"filter": {"tags_any": ["a//b"]}})", "filter.tags_any[0]"},
        {R"({"filter": {"created_after": "2026-02-30"}})", "filter.created_after"},
        {R"({"filter": {"updated_before": 1}})", "filter.updated_before"},
        {R"({"filter": {"custom": {"x": [1]}}})", "filter.custom.x"},
        {R"({"filter": {"custom": {"a\"b": 1}}})", "filter.custom"},
        {R"({"filter": {"custom": {}}})", "filter.custom"},
        {R"({"filter": {"text": "--"}})", "filter.text"},
        {R"({"filter": {"company_id": "acme"}})", "filter.company_id"},
        {R"({"filter": {"consent_marketing": "yes"}})", "filter.consent_marketing"},
        {R"({"filter": []})", "filter"},
        {R"({"pagesize": 10})", "query.pagesize"},
        {R"({"sort": "age"})", "query.sort"},
        {R"({"order": "up"})", "query.order"},
        {R"({"limit": 0})", "query.limit"},
        {R"({"limit": 10001})", "query.limit"},
        {R"({"after": 5})", "query.after"},
    }));
    INFO(json);
    const auto e = thrown([&] { customers::query(db, Json::parse(json)); });
    INFO("message: " << e.what());
    CHECK(e.code() == CRM_EINVAL);
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith(field));
    if (field.rfind("filter", 0) == 0) {
        const Json q = Json::parse(json);
        CHECK_CRM_ERROR(customers::count(db, q["filter"]), CRM_EINVAL, field);
    }
}

TEST_CASE("sorting by name follows pinyin for Chinese names; by code point follows the characters", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    const Json chinese = {{"filter", {{"stage", {"customer", "prospect"}}}}};
    SECTION("name: 李 (li) < 王 (wang) < 张 (zhang)") {
        CHECK(names(db, chinese) == std::vector<std::string>{"李四", "王五", "张三"});
        Json desc = chinese;
        desc["order"] = "desc";
        CHECK(names(db, desc) == std::vector<std::string>{"张三", "王五", "李四"});
    }
    SECTION("name_codepoint: 张 U+5F20 < 李 U+674E < 王 U+738B") {
        Json q = chinese;
        q["sort"] = "name_codepoint";
        CHECK(names(db, q) == std::vector<std::string>{"张三", "李四", "王五"});
        q["order"] = "desc";
        CHECK(names(db, q) == std::vector<std::string>{"王五", "李四", "张三"});
    }
    SECTION("Latin and Chinese names sort together by reading") {
        b.add(R"({"display_name": "Lee"})");
        b.add(R"({"display_name": "Lin"})");
        CHECK(names(db, Json::object()) ==
              std::vector<std::string>{"Anna Smith", "Bob Lee", "Lee", "李四", "Lin", "王五", "张三"});
    }
    SECTION("created_at and updated_at") {
        CHECK(names(db, Json{{"sort", "created_at"}}) ==
              std::vector<std::string>{"张三", "李四", "王五", "Anna Smith", "Bob Lee"});
        CHECK(names(db, Json{{"sort", "created_at"}, {"order", "desc"}}) ==
              std::vector<std::string>{"Bob Lee", "Anna Smith", "王五", "李四", "张三"});
        customers::update(db, b.id["李四"], Json{{"city", "天津"}});
        CHECK(names(db, Json{{"sort", "updated_at"}}) ==
              std::vector<std::string>{"张三", "王五", "Anna Smith", "Bob Lee", "李四"});
        CHECK(names(db, Json{{"sort", "updated_at"}, {"order", "desc"}}).front() == "李四");
    }
}

TEST_CASE("list rows carry the summary fields; full rows the whole record", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    const auto rows = run(db, Json{{"filter", {{"city", "上海"}, {"stage", "loyal"}}}});
    REQUIRE(rows.size() == 1);
    CHECK(rows[0]["id"] == b.id["Anna Smith"].str());
    CHECK(rows[0]["kind"] == "person");
    CHECK(rows[0]["stage"] == "loyal");
    CHECK(rows[0]["owner"] == "carol");
    CHECK(rows[0]["email"] == "anna@example.com");
    CHECK_FALSE(rows[0].contains("phone"));
    const auto full = run(db, Json{{"filter", {{"stage", "loyal"}}}, {"full", true}});
    REQUIRE(full.size() == 1);
    CHECK(full[0] == customers::get(db, b.id["Anna Smith"]));
}

TEST_CASE("walking pages with the keyset token yields every customer exactly once, in order", "[query][customers]") {
    TempDb t;
    const char* base[] = {"王小明", "李娜", "张伟", "刘洋", "陈静", "Anna", "bob", "Émile", "欧阳修", "Zoe"};
    for (int i = 0; i < 50; ++i) {
        // Every name five times: ties on the sort key are broken by id.
        customers::create(*t, Json{{"display_name", base[i % 10]}, {"stage", i % 3 ? "customer" : "prospect"}});
        if (i % 10 == 9) let_a_millisecond_pass();
    }
    // Some later updates so that updated_at differs from created_at order.
    const auto everyone = run(*t, Json{{"limit", 100}});
    REQUIRE(everyone.size() == 50);
    for (std::size_t i = 0; i < everyone.size(); i += 4)
        customers::update(*t, Uuid::parse(everyone[i]["id"].get<std::string>(), "id"), Json{{"owner", "o" + std::to_string(i)}});

    // Loops rather than GENERATE: the 50 customers are created once for all eight orders.
    for (const std::string sort : {"name", "name_codepoint", "created_at", "updated_at"})
        for (const std::string order : {"asc", "desc"}) {
            INFO(sort << " " << order);
            Json q = {{"sort", sort}, {"order", order}};
            // All customers, pages of 7.
            const auto rows = run(*t, Json{{"sort", sort}, {"order", order}, {"limit", 10000}});
            const auto reference = ids_of(rows);
            REQUIRE(reference.size() == 50);
            const auto walked = walk(*t, q, 7);
            CHECK(walked == reference);
            CHECK(std::set<std::string>(walked.begin(), walked.end()).size() == 50);
            // With a filter.
            Json filtered = q;
            filtered["filter"] = {{"stage", "customer"}};
            Json all = filtered;
            all["limit"] = 10000;
            const auto filtered_reference = ids_of(run(*t, all));
            REQUIRE(filtered_reference.size() == 33);
            CHECK(walk(*t, filtered, 7) == filtered_reference);
            // The reference order is really sorted by the key.
            for (std::size_t i = 1; i < rows.size(); ++i) {
                const Json& a = order == "asc" ? rows[i - 1] : rows[i];
                const Json& z = order == "asc" ? rows[i] : rows[i - 1];
                if (sort == "updated_at") CHECK(a["updated_at"].get<std::string>() <= z["updated_at"].get<std::string>());
                if (sort == "name_codepoint")
                    CHECK(a["display_name"].get<std::string>() <= z["display_name"].get<std::string>());
                if (a["display_name"] == z["display_name"] && sort.rfind("name", 0) == 0)
                    CHECK(a["id"].get<std::string>() < z["id"].get<std::string>());
            }
        }
}

TEST_CASE("sorting by name groups equal names and orders them by pinyin", "[query][customers]") {
    TempDb t;
    for (const char* n : {"张伟", "王小明", "李娜", "王小明", "张伟", "李娜"}) customers::create(*t, Json{{"display_name", n}});
    CHECK(names(*t, Json::object()) == std::vector<std::string>{"李娜", "李娜", "王小明", "王小明", "张伟", "张伟"});
}

TEST_CASE("a tampered or foreign page token is refused with CRM_EINVAL", "[query][customers]") {
    static TempDb t;  // read only after the first row: one file for every generated row
    if (t->counter("customers") == 0)
        for (int i = 0; i < 5; ++i) customers::create(*t, Json{{"display_name", "c" + std::to_string(i)}});
    const std::string sort = GENERATE(as<std::string>{}, "name", "name_codepoint", "created_at");
    auto first = customers::query(*t, Json{{"sort", sort}, {"limit", 2}});
    all_rows(*first);
    const std::string token = *first->token();
    REQUIRE(token.rfind("v1:", 0) == 0);

    const std::string bad = GENERATE_COPY(as<std::string>{},
                                          "", "garbage", "v2" + token.substr(2), token + "0", token + ":",
                                          token.substr(0, token.rfind(':')),           // id part missing
                                          token + ":00",                               // a part too many
                                          token.substr(0, token.size() - 2),           // id shortened
                                          token.substr(0, token.size() - 1) + "g",     // not hex
                                          "v1:" + std::string(10, 'A') + ":" + std::string(32, '0'));  // upper case
    INFO("token: " << bad);
    CHECK_CRM_ERROR(customers::query(*t, Json{{"sort", sort}, {"after", bad}}), CRM_EINVAL, "query.after");
}

// The token of an integer sort is parsed with std::stoll: a part that is not a
// number must be CRM_EINVAL, not a std::invalid_argument escaping the engine.
TEST_CASE("a token whose time part is not a number is refused with CRM_EINVAL", "[query][customers]") {
    static TempDb t;
    if (t->counter("customers") == 0) customers::create(*t, Json{{"display_name", "x"}});
    const std::string id_hex(32, '1');
    const std::string part = GENERATE(as<std::string>{}, "7a7a", "", "3939393939393939393939393939393939393939");
    INFO("time part (hex): " << part);
    CHECK_CRM_ERROR(customers::query(*t, Json{{"sort", "created_at"}, {"after", "v1:" + part + ":" + id_hex}}), CRM_EINVAL,
                    "query.after");
}

TEST_CASE("counting customers, with and without a filter", "[query][customers]") {
    Book b;
    auto& db = *b.t;
    const auto all = db.sql().execAndGet("SELECT count(*) FROM customers").getInt64();
    CHECK(all == 5);
    CHECK(customers::count(db, Json::object()) == all);
    CHECK(customers::count(db, Json::object()) == db.counter("customers"));
    SECTION("the empty filter is answered from the maintained counter, not by scanning") {
        db.sql().exec("UPDATE crm_counters SET value = 999 WHERE name = 'customers'");
        CHECK(customers::count(db, Json::object()) == 999);
        CHECK(customers::count(db, Json{{"stage", {"customer", "prospect", "loyal"}}}) == 4);
        db.sql().exec("UPDATE crm_counters SET value = 5 WHERE name = 'customers'");
    }
    CHECK(customers::count(db, Json{{"stage", "customer"}}) == 2);
    CHECK(customers::count(db, Json{{"tags_any", "等级"}}) == 2);
    CHECK(customers::count(db, Json{{"text", "普洱"}}) == 1);
    customers::remove(db, b.id["王五"]);
    CHECK(customers::count(db, Json::object()) == 4);
    CHECK(customers::count(db, Json{{"stage", "customer"}}) == 1);
    CHECK_CRM_ERROR(customers::count(db, Json::array()), CRM_EINVAL, "filter");
    CHECK_CRM_ERROR(customers::count(db, Json{{"colour", "red"}}), CRM_EINVAL, "filter.colour");
}
