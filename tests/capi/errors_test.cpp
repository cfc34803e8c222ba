// The C ABI's error contract, exercised from C++: the exception firewall, NULL
// arguments named, out-parameters NULLed on failure, the thread-local last
// error, and the live-handle leak oracle.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "crmlite/crmlite.h"
#include "support/temp_db.hpp"

using crmlite::testing::TempDir;

namespace {

// A sentinel that a failing call must overwrite with NULL.
template <class T>
T* poison() {
    return reinterpret_cast<T*>(static_cast<std::uintptr_t>(0xDEADBEEF));
}

std::string errmsg() { return crm_errmsg(); }

#define CHECK_STATUS(call, expected)                                                              \
    do {                                                                                          \
        const crm_status st_ = (call);                                                            \
        INFO(#call << " -> " << crm_status_name(st_) << ": " << crm_errmsg());                    \
        CHECK(std::string(crm_status_name(st_)) == crm_status_name(expected));                    \
        CHECK(crm_errcode() == st_);                                                              \
    } while (0)

// An open database with one customer, released at the end of the test.
struct Db {
    TempDir dir;
    crm_db* db = nullptr;
    std::string customer;

    Db() {
        REQUIRE(crm_open(&db, dir.path("crm.db").c_str(), nullptr) == CRM_OK);
        char* id = nullptr;
        REQUIRE(crm_customer_create(&id, db, R"({"display_name": "王小明", "phones": ["13812345678"]})") == CRM_OK);
        customer = id;
        crm_free(id);
    }
    ~Db() { crm_close(db); }
};

}  // namespace

TEST_CASE("every NULL argument is refused with CRM_EINVAL naming it, and out-parameters are NULLed", "[capi]") {
    const std::int64_t handles_before = crm_live_handles();
    {
        Db d;
        crm_db* db = d.db;
        const char* id = d.customer.c_str();
        crm_cursor* cur = nullptr;
        REQUIRE(crm_customer_query(&cur, db, nullptr) == CRM_OK);
        crm_options* opts = nullptr;
        REQUIRE(crm_options_new(&opts) == CRM_OK);
        crm_import_options* iopts = nullptr;
        REQUIRE(crm_import_options_new(&iopts) == CRM_OK);
        const std::string path = d.dir.path("out.jsonl");

        char* s = nullptr;
        const char* cs = nullptr;
        crm_cursor* c = nullptr;
        crm_db* dbo = nullptr;
        int64_t n = 0;

        struct Case {
            const char* arg;
            std::function<crm_status()> call;
            std::function<bool()> out_nulled;
        };
        const auto none = [] { return true; };
        const std::vector<Case> cases = {
            {"out", [&] { return crm_options_new(nullptr); }, none},
            {"opts", [&] { return crm_options_set_create(nullptr, 1); }, none},
            {"opts", [&] { return crm_options_set_readonly(nullptr, 1); }, none},
            {"opts", [&] { return crm_options_set_timezone(nullptr, "UTC"); }, none},
            {"tz", [&] { return crm_options_set_timezone(opts, nullptr); }, none},
            {"opts", [&] { return crm_options_set_busy_timeout(nullptr, 1); }, none},
            {"out", [&] { return crm_open(nullptr, path.c_str(), nullptr); }, none},
            {"path", [&] { dbo = poison<crm_db>(); return crm_open(&dbo, nullptr, nullptr); }, [&] { return dbo == nullptr; }},
            {"db", [&] { return crm_begin(nullptr); }, none},
            {"db", [&] { return crm_commit(nullptr); }, none},
            {"db", [&] { return crm_rollback(nullptr); }, none},
            {"out_json", [&] { return crm_db_info(nullptr, db); }, none},
            {"db", [&] { s = poison<char>(); return crm_db_info(&s, nullptr); }, [&] { return s == nullptr; }},
            {"out_json", [&] { return crm_cursor_next(nullptr, cur); }, none},
            {"cursor", [&] { cs = poison<const char>(); return crm_cursor_next(&cs, nullptr); }, [&] { return cs == nullptr; }},
            {"out_token", [&] { return crm_cursor_token(nullptr, cur); }, none},
            {"cursor", [&] { s = poison<char>(); return crm_cursor_token(&s, nullptr); }, [&] { return s == nullptr; }},
            {"out_id", [&] { return crm_customer_create(nullptr, db, "{}"); }, none},
            {"db", [&] { s = poison<char>(); return crm_customer_create(&s, nullptr, "{}"); }, [&] { return s == nullptr; }},
            {"json", [&] { s = poison<char>(); return crm_customer_create(&s, db, nullptr); }, [&] { return s == nullptr; }},
            {"id", [&] { s = poison<char>(); return crm_customer_get(&s, db, nullptr); }, [&] { return s == nullptr; }},
            {"db", [&] { return crm_customer_update(nullptr, id, "{}"); }, none},
            {"id", [&] { return crm_customer_update(db, nullptr, "{}"); }, none},
            {"json", [&] { return crm_customer_update(db, id, nullptr); }, none},
            {"id", [&] { return crm_customer_delete(db, nullptr); }, none},
            {"system", [&] { s = poison<char>(); return crm_customer_find_external(&s, db, nullptr, "C1"); }, [&] { return s == nullptr; }},
            {"external_id", [&] { s = poison<char>(); return crm_customer_find_external(&s, db, "erp", nullptr); }, [&] { return s == nullptr; }},
            {"id", [&] { s = poison<char>(); return crm_customer_view(&s, db, nullptr); }, [&] { return s == nullptr; }},
            {"out", [&] { return crm_customer_query(nullptr, db, "{}"); }, none},
            {"db", [&] { c = poison<crm_cursor>(); return crm_customer_query(&c, nullptr, "{}"); }, [&] { return c == nullptr; }},
            {"out_count", [&] { return crm_customer_count(nullptr, db, nullptr); }, none},
            {"db", [&] { n = 42; return crm_customer_count(&n, nullptr, nullptr); }, [&] { return n == 0; }},
            {"json", [&] { s = poison<char>(); return crm_interaction_add(&s, db, nullptr); }, [&] { return s == nullptr; }},
            {"id", [&] { s = poison<char>(); return crm_interaction_get(&s, db, nullptr); }, [&] { return s == nullptr; }},
            {"json", [&] { return crm_interaction_update(db, id, nullptr); }, none},
            {"id", [&] { return crm_interaction_delete(db, nullptr); }, none},
            {"query_json", [&] { c = poison<crm_cursor>(); return crm_timeline(&c, db, nullptr); }, [&] { return c == nullptr; }},
            {"json", [&] { s = poison<char>(); return crm_tag_create(&s, db, nullptr); }, [&] { return s == nullptr; }},
            {"out_json", [&] { return crm_tag_list(nullptr, db); }, none},
            {"db", [&] { s = poison<char>(); return crm_tag_list(&s, nullptr); }, [&] { return s == nullptr; }},
            {"path", [&] { return crm_tag_delete(db, nullptr); }, none},
            {"customer_id", [&] { return crm_tag_assign(db, nullptr, "vip"); }, none},
            {"path", [&] { return crm_tag_assign(db, id, nullptr); }, none},
            {"customer_id", [&] { return crm_tag_unassign(db, nullptr, "vip"); }, none},
            {"path", [&] { return crm_tag_unassign(db, id, nullptr); }, none},
            {"query_json", [&] { c = poison<crm_cursor>(); return crm_search(&c, db, nullptr); }, [&] { return c == nullptr; }},
            {"out", [&] { return crm_import_options_new(nullptr); }, none},
            {"format", [&] { return crm_import_options_set_format(iopts, nullptr); }, none},
            {"opts", [&] { return crm_import_options_set_records(nullptr, "customers"); }, none},
            {"system", [&] { return crm_import_options_set_system(iopts, nullptr); }, none},
            {"mapping_json", [&] { return crm_import_options_set_mapping(iopts, nullptr); }, none},
            {"opts", [&] { return crm_import_options_set_batch_size(nullptr, 10); }, none},
            {"opts", [&] { return crm_import_options_set_progress(nullptr, nullptr, nullptr); }, none},
            {"path", [&] { s = poison<char>(); return crm_import_file(&s, db, nullptr, nullptr); }, [&] { return s == nullptr; }},
            {"records", [&] { s = poison<char>(); return crm_export_file(&s, db, nullptr, path.c_str()); }, [&] { return s == nullptr; }},
            {"path", [&] { s = poison<char>(); return crm_export_file(&s, db, "customers", nullptr); }, [&] { return s == nullptr; }},
        };
        for (std::size_t i = 0; i < cases.size(); ++i) {
            const auto& k = cases[i];
            INFO("case " << i << ", argument " << k.arg);
            const crm_status st = k.call();
            INFO("message: " << crm_errmsg());
            CHECK(st == CRM_EINVAL);
            CHECK(crm_errcode() == CRM_EINVAL);
            CHECK(errmsg() == std::string(k.arg) + ": NULL argument");
            CHECK(k.out_nulled());
        }
        crm_import_options_free(iopts);
        crm_options_free(opts);
        crm_cursor_free(cur);
    }
    CHECK(crm_live_handles() == handles_before);
}

TEST_CASE("out-parameters are NULL after any failure, not only NULL arguments", "[capi]") {
    Db d;
    char* s = poison<char>();
    CHECK_STATUS(crm_customer_get(&s, d.db, "0190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8f90"), CRM_ENOTFOUND);
    CHECK(s == nullptr);
    s = poison<char>();
    CHECK_STATUS(crm_customer_get(&s, d.db, "not-an-id"), CRM_EINVAL);
    CHECK(s == nullptr);
    CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("id:"));
    s = poison<char>();
    CHECK_STATUS(crm_customer_create(&s, d.db, R"({"display_name": "x", "stage": "vip"})"), CRM_EINVAL);
    CHECK(s == nullptr);
    CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("customer.stage:"));
    s = poison<char>();
    CHECK_STATUS(crm_customer_find_external(&s, d.db, "erp", "nope"), CRM_ENOTFOUND);
    CHECK(s == nullptr);
    crm_cursor* c = poison<crm_cursor>();
    CHECK_STATUS(crm_customer_query(&c, d.db, R"({"filter": {"colour": "red"}})"), CRM_EINVAL);
    CHECK(c == nullptr);
    CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("filter.colour:"));
    c = poison<crm_cursor>();
    CHECK_STATUS(crm_search(&c, d.db, "[]"), CRM_EINVAL);
    CHECK(c == nullptr);
    int64_t n = 42;
    CHECK_STATUS(crm_customer_count(&n, d.db, R"({"colour": "red"})"), CRM_EINVAL);
    CHECK(n == 0);

    crm_db* db = poison<crm_db>();
    const std::string text_file = d.dir.path("notes.txt");
    std::ofstream(text_file) << "not a database, just some words\n";
    CHECK_STATUS(crm_open(&db, text_file.c_str(), nullptr), CRM_ENOTADB);
    CHECK(db == nullptr);

    SECTION("a cursor at its end gives CRM_DONE with a NULL row, repeatedly") {
        REQUIRE(crm_customer_query(&c, d.db, nullptr) == CRM_OK);
        const char* row = nullptr;
        char* token = poison<char>();
        CHECK(crm_cursor_token(&token, c) == CRM_OK);
        CHECK(token == nullptr);  // no row returned yet
        CHECK(crm_cursor_next(&row, c) == CRM_ROW);
        CHECK(row != nullptr);
        for (int i = 0; i < 2; ++i) {
            row = poison<const char>();
            CHECK(crm_cursor_next(&row, c) == CRM_DONE);
            CHECK(row == nullptr);
            CHECK(errmsg().empty());
        }
        crm_cursor_free(c);
    }
}

