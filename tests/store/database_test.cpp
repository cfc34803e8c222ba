// The store: the file format (WAL, foreign keys, STRICT, application id, schema
// version), refusing foreign files without touching them, transactions, and
// change capture into sync_versions / sync_tombstones.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "search/search.hpp"
#include "store/captured_tables.hpp"
#include "store/database.hpp"
#include "store/versions.hpp"
#include "store/schema_template.hpp"
#include "search/tokenizer.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"
#include "sync/schema.hpp"
#include "support/undo_migrations.hpp"
#include "tags/tags.hpp"
#include "tasks/lifecycle.hpp"
#include "tasks/tasks.hpp"
#include "support/errors.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Table;
using crmlite::Uuid;
using crmlite::testing::TempDb;
using crmlite::testing::TempDir;
using crmlite::testing::scalar;
namespace customers = crmlite::customers;

namespace {

std::string text(Database& db, const std::string& sql) { return db.sql().execAndGet(sql).getString(); }

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary);
    out << bytes;
}

// Runs SQL on a file with plain SQLite, outside the library.
void raw_exec(const std::string& path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    char* err = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    INFO(sql << " -> " << (err ? err : ""));
    sqlite3_free(err);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
}

int field(const char* name) {
    const int i = crmlite::field_index(customers::fields(), name);
    REQUIRE(i >= 0);
    return i;
}

struct VersionRow {
    std::int64_t hlc = 0, seq = 0;
    std::vector<crmlite::FieldVersion> fields;
    std::string blob;

    std::set<int> field_set() const {
        std::set<int> s;
        for (const auto& f : fields) s.insert(f.field);
        return s;
    }
    std::int64_t stamp_of(int f) const {
        for (const auto& v : fields)
            if (v.field == f) return v.stamp;
        return -1;
    }
};

