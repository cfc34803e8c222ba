// Ranked full-text search through search::run: Chinese substrings, Latin
// prefixes, phone suffixes, pinyin, interactions, ranking, and an index that
// follows every update and delete.
#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "search/search.hpp"
#include "support/temp_db.hpp"
#include "support/errors.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace customers = crmlite::customers;

namespace {

std::vector<Json> search(crmlite::Database& db, const std::string& q, const std::string& in = "customers", int limit = 20) {
    auto c = crmlite::search::run(db, Json{{"q", q}, {"in", in}, {"limit", limit}});
    std::vector<Json> out;
    std::string row;
    while (c->next(row)) out.push_back(Json::parse(row));
    CHECK_FALSE(c->token());
    return out;
}

std::vector<std::string> titles(crmlite::Database& db, const std::string& q, const std::string& in = "customers") {
    std::vector<std::string> out;
    for (const auto& r : search(db, q, in)) out.push_back(r["title"]);
    return out;
}

std::set<std::string> title_set(crmlite::Database& db, const std::string& q, const std::string& in = "customers") {
    const auto t = titles(db, q, in);
    return {t.begin(), t.end()};
}

void check_index_consistent(crmlite::Database& db) {
    CHECK_NOTHROW(db.sql().exec("INSERT INTO customer_fts(customer_fts, rank) VALUES ('integrity-check', 1)"));
    CHECK_NOTHROW(db.sql().exec("INSERT INTO interaction_fts(interaction_fts, rank) VALUES ('integrity-check', 1)"));
}

using Titles = std::set<std::string>;

struct Book {
    TempDb t;
    Uuid wang = customers::create(*t, Json::parse(R"({"display_name": "王小明", "phones": ["13812345678"],
        "emails": ["xm@example.com"], "notes": "老客户，喜欢普洱"})"));
    Uuid dali = customers::create(*t, Json::parse(R"({"display_name": "王大力", "phones": ["139 0000 2222"]})"));
    Uuid hong = customers::create(*t, Json::parse(R"({"display_name": "李小红", "company": "小米科技"})"));
    Uuid johnson = customers::create(*t, Json::parse(R"({"display_name": "Michael Johnson", "company": "Acme Corp"})"));
    Uuid anna = customers::create(*t, Json::parse(R"({"display_name": "Anna Smith", "notes": "referred by Johnson"})"));
    Uuid zhang = customers::create(*t, Json::parse(R"({"display_name": "张伟"})"));
    Uuid call = crmlite::interactions::add(*t, Json{{"customer_id", zhang.str()}, {"kind", "meeting"},
                                                    {"subject", "季度续约"}, {"body", "discussed renewal pricing with procurement"}});
};

}  // namespace

TEST_CASE("Chinese names are found by any substring of them", "[search]") {
    Book b;
    CHECK(titles(*b.t, "小明") == std::vector<std::string>{"王小明"});
    CHECK(titles(*b.t, "王小明") == std::vector<std::string>{"王小明"});
    CHECK(title_set(*b.t, "王") == Titles{"王小明", "王大力"});
    CHECK(title_set(*b.t, "小") == Titles{"王小明", "李小红"});
    CHECK(titles(*b.t, "大力") == std::vector<std::string>{"王大力"});
    CHECK(title_set(*b.t, "小米") == Titles{"李小红"});  // company
    CHECK(titles(*b.t, "普洱") == std::vector<std::string>{"王小明"});  // notes
    CHECK(titles(*b.t, "王小红").empty());
}

TEST_CASE("Latin words are found by their prefixes, case-insensitively", "[search]") {
    Book b;
    CHECK(title_set(*b.t, "joh") == Titles{"Michael Johnson", "Anna Smith"});
    CHECK(title_set(*b.t, "JOHNSON") == Titles{"Michael Johnson", "Anna Smith"});
    CHECK(titles(*b.t, "mich john") == std::vector<std::string>{"Michael Johnson"});
    CHECK(titles(*b.t, "acme") == std::vector<std::string>{"Michael Johnson"});
    CHECK(titles(*b.t, "xm@example.com") == std::vector<std::string>{"王小明"});
    CHECK(titles(*b.t, "johnsonville").empty());
}

