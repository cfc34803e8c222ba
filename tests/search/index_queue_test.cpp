// The deferred full-text index (search/index_queue): whatever sequence of
// creates, updates, deletes, savepoint and transaction rollbacks happens, the
// FTS5 indexes end up exactly matching their content (FTS5's own
// integrity-check compares them), and searches inside an open transaction see
// its own writes.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "customers/query.hpp"
#include "interactions/interactions.hpp"
#include "io/import.hpp"
#include "search/search.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;

namespace {

std::vector<std::string> titles(crmlite::Database& db, const std::string& q, const std::string& in = "customers") {
    auto c = crmlite::search::run(db, Json{{"q", q}, {"in", in}});
    std::vector<std::string> out;
    std::string row;
    while (c->next(row)) out.push_back(Json::parse(row)["title"]);
    return out;
}

// Throws (SQLITE_CORRUPT_VTAB) when an index and its content disagree.
void check_indexes(crmlite::Database& db) {
    db.sql().exec("INSERT INTO customer_fts(customer_fts) VALUES ('integrity-check')");
    db.sql().exec("INSERT INTO interaction_fts(interaction_fts) VALUES ('integrity-check')");
}

std::int64_t fts_rows(crmlite::Database& db, const char* table) {
    return db.sql().execAndGet(std::string("SELECT count(*) FROM ") + table + "_docsize").getInt64();
}

}  // namespace

TEST_CASE("a search inside an open transaction sees the transaction's own writes", "[search][index]") {
    TempDb t;
    t->begin();
    const Uuid id = customers::create(*t, Json{{"display_name", "王小明"}, {"phones", {{{"value", "13812345678"}}}}});
    CHECK(titles(*t, "小明") == std::vector<std::string>{"王小明"});
    customers::update(*t, id, Json{{"display_name", "李小红"}});
    CHECK(titles(*t, "小明").empty());
    CHECK(titles(*t, "小红") == std::vector<std::string>{"李小红"});
    CHECK(customers::count(*t, Json{{"text", "5678"}}) == 1);
    t->commit();
    check_indexes(*t);
    CHECK(titles(*t, "小红") == std::vector<std::string>{"李小红"});
}

TEST_CASE("a rolled-back transaction leaves nothing in the index", "[search][index]") {
    TempDb t;
    const Uuid kept = customers::create(*t, Json{{"display_name", "Johnson"}});
    interactions::add(*t, Json{{"customer_id", kept.str()}, {"kind", "note"}, {"subject", "耳机 保修"}});
    t->begin();
    customers::create(*t, Json{{"display_name", "Johansson"}});
    customers::update(*t, kept, Json{{"display_name", "Jackson"}});
    CHECK(titles(*t, "joh") == std::vector<std::string>{"Johansson"});
    customers::remove(*t, kept);  // cascades to the interaction
    CHECK(titles(*t, "耳机", "interactions").empty());
    t->rollback();
    check_indexes(*t);
    CHECK(titles(*t, "joh") == std::vector<std::string>{"Johnson"});
    CHECK(titles(*t, "耳机", "interactions").size() == 1);
    CHECK(fts_rows(*t, "customer_fts") == 1);
}

TEST_CASE("a failed call inside a transaction keeps the index in step with the records", "[search][index]") {
    TempDb t;
    const Uuid a = customers::create(*t, Json{{"display_name", "张伟"}});
    t->begin();
    customers::update(*t, a, Json{{"display_name", "张伟明"}});
    // A bad patch fails after validation started: its savepoint rolls back.
    CHECK_THROWS_AS(customers::update(*t, a, Json{{"display_name", "赵"}, {"birthday", "not a date"}}), crmlite::Error);
    CHECK_THROWS_AS(customers::create(*t, Json{{"display_name", "赵六"}, {"kind", "robot"}}), crmlite::Error);
    t->commit();
    check_indexes(*t);
    CHECK(titles(*t, "伟明") == std::vector<std::string>{"张伟明"});
    CHECK(titles(*t, "赵").empty());
}

TEST_CASE("every kind of change, mixed in one transaction, leaves consistent indexes", "[search][index]") {
    TempDb t;
    std::vector<Uuid> people, notes;
    t->begin();
    for (int i = 0; i < 40; ++i) {
        people.push_back(customers::create(*t, Json{{"display_name", "客户" + std::to_string(i)}, {"notes", "note " + std::to_string(i)}}));
        notes.push_back(interactions::add(*t, Json{{"customer_id", people.back().str()}, {"kind", "call"}, {"subject", "回访 " + std::to_string(i)}}));
    }
    t->commit();
    t->begin();
    for (int i = 0; i < 40; i += 3) customers::update(*t, people[static_cast<std::size_t>(i)], Json{{"notes", "changed"}});
    for (int i = 1; i < 40; i += 5) interactions::update(*t, notes[static_cast<std::size_t>(i)], Json{{"subject", "改了"}});
    for (int i = 2; i < 40; i += 7) interactions::remove(*t, notes[static_cast<std::size_t>(i)]);
    for (int i = 4; i < 40; i += 9) customers::remove(*t, people[static_cast<std::size_t>(i)]);
    // Deleting the newest record and creating another may reuse its rowid.
    customers::remove(*t, people.back());
    customers::create(*t, Json{{"display_name", "新客户"}});
    t->commit();
    check_indexes(*t);
    CHECK(fts_rows(*t, "customer_fts") == t->counter("customers"));
    CHECK(fts_rows(*t, "interaction_fts") == t->counter("interactions"));
    // Edited: 1, 6, 11, 16, 21, 26, 31, 36; 16 was deleted and 31 went with its customer.
    CHECK(titles(*t, "改了", "interactions").size() == 6);
}

TEST_CASE("an import with bad rows and index batches leaves consistent indexes", "[search][index][io]") {
    TempDb t;
    const std::string path = t.dir.path("people.jsonl");
    {
        std::ofstream out(path);
        for (int i = 0; i < 45000; ++i) {
            if (i % 1000 == 7) out << R"({"display_name": "坏", "birthday": "nope"})" << '\n';
            else out << R"({"display_name": "顾客)" << i << R"(", "phones": [{"value": "1380000)" << (10000 + i) << R"("}]})" << '\n';
        }
    }
    crmlite::io::ImportOptions o;
    o.records = "customers";
    const Json report = crmlite::io::import_file(*t, path, o);
    CHECK(report["failed"] == 45);
    CHECK(report["inserted"] == 45000 - 45);
    check_indexes(*t);
    CHECK(fts_rows(*t, "customer_fts") == 45000 - 45);
    CHECK(customers::count(*t, Json{{"text", "38000054321"}}) == 1);
}