std::optional<VersionRow> version_row(Database& db, Table tbl, const Uuid& id) {
    SQLite::Statement st(db.sql(), "SELECT hlc, seq, vers FROM sync_versions WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(tbl));
    st.bind(2, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    VersionRow r;
    r.hlc = st.getColumn(0).getInt64();
    r.seq = st.getColumn(1).getInt64();
    r.blob.assign(static_cast<const char*>(st.getColumn(2).getBlob()), static_cast<std::size_t>(st.getColumn(2).getBytes()));
    r.fields = crmlite::decode_versions(r.blob, r.hlc, r.seq);
    return r;
}

struct Tombstone {
    std::int64_t hlc, site, seq;
};

std::optional<Tombstone> tombstone(Database& db, Table tbl, const Uuid& id) {
    SQLite::Statement st(db.sql(), "SELECT hlc, site, seq FROM sync_tombstones WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(tbl));
    st.bind(2, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    return Tombstone{st.getColumn(0).getInt64(), st.getColumn(1).getInt64(), st.getColumn(2).getInt64()};
}

std::vector<Uuid> ids_of(Database& db, const std::string& sql, const Uuid& customer) {
    SQLite::Statement st(db.sql(), sql);
    st.bind(1, customer.data(), Uuid::size());
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    return out;
}

std::vector<Uuid> ids_in_versions(Database& db, Table tbl) {
    SQLite::Statement st(db.sql(), "SELECT id FROM sync_versions WHERE tbl = ? ORDER BY id");
    st.bind(1, static_cast<int>(tbl));
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    return out;
}

// Everything a sync peer could observe: both sync tables, byte for byte.
std::vector<std::tuple<int, std::string, std::int64_t, std::int64_t, std::string>> sync_state(Database& db) {
    std::vector<std::tuple<int, std::string, std::int64_t, std::int64_t, std::string>> out;
    SQLite::Statement st(db.sql(),
                         "SELECT tbl, hex(id), hlc, seq, hex(vers) FROM sync_versions UNION ALL "
                         "SELECT 100 + tbl, hex(id), hlc, seq, site FROM sync_tombstones ORDER BY 1, 2");
    while (st.executeStep())
        out.emplace_back(st.getColumn(0).getInt(), st.getColumn(1).getString(), st.getColumn(2).getInt64(),
                         st.getColumn(3).getInt64(), st.getColumn(4).getString());
    return out;
}

std::int64_t fts_hits(Database& db, const std::string& match) {
    SQLite::Statement st(db.sql(), "SELECT count(*) FROM customer_fts WHERE customer_fts MATCH ?");
    st.bind(1, match);
    st.executeStep();
    return st.getColumn(0).getInt64();
}

void check_fts_consistent(Database& db) {
    CHECK_NOTHROW(db.sql().exec("INSERT INTO customer_fts(customer_fts, rank) VALUES ('integrity-check', 1)"));
    CHECK_NOTHROW(db.sql().exec("INSERT INTO interaction_fts(interaction_fts, rank) VALUES ('integrity-check', 1)"));
}

// Row counts of every table a customer write touches, plus the persisted clock.
std::vector<std::int64_t> footprint(Database& db) {
    std::vector<std::int64_t> out;
    for (const char* sql : {"SELECT count(*) FROM customers", "SELECT count(*) FROM contact_points",
                            "SELECT count(*) FROM external_ids", "SELECT count(*) FROM tags",
                            "SELECT count(*) FROM customer_tags", "SELECT count(*) FROM interactions",
                            "SELECT count(*) FROM sync_versions", "SELECT count(*) FROM sync_tombstones",
                            "SELECT value FROM crm_counters WHERE name = 'customers'",
                            "SELECT value FROM crm_counters WHERE name = 'interactions'",
                            "SELECT value FROM crm_meta WHERE key = 'hlc'", "SELECT value FROM crm_meta WHERE key = 'seq'"})
        out.push_back(scalar(db, sql));
    return out;
}

const Json kWang = Json::parse(R"({
    "given_name": "小明", "family_name": "王", "stage": "prospect", "city": "上海",
    "phones": ["13812345678", "+1 415 555 0100"], "emails": ["Xiao.Ming@Example.com"],
    "tags": ["渠道/线上/微信"], "external_ids": {"erp": "E1"}
})");

}  // namespace

// ------------------------------------------------------------------ the file

TEST_CASE("a new database file uses WAL, foreign keys, our application id and the latest schema", "[store]") {
    TempDb t;
    CHECK(text(*t, "PRAGMA journal_mode") == "wal");
    CHECK(scalar(*t, "PRAGMA foreign_keys") == 1);
    CHECK(scalar(*t, "PRAGMA application_id") == 0x43524D4C);
    CHECK(scalar(*t, "PRAGMA user_version") == Database::latest_schema_version());
    CHECK(t->schema_version() == Database::latest_schema_version());
    CHECK(Database::latest_schema_version() >= 1);
    CHECK(t->timezone() == "UTC");
    CHECK_FALSE(t->readonly());
    CHECK(t->site_id() != Uuid{});

    SECTION("the settings hold on every later open") {
        t.reopen();
        CHECK(text(*t, "PRAGMA journal_mode") == "wal");
        CHECK(scalar(*t, "PRAGMA foreign_keys") == 1);
        CHECK(scalar(*t, "PRAGMA user_version") == Database::latest_schema_version());
    }
    SECTION("the site id is recorded as sync site 1") {
        SQLite::Statement st(t->sql(), "SELECT site FROM sync_sites WHERE idx = 1");
        REQUIRE(st.executeStep());
        CHECK(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()) == t->site_id());
        CHECK(scalar(*t, "SELECT count(*) FROM sync_sites") == 1);
    }
}

namespace {

// Every object of a database (type, name, table, SQL; not where it is stored),
// the header settings, and every row of every table with its rowid, values
// rendered by quote() (type and exact value), in rowid or key order; of the
// rows Database itself writes into a new file (its site, clock, time zone,
// creation time), none.
std::vector<std::string> schema_and_rows(SQLite::Database& db) {
    std::vector<std::string> out;
    for (const char* pragma : {"user_version", "page_size", "auto_vacuum", "encoding"})
        out.push_back(std::string(pragma) + " " + db.execAndGet(std::string("PRAGMA ") + pragma).getString());
    std::vector<std::string> tables;
    SQLite::Statement objects(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name");
    while (objects.executeStep()) {
        out.push_back(objects.getColumn(0).getString() + " " + objects.getColumn(1).getString() + " on " +
                      objects.getColumn(2).getString() + ": " + objects.getColumn(3).getString());
        if (objects.getColumn(0).getString() == "table") tables.push_back(objects.getColumn(1).getString());
    }
    for (const auto& name : tables) {
        std::string cols;
        int ncols = 0;
        SQLite::Statement info(db, "SELECT name FROM pragma_table_xinfo(?) WHERE hidden = 0");
        info.bind(1, name);
        while (info.executeStep()) {
            cols += ", quote(\"" + info.getColumn(0).getString() + "\")";
            ++ncols;
        }
        const bool rowid = db.execAndGet("SELECT wr = 0 AND type = 'table' FROM pragma_table_list WHERE name = '" + name + "'").getInt() == 1;
        std::string where;
        if (name == "crm_meta") where = " WHERE key NOT IN ('site_id', 'timezone', 'hlc', 'seq', 'created_at')";
        if (name == "sync_sites") where = " WHERE idx <> 1";
        SQLite::Statement rows(db, "SELECT " + std::string(rowid ? "rowid" : "NULL") + cols + " FROM \"" + name + "\"" + where +
                                       " ORDER BY 1" + (rowid ? "" : ncols >= 2 ? ", 2, 3" : ", 2"));
        while (rows.executeStep()) {
            std::string row = name + ":";
            for (int i = 0; i < rows.getColumnCount(); ++i) row += " " + rows.getColumn(i).getString();
            out.push_back(row);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("a new file gets the same schema and rows as replaying every migration", "[store]") {
    // New files are built from a template of the final schema (store/schema_template.hpp);
    // files of older versions replay the migrations. Both must be the same database.
    TempDb fresh;
    TempDir dir;
    SQLite::Database replayed(dir.path("replayed.db"), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    crmlite::search::register_tokenizer(replayed.getHandle());
    replayed.exec("BEGIN");
    crmlite::run_migrations(replayed, 0);
    replayed.exec("COMMIT");

    const auto want = schema_and_rows(replayed);
    const auto got = schema_and_rows(fresh->sql());
    CHECK(want.size() > 100);
    const std::set<std::string> want_set(want.begin(), want.end()), got_set(got.begin(), got.end());
    std::vector<std::string> only_replayed, only_new;
    std::set_difference(want_set.begin(), want_set.end(), got_set.begin(), got_set.end(), std::back_inserter(only_replayed));
    std::set_difference(got_set.begin(), got_set.end(), want_set.begin(), want_set.end(), std::back_inserter(only_new));
    CHECK(only_replayed == std::vector<std::string>{});
    CHECK(only_new == std::vector<std::string>{});
    CHECK(got == want);  // and in the same order
    CHECK(scalar(*fresh, "SELECT count(*) FROM crm_counters") == 2);
    CHECK(scalar(*fresh, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'") == 0);

    SECTION("and works as one: a customer created in it is found by search") {
        const auto id = customers::create(*fresh, Json{{"kind", "person"}, {"display_name", "王小明"}});
        CHECK(fts_hits(*fresh, "王小明") == 1);
        CHECK(customers::get(*fresh, id).at("display_name") == "王小明");
    }
}

TEST_CASE("every table of the schema is STRICT", "[store]") {
    TempDb t;
    // pragma_table_list tells ordinary tables from virtual tables and their shadow tables,
    // which SQLite creates itself and which cannot be STRICT.
    SQLite::Statement st(t->sql(),
                         "SELECT l.name, l.strict, s.sql FROM pragma_table_list l JOIN sqlite_schema s ON s.name = l.name "
                         "WHERE l.schema = 'main' AND l.type = 'table' AND l.name NOT LIKE 'sqlite_%' ORDER BY l.name");
    std::set<std::string> names;
    while (st.executeStep()) {
        const std::string name = st.getColumn(0).getString();
        const std::string sql = st.getColumn(2).getString();
        INFO(name << ": " << sql);
        names.insert(name);
        CHECK(st.getColumn(1).getInt() == 1);
        CHECK_THAT(sql, Catch::Matchers::Contains("STRICT"));
    }
    for (const char* expected : {"crm_meta", "crm_counters", "sync_sites", "sync_older_seqs", "sync_tombstones",
                                 "customers", "contact_points", "external_ids", "interactions", "tags", "customer_tags"}) {
        INFO(expected);
        CHECK(names.count(expected) == 1);
    }
}

TEST_CASE("reopening a database keeps its site id and its data", "[store]") {
    TempDb t;
    const Uuid site = t->site_id();
    const Uuid id = customers::create(*t, Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}});
    t.reopen();
    CHECK(t->site_id() == site);
    const Json c = customers::get(*t, id);
    CHECK(c["display_name"] == "王小明");
    CHECK(c["phones"][0]["normalized"] == "+8613812345678");
    CHECK(t->counter("customers") == 1);

    SECTION("another file gets another site id") {
        TempDb other;
        CHECK(other->site_id() != site);
    }
}

TEST_CASE("a file that is not SQLite is refused with CRM_ENOTADB and left byte for byte unchanged", "[store]") {
    TempDir dir;
    const std::string path = dir.path("notes.db");
    const std::string content = GENERATE(as<std::string>{}, "this is a plain text file, not a database at all\n",
                                         "short", std::string("SQLite format 2\0 and more bytes", 31),
                                         std::string(4096, '\0') + "zeros");
    write_bytes(path, content);
    CHECK_CRM_ERROR(Database(path, OpenOptions{}), CRM_ENOTADB, path);
    CHECK(read_bytes(path) == content);
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    SECTION("also when opened read-only") {
        OpenOptions ro;
        ro.readonly = true;
        CHECK_CRM_ERROR(Database(path, ro), CRM_ENOTADB, path);
        CHECK(read_bytes(path) == content);
    }
}

TEST_CASE("an SQLite file of another application is refused with CRM_ENOTADB and left unchanged", "[store]") {
    TempDir dir;
    const std::string path = dir.path("other.db");
    SECTION("a file with tables and application id 0") {
        raw_exec(path, "CREATE TABLE notes(id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes(body) VALUES ('hi');");
    }
    SECTION("an empty file stamped with another application id") {
        raw_exec(path, "PRAGMA application_id = 12345; PRAGMA user_version = 1;");
    }
    const std::string before = read_bytes(path);
    REQUIRE_FALSE(before.empty());
    CHECK_CRM_ERROR(Database(path, OpenOptions{}), CRM_ENOTADB, "not a crmlite database");
    CHECK(read_bytes(path) == before);
    OpenOptions ro;
    ro.readonly = true;
    CHECK_CRM_ERROR(Database(path, ro), CRM_ENOTADB, "not a crmlite database");
    CHECK(read_bytes(path) == before);
}

TEST_CASE("a file written by a newer schema is refused with CRM_ETOONEW and left unchanged", "[store]") {
    TempDb t;
    customers::create(*t, Json{{"display_name", "someone"}});
    t.db.reset();
    raw_exec(t.file, "PRAGMA user_version = " + std::to_string(Database::latest_schema_version() + 1));
    const std::string before = read_bytes(t.file);
    CHECK_CRM_ERROR(Database(t.file, OpenOptions{}), CRM_ETOONEW, "newer");
    CHECK(read_bytes(t.file) == before);
    OpenOptions ro;
    ro.readonly = true;
    CHECK_CRM_ERROR(Database(t.file, ro), CRM_ETOONEW, "newer");
    CHECK(read_bytes(t.file) == before);
}

TEST_CASE("opening a missing file without create fails with CRM_ENOTFOUND and creates nothing", "[store]") {
    TempDir dir;
    const std::string path = dir.path("missing.db");
    OpenOptions o;
    SECTION("create = false") { o.create = false; }
    SECTION("read-only") { o.readonly = true; }
    CHECK_CRM_ERROR(Database(path, o), CRM_ENOTFOUND, "missing.db");
    CHECK_FALSE(std::filesystem::exists(path));
}

TEST_CASE("an empty file opened without create is refused, not initialised; with create it becomes a database",
          "[store]") {
    TempDir dir;
    const std::string path = dir.path("empty.db");
    std::ofstream(path).close();
    REQUIRE(std::filesystem::file_size(path) == 0);
    OpenOptions o;
    SECTION("create = false") { o.create = false; }
    SECTION("read-only") { o.readonly = true; }
    CHECK_CRM_ERROR(Database(path, o), CRM_ENOTADB, "empty file");
    CHECK(std::filesystem::file_size(path) == 0);
    CHECK_FALSE(std::filesystem::exists(path + "-wal"));
    Database made(path, OpenOptions{});
    CHECK(made.counter("customers") == 0);
}

TEST_CASE("a read-only handle reads, but every write fails with CRM_EPERM", "[store]") {
    TempDb t;
    const Uuid id = customers::create(*t, Json{{"display_name", "王小明"}, {"tags", {"vip"}}});
    t.db.reset();
    const std::string before = read_bytes(t.file);
    OpenOptions ro;
    ro.readonly = true;
    t.reopen(ro);
    CHECK(t->readonly());
    CHECK(customers::get(*t, id)["display_name"] == "王小明");
    CHECK(t->counter("customers") == 1);

    CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}}), CRM_EPERM, "read-only");
    CHECK_CRM_ERROR(customers::update(*t, id, Json{{"city", "北京"}}), CRM_EPERM, "read-only");
    CHECK_CRM_ERROR(customers::remove(*t, id), CRM_EPERM, "read-only");
    CHECK_CRM_ERROR(crmlite::tags::create(*t, Json{{"path", "new"}}), CRM_EPERM, "read-only");
    CHECK_CRM_ERROR(crmlite::tags::assign(*t, id, "new"), CRM_EPERM, "read-only");
    CHECK_CRM_ERROR(crmlite::interactions::add(*t, Json{{"customer_id", id.str()}, {"kind", "call"}}), CRM_EPERM,
                    "read-only");
    CHECK_CRM_ERROR(t->begin(), CRM_EPERM, "read-only");
    CHECK(customers::get(*t, id)["city"].is_null());
    t.db.reset();
    CHECK(read_bytes(t.file) == before);

    SECTION("a read-only handle cannot change the stored time zone") {
        ro.timezone = "Asia/Shanghai";
        CHECK_CRM_ERROR(Database(t.file, ro), CRM_EPERM, "timezone");
    }
}

TEST_CASE("the time zone option is stored in the file and kept on reopen", "[store]") {
    TempDir dir;
    const std::string path = dir.path("tz.db");
    OpenOptions o;
    o.timezone = "Asia/Shanghai";
    {
        Database db(path, o);
        CHECK(db.timezone() == "Asia/Shanghai");
    }
    {
        Database db(path, OpenOptions{});
        CHECK(db.timezone() == "Asia/Shanghai");
        CHECK(text(db, "SELECT value FROM crm_meta WHERE key = 'timezone'") == "Asia/Shanghai");
    }
    {
        OpenOptions ro;
        ro.readonly = true;
        Database db(path, ro);
        CHECK(db.timezone() == "Asia/Shanghai");
    }
    o.timezone = "Europe/Berlin";
    { Database db(path, o); }
    Database db(path, OpenOptions{});
    CHECK(db.timezone() == "Europe/Berlin");
}

// ---------------------------------------------------------- transactions

TEST_CASE("a failing create leaves no trace in any table: never a half-written record", "[store][txn]") {
    TempDb t;
    customers::create(*t, Json{{"display_name", "先来的"}, {"external_ids", {{"erp", "TAKEN"}}}});
    const auto before = footprint(*t);
    const auto sync_before = sync_state(*t);

    Json bad = Json::parse(R"({
        "display_name": "半截记录", "stage": "customer", "city": "杭州", "notes": "unfinished business",
        "phones": ["13900001111"], "emails": ["half@example.com"], "tags": ["半截/标签"]
    })");
    SECTION("a bad email after valid profile fields") {
        bad["emails"] = {"half@example.com", "not-an-email"};
        CHECK_CRM_ERROR(customers::create(*t, bad), CRM_EINVAL, "customer.emails[1]");
    }
    SECTION("an external id conflict found after the row and its contact points were written") {
        bad["external_ids"] = {{"erp", "TAKEN"}};
        CHECK_CRM_ERROR(customers::create(*t, bad), CRM_EEXISTS, "customer.external_ids.erp");
    }
    SECTION("an invalid external id value found after the row was written") {
        bad["external_ids"] = {{"shop", "S1"}, {"erp", 17}};
        CHECK_CRM_ERROR(customers::create(*t, bad), CRM_EINVAL, "customer.external_ids.erp");
    }
    SECTION("an invalid tag path") {
        bad["tags"] = {"ok", "a//b"};
        CHECK_CRM_ERROR(customers::create(*t, bad), CRM_EINVAL, "customer.tags[1]");
    }
    CHECK(footprint(*t) == before);
    CHECK(sync_state(*t) == sync_before);
    CHECK(fts_hits(*t, "\"半截\"") == 0);
    CHECK(fts_hits(*t, "\"1111\"*") == 0);
    CHECK(fts_hits(*t, "\"unfinished\"") == 0);
    check_fts_consistent(*t);

    SECTION("and the next create works normally") {
        bad.erase("external_ids");
        bad["tags"] = {"半截/标签"};
        bad["emails"] = {"half@example.com"};
        const Uuid id = customers::create(*t, bad);
        CHECK(customers::get(*t, id)["display_name"] == "半截记录");
        CHECK(fts_hits(*t, "\"半截\"") == 1);
        CHECK(t->counter("customers") == 2);
    }
}

TEST_CASE("an explicit transaction rolled back leaves nothing behind", "[store][txn]") {
    TempDb t;
    const auto before = footprint(*t);
    t->begin();
    CHECK(t->in_explicit_transaction());
    const Uuid a = customers::create(*t, Json{{"display_name", "甲"}, {"phones", {"13800000001"}}, {"tags", {"t1"}}});
    const Uuid b = customers::create(*t, Json{{"display_name", "乙"}, {"emails", {"b@example.com"}}});
    CHECK(customers::exists(*t, a));  // visible inside the transaction
    t->rollback();
    CHECK_FALSE(t->in_explicit_transaction());
    CHECK_FALSE(customers::exists(*t, a));
    CHECK_FALSE(customers::exists(*t, b));
    CHECK(footprint(*t) == before);
    CHECK(fts_hits(*t, "\"甲\"") == 0);
    check_fts_consistent(*t);

    SECTION("later writes still stamp above everything handed out inside it") {
        const auto stamp_inside = t->last_stamp();
        customers::create(*t, Json{{"display_name", "丙"}});
        CHECK(t->last_stamp() > stamp_inside);
    }
}

TEST_CASE("an explicit transaction committed keeps every call made in it", "[store][txn]") {
    TempDb t;
    t->begin();
    const Uuid a = customers::create(*t, Json{{"display_name", "甲"}, {"phones", {"13800000001"}}});
    const Uuid b = customers::create(*t, Json{{"display_name", "乙"}});
    crmlite::interactions::add(*t, Json{{"customer_id", a.str()}, {"kind", "call"}});
    t->commit();
    t.reopen();
    CHECK(customers::exists(*t, a));
    CHECK(customers::exists(*t, b));
    CHECK(t->counter("customers") == 2);
    CHECK(t->counter("interactions") == 1);
    CHECK(fts_hits(*t, "\"甲\"") == 1);
    // The clock persisted at commit covers every stamp written in the transaction.
    CHECK(scalar(*t, "SELECT value FROM crm_meta WHERE key = 'hlc'") >= scalar(*t, "SELECT max(hlc) FROM sync_versions"));
    CHECK(scalar(*t, "SELECT value FROM crm_meta WHERE key = 'seq'") >= scalar(*t, "SELECT max(seq) FROM sync_versions"));
}

TEST_CASE("explicit transactions do not nest, and commit or rollback need one", "[store][txn]") {
    TempDb t;
    CHECK_CRM_ERROR(t->commit(), CRM_EMISUSE, "no transaction");
    CHECK_CRM_ERROR(t->rollback(), CRM_EMISUSE, "no transaction");
    t->begin();
    CHECK_CRM_ERROR(t->begin(), CRM_EMISUSE, "already open");
    CHECK(t->in_explicit_transaction());  // the first one is still usable
    const Uuid a = customers::create(*t, Json{{"display_name", "甲"}});
    t->commit();
    CHECK(customers::exists(*t, a));
}

TEST_CASE("inside an explicit transaction a failing call undoes only itself", "[store][txn]") {
    TempDb t;
    customers::create(*t, Json{{"display_name", "owner of E1"}, {"external_ids", {{"erp", "E1"}}}});
    t->begin();
    const Uuid a = customers::create(*t, Json{{"display_name", "甲"}, {"phones", {"13800000001"}}});
    // Fails late, after its row, contact points and versions were written inside the savepoint.
    CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "乙"},
                                               {"phones", {"13800000002"}},
                                               {"external_ids", {{"erp", "E1"}}}}),
                    CRM_EEXISTS, "E1");
    CHECK_CRM_ERROR(customers::update(*t, a, Json{{"city", "上海"}, {"stage", "bogus"}}), CRM_EINVAL, "customer.stage");
    CHECK(t->in_explicit_transaction());
    const Uuid c = customers::create(*t, Json{{"display_name", "丙"}});
    t->commit();

    CHECK(customers::exists(*t, a));
    CHECK(customers::exists(*t, c));
    CHECK(customers::get(*t, a)["city"].is_null());
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 3);
    CHECK(scalar(*t, "SELECT count(*) FROM customers WHERE display_name = '乙'") == 0);
    CHECK(scalar(*t, "SELECT count(*) FROM contact_points WHERE normalized = '+8613800000002'") == 0);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 1") == 3);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 2") == 1);
    CHECK(t->counter("customers") == 3);
    CHECK(fts_hits(*t, "\"乙\"") == 0);
    check_fts_consistent(*t);
}

