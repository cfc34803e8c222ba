// CSV / JSON Lines import and JSON Lines export, asserted through what a user
// observes: the report, the customers and interactions in the database, and
// the files written. Fixtures are written by each test into a temp directory.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "io/import.hpp"
#include "support/temp_db.hpp"

using namespace crmlite;
using crmlite::testing::TempDb;

namespace {

std::string write_file(TempDb& t, const std::string& name, const std::string& content) {
    const std::string path = t.dir.path(name);
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

std::int64_t count(Database& db, const std::string& table) {
    return db.sql().execAndGet("SELECT count(*) FROM " + table).getInt64();
}

std::int64_t count_named(Database& db, const std::string& name) {
    auto& st = db.stmt("SELECT count(*) FROM customers WHERE display_name = ?");
    st.bind(1, name);
    st.executeStep();
    return st.getColumn(0).getInt64();
}

Json by_external(Database& db, const std::string& system, const std::string& ext) {
    const auto id = customers::find_external(db, system, ext);
    REQUIRE(id);
    return customers::get(db, *id);
}

std::vector<std::string> values(const Json& points) {
    std::vector<std::string> out;
    for (const auto& p : points) out.push_back(p["value"].get<std::string>());
    return out;
}

io::ImportOptions with_system(const std::string& system = "erp") {
    io::ImportOptions o;
    o.system = system;
    return o;
}

// Runs f and returns the crmlite::Error it throws (code CRM_OK if none).
template <class F>
Error error_of(F&& f) {
    try {
        f();
    } catch (const Error& e) {
        return e;
    }
    return Error(CRM_OK, "");
}

const Json* error_on_line(const Json& report, std::int64_t line) {
    for (const auto& e : report["errors"])
        if (e["line"] == line) return &e;
    return nullptr;
}

// The header of the bundled examples/data/customers.csv.
const char* kSampleHeader =
    "external_id,kind,display_name,family_name,given_name,gender,birthday,phone,phone2,email,company,province,city,"
    "address,postcode,source,stage,owner,consent_marketing,national_id,notes,tags\n";

}  // namespace

TEST_CASE("import csv: good rows land, bad rows are reported and leave nothing behind", "[io]") {
    TempDb t;
    const auto path = write_file(t, "customers.csv",
                                 "external_id,display_name,birthday,phone,email,stage,notes\n"
                                 "C1,张三,1990-01-02,13812345678,zhang@example.com,customer,\"called twice\nprefers WeChat\"\n"
                                 "C2,李四,1990-13-40,,,,\n"
                                 "C3,王五,,,not-an-email,,\n"
                                 "C4,赵六,,,,vip,\n"
                                 "C5,钱七,,call me,,,\n"
                                 "C6, 孙八 ,,138 1234 5679;+86 139-0000-0000,sun@example.cn,prospect,\n");
    const Json report = io::import_file(*t, path, with_system());
    CHECK(report["rows"] == 6);
    CHECK(report["inserted"] == 2);
    CHECK(report["failed"] == 4);
    REQUIRE(report["errors"].size() == 4);
    // Lines count the header as 1 and the line break inside C1's notes.
    const auto expect = [&](std::int64_t line, const std::string& field, const std::string& reason_part) {
        const Json* e = error_on_line(report, line);
        INFO("line " << line << " in " << report.dump());
        REQUIRE(e);
        CHECK((*e)["field"] == field);
        CHECK((*e)["reason"].get<std::string>().find(reason_part) != std::string::npos);
    };
    expect(4, "customer.birthday", "1990-13-40");
    expect(5, "customer.emails[0].value", "not-an-email");
    expect(6, "customer.stage", "vip");
    expect(7, "customer.phones[0].value", "call me");

    CHECK(count(*t, "customers") == 2);
    // The row with a good name but a bad phone left no customer at all.
    CHECK(count_named(*t, "钱七") == 0);
    CHECK_FALSE(customers::find_external(*t, "erp", "C5"));
    const Json zhang = by_external(*t, "erp", "C1");
    CHECK(zhang["notes"] == "called twice\nprefers WeChat");
    CHECK(zhang["birthday"] == "1990-01-02");
    const Json sun = by_external(*t, "erp", "C6");
    CHECK(sun["display_name"] == "孙八");  // cells are trimmed
    CHECK(values(sun["phones"]) == std::vector<std::string>{"138 1234 5679", "+86 139-0000-0000"});
}

TEST_CASE("import csv: re-import is an idempotent upsert; a changed cell updates one row", "[io]") {
    TempDb t;
    const std::string header = "external_id,display_name,city,phone,tags\n";
    const std::string rows =
        "A1,Alice,Hangzhou,13800000001,VIP/金卡\n"
        "A2,Bob,Suzhou,13800000002,\n"
        "A3,Carol,Wuxi,13800000003,渠道/线上;VIP/金卡\n";
    const auto path = write_file(t, "c.csv", header + rows);
    const Json first = io::import_file(*t, path, with_system());
    CHECK(first["inserted"] == 3);
    CHECK(first["failed"] == 0);

    const Json again = io::import_file(*t, path, with_system());
    CHECK(again["rows"] == 3);
    CHECK(again["inserted"] == 0);
    CHECK(again["unchanged"] == 3);
    CHECK(again["updated"] == 0);
    CHECK(count(*t, "customers") == 3);

    std::string changed = rows;
    changed.replace(changed.find("Suzhou"), 6, "Nanjing");
    const Json third = io::import_file(*t, write_file(t, "c.csv", header + changed), with_system());
    CHECK(third["updated"] == 1);
    CHECK(third["unchanged"] == 2);
    CHECK(third["inserted"] == 0);
    CHECK(count(*t, "customers") == 3);
    CHECK(by_external(*t, "erp", "A2")["city"] == "Nanjing");
    CHECK(by_external(*t, "erp", "A3")["tags"].size() == 2);
}

TEST_CASE("import: a cancel from the progress callback rolls the whole import back", "[io]") {
    TempDb t;
    std::string csv = "external_id,display_name\n";
    for (int i = 0; i < 10; ++i) csv += "K" + std::to_string(i) + ",Person " + std::to_string(i) + "\n";
    const auto path = write_file(t, "c.csv", csv);
    io::ImportOptions o = with_system();
    o.batch_size = 3;
    std::vector<std::pair<std::int64_t, std::int64_t>> calls;
    o.progress = [&](std::int64_t done, std::int64_t total) {
        calls.emplace_back(done, total);
        return calls.size() < 2;  // cancel at the second report, after 6 rows were written
    };

    SECTION("on its own") {
        const Error e = error_of([&] { io::import_file(*t, path, o); });
        CHECK(e.code() == CRM_ECANCELED);
        CHECK(std::string(e.what()).find("nothing was imported") != std::string::npos);
        CHECK(count(*t, "customers") == 0);
        CHECK(t->counter("customers") == 0);
        REQUIRE(calls.size() == 2);
        CHECK(calls[0].first == 3);
        CHECK(calls[1].first == 6);
        CHECK(calls[1].second >= 6);  // the estimate from the share of bytes read
    }
    SECTION("inside the caller's transaction: only the import is undone") {
        t->begin();
        customers::create(*t, Json{{"display_name", "Kept"}});
        CHECK(error_of([&] { io::import_file(*t, path, o); }).code() == CRM_ECANCELED);
        t->commit();
        CHECK(count(*t, "customers") == 1);
        CHECK(count_named(*t, "Kept") == 1);
    }
}

TEST_CASE("import: progress is reported every batch and once at the end", "[io]") {
    TempDb t;
    std::string csv = "display_name\n";
    for (int i = 0; i < 7; ++i) csv += "P" + std::to_string(i) + "\n";
    io::ImportOptions o;
    o.batch_size = 3;
    std::vector<std::pair<std::int64_t, std::int64_t>> calls;
    o.progress = [&](std::int64_t done, std::int64_t total) {
        calls.emplace_back(done, total);
        return true;
    };
    const Json report = io::import_file(*t, write_file(t, "p.csv", csv), o);
    CHECK(report["inserted"] == 7);
    REQUIRE(calls.size() == 3);
    CHECK(calls[0].first == 3);
    CHECK(calls[1].first == 6);
    CHECK(calls[2] == std::pair<std::int64_t, std::int64_t>{7, 7});
}

TEST_CASE("import csv: a mapping from Chinese headers", "[io]") {
    TempDb t;
    const auto path = write_file(t, "客户.csv",
                                 "编号,姓名,手机,备用手机,标签,会员等级,备注\n"
                                 "001,王小明,13812345678,13987654321,VIP/金卡;地区/华东,黄金,\n"
                                 "002,李华,13700001111,,,,不导入\n");
    io::ImportOptions o = with_system("shop");
    o.mapping = {{"编号", "external_id"}, {"姓名", "display_name"}, {"手机", "phones"},
                 {"备用手机", "phones"},  {"标签", "tags"},         {"会员等级", "custom.等级"},
                 {"备注", "-"}};
    const Json report = io::import_file(*t, path, o);
    CHECK(report["inserted"] == 2);
    CHECK(report["failed"] == 0);
    const Json wang = by_external(*t, "shop", "001");
    CHECK(wang["display_name"] == "王小明");
    CHECK(values(wang["phones"]) == std::vector<std::string>{"13812345678", "13987654321"});
    CHECK(wang["tags"] == Json{"VIP/金卡", "地区/华东"});
    CHECK(wang["custom"] == Json{{"等级", "黄金"}});
    CHECK_FALSE(by_external(*t, "shop", "002").contains("notes"));
}

TEST_CASE("import csv: mapping problems fail up front and import nothing", "[io]") {
    TempDb t;
    const auto path = write_file(t, "c.csv", "external_id,display_name,loyalty\nE1,Ann,gold\n");
    const auto up_front = [&](const io::ImportOptions& o, const std::string& message_part) {
        const Error e = error_of([&] { io::import_file(*t, path, o); });
        CHECK(e.code() == CRM_EINVAL);
        CHECK_THAT(e.what(), Catch::Contains(message_part));
        CHECK(count(*t, "customers") == 0);
    };
    io::ImportOptions o = with_system();
    up_front(o, "mapping: column \"loyalty\" maps to no field");
    o.mapping = {{"loyalty", "membership"}};
    up_front(o, "column \"loyalty\" maps to unknown field \"membership\"");
    o.mapping = {{"loyalty", "-"}, {"Loyalty", "custom.x"}};
    up_front(o, "column \"Loyalty\" is not in the file's header");
    o.mapping = {{"loyalty", "display_name"}};
    up_front(o, "both map to customer.display_name");
    io::ImportOptions no_system;
    no_system.mapping = {{"loyalty", "custom.level"}};
    up_front(no_system, "set a system");

    // The fixed mapping imports.
    o.mapping = {{"loyalty", "custom.level"}};
    CHECK(io::import_file(*t, path, o)["inserted"] == 1);
    CHECK(by_external(*t, "erp", "E1")["custom"]["level"] == "gold");
}

TEST_CASE("import csv: the sample file's header imports with no mapping", "[io]") {
    TempDb t;
    const auto path = write_file(
        t, "sample.csv",
        std::string("\xEF\xBB\xBF") + kSampleHeader +
            "S1,person,王小明,王,小明,male,1988-03-14,13812345678,010-88886666,wxm@example.com,星河科技,浙江,杭州,"
            "西湖区文三路1号,310000,展会,customer,li.na,是,110101198803140011,\"老客户，\"\"重要\"\"\",VIP/金卡;行业/制造\n"
            "S2,company,星河科技,,,,,,,,,浙江,杭州,,,官网,prospect,li.na,0,,,\n"
            "S3,person,Bad Consent,,,,,,,,,,,,,,,,maybe,,,\n");
    const Json report = io::import_file(*t, path, with_system("sample"));
    CHECK(report["inserted"] == 2);
    REQUIRE(report["failed"] == 1);
    CHECK(report["errors"][0]["line"] == 4);
    CHECK(report["errors"][0]["field"] == "customer.consent_marketing");
    const Json wang = by_external(*t, "sample", "S1");
    CHECK(values(wang["phones"]) == std::vector<std::string>{"13812345678", "010-88886666"});
    CHECK(values(wang["emails"]) == std::vector<std::string>{"wxm@example.com"});
    CHECK(wang["consent_marketing"] == true);
    CHECK(wang["gender"] == "male");
    CHECK(wang["notes"] == "老客户，\"重要\"");
    CHECK(wang["tags"].size() == 2);
    CHECK(by_external(*t, "sample", "S2")["kind"] == "company");
}

TEST_CASE("import csv: ragged and malformed rows are that row's error", "[io]") {
    TempDb t;
    const auto path = write_file(t, "c.csv",
                                 "display_name,city\n"
                                 "Ann,Xi'an\n"
                                 "Bob\n"
                                 "Cat,Chengdu,extra\n"
                                 "\"Dan\"x,Harbin\n"
                                 ",\n"
                                 "\n"
                                 "Eve,Dalian\n");
    const Json report = io::import_file(*t, path, {});
    CHECK(report["rows"] == 5);  // ",", and the blank line carry no data
    CHECK(report["inserted"] == 2);
    CHECK(report["failed"] == 3);
    REQUIRE(error_on_line(report, 3));
    CHECK((*error_on_line(report, 3))["reason"] == "expected 2 cells as in the header, found 1");
    REQUIRE(error_on_line(report, 4));
    REQUIRE(error_on_line(report, 5));
    CHECK_THAT((*error_on_line(report, 5))["reason"].get<std::string>(), Catch::Contains("after the closing quote"));
    CHECK(count(*t, "customers") == 2);
}

TEST_CASE("import jsonl: malformed lines and invalid UTF-8 are reported, the rest land", "[io]") {
    TempDb t;
    const auto path = write_file(t, "c.jsonl",
                                 "{\"display_name\": \"Ann\", \"phones\": [\"13800000001\"]}\n"
                                 "{\"display_name\": \"Bob\", \n"
                                 "[1, 2]\n"
                                 "{\"display_name\": \"Caf\xE9\"}\n"
                                 "{\"display_name\": \"Dan\", \"shoe_size\": 44}\n"
                                 "\n"
                                 "{\"display_name\": \"Eve\", \"external_id\": \"E5\"}\n"
                                 "{\"display_name\": \"Fay\", \"tags\": [\"客户/新\"]}\r\n");
    const Json report = io::import_file(*t, path, {});
    CHECK(report["rows"] == 7);
    CHECK(report["inserted"] == 2);
    CHECK(report["failed"] == 5);
    const auto check = [&](std::int64_t line, const std::string& field, const std::string& reason_part) {
        const Json* e = error_on_line(report, line);
        INFO(report.dump());
        REQUIRE(e);
        CHECK((*e)["field"] == field);
        CHECK_THAT((*e)["reason"].get<std::string>(), Catch::Contains(reason_part));
    };
    check(2, "", "invalid JSON");
    check(3, "", "expected a JSON object");
    check(4, "", "UTF-8");
    check(5, "customer.shoe_size", "unknown field");
    check(7, "customer.external_id", "set a system");
    CHECK(count(*t, "customers") == 2);
}

TEST_CASE("import jsonl: a row failing after its customer was inserted leaves no trace", "[io]") {
    // The second row's web-shop id already belongs to the first customer: the
    // conflict is found only after the new customer row was written.
    TempDb t;
    const auto path = write_file(t, "c.jsonl",
                                 "{\"display_name\":\"Ann\",\"external_ids\":{\"shop\":\"W1\"}}\n"
                                 "{\"display_name\":\"Bob\",\"phones\":[\"13800000002\"],\"external_ids\":{\"shop\":\"W1\"}}\n");
    const Json report = io::import_file(*t, path, {});
    CHECK(report["inserted"] == 1);
    REQUIRE(report["failed"] == 1);
    CHECK(report["errors"][0]["field"] == "customer.external_ids.shop");
    CHECK(count(*t, "customers") == 1);
    CHECK(count(*t, "contact_points") == 0);
    CHECK(count_named(*t, "Bob") == 0);
}

TEST_CASE("import interactions: customer_external_id resolves; re-import is idempotent", "[io]") {
    TempDb t;
    io::import_file(*t, write_file(t, "c.csv", "external_id,display_name\nC1,Ann\nC2,Bob\n"), with_system());

    SECTION("JSON Lines") {
        const auto path = write_file(
            t, "i.jsonl",
            "{\"external_id\":\"O1\",\"customer_external_id\":\"C1\",\"kind\":\"order\",\"occurred_at\":\"2024-05-01T10:00:00Z\","
            "\"amount_minor\":12900,\"currency\":\"CNY\",\"items\":[{\"product\":\"茶叶\",\"quantity\":2,\"unit_price_minor\":6450}]}\n"
            "{\"external_id\":\"T1\",\"customer_external_id\":\"C2\",\"kind\":\"ticket\",\"subject\":\"退货\",\"occurred_at\":\"2024-05-02T08:00:00Z\"}\n"
            "{\"external_id\":\"X1\",\"customer_external_id\":\"C9\",\"kind\":\"call\"}\n");
        io::ImportOptions o = with_system();
        o.records = "interactions";
        const Json first = io::import_file(*t, path, o);
        CHECK(first["inserted"] == 2);
        REQUIRE(first["failed"] == 1);
        CHECK(first["errors"][0]["line"] == 3);
        CHECK(first["errors"][0]["field"] == "interaction.customer_external_id");
        CHECK_THAT(first["errors"][0]["reason"].get<std::string>(), Catch::Contains("C9"));

        const Json again = io::import_file(*t, path, o);
        CHECK(again["inserted"] == 0);
        CHECK(again["unchanged"] == 2);
        CHECK(count(*t, "interactions") == 2);
        const Json order = interactions::get(*t, interactions::id_for_external("erp", "O1"));
        CHECK(order["customer_id"] == customers::find_external(*t, "erp", "C1")->str());
        CHECK(order["amount_minor"] == 12900);
    }
    SECTION("CSV with typed columns") {
        const auto path = write_file(t, "i.csv",
                                     "external_id,customer_external_id,kind,occurred_at,amount_minor,currency,rating,items\n"
                                     "O1,C1,order,2024-05-01T10:00:00Z,12900,CNY,,\"[{\"\"product\"\":\"\"茶叶\"\",\"\"quantity\"\":2,\"\"unit_price_minor\"\":6450}]\"\n"
                                     "S1,C2,survey,2024-05-03T09:00:00Z,,,5,\n"
                                     "O2,C2,order,2024-05-04T09:00:00Z,12.50,CNY,,\n");
        io::ImportOptions o = with_system();
        o.records = "interactions";
        const Json first = io::import_file(*t, path, o);
        CHECK(first["inserted"] == 2);
        REQUIRE(first["failed"] == 1);
        CHECK(first["errors"][0]["field"] == "interaction.amount_minor");
        CHECK(interactions::get(*t, interactions::id_for_external("erp", "S1"))["rating"] == 5);
        CHECK(interactions::get(*t, interactions::id_for_external("erp", "O1"))["items"].size() == 1);
        CHECK(io::import_file(*t, path, o)["unchanged"] == 2);
        CHECK(count(*t, "interactions") == 2);
    }
}

TEST_CASE("export then import: customers survive the round trip into a fresh database", "[io]") {
    TempDb a;
    const auto path = write_file(a, "c.csv",
                                 "external_id,display_name,phone,phone2,email,tags,birthday,consent_marketing,custom.level\n"
                                 "C1,王小明,13812345678,010-88886666,wxm@example.com,VIP/金卡;地区/华东,1988-03-14,yes,gold\n"
                                 "C2,Alice Smith,+1 415 555 0100,,alice@example.com,,,no,\n");
    REQUIRE(io::import_file(*a, path, with_system())["inserted"] == 2);
    const Uuid c1 = *customers::find_external(*a, "erp", "C1");
    interactions::add(*a, Json{{"customer_id", c1.str()}, {"kind", "call"}, {"subject", "回访"}});

    const std::string out = a.dir.path("customers.jsonl");
    CHECK(io::export_file(*a, "customers", out)["rows"] == 2);
    CHECK_FALSE(std::filesystem::exists(out + ".tmp"));

    TempDb b;
    const Json report = io::import_file(*b, out, {});
    CHECK(report["inserted"] == 2);
    CHECK(report["failed"] == 0);
    for (const char* ext : {"C1", "C2"}) {
        const Json before = by_external(*a, "erp", ext), after = by_external(*b, "erp", ext);
        for (const char* key : {"display_name", "phones", "emails", "tags", "birthday", "consent_marketing", "custom"})
            CHECK(before.value(key, Json()) == after.value(key, Json()));
    }
    // Again with the system set: the export's own external ids key the upsert.
    const Json again = io::import_file(*b, out, with_system());
    CHECK(again["unchanged"] == 2);
    CHECK(count(*b, "customers") == 2);

    // Re-importing an export into its own database changes nothing; so do interactions.
    CHECK(io::import_file(*a, out, {})["unchanged"] == 2);
    const std::string iout = a.dir.path("interactions.jsonl");
    CHECK(io::export_file(*a, "interactions", iout)["rows"] == 1);
    io::ImportOptions o;
    o.records = "interactions";
    CHECK(io::import_file(*a, iout, o)["unchanged"] == 1);
    CHECK(count(*a, "interactions") == 1);
    CHECK(count(*a, "customers") == 2);
}

TEST_CASE("import/export: files, formats and options are checked", "[io]") {
    TempDb t;
    const auto code = [&](const std::string& path, io::ImportOptions o = {}) {
        return error_of([&] { io::import_file(*t, path, o); }).code();
    };
    CHECK(code(t.dir.path("missing.csv")) == CRM_ENOTFOUND);
    CHECK(code(write_file(t, "c.txt", "display_name\nAnn\n")) == CRM_EINVAL);
    io::ImportOptions csv;
    csv.format = "csv";
    CHECK(io::import_file(*t, t.dir.path("c.txt"), csv)["inserted"] == 1);
    io::ImportOptions bad;
    bad.records = "orders";
    CHECK(code(t.dir.path("c.txt"), bad) == CRM_EINVAL);
    CHECK(io::import_file(*t, write_file(t, "c.ndjson", "{\"display_name\":\"Bob\"}\n"), {})["inserted"] == 1);
    CHECK(io::import_file(*t, write_file(t, "empty.csv", ""), {})["rows"] == 0);

    CHECK(error_of([&] { io::export_file(*t, "orders", t.dir.path("x.jsonl")); }).code() == CRM_EINVAL);
    const std::string nowhere = t.dir.path("no/such/dir/x.jsonl");
    CHECK(error_of([&] { io::export_file(*t, "customers", nowhere); }).code() == CRM_EIO);
    CHECK_FALSE(std::filesystem::exists(nowhere));
}

TEST_CASE("import: a few thousand generated rows, then an idempotent re-import", "[io]") {
    TempDb t;
    std::ostringstream csv;
    csv << kSampleHeader;
    constexpr int kRows = 2000;
    for (int i = 0; i < kRows; ++i)
        csv << "G" << i << ",person,客户" << i << ",,,,,1" << (3800000000LL + i)
            << ",,,,,,,,,customer,,1,,,级别/" << (i % 5) << "\n";
    const auto path = write_file(t, "gen.csv", csv.str());
    io::ImportOptions o = with_system("gen");
    o.batch_size = 500;
    std::int64_t last = 0;
    o.progress = [&](std::int64_t done, std::int64_t total) {
        CHECK(done >= last);
        CHECK(total >= done);
        last = done;
        return true;
    };
    const Json first = io::import_file(*t, path, o);
    CHECK(first["inserted"] == kRows);
    CHECK(first["failed"] == 0);
    CHECK(last == kRows);
    last = 0;
    const Json again = io::import_file(*t, path, o);
    CHECK(again["unchanged"] == kRows);
    CHECK(count(*t, "customers") == kRows);
}

TEST_CASE("import: the bundled sample customers.csv", "[io]") {
    const std::string sample = crmlite::testing::sample_data("customers.csv");
    if (!std::filesystem::exists(sample)) {
        WARN("examples/data/customers.csv is not there yet; skipped");
        return;
    }
    TempDb t;
    const Json report = io::import_file(*t, sample, with_system("sample"));
    CHECK(report["rows"].get<std::int64_t>() > 0);
    CHECK(report["inserted"].get<std::int64_t>() + report["failed"].get<std::int64_t>() +
              report["updated"].get<std::int64_t>() + report["unchanged"].get<std::int64_t>() ==
          report["rows"].get<std::int64_t>());
    const Json again = io::import_file(*t, sample, with_system("sample"));
    CHECK(again["inserted"] == 0);

    const std::string activity = crmlite::testing::sample_data("interactions.jsonl");
    if (!std::filesystem::exists(activity)) return;
    io::ImportOptions o = with_system("sample");
    o.records = "interactions";
    const Json first = io::import_file(*t, activity, o);
    CHECK(first["inserted"].get<std::int64_t>() > 0);
    CHECK(first["inserted"].get<std::int64_t>() + first["failed"].get<std::int64_t>() ==
          first["rows"].get<std::int64_t>());
    const Json second = io::import_file(*t, activity, o);
    CHECK(second["inserted"] == 0);
    CHECK(second["unchanged"] == first["inserted"]);
}

// Not part of the suite: `crmlite_tests "[.bench]"` prints rows/s for 100k
// generated customer rows (CRMLITE_BENCH_ROWS=n for another count).
TEST_CASE("import benchmark: 100k customer rows", "[.bench]") {
    TempDb t;
    const std::string path = t.dir.path("bench.csv");
    const char* env = std::getenv("CRMLITE_BENCH_ROWS");
    const int kRows = env ? std::atoi(env) : 100000;
    {
        std::ofstream out(path, std::ios::binary);
        out << kSampleHeader;
        static const char* family[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵"};
        static const char* given[] = {"伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军"};
        for (int i = 0; i < kRows; ++i) {
            const std::string f = family[i % 8], g = given[(i / 8) % 10];
            out << "B" << i << ",person," << f << g << i << "," << f << "," << g << i << ",,1990-01-01,1"
                << (3800000000LL + i) << ",,u" << i << "@example.com,,浙江,杭州,,,展会,customer,,1,,,级别/"
                << (i % 5) << "\n";
        }
    }
    io::ImportOptions o = with_system("bench");
    o.progress = [](std::int64_t, std::int64_t) { return true; };
    const auto start = std::chrono::steady_clock::now();
    const Json report = io::import_file(*t, path, o);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(report["inserted"] == kRows);
    std::cout << "import: " << kRows << " rows in " << secs << " s = " << static_cast<long>(kRows / secs)
              << " rows/s\n";
    const auto start2 = std::chrono::steady_clock::now();
    const Json again = io::import_file(*t, path, o);
    const double secs2 = std::chrono::duration<double>(std::chrono::steady_clock::now() - start2).count();
    CHECK(again["unchanged"] == kRows);
    std::cout << "re-import (all unchanged): " << static_cast<long>(kRows / secs2) << " rows/s\n";
    const auto start3 = std::chrono::steady_clock::now();
    const Json exported = io::export_file(*t, "customers", t.dir.path("out.jsonl"));
    const double secs3 = std::chrono::duration<double>(std::chrono::steady_clock::now() - start3).count();
    std::cout << "export: " << static_cast<long>(exported["rows"].get<double>() / secs3) << " rows/s\n";
}

TEST_CASE("import: the bulk-load journal is used only with the file to itself, and WAL comes back", "[io]") {
    TempDb t;
    std::string csv = "display_name,city\n";
    for (int i = 0; i < 50; ++i) csv += "客户" + std::to_string(i) + ",杭州\n";
    const std::string path = write_file(t, "c.csv", csv);
    const auto mode = [&] { return t->sql().execAndGet("PRAGMA journal_mode").getString(); };
    io::ImportOptions o;
    // Alone: the import switches to a rollback journal and back.
    bool saw_rollback_journal = false;
    o.progress = [&](std::int64_t, std::int64_t) {
        saw_rollback_journal = saw_rollback_journal || mode() == "truncate";
        return true;
    };
    o.batch_size = 10;
    CHECK(io::import_file(*t, path, o)["inserted"] == 50);
    CHECK(saw_rollback_journal);
    CHECK(mode() == "wal");
    // Another connection has the file open: the import stays in WAL and still lands.
    {
        SQLite::Database other(t.file, SQLite::OPEN_READWRITE);
        CHECK(other.execAndGet("SELECT count(*) FROM customers").getInt() == 50);
        saw_rollback_journal = false;
        CHECK(io::import_file(*t, path, o)["inserted"] == 50);
        CHECK_FALSE(saw_rollback_journal);
        CHECK(other.execAndGet("SELECT count(*) FROM customers").getInt() == 100);
    }
    // Inside the caller's transaction: no switch either, and it commits with it.
    t->begin();
    saw_rollback_journal = false;
    CHECK(io::import_file(*t, path, o)["inserted"] == 50);
    CHECK_FALSE(saw_rollback_journal);
    t->commit();
    CHECK(mode() == "wal");
    CHECK(count(*t, "customers") == 150);
}