TEST_CASE("engine errors keep their status and message across the firewall", "[capi]") {
    Db d;
    SECTION("misuse") {
        CHECK_STATUS(crm_commit(d.db), CRM_EMISUSE);
        REQUIRE(crm_begin(d.db) == CRM_OK);
        CHECK_STATUS(crm_begin(d.db), CRM_EMISUSE);
        CHECK(crm_rollback(d.db) == CRM_OK);
    }
    SECTION("a taken external id") {
        char* id = nullptr;
        REQUIRE(crm_customer_create(&id, d.db, R"({"display_name": "a", "external_ids": {"erp": "C1"}})") == CRM_OK);
        crm_free(id);
        id = poison<char>();
        CHECK_STATUS(crm_customer_create(&id, d.db, R"({"display_name": "b", "external_ids": {"erp": "C1"}})"), CRM_EEXISTS);
        CHECK(id == nullptr);
        CHECK_THAT(errmsg(), Catch::Matchers::Contains("customer.external_ids.erp"));
    }
    SECTION("a read-only handle refuses writes") {
        crm_options* o = nullptr;
        REQUIRE(crm_options_new(&o) == CRM_OK);
        REQUIRE(crm_options_set_readonly(o, 1) == CRM_OK);
        crm_db* ro = nullptr;
        REQUIRE(crm_open(&ro, d.dir.path("crm.db").c_str(), o) == CRM_OK);
        crm_options_free(o);
        char* id = poison<char>();
        CHECK_STATUS(crm_customer_create(&id, ro, R"({"display_name": "b"})"), CRM_EPERM);
        CHECK(id == nullptr);
        CHECK_STATUS(crm_customer_delete(ro, d.customer.c_str()), CRM_EPERM);
        CHECK_STATUS(crm_begin(ro), CRM_EPERM);
        char* json = nullptr;
        CHECK_STATUS(crm_customer_get(&json, ro, d.customer.c_str()), CRM_OK);
        crm_free(json);
        crm_close(ro);
    }
    SECTION("invalid JSON names the record") {
        char* id = poison<char>();
        CHECK_STATUS(crm_customer_create(&id, d.db, "{\"display_name\": \"\xFF\"}"), CRM_EINVAL);
        CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("customer:"));
        CHECK_STATUS(crm_interaction_add(&id, d.db, "{"), CRM_EINVAL);
        CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("interaction:"));
        CHECK_STATUS(crm_customer_update(d.db, d.customer.c_str(), "[1]"), CRM_EINVAL);
        CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("customer:"));
    }
    SECTION("options are checked") {
        crm_options* o = nullptr;
        REQUIRE(crm_options_new(&o) == CRM_OK);
        CHECK_STATUS(crm_options_set_timezone(o, "Asia/Shanghai; DROP"), CRM_EINVAL);
        CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("timezone:"));
        CHECK_STATUS(crm_options_set_timezone(o, ""), CRM_EINVAL);
        CHECK_STATUS(crm_options_set_busy_timeout(o, -1), CRM_EINVAL);
        CHECK_THAT(errmsg(), Catch::Matchers::StartsWith("busy_timeout:"));
        CHECK_STATUS(crm_options_set_timezone(o, "Asia/Shanghai"), CRM_OK);
        crm_options_free(o);
    }
    SECTION("a lock held by another handle is CRM_EBUSY with the SQLite code beside it") {
        crm_options* o = nullptr;
        REQUIRE(crm_options_new(&o) == CRM_OK);
        REQUIRE(crm_options_set_busy_timeout(o, 0) == CRM_OK);
        crm_db* other = nullptr;
        REQUIRE(crm_open(&other, d.dir.path("crm.db").c_str(), o) == CRM_OK);
        crm_options_free(o);
        REQUIRE(crm_begin(d.db) == CRM_OK);
        CHECK_STATUS(crm_begin(other), CRM_EBUSY);
        CHECK((crm_errcode_sqlite() & 0xFF) == SQLITE_BUSY);
        char* id = poison<char>();
        CHECK_STATUS(crm_customer_create(&id, other, R"({"display_name": "b"})"), CRM_EBUSY);
        CHECK(id == nullptr);
        CHECK(crm_rollback(d.db) == CRM_OK);
        CHECK_STATUS(crm_begin(other), CRM_OK);
        CHECK(crm_errcode_sqlite() == 0);
        CHECK(crm_rollback(other) == CRM_OK);
        crm_close(other);
    }
    SECTION("an exception that is not crmlite's becomes a status and a message, never a crash") {
        // A timeline token whose time part is not a number reaches std::stoll.
        crm_cursor* c = poison<crm_cursor>();
        const std::string q = R"({"customer_id": ")" + d.customer + R"(", "after": "v1:7a7a:)" + std::string(32, '1') + "\"}";
        const crm_status st = crm_timeline(&c, d.db, q.c_str());
        CHECK(st != CRM_OK);
        CHECK(c == nullptr);
        CHECK_FALSE(errmsg().empty());
    }
}