TEST_CASE("closing a handle with an open transaction rolls it back", "[store][txn]") {
    TempDb t;
    t->begin();
    customers::create(*t, Json{{"display_name", "甲"}});
    t.reopen();
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 0);
    CHECK(t->counter("customers") == 0);
}

// ------------------------------------------------------- change capture

TEST_CASE("creating a customer records one version row per record with exactly the fields given", "[store][sync]") {
    TempDb t;
    const Uuid id = customers::create(*t, kWang);
    const auto stamp = t->last_stamp();
    const auto seq = t->last_seq();

    SECTION("the customer: the given fields plus kind and the derived display name") {
        const auto row = version_row(*t, Table::customers, id);
        REQUIRE(row);
        CHECK(row->field_set() == std::set<int>{field("kind"), field("display_name"), field("given_name"),
                                                field("family_name"), field("stage"), field("city")});
    }
    SECTION("each contact point: all its fields") {
        const auto points = ids_of(*t, "SELECT id FROM contact_points WHERE customer_id = ? ORDER BY id", id);
        REQUIRE(points.size() == 3);
        CHECK(ids_in_versions(*t, Table::contact_points) == points);
        for (const auto& p : points) CHECK(version_row(*t, Table::contact_points, p)->field_set() == std::set<int>{0, 1, 2, 3, 4, 5});
    }
    SECTION("the tag and its ancestors, the assignment and the external id") {
        std::vector<Uuid> tag_ids = {crmlite::tags::id_of_path("渠道"), crmlite::tags::id_of_path("渠道/线上"),
                                     crmlite::tags::id_of_path("渠道/线上/微信")};
        std::sort(tag_ids.begin(), tag_ids.end());
        CHECK(ids_in_versions(*t, Table::tags) == tag_ids);
        for (const auto& tag : tag_ids) CHECK(version_row(*t, Table::tags, tag)->field_set() == std::set<int>{0, 1, 2, 3, 4});

        std::string key(reinterpret_cast<const char*>(id.data()), 16);
        const Uuid leaf = crmlite::tags::id_of_path("渠道/线上/微信");
        key.append(reinterpret_cast<const char*>(leaf.data()), 16);
        CHECK(ids_in_versions(*t, Table::customer_tags) == std::vector<Uuid>{Uuid::v8("customer_tag", key)});
        CHECK(version_row(*t, Table::customer_tags, Uuid::v8("customer_tag", key))->field_set() == std::set<int>{0, 1, 2});

        const Uuid ext = Uuid::v8("external_id", std::string("erp") + '\0' + "E1");
        CHECK(ids_in_versions(*t, Table::external_ids) == std::vector<Uuid>{ext});
        CHECK(version_row(*t, Table::external_ids, ext)->field_set() == std::set<int>{0, 1, 2});
    }
    SECTION("one operation, one stamp: every row and every field carries it, from this site") {
        CHECK(scalar(*t, "SELECT count(*) FROM sync_versions") == 1 + 3 + 3 + 1 + 1);
        CHECK(scalar(*t, "SELECT count(DISTINCT hlc) FROM sync_versions") == 1);
        CHECK(scalar(*t, "SELECT min(hlc) FROM sync_versions") == stamp);
        CHECK(scalar(*t, "SELECT count(DISTINCT seq) FROM sync_versions") == 1);
        CHECK(scalar(*t, "SELECT min(seq) FROM sync_versions") == seq);
        CHECK(scalar(*t, "SELECT count(*) FROM sync_tombstones") == 0);
        SQLite::Statement st(t->sql(), "SELECT hlc, vers, seq FROM sync_versions");
        while (st.executeStep()) {
            const std::string blob(static_cast<const char*>(st.getColumn(1).getBlob()),
                                   static_cast<std::size_t>(st.getColumn(1).getBytes()));
            for (const auto& v : crmlite::decode_versions(blob, st.getColumn(0).getInt64(), st.getColumn(2).getInt64())) {
                CHECK(v.stamp == stamp);
                CHECK(v.site == 1);
            }
        }
    }
}