TEST_CASE("a hit in the name ranks above a hit only in the notes", "[search]") {
    Book b;
    const auto hits = search(*b.t, "johnson");
    REQUIRE(hits.size() == 2);
    CHECK(hits[0]["title"] == "Michael Johnson");
    CHECK(hits[1]["title"] == "Anna Smith");
    CHECK(hits[0]["rank"].get<double>() < hits[1]["rank"].get<double>());
    CHECK(hits[0]["type"] == "customer");
    CHECK(hits[0]["id"] == b.johnson.str());
    CHECK(hits[0]["customer_id"] == b.johnson.str());
    CHECK_THAT(hits[1]["snippet"].get<std::string>(), Catch::Matchers::Contains("[Johnson]"));
}

TEST_CASE("phones are found by their last digits", "[search]") {
    Book b;
    CHECK(titles(*b.t, "5678") == std::vector<std::string>{"王小明"});
    CHECK(titles(*b.t, "2222") == std::vector<std::string>{"王大力"});
    CHECK(titles(*b.t, "13812345678") == std::vector<std::string>{"王小明"});
    CHECK(titles(*b.t, "138 1234 5678") == std::vector<std::string>{"王小明"});
    CHECK(titles(*b.t, "1234").size() == 1);
    CHECK(titles(*b.t, "9999").empty());
}

TEST_CASE("Chinese names are found by pinyin: initials, full and syllables", "[search]") {
    Book b;
    CHECK(titles(*b.t, "wxm") == std::vector<std::string>{"王小明"});
    CHECK(titles(*b.t, "wangxiaoming") == std::vector<std::string>{"王小明"});
    CHECK(titles(*b.t, "WangXiaoMing") == std::vector<std::string>{"王小明"});
    CHECK(title_set(*b.t, "wang") == Titles{"王小明", "王大力"});
    CHECK(titles(*b.t, "lxh") == std::vector<std::string>{"李小红"});
    CHECK(titles(*b.t, "zhangwei") == std::vector<std::string>{"张伟"});
}

TEST_CASE("interactions are found by words of their subject and body, within the scope asked for", "[search]") {
    Book b;
    SECTION("interactions") {
        const auto hits = search(*b.t, "renewal", "interactions");
        REQUIRE(hits.size() == 1);
        CHECK(hits[0]["type"] == "interaction");
        CHECK(hits[0]["id"] == b.call.str());
        CHECK(hits[0]["customer_id"] == b.zhang.str());
        CHECK(hits[0]["kind"] == "meeting");
        CHECK(hits[0]["title"] == "季度续约");
        CHECK(search(*b.t, "续约", "interactions").size() == 1);
        CHECK(search(*b.t, "procure", "interactions").size() == 1);
        CHECK(search(*b.t, "王", "interactions").empty());
    }
    SECTION("customers only") {
        CHECK(search(*b.t, "renewal", "customers").empty());
    }
    SECTION("all, the default") {
        auto c = crmlite::search::run(*b.t, Json{{"q", "renewal"}});
        std::string row;
        REQUIRE(c->next(row));
        CHECK(Json::parse(row)["type"] == "interaction");
        CHECK_FALSE(c->next(row));
        customers::create(*b.t, Json{{"display_name", "周敏"}, {"notes", "renewal due in May"}});
        std::set<std::string> types;
        for (const auto& r : search(*b.t, "renewal", "all")) types.insert(r["type"]);
        CHECK(types == std::set<std::string>{"customer", "interaction"});
        CHECK(search(*b.t, "renewal", "customers").size() == 1);
    }
    SECTION("an interaction update and delete are reflected") {
        crmlite::interactions::update(*b.t, b.call, Json{{"subject", "年度合同"}});
        CHECK(search(*b.t, "续约", "interactions").empty());
        CHECK(search(*b.t, "合同", "interactions").size() == 1);
        crmlite::interactions::remove(*b.t, b.call);
        CHECK(search(*b.t, "合同", "interactions").empty());
        CHECK(search(*b.t, "renewal", "interactions").empty());
    }
    check_index_consistent(*b.t);
}