TEST_CASE("a successful call clears the last error of its thread", "[capi]") {
    Db d;
    char* s = nullptr;
    REQUIRE(crm_customer_get(&s, d.db, "bad") == CRM_EINVAL);
    REQUIRE_FALSE(errmsg().empty());
    REQUIRE(crm_customer_get(&s, d.db, d.customer.c_str()) == CRM_OK);
    crm_free(s);
    CHECK(errmsg().empty());
    CHECK(crm_errcode() == CRM_OK);
    CHECK(crm_errcode_sqlite() == 0);
}

TEST_CASE("the last error is per thread: an error on one thread is not seen on another", "[capi]") {
    Db d;
    char* s = nullptr;
    REQUIRE(crm_customer_get(&s, d.db, "bad-id-on-main") == CRM_EINVAL);
    const std::string main_msg = errmsg();
    REQUIRE_THAT(main_msg, Catch::Matchers::Contains("bad-id-on-main"));

    std::string seen_on_b_before, seen_on_b_after;
    crm_status code_on_b_before = CRM_ERROR, code_on_b_after = CRM_OK;
    std::thread b([&] {
        seen_on_b_before = crm_errmsg();
        code_on_b_before = crm_errcode();
        // Its own handle: one handle is used by one thread at a time.
        crm_db* db = nullptr;
        if (crm_open(&db, d.dir.path("crm.db").c_str(), nullptr) != CRM_OK) return;
        char* out = nullptr;
        crm_customer_find_external(&out, db, "erp", "missing-on-b");
        seen_on_b_after = crm_errmsg();
        code_on_b_after = crm_errcode();
        crm_close(db);
    });
    b.join();
    CHECK(seen_on_b_before.empty());
    CHECK(code_on_b_before == CRM_OK);
    CHECK(code_on_b_after == CRM_ENOTFOUND);
    CHECK_THAT(seen_on_b_after, Catch::Matchers::Contains("missing-on-b"));
    // Thread B's error did not overwrite this thread's.
    CHECK(errmsg() == main_msg);
    CHECK(crm_errcode() == CRM_EINVAL);

    SECTION("many threads failing at once each read their own message") {
        std::vector<std::thread> threads;
        std::vector<int> ok(8, 0);
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&ok, i] {
                for (int k = 0; k < 200; ++k) {
                    const std::string tag = "t" + std::to_string(i) + "-" + std::to_string(k);
                    crm_options* o = nullptr;
                    crm_options_new(&o);
                    crm_options_set_timezone(o, (tag + " !").c_str());
                    crm_options_free(o);
                    if (std::string(crm_errmsg()).find(tag + " !") != std::string::npos) ++ok[static_cast<std::size_t>(i)];
                }
            });
        for (auto& t : threads) t.join();
        for (int i = 0; i < 8; ++i) CHECK(ok[static_cast<std::size_t>(i)] == 200);
        CHECK(errmsg() == main_msg);
    }
}