TEST_CASE("an update stamps only the fields it changes and advances the sequence", "[store][sync]") {
    TempDb t;
    const Uuid id = customers::create(*t, kWang);
    const auto created = *version_row(*t, Table::customers, id);

    SECTION("one profile field") {
        REQUIRE(customers::update(*t, id, Json{{"city", "北京"}}));
        const auto row = *version_row(*t, Table::customers, id);
        CHECK(row.hlc > created.hlc);
        CHECK(row.hlc == t->last_stamp());
        CHECK(row.seq > created.seq);
        CHECK(row.field_set() == created.field_set());
        for (const int f : created.field_set()) {
            INFO("field " << customers::fields()[static_cast<std::size_t>(f)].json);
            CHECK(row.stamp_of(f) == (f == field("city") ? row.hlc : created.hlc));
        }
        // Nothing else was versioned again.
        CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE hlc = " + std::to_string(row.hlc)) == 1);
    }
    SECTION("a new field joins the set, and clearing a field stamps it") {
        REQUIRE(customers::update(*t, id, Json{{"owner", "alice"}, {"city", nullptr}}));
        const auto row = *version_row(*t, Table::customers, id);
        auto expected = created.field_set();
        expected.insert(field("owner"));
        CHECK(row.field_set() == expected);
        CHECK(row.stamp_of(field("owner")) == row.hlc);
        CHECK(row.stamp_of(field("city")) == row.hlc);
        CHECK(row.stamp_of(field("stage")) == created.hlc);
    }
    SECTION("renaming derives a new display name: both are stamped") {
        REQUIRE(customers::update(*t, id, Json{{"given_name", "大明"}}));
        const auto row = *version_row(*t, Table::customers, id);
        CHECK(row.stamp_of(field("given_name")) == row.hlc);
        CHECK(row.stamp_of(field("display_name")) == row.hlc);
        CHECK(row.stamp_of(field("family_name")) == created.hlc);
    }
    SECTION("replacing phones: a tombstone for the removed one, a row for the new one, the kept one untouched") {
        const auto kept = ids_of(*t, "SELECT id FROM contact_points WHERE customer_id = ? AND normalized = '+8613812345678'", id)[0];
        const auto gone = ids_of(*t, "SELECT id FROM contact_points WHERE customer_id = ? AND normalized = '+14155550100'", id)[0];
        const auto kept_before = *version_row(*t, Table::contact_points, kept);
        REQUIRE(customers::update(*t, id, Json{{"phones", {"13812345678", "021-61234567"}}}));
        CHECK(version_row(*t, Table::contact_points, kept)->blob == kept_before.blob);
        CHECK(version_row(*t, Table::contact_points, kept)->hlc == kept_before.hlc);
        CHECK_FALSE(version_row(*t, Table::contact_points, gone));
        REQUIRE(tombstone(*t, Table::contact_points, gone));
        CHECK(tombstone(*t, Table::contact_points, gone)->hlc == t->last_stamp());
        const auto added = ids_of(*t, "SELECT id FROM contact_points WHERE customer_id = ? AND normalized = '+862161234567'", id);  // a landline in E.164 (libphonenumber)
        REQUIRE(added.size() == 1);
        CHECK(version_row(*t, Table::contact_points, added[0])->hlc == t->last_stamp());
        // The profile itself did not change.
        CHECK(version_row(*t, Table::customers, id)->hlc == created.hlc);
    }
    SECTION("moving the primary flag stamps only the primary field of the two points") {
        REQUIRE(customers::update(*t, id, Json{{"phones", {"+1 415 555 0100", "13812345678"}}}));
        for (const auto& p : ids_of(*t, "SELECT id FROM contact_points WHERE customer_id = ? AND type = 'phone'", id)) {
            const auto row = *version_row(*t, Table::contact_points, p);
            CHECK(row.hlc == t->last_stamp());
            for (int f = 0; f < 6; ++f) CHECK((row.stamp_of(f) == row.hlc) == (f == 5));
        }
    }
}

