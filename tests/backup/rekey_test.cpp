// Changing the key of a file in place (src/backup/rekey.cpp): a new key, a
// plain file encrypted, an encrypted one made plain; the old key refused
// afterwards, every record there under the new one, no customer text in the
// bytes of an encrypted result, and nothing changed when it is refused.
#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "access/access.hpp"
#include "backup/rekey.hpp"
#include "common/error.hpp"
#include "crmlite/crmlite.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::testing::TempDir;
namespace backup = crmlite::backup;
namespace customers = crmlite::customers;
namespace fs = std::filesystem;

namespace {

const std::string kOldKey(32, '\x31');
const std::string kNewKey(32, '\x7e');

OpenOptions keyed(const std::string& raw) {
    OpenOptions o;
    o.raw_key = raw;
    return o;
}

OpenOptions with_passphrase(const std::string& p) {
    OpenOptions o;
    o.passphrase = p;
    return o;
}

backup::CopyOptions new_key(const std::string& raw) {
    backup::CopyOptions o;
    o.key.raw_key = raw;
    return o;
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A customer field of every kind a scan looks for: names in both scripts, a phone.
const std::vector<std::string> kSecrets = {"欧阳娜娜", "Margarethe Vöhringer", "13912345678"};

void add_people(Database& db) {
    const auto a = customers::create(db, Json{{"display_name", "欧阳娜娜"}, {"phones", {"13912345678"}}, {"city", "深圳"}});
    customers::create(db, Json{{"display_name", "Margarethe Vöhringer"}, {"notes", std::string(3000, 'n')}});
    for (int i = 0; i < 40; ++i) customers::create(db, Json{{"display_name", "Filler " + std::to_string(i)}});
    crmlite::interactions::add(db, Json{{"customer_id", a.str()}, {"kind", "call"}, {"subject", "回访"}});
}

std::vector<std::string> found_in(const std::string& bytes) {
    std::vector<std::string> found;
    for (const auto& s : kSecrets)
        if (bytes.find(s) != std::string::npos) found.push_back(s);
    return found;
}

// What a user would compare: every customer's name and phones, in order.
std::vector<std::string> records(Database& db) {
    std::vector<std::string> out;
    SQLite::Statement st(db.sql(),
                         "SELECT display_name || '|' || coalesce((SELECT group_concat(value) FROM contact_points p "
                         "WHERE p.customer_id = c.id), '') FROM customers c ORDER BY display_name");
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    out.push_back("interactions " + db.sql().execAndGet("SELECT count(*) FROM interactions").getString());
    return out;
}

std::vector<std::string> records(const std::string& path, const OpenOptions& o) {
    Database db(path, o);
    return records(db);
}

// Files in the directory other than the database and its WAL and shared memory.
std::vector<std::string> strays(const TempDir& dir, const std::string& name) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(fs::path(dir.path(name)).parent_path())) {
        const std::string f = e.path().filename().string();
        if (f != name && f != name + "-wal" && f != name + "-shm") out.push_back(f);
    }
    return out;
}

std::string scalar(Database& db, const char* sql) { return db.sql().execAndGet(sql).getString(); }

}  // namespace