TEST_CASE("crm_live_handles returns to its starting value once everything is released", "[capi]") {
    const std::int64_t start = crm_live_handles();
    TempDir dir;
    crm_options* o = nullptr;
    REQUIRE(crm_options_new(&o) == CRM_OK);
    CHECK(crm_live_handles() == start + 1);
    crm_db* db = nullptr;
    REQUIRE(crm_open(&db, dir.path("crm.db").c_str(), o) == CRM_OK);
    CHECK(crm_live_handles() == start + 2);
    char* id = nullptr;
    REQUIRE(crm_customer_create(&id, db, R"({"display_name": "x"})") == CRM_OK);
    crm_cursor* q = nullptr;
    REQUIRE(crm_customer_query(&q, db, nullptr) == CRM_OK);
    crm_cursor* s = nullptr;
    REQUIRE(crm_search(&s, db, R"({"q": "x"})") == CRM_OK);
    crm_cursor* tl = nullptr;
    REQUIRE(crm_timeline(&tl, db, (R"({"customer_id": ")" + std::string(id) + "\"}").c_str()) == CRM_OK);
    crm_free(id);
    crm_import_options* io = nullptr;
    REQUIRE(crm_import_options_new(&io) == CRM_OK);
    CHECK(crm_live_handles() == start + 6);

    // Failed calls create nothing that outlives them.
    crm_db* bad = nullptr;
    const std::string text_file = dir.path("notes.txt");
    std::ofstream(text_file) << "plain text, not a database\n";
    CHECK(crm_open(&bad, text_file.c_str(), nullptr) == CRM_ENOTADB);
    crm_cursor* badc = nullptr;
    CHECK(crm_customer_query(&badc, db, R"({"sort": "age"})") == CRM_EINVAL);
    CHECK(crm_live_handles() == start + 6);

    crm_cursor_free(q);
    crm_cursor_free(s);
    crm_cursor_free(tl);
    crm_import_options_free(io);
    crm_options_free(o);
    crm_close(db);
    CHECK(crm_live_handles() == start);

    SECTION("every release function accepts NULL") {
        crm_close(nullptr);
        crm_cursor_free(nullptr);
        crm_options_free(nullptr);
        crm_import_options_free(nullptr);
        crm_free(nullptr);
        CHECK(crm_live_handles() == start);
    }
}