TEST_CASE("an update that changes nothing writes nothing", "[store][sync]") {
    TempDb t;
    const Uuid id = customers::create(*t, kWang);
    const auto state = sync_state(*t);
    const auto stamp = t->last_stamp();
    const auto seq = t->last_seq();
    const auto updated_at = customers::get(*t, id)["updated_at"];
    const auto meta = footprint(*t);

    Json same = kWang;
    SECTION("the whole record again") {}
    SECTION("a subset of the fields") { same = Json{{"city", "上海"}, {"stage", "prospect"}}; }
    SECTION("an empty patch") { same = Json::object(); }
    SECTION("the same lists of phones, emails, tags and external ids") {
        same = Json{{"phones", kWang["phones"]}, {"emails", kWang["emails"]}, {"tags", kWang["tags"]},
                    {"external_ids", kWang["external_ids"]}, {"given_name", "小明"}};
    }
    CHECK_FALSE(customers::update(*t, id, same));
    CHECK(sync_state(*t) == state);
    CHECK(t->last_stamp() == stamp);
    CHECK(t->last_seq() == seq);
    CHECK(footprint(*t) == meta);
    CHECK(customers::get(*t, id)["updated_at"] == updated_at);
    CHECK(customers::upsert_external(*t, "erp", "E1", same) == customers::Upsert::unchanged);
    CHECK(sync_state(*t) == state);
    check_fts_consistent(*t);
}