TEST_CASE("rekey: the old key is refused afterwards and the new one opens every record", "[backup][crypto][rekey]") {
    TempDir dir;
    const auto file = dir.path("crm.db");
    auto db = std::make_unique<Database>(file, keyed(kOldKey));
    add_people(*db);
    const auto before = records(*db);  // some of it still in the WAL

    SECTION("to a raw key") {
        const Json r = backup::rekey(*db, new_key(kNewKey));
        CHECK(r["encrypted"] == true);
        CHECK(r["was_encrypted"] == true);
        CHECK(r["pages"].get<std::int64_t>() > 10);
        // The handle works on under the new key: reads, and writes.
        CHECK(records(*db) == before);
        customers::create(*db, Json{{"display_name", "After rekey"}});
        CHECK(db->encrypted());
        db.reset();
        CHECK_CRM_ERROR(Database(file, keyed(kOldKey)), CRM_ENOTADB, "wrong key");
        auto after = records(file, keyed(kNewKey));
        CHECK(after.size() == before.size() + 1);
        after.erase(std::find(after.begin(), after.end(), "After rekey|"));
        CHECK(after == before);
    }
    SECTION("to a passphrase, with a fresh salt") {
        const auto old_salt = read_bytes(file).substr(4096 - 16, 16);
        backup::CopyOptions o;
        o.key.passphrase = "新的口令 correct horse";
        backup::rekey(*db, o);
        CHECK(read_bytes(file).substr(4096 - 16, 16) != old_salt);
        db.reset();
        CHECK_CRM_ERROR(Database(file, keyed(kOldKey)), CRM_ENOTADB, "wrong key");
        CHECK_CRM_ERROR(Database(file, with_passphrase("新的口令")), CRM_ENOTADB, "wrong key");
        CHECK(records(file, with_passphrase("新的口令 correct horse")) == before);
    }
    SECTION("to the same key: re-encrypted with new nonces, the same records") {
        const auto old_bytes = read_bytes(file);
        backup::rekey(*db, new_key(kOldKey));
        db.reset();
        const auto new_bytes = read_bytes(file);
        CHECK(new_bytes.substr(0, 4096) != old_bytes.substr(0, 4096));
        CHECK(records(file, keyed(kOldKey)) == before);
    }
    CHECK(strays(dir, "crm.db").empty());
}

TEST_CASE("a plain file is encrypted in place, and decrypted back", "[backup][crypto][rekey]") {
    TempDir dir;
    const auto file = dir.path("crm.db");
    auto db = std::make_unique<Database>(file, OpenOptions{});
    // The encryption pass of scripts/test.sh encrypts new files: make it plain first.
    if (db->encrypted()) backup::decrypt(*db, {});
    REQUIRE_FALSE(db->encrypted());
    add_people(*db);
    const auto before = records(*db);
    db->sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    REQUIRE(found_in(read_bytes(file)).size() == kSecrets.size());  // the scan can fail

    const Json r = backup::rekey(*db, new_key(kNewKey));
    CHECK(r["encrypted"] == true);
    CHECK(r["was_encrypted"] == false);
    CHECK(db->encrypted());
    CHECK(records(*db) == before);
    // The file, and the WAL of later writes, hold no customer text.
    CHECK(found_in(read_bytes(file)) == std::vector<std::string>{});
    customers::create(*db, Json{{"display_name", "Margarethe Vöhringer"}, {"phones", {"13912345678"}}});
    REQUIRE(fs::file_size(file + "-wal") > 4096);
    CHECK(found_in(read_bytes(file + "-wal")) == std::vector<std::string>{});
    CHECK(read_bytes(file).find("SQLite format 3") == std::string::npos);
    CHECK(scalar(*db, "PRAGMA integrity_check") == "ok");
    db.reset();
    CHECK_CRM_ERROR(Database(file, OpenOptions{}), CRM_ENOTADB, "encrypted");
    CHECK(records(file, keyed(kNewKey)).size() == before.size() + 1);

    // And back: plain again, readable without a key, with the same records.
    db = std::make_unique<Database>(file, keyed(kNewKey));
    const auto encrypted_records = records(*db);
    const Json d = backup::decrypt(*db, {});
    CHECK(d["encrypted"] == false);
    CHECK(d["was_encrypted"] == true);
    CHECK_FALSE(db->encrypted());
    CHECK(records(*db) == encrypted_records);
    db->sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    CHECK(found_in(read_bytes(file)).size() == kSecrets.size());
    db.reset();
    CHECK_CRM_ERROR(Database(file, keyed(kNewKey)), CRM_ENOTADB, "not an encrypted database");
    CHECK(records(file, OpenOptions{}) == encrypted_records);
    {
        // Still a valid SQLite file to plain SQLite, and it can be encrypted again.
        Database again(file, OpenOptions{});
        CHECK(scalar(again, "PRAGMA integrity_check") == "ok");
        backup::rekey(again, new_key(kOldKey));
    }
    CHECK(records(file, keyed(kOldKey)) == encrypted_records);
    CHECK(strays(dir, "crm.db").empty());
}