TEST_CASE("the index follows updates: new values are found, old ones no longer", "[search]") {
    Book b;
    SECTION("a new name") {
        REQUIRE(customers::update(*b.t, b.wang, Json{{"display_name", "赵小明"}}));
        CHECK(titles(*b.t, "王小明").empty());
        CHECK(titles(*b.t, "wxm").empty());
        CHECK(title_set(*b.t, "王") == Titles{"王大力"});
        CHECK(titles(*b.t, "赵小明") == std::vector<std::string>{"赵小明"});
        CHECK(titles(*b.t, "zxm") == std::vector<std::string>{"赵小明"});
        CHECK(titles(*b.t, "5678") == std::vector<std::string>{"赵小明"});  // the rest stays indexed
    }
    SECTION("a name derived from family and given names") {
        const Uuid id = customers::create(*b.t, Json{{"given_name", "建国"}, {"family_name", "周"}});
        customers::update(*b.t, id, Json{{"family_name", "吴"}});
        CHECK(titles(*b.t, "周建国").empty());
        CHECK(titles(*b.t, "吴建国") == std::vector<std::string>{"吴建国"});
    }
    SECTION("new phones and emails") {
        REQUIRE(customers::update(*b.t, b.wang, Json{{"phones", {"13700009999"}}, {"emails", {"ming@example.org"}}}));
        CHECK(titles(*b.t, "5678").empty());
        CHECK(titles(*b.t, "9999") == std::vector<std::string>{"王小明"});
        CHECK(titles(*b.t, "xm@example.com").empty());
        CHECK(titles(*b.t, "ming@example.org") == std::vector<std::string>{"王小明"});
    }
    SECTION("new notes and company") {
        REQUIRE(customers::update(*b.t, b.anna, Json{{"notes", "met at the expo"}}));
        CHECK(title_set(*b.t, "johnson") == Titles{"Michael Johnson"});
        CHECK(titles(*b.t, "expo") == std::vector<std::string>{"Anna Smith"});
        REQUIRE(customers::update(*b.t, b.johnson, Json{{"company", nullptr}}));
        CHECK(titles(*b.t, "acme").empty());
    }
    SECTION("a no-op update keeps the entry") {
        CHECK_FALSE(customers::update(*b.t, b.wang, Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}}));
        CHECK(titles(*b.t, "小明") == std::vector<std::string>{"王小明"});
    }
    SECTION("a failed update leaves the old entry") {
        CHECK_CRM_ERROR(customers::update(*b.t, b.wang, Json{{"display_name", "钱小明"}, {"emails", {"bad"}}}), CRM_EINVAL,
                        "customer.emails[0]");
        CHECK(titles(*b.t, "小明") == std::vector<std::string>{"王小明"});
        CHECK(titles(*b.t, "钱小明").empty());
    }
    check_index_consistent(*b.t);
}

TEST_CASE("after a delete nothing of the customer is found", "[search]") {
    Book b;
    customers::remove(*b.t, b.wang);
    for (const char* q : {"王小明", "小明", "wxm", "wangxiaoming", "5678", "普洱", "xm@example.com"}) {
        INFO(q);
        CHECK(search(*b.t, q, "all").empty());
    }
    CHECK(titles(*b.t, "王") == std::vector<std::string>{"王大力"});
    customers::remove(*b.t, b.zhang);
    CHECK(search(*b.t, "renewal", "all").empty());
    CHECK(search(*b.t, "张伟", "all").empty());
    check_index_consistent(*b.t);
}

TEST_CASE("search queries are checked, and text with nothing searchable finds nothing", "[search]") {
    Book b;
    CHECK(search(*b.t, "--", "all").empty());
    CHECK(search(*b.t, "\" OR name:*", "all").empty());  // FTS5 syntax is just text
    CHECK(search(*b.t, "王", "customers", 1).size() == 1);
    CHECK_CRM_ERROR(crmlite::search::run(*b.t, Json{{"q", "x"}, {"in", "tags"}}), CRM_EINVAL, "search.in");
    CHECK_CRM_ERROR(crmlite::search::run(*b.t, Json{{"in", "all"}}), CRM_EINVAL, "search.q");
    CHECK_CRM_ERROR(crmlite::search::run(*b.t, Json{{"q", ""}}), CRM_EINVAL, "search.q");
    CHECK_CRM_ERROR(crmlite::search::run(*b.t, Json{{"q", 5}}), CRM_EINVAL, "search.q");
    CHECK_CRM_ERROR(crmlite::search::run(*b.t, Json{{"q", "x"}, {"limit", 0}}), CRM_EINVAL, "search.limit");
    CHECK_CRM_ERROR(crmlite::search::run(*b.t, Json{{"q", "x"}, {"sort", "name"}}), CRM_EINVAL, "search.sort");
}