TEST_CASE("deleting a customer replaces the versions of it and of all its children with tombstones", "[store][sync]") {
    TempDb t;
    const Uuid id = customers::create(*t, kWang);
    const Uuid other = customers::create(*t, Json{{"display_name", "bystander"}, {"tags", {"渠道/线上/微信"}}});
    const Uuid i1 = crmlite::interactions::add(*t, Json{{"customer_id", id.str()}, {"kind", "call"}});
    const Uuid i2 = crmlite::interactions::add(*t, Json{{"customer_id", id.str()}, {"kind", "order"},
                                                          {"amount_minor", 100}, {"currency", "CNY"}});

    std::vector<std::pair<Table, Uuid>> records = {{Table::customers, id}, {Table::interactions, i1}, {Table::interactions, i2}};
    for (const auto& p : ids_of(*t, "SELECT id FROM contact_points WHERE customer_id = ?", id)) records.emplace_back(Table::contact_points, p);
    for (const auto& e : ids_of(*t, "SELECT id FROM external_ids WHERE customer_id = ?", id)) records.emplace_back(Table::external_ids, e);
    std::string key(reinterpret_cast<const char*>(id.data()), 16);
    const Uuid leaf = crmlite::tags::id_of_path("渠道/线上/微信");
    key.append(reinterpret_cast<const char*>(leaf.data()), 16);
    records.emplace_back(Table::customer_tags, Uuid::v8("customer_tag", key));
    REQUIRE(records.size() == 3 + 3 + 1 + 1);
    for (const auto& [tbl, rid] : records) REQUIRE(version_row(*t, tbl, rid));
    const auto other_state = version_row(*t, Table::customers, other);

    customers::remove(*t, id);
    const auto stamp = t->last_stamp();
    const auto seq = t->last_seq();
    for (const auto& [tbl, rid] : records) {
        INFO("table " << static_cast<int>(tbl) << " id " << rid.str());
        CHECK_FALSE(version_row(*t, tbl, rid));
        const auto ts = tombstone(*t, tbl, rid);
        REQUIRE(ts);
        CHECK(ts->hlc == stamp);
        CHECK(ts->seq == seq);
        CHECK(ts->site == 1);
    }
    CHECK(scalar(*t, "SELECT count(*) FROM sync_tombstones") == static_cast<std::int64_t>(records.size()));
    // Tags are shared records, not children: they stay, as does the other customer.
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 4") == 3);
    CHECK(version_row(*t, Table::customers, other)->blob == other_state->blob);
    CHECK(t->counter("customers") == 1);
    CHECK(t->counter("interactions") == 0);
    check_fts_consistent(*t);
}