TEST_CASE("rekey is refused, and changes nothing, while another handle is open or in a transaction",
          "[backup][crypto][rekey]") {
    TempDir dir;
    const auto file = dir.path("crm.db");
    Database db(file, keyed(kOldKey));
    add_people(db);
    const auto before = records(db);

    SECTION("another handle on the file") {
        Database other(file, keyed(kOldKey));
        CHECK(records(other) == before);
        CHECK_CRM_ERROR(backup::rekey(db, new_key(kNewKey)), CRM_EBUSY, "close it first");
        CHECK_CRM_ERROR(backup::decrypt(db, {}), CRM_EBUSY, "close it first");
        // Both handles go on as before, in WAL mode, under the old key.
        CHECK(scalar(db, "PRAGMA journal_mode") == "wal");
        customers::create(db, Json{{"display_name", "From db"}});
        customers::create(other, Json{{"display_name", "From other"}});
        CHECK(records(other).size() == before.size() + 2);
        CHECK(records(db).size() == before.size() + 2);
    }
    SECTION("inside a transaction") {
        db.begin();
        CHECK_CRM_ERROR(backup::rekey(db, new_key(kNewKey)), CRM_EMISUSE, "transaction");
        db.rollback();
    }
    SECTION("without a key, with a malformed one, or a key for decrypt") {
        CHECK_CRM_ERROR(backup::rekey(db, {}), CRM_EINVAL, "key");
        CHECK_CRM_ERROR(backup::rekey(db, new_key("short")), CRM_EINVAL, "32 bytes");
        CHECK_CRM_ERROR(backup::decrypt(db, new_key(kNewKey)), CRM_EINVAL, "no key");
        backup::CopyOptions zero_step = new_key(kNewKey);
        zero_step.pages_per_step = 0;
        CHECK_CRM_ERROR(backup::rekey(db, zero_step), CRM_EINVAL, "step");
    }
    SECTION("canceled by the progress callback: the old file, no temporary file left") {
        backup::CopyOptions o = new_key(kNewKey);
        o.pages_per_step = 2;
        int calls = 0;
        o.progress = [&](std::int64_t, std::int64_t) { return ++calls < 3; };
        CHECK_CRM_ERROR(backup::rekey(db, o), CRM_ECANCELED, "canceled");
        CHECK(calls == 3);
        CHECK(strays(dir, "crm.db").empty());
        CHECK(scalar(db, "PRAGMA journal_mode") == "wal");
        customers::create(db, Json{{"display_name", "Still writable"}});
    }
    SECTION("a principal's handle: only the system changes the key") {
        crmlite::access::put_user(db, Json{{"name", "alice"}, {"role", "admin"}});
        Database as_alice(file, keyed(kOldKey));
        crmlite::access::sign_in(as_alice, "alice");
        CHECK_CRM_ERROR(backup::rekey(as_alice, new_key(kNewKey)), CRM_EPERM, "only the system");
    }
    SECTION("a read-only handle") {
        OpenOptions ro = keyed(kOldKey);
        ro.readonly = true;
        Database reader(file, ro);
        CHECK_CRM_ERROR(backup::rekey(reader, new_key(kNewKey)), CRM_EPERM, "read-only");
    }
    SECTION("decrypting a plain file") {
        TempDir other_dir;
        Database plain(other_dir.path("plain.db"), OpenOptions{});
        if (plain.encrypted()) backup::decrypt(plain, {});  // the encryption pass
        CHECK_CRM_ERROR(backup::decrypt(plain, {}), CRM_EINVAL, "not encrypted");
    }
    CHECK(records(db).size() >= before.size());
    CHECK(db.encrypted());
    CHECK(strays(dir, "crm.db") == std::vector<std::string>{});
}