TEST_CASE("every status has a name", "[capi]") {
    const auto [st, name] = GENERATE(table<crm_status, std::string>({
        {CRM_OK, "CRM_OK"}, {CRM_ERROR, "CRM_ERROR"}, {CRM_EINVAL, "CRM_EINVAL"}, {CRM_ENOTFOUND, "CRM_ENOTFOUND"},
        {CRM_EEXISTS, "CRM_EEXISTS"}, {CRM_ENOTADB, "CRM_ENOTADB"}, {CRM_ETOONEW, "CRM_ETOONEW"}, {CRM_EIO, "CRM_EIO"},
        {CRM_EBUSY, "CRM_EBUSY"}, {CRM_ENOMEM, "CRM_ENOMEM"}, {CRM_EPERM, "CRM_EPERM"}, {CRM_ECORRUPT, "CRM_ECORRUPT"},
        {CRM_EMISUSE, "CRM_EMISUSE"}, {CRM_ECANCELED, "CRM_ECANCELED"}, {CRM_EUSER, "CRM_EUSER"}, {CRM_ROW, "CRM_ROW"},
        {CRM_DONE, "CRM_DONE"},
        {static_cast<crm_status>(50), "CRM_UNKNOWN"},  // unnamed, but within the enum's range
    }));
    CHECK(crm_status_name(st) == name);
}