TEST_CASE("a corrupt version row is reported as CRM_ECORRUPT and the write is refused", "[store][sync]") {
    TempDb t;
    const Uuid id = customers::create(*t, Json{{"display_name", "王小明"}, {"city", "上海"}});
    SQLite::Statement st(t->sql(), "UPDATE customers SET sync_vers = x'80' WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    REQUIRE(st.exec() == 1);
    CHECK_CRM_ERROR(customers::update(*t, id, Json{{"city", "北京"}}), CRM_ECORRUPT, "sync_vers");
    CHECK(customers::get(*t, id)["city"] == "上海");
}

// Deterministic ids make a re-added record the same record: once it lives
// again it must not also stand as deleted (a peer reading changes since its
// cursor would otherwise get a tombstone and versions for one id).
TEST_CASE("a record re-added after its deletion is live again, not also tombstoned", "[store][sync]") {
    TempDb t;
    const Uuid id = customers::create(*t, Json{{"display_name", "王小明"}, {"phones", {"13800000001"}}, {"tags", {"vip"}}});
    std::string key(reinterpret_cast<const char*>(id.data()), 16);
    const Uuid vip = crmlite::tags::id_of_path("vip");
    key.append(reinterpret_cast<const char*>(vip.data()), 16);
    const Uuid assignment = Uuid::v8("customer_tag", key);
    const Uuid phone = ids_of(*t, "SELECT id FROM contact_points WHERE customer_id = ?", id).at(0);

    SECTION("a tag assignment") {
        crmlite::tags::unassign(*t, id, "vip");
        REQUIRE(tombstone(*t, Table::customer_tags, assignment));
        crmlite::tags::assign(*t, id, "vip");
        CHECK(version_row(*t, Table::customer_tags, assignment));
        CHECK_FALSE(tombstone(*t, Table::customer_tags, assignment));
    }
    SECTION("a phone number") {
        customers::update(*t, id, Json{{"phones", Json::array()}});
        REQUIRE(tombstone(*t, Table::contact_points, phone));
        customers::update(*t, id, Json{{"phones", {"13800000001"}}});
        CHECK(version_row(*t, Table::contact_points, phone));
        CHECK_FALSE(tombstone(*t, Table::contact_points, phone));
    }
    SECTION("a tag") {
        crmlite::tags::unassign(*t, id, "vip");
        crmlite::tags::remove(*t, "vip");
        REQUIRE(tombstone(*t, Table::tags, vip));
        crmlite::tags::create(*t, Json{{"path", "vip"}});
        CHECK(version_row(*t, Table::tags, vip));
        CHECK_FALSE(tombstone(*t, Table::tags, vip));
    }
}

TEST_CASE("migrations 3 to 6 upgrade a schema-2 file: per-field seqs, assignment ids, the sync log, peers", "[store][migration]") {
    TempDb t;
    const Uuid id = crmlite::customers::create(*t, Json{{"display_name", "迁移"}, {"city", "杭州"}, {"tags", {"区域/华东"}}});
    auto row = version_row(*t, Table::customers, id);
    REQUIRE(row);
    // Write every version vector back in the v2 layout (field, stamp delta,
    // site), as a file of schema 2 holds it, and reopen.
    t->reset_statements();
    crmlite::testing::undo_migration_17(t->sql());
    {
        std::vector<std::tuple<int, std::string, std::string>> rewrites;
        SQLite::Statement all(t->sql(), "SELECT tbl, id, hlc, seq, vers FROM sync_versions");
        while (all.executeStep()) {
            const std::string blob(static_cast<const char*>(all.getColumn(4).getBlob()),
                                   static_cast<std::size_t>(all.getColumn(4).getBytes()));
            const auto hlc = all.getColumn(2).getInt64();
            std::string old;
            for (const auto& v : crmlite::decode_versions(blob, hlc, all.getColumn(3).getInt64())) {
                crmlite::put_varint(old, static_cast<std::uint64_t>(v.field));
                crmlite::put_varint(old, static_cast<std::uint64_t>(hlc - v.stamp));
                crmlite::put_varint(old, static_cast<std::uint64_t>(v.site));
            }
            rewrites.emplace_back(all.getColumn(0).getInt(),
                                  std::string(static_cast<const char*>(all.getColumn(1).getBlob()), 16), old);
        }
        for (const auto& [tbl, rid, old] : rewrites) {
            SQLite::Statement st(t->sql(), "UPDATE sync_versions SET vers = ? WHERE tbl = ? AND id = ?");
            st.bind(1, old.data(), static_cast<int>(old.size()));
            st.bind(2, tbl);
            st.bind(3, rid.data(), 16);
            st.exec();
        }
    }
    // Undo what migrations 4 to 13 made, so the file is what schema 2 was.
    t->sql().exec("DROP INDEX customer_tags_id; ALTER TABLE customer_tags DROP COLUMN id; DROP TABLE sync_log; "
                  "DROP TABLE sync_peers; CREATE INDEX sync_versions_seq ON sync_versions(seq); "
                  "DROP TABLE sync_conflicts; DROP TABLE sync_extra; DROP TABLE sync_shares; "
                  "DROP TABLE quality_settings; DROP TABLE dedup_state; DROP TABLE dedup_keys; "
                  "DROP TABLE customer_redirects; DROP TABLE customer_merges; "
                  "DROP TABLE access_roles; DROP TABLE access_users; DROP TABLE audit_log; DROP TABLE audit_heads; "
                  "DROP TABLE rfm_scores; DROP TABLE rfm_snapshots; DROP TABLE rfm_current; DROP TABLE rfm_state; "
                  "DROP TABLE tasks; DROP TABLE followup_rules; DROP TABLE tag_rules; DROP TABLE lifecycle_history; "
                  "DROP TABLE sync_ghosts; PRAGMA user_version = 2");
    // Migration 11 (sales, issue 8) made these.
    t->sql().exec("DROP TABLE pipelines; DROP TABLE pipeline_stages; DROP TABLE leads; DROP TABLE lead_events; "
                  "DROP TABLE assignment_rules; DROP TABLE opportunities; DROP TABLE stage_history; "
                  "DROP TABLE campaigns; DROP TABLE campaign_members");
    // Migration 13 (the duplicate detector's key-state triggers) made these.
    t->sql().exec("DROP TRIGGER dedup_stale_customer; DROP TRIGGER dedup_stale_point_insert; "
                  "DROP TRIGGER dedup_stale_point_delete; DROP TRIGGER dedup_stale_point_update");
    // Migration 14 (privacy under sync, issue 7) made these (audit_log.seq went with audit_log).
    t->sql().exec("ALTER TABLE sync_tombstones DROP COLUMN erased; DROP TABLE sync_masked");
    // Migration 16's tombstone column (its conflict-log column went with sync_conflicts).
    t->sql().exec("DROP INDEX sync_tombstones_customer; ALTER TABLE sync_tombstones DROP COLUMN customer");
    // Migration 15 only drops leftover bookkeeping: nothing to undo.
    // Migration 16 adds a column to sync_conflicts, which was dropped above.
    // Migrations 19, 18 and 17 were undone first (undo_migration_17).
    REQUIRE(Database::latest_schema_version() == 19);  // a new migration: undo it here too
    t.reopen();
    CHECK(scalar(*t, "SELECT count(*) FROM sync_log WHERE tbl = 1") == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM pragma_index_list('customer_tags') WHERE name = 'customer_tags_id'") == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_peers") == 0);
    CHECK(scalar(*t, "SELECT count(*) FROM pragma_table_info('sync_peers') WHERE name IN ('acked_through', 'last_seen')") == 2);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_conflicts") == 0);
    CHECK(t->schema_version() == Database::latest_schema_version());
    const auto migrated = version_row(*t, Table::customers, id);
    REQUIRE(migrated);
    REQUIRE(migrated->fields.size() == row->fields.size());
    for (std::size_t i = 0; i < row->fields.size(); ++i) {
        CHECK(migrated->fields[i].field == row->fields[i].field);
        CHECK(migrated->fields[i].stamp == row->fields[i].stamp);
        CHECK(migrated->fields[i].seq == migrated->seq);
    }
    // And the record keeps working: an update stamps one field with a newer seq.
    crmlite::customers::update(*t, id, Json{{"city", "宁波"}});
    const auto after = version_row(*t, Table::customers, id);
    REQUIRE(after);
    int newer = 0;
    for (const auto& v : after->fields) newer += v.seq == after->seq;
    CHECK(newer == 1);
    CHECK(after->seq > migrated->seq);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_log WHERE tbl = 1") == 2);  // one row per seq still carried
    CHECK(scalar(*t, "SELECT count(*) FROM customer_tags WHERE id IS NULL") == 0);
}

TEST_CASE("migration 15 drops the versions a customer's cascaded tasks and stage history left behind", "[store][migration]") {
    TempDb t;
    const Uuid gone = crmlite::customers::create(*t, Json{{"display_name", "已删"}});
    const Uuid kept = crmlite::customers::create(*t, Json{{"display_name", "保留"}});
    for (const Uuid& c : {gone, kept}) {
        crmlite::tasks::create(*t, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
        crmlite::lifecycle::set(*t, c, "loyal", "manual");
    }
    REQUIRE(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl IN (10, 13)") == 4);
    t->reset_statements();
    crmlite::testing::undo_migration_17(t->sql());
    // What a schema-14 file holds after deleting a customer: its tasks and
    // history cascaded away without their bookkeeping.
    for (const char* table : {"tasks", "lifecycle_history"}) {
        SQLite::Statement del(t->sql(), std::string("DELETE FROM ") + table + " WHERE customer_id = ?");
        del.bind(1, gone.data(), Uuid::size());
        del.exec();
    }
    // Undo migration 16 too (it runs again after 15).
    t->reset_statements();  // DROP INDEX needs no statement left mid-result
    t->sql().exec("DROP INDEX sync_conflicts_customer; ALTER TABLE sync_conflicts DROP COLUMN customer; "
                  "DROP INDEX sync_tombstones_customer; ALTER TABLE sync_tombstones DROP COLUMN customer; PRAGMA user_version = 14");
    REQUIRE(scalar(*t, "SELECT count(*) FROM sync_log WHERE tbl IN (10, 13)") == 4);
    t.reopen();
    CHECK(t->schema_version() == Database::latest_schema_version());
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl IN (10, 13)") == 2);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_log WHERE tbl IN (10, 13)") == 2);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 1") == 2);  // the customers' own stay
    CHECK(crmlite::tasks::for_customer(*t, kept).size() == 1);
}