TEST_CASE("rekey through a symbolic link changes the file it points to and keeps the link",
          "[backup][crypto][rekey]") {
    TempDir dir;
    const auto real = dir.path("real.db"), link = dir.path("link.db");
    { Database db(real, keyed(kOldKey)); add_people(db); }
    fs::create_symlink(real, link);
    {
        Database db(link, keyed(kOldKey));
        backup::rekey(db, new_key(kNewKey));
        customers::create(db, Json{{"display_name", "Through the link"}});
    }
    CHECK(fs::is_symlink(link));
    CHECK_CRM_ERROR(Database(real, keyed(kOldKey)), CRM_ENOTADB, "wrong key");
    Database again(real, keyed(kNewKey));
    CHECK(again.sql().execAndGet("SELECT count(*) FROM customers WHERE display_name = 'Through the link'").getInt() == 1);
}

TEST_CASE("rekey and decrypt through the C++ wrapper", "[backup][crypto][rekey]") {
    TempDir dir;
    const auto file = dir.path("crm.db");
    {
        crm::Database db(file, crm::Options().key(kOldKey));
        db.create_customer(R"({"display_name":"欧阳娜娜","phones":["13912345678"]})");
        crm::BackupOptions o;
        o.passphrase("wrapper passphrase");
        const auto report = Json::parse(crm::rekey(db, o));
        CHECK(report["encrypted"] == true);
        CHECK(crm::is_encrypted(db));
        db.create_customer(R"({"display_name":"Second"})");
    }
    CHECK_CRM_ERROR(Database(file, keyed(kOldKey)), CRM_ENOTADB, "wrong key");
    CHECK(found_in(read_bytes(file)).empty());
    {
        crm::Database db(file, crm::Options().passphrase("wrapper passphrase"));
        CHECK(Json::parse(crm::decrypt(db))["encrypted"] == false);
        CHECK_FALSE(crm::is_encrypted(db));
        try {
            crm::BackupOptions none;
            crm::rekey(db, none);
            FAIL("rekey without a key");
        } catch (const crm::Error& e) {
            CHECK(e.code() == CRM_EINVAL);
        }
    }
    CHECK(records(file, OpenOptions{}).size() == 3);
}

TEST_CASE("a connection that opened the file during a rekey gets an error afterwards, not the old content",
          "[backup][crypto][rekey]") {
    TempDir dir;
    const auto file = dir.path("crm.db");
    Database db(file, OpenOptions{});
    if (db.encrypted()) backup::decrypt(db, {});  // the encryption pass of scripts/test.sh
    add_people(db);
    // Opened while the copy is made (SQLite opens lazily: it reads nothing
    // yet, but holds the old file from now on).
    sqlite3* late = nullptr;
    backup::CopyOptions o = new_key(kNewKey);
    o.progress = [&](std::int64_t, std::int64_t) {
        if (late == nullptr) REQUIRE(sqlite3_open_v2(file.c_str(), &late, SQLITE_OPEN_READWRITE, nullptr) == SQLITE_OK);
        return true;
    };
    backup::rekey(db, o);
    REQUIRE(late != nullptr);
    const int rc = sqlite3_exec(late, "SELECT count(*) FROM customers", nullptr, nullptr, nullptr);
    INFO(sqlite3_errmsg(late));
    CHECK(rc == SQLITE_NOTADB);
    sqlite3_close(late);
    CHECK(records(db).size() == 43);
}

TEST_CASE("rekey leaves another hard link to the file with the old content and key", "[backup][crypto][rekey]") {
    TempDir dir;
    const auto file = dir.path("crm.db"), link = dir.path("other-name.db");
    auto db = std::make_unique<Database>(file, keyed(kOldKey));
    add_people(*db);
    const auto before = records(*db);
    db->sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    fs::create_hard_link(file, link);
    backup::rekey(*db, new_key(kNewKey));
    db.reset();
    CHECK(records(file, keyed(kNewKey)) == before);
    CHECK(records(link, keyed(kOldKey)) == before);
}