TEST_CASE("migration 16 gives conflict-log entries the customer of their record", "[store][migration]") {
    TempDb t;
    const Uuid c = crmlite::customers::create(*t, Json{{"display_name", "冲突"}, {"phones", {"13800001111"}}});
    const Uuid task = crmlite::tasks::create(
        *t, Json{{"customer_id", c.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
    Uuid phone;
    {
        SQLite::Statement point(t->sql(), "SELECT id FROM contact_points WHERE customer_id = ?");
        point.bind(1, c.data(), Uuid::size());
        REQUIRE(point.executeStep());
        phone = Uuid::from_blob(point.getColumn(0).getBlob(), point.getColumn(0).getBytes());
    }
    const Uuid gone = Uuid::v7();  // a record deleted here: no row, no ghost
    const Uuid deleted = crmlite::customers::create(*t, Json{{"display_name", "已删"}});
    crmlite::customers::remove(*t, deleted);
    // What a schema-15 file holds: entries without a customer column.
    t->reset_statements();  // DROP INDEX needs no statement left mid-result
    t->sql().exec("DROP INDEX sync_conflicts_customer; ALTER TABLE sync_conflicts DROP COLUMN customer; "
                  "DROP INDEX sync_tombstones_customer; ALTER TABLE sync_tombstones DROP COLUMN customer");
    {
        SQLite::Statement put(t->sql(),
                              "INSERT INTO sync_conflicts(at, tbl, id, field, reason, lost, lost_hlc, lost_site, kept, "
                              "kept_hlc, kept_site) VALUES (1, ?, ?, 'f', 'concurrent edit', 'x', 1, 1, 'y', 2, 1)");
        const std::vector<std::pair<int, Uuid>> rows = {{1, c}, {2, phone}, {10, task}, {3, gone}};
        for (const auto& [tbl, id] : rows) {
            put.bind(1, tbl);
            put.bind(2, id.data(), Uuid::size());
            put.exec();
            put.reset();
        }
    }
    t->reset_statements();
    crmlite::testing::undo_migration_17(t->sql());
    t->sql().exec("PRAGMA user_version = 15");
    t.reopen();
    CHECK(t->schema_version() == Database::latest_schema_version());
    SQLite::Statement q(t->sql(), "SELECT tbl, customer FROM sync_conflicts ORDER BY n");
    std::vector<std::pair<int, std::optional<Uuid>>> got;
    while (q.executeStep())
        got.emplace_back(q.getColumn(0).getInt(),
                         q.getColumn(1).isNull() ? std::nullopt
                                                 : std::optional<Uuid>(Uuid::from_blob(q.getColumn(1).getBlob(), 16)));
    REQUIRE(got.size() == 4);
    CHECK(got[0].second == c);
    CHECK(got[1].second == c);
    CHECK(got[2].second == c);
    CHECK_FALSE(got[3].second.has_value());
    SQLite::Statement tomb(t->sql(), "SELECT customer FROM sync_tombstones WHERE tbl = 1 AND id = ?");
    tomb.bind(1, deleted.data(), Uuid::size());
    REQUIRE(tomb.executeStep());
    CHECK(Uuid::from_blob(tomb.getColumn(0).getBlob(), 16) == deleted);
    tomb.reset();
    CHECK(
        scalar(*t, "SELECT count(*) FROM pragma_index_list('sync_conflicts') WHERE name = 'sync_conflicts_customer'") ==
        1);
}

TEST_CASE("migration 17 moves versions into the records' rows and changes nothing a peer sees", "[store][migration][sync]") {
    TempDb t;
    const Uuid a = customers::create(*t, Json{{"display_name", "迁移甲"}, {"city", "杭州"}, {"phones", {"13800001111"}}});
    const Uuid b = customers::create(*t, Json{{"display_name", "Migrant B"}, {"tags", {"区域/华东"}}});
    customers::update(*t, a, Json{{"city", "上海"}});  // a now carries two seqs
    customers::update(*t, a, Json{{"stage", "customer"}});  // and three
    crmlite::tasks::create(*t, Json{{"customer_id", b.str()}, {"kind", "call"}, {"due_at", "2026-03-01T09:00:00Z"}});
    customers::remove(*t, b);
    const auto state = [&] {
        return std::make_tuple(
            t->sql().execAndGet("SELECT group_concat(tbl || hex(id) || hlc || ':' || seq || hex(vers), ',') FROM "
                                "(SELECT * FROM sync_versions ORDER BY 1, 2)").getString(),
            t->sql().execAndGet("SELECT group_concat(seq || ':' || tbl || hex(id), ',') FROM "
                                "(SELECT * FROM sync_log ORDER BY 1, 2, 3)").getString(),
            crmlite::sync::changes_since(*t, 0, 1000).blob);
    };
    const auto before = state();
    CHECK(scalar(*t, "SELECT count(*) FROM sync_older_seqs WHERE tbl = 1") == 2);  // a's two older seqs
    CHECK(scalar(*t, "SELECT count(*) FROM customers WHERE sync_vers IS NOT NULL") == 1);
    t->reset_statements();
    crmlite::testing::undo_migration_17(t->sql());
    CHECK(scalar(*t, "SELECT count(*) FROM sync_log WHERE tbl = 1") == 3);  // schema 16: a row per seq
    t.reopen();
    CHECK(t->schema_version() == Database::latest_schema_version());
    CHECK(state() == before);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_older_seqs WHERE tbl = 1") == 2);
    // Capture goes on from the rows.
    customers::update(*t, a, Json{{"city", "北京"}});
    CHECK(customers::get(*t, a)["city"] == "北京");
    CHECK(scalar(*t, "SELECT count(*) FROM sync_older_seqs WHERE tbl = 1") == 2);  // stage's and the create's
    CHECK(scalar(*t, "SELECT sync_seq FROM customers") == t->last_seq());
}

TEST_CASE("the captured tables are the synced tables", "[store][sync]") {
    std::set<std::pair<int, std::string>> captured, synced;
    for (const auto& c : crmlite::captured_tables()) captured.emplace(c.table, c.name);
    for (const auto& s : crmlite::sync::synced_tables()) synced.emplace(static_cast<int>(s.table), s.name);
    CHECK(captured == synced);
}
