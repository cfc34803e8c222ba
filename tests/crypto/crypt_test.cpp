// Encryption at rest: the encrypting VFS (src/crypto). No customer text in the
// bytes of the database, its WAL or its rollback journal; a wrong key is
// refused; any modified byte is an error, never data.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "crypto/crypt_vfs.hpp"
#include "customers/customers.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::testing::TempDir;
namespace customers = crmlite::customers;

namespace {

const std::string kKey(32, '\x5a');

OpenOptions with_key(const std::string& raw = kKey) {
    OpenOptions o;
    o.raw_key = raw;
    return o;
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// Names, phones and emails in both scripts, with the raw strings to look for.
const std::vector<std::string> kSecrets = {"王小明", "欧阳娜娜", "Zoë Châtelain", "Brightwater", "13812345678",
                                           "zoe.chatelain@example.org"};

void add_people(Database& db) {
    customers::create(db, Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}});
    customers::create(db, Json{{"display_name", "欧阳娜娜"}, {"city", "深圳"}});
    customers::create(db, Json{{"display_name", "Zoë Châtelain"}, {"emails", {"zoe.chatelain@example.org"}},
                               {"company", "Brightwater"}});
}

std::vector<std::string> found_in(const std::string& bytes) {
    std::vector<std::string> found;
    for (const auto& s : kSecrets)
        if (bytes.find(s) != std::string::npos) found.push_back(s);
    return found;
}

// Opens the file and reads every page (integrity check, every customer).
void read_everything(const std::string& path, const OpenOptions& o) {
    Database db(path, o);
    SQLite::Statement check(db.sql(), "PRAGMA integrity_check");
    while (check.executeStep())
        if (check.getColumn(0).getString() != "ok") throw crmlite::Error(CRM_ECORRUPT, check.getColumn(0).getString());
    SQLite::Statement all(db.sql(), "SELECT * FROM customers");
    while (all.executeStep()) {
    }
}

// Runs f, which must throw; returns the SQLite extended code (or -status for a
// crmlite::Error).
template <class F>
int thrown_any(F&& f) {
    try {
        f();
    } catch (const SQLite::Exception& e) {
        return e.getExtendedErrorCode();
    } catch (const crmlite::Error& e) {
        return e.sqlite_code() != 0 ? e.sqlite_code() : -static_cast<int>(e.code());
    }
    FAIL("nothing was thrown");
    return 0;
}

}  // namespace

TEST_CASE("an encrypted file holds no customer text in the database or its WAL", "[crypto]") {
    TempDir dir;
    SECTION("encrypted") {
        const auto file = dir.path("enc.db");
        auto db = std::make_unique<Database>(file, with_key());
        REQUIRE(db->encrypted());
        add_people(*db);
        // While open, the writes sit in the WAL: scan both files now.
        const auto wal = read_bytes(file + "-wal");
        REQUIRE(wal.size() > 4096);
        CHECK(found_in(wal).empty());
        CHECK(found_in(read_bytes(file)).empty());
        db->sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        const auto main = read_bytes(file);
        REQUIRE(main.size() > 4096 * 4);
        CHECK(found_in(main).empty());
        CHECK(main.find("SQLite format 3") == std::string::npos);
        db.reset();
        // And the data is all there under the key.
        Database again(file, with_key());
        CHECK(again.sql().execAndGet("SELECT count(*) FROM customers WHERE display_name IN ('王小明', '欧阳娜娜')").getInt() ==
              2);
    }
    SECTION("the same scan finds the text in a plain file (the scan can fail)") {
        const auto file = dir.path("plain.db");
        auto db = std::make_unique<Database>(file, OpenOptions{});
        if (db->encrypted()) return;  // the encryption pass of scripts/test.sh encrypts this one too
        add_people(*db);
        CHECK(found_in(read_bytes(file + "-wal")).size() == kSecrets.size());
    }
}

TEST_CASE("the rollback journal of an encrypted file holds no plaintext and still rolls back", "[crypto]") {
    TempDir dir;
    const auto file = dir.path("enc.db");
    {
        Database db(file, with_key());
        add_people(db);
        db.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        REQUIRE(db.sql().execAndGet("PRAGMA journal_mode=TRUNCATE").getString() == "truncate");
        db.begin();
        db.sql().exec("UPDATE customers SET display_name = 'changed ' || display_name");
        for (int i = 0; i < 200; ++i) customers::create(db, Json{{"display_name", "Filler " + std::to_string(i)}});
        const auto journal = read_bytes(file + "-journal");
        REQUIRE(journal.size() > 4096);  // the original pages are journaled
        CHECK(found_in(journal).empty());
        db.rollback();
        CHECK(db.sql().execAndGet("SELECT count(*) FROM customers WHERE display_name LIKE 'changed %'").getInt() == 0);
    }
    read_everything(file, with_key());
}

TEST_CASE("a wrong key, a missing key or a key for a plain file is a clear error", "[crypto]") {
    TempDir dir;
    const auto file = dir.path("enc.db");
    { Database db(file, with_key()); add_people(db); }
    CHECK_CRM_ERROR(Database(file, with_key(std::string(32, '\x5b'))), CRM_ENOTADB, "wrong key");
    CHECK_CRM_ERROR(Database(file, OpenOptions{}), CRM_ENOTADB, "encrypted");
    CHECK_CRM_ERROR(Database(file, with_key("short")), CRM_EINVAL, "32 bytes");
    OpenOptions both = with_key();
    both.passphrase = "x";
    CHECK_CRM_ERROR(Database(file, both), CRM_EINVAL, "not both");

    const auto plain = dir.path("plain.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(plain.c_str(), &raw) == SQLITE_OK);
        sqlite3_exec(raw, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    CHECK_CRM_ERROR(Database(plain, with_key()), CRM_ENOTADB, "not an encrypted database");
}

TEST_CASE("a passphrase derives the key with the salt stored in the file", "[crypto]") {
    TempDir dir;
    const auto file = dir.path("pass.db");
    OpenOptions o;
    o.passphrase = "correct horse battery staple 马";
    { Database db(file, o); add_people(db); }
    CHECK(Database(file, o).sql().execAndGet("SELECT count(*) FROM customers").getInt() == 3);
    OpenOptions wrong;
    wrong.passphrase = "correct horse battery staple";
    CHECK_CRM_ERROR(Database(file, wrong), CRM_ENOTADB, "wrong key");
    // Two files with the same passphrase have different salts, so different keys.
    const auto other = dir.path("pass2.db");
    { Database db(other, o); }
    const auto a = read_bytes(file), b = read_bytes(other);
    CHECK(a.substr(4096 - 16, 16) != b.substr(4096 - 16, 16));
}

TEST_CASE("a modified byte anywhere in an encrypted file is an error, never data", "[crypto]") {
    TempDir dir;
    const auto file = dir.path("enc.db");
    {
        Database db(file, with_key());
        add_people(db);
        db.sql().exec("VACUUM");  // every page in use, so every page is read below
        db.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    read_everything(file, with_key());
    const auto good = read_bytes(file);
    const std::size_t page = 4096;
    REQUIRE(good.size() % page == 0);
    const auto copy = dir.path("tampered.db");
    int tried = 0, refused = 0;
    // In every page: the clear header bytes, ciphertext, nonce, tag, salt/trailer.
    const std::vector<std::size_t> offsets = {0, 5, 16, 18, 20, 23, 24, 100, 2000, page - 57, page - 56,
                                              page - 40, page - 33, page - 20, page - 16, page - 1};
    for (std::size_t p = 0; p < good.size() / page; ++p) {
        for (const auto off : offsets) {
            std::string bad = good;
            bad[p * page + off] = static_cast<char>(bad[p * page + off] ^ 0x01);
            write_bytes(copy, bad);
            std::filesystem::remove(copy + "-wal");
            std::filesystem::remove(copy + "-shm");
            ++tried;
            try {
                read_everything(copy, with_key());
                FAIL_CHECK("page " << p + 1 << " byte " << off << ": a modified file was read without error");
            } catch (const crmlite::Error& e) {
                if (p == 0) CHECK(e.code() == CRM_ENOTADB);
                else CHECK(e.code() == CRM_ECORRUPT);
                ++refused;
            } catch (const SQLite::Exception& e) {
                INFO("page " << p + 1 << " byte " << off << ": " << e.what());
                CHECK((e.getExtendedErrorCode() & 0xFF) == SQLITE_CORRUPT);
                ++refused;
            }
        }
    }
    CHECK(refused == tried);
}

TEST_CASE("a modified page in the WAL is an error, never data", "[crypto]") {
    TempDir dir;
    const auto file = dir.path("enc.db");
    auto db = std::make_unique<Database>(file, with_key());
    add_people(*db);
    const std::size_t frame = 24 + 4096;
    auto wal = read_bytes(file + "-wal");
    REQUIRE((wal.size() - 32) % frame == 0);
    const std::size_t frames = (wal.size() - 32) / frame;
    REQUIRE(frames > 2);

    SECTION("read through the WAL index: the damaged frame is an error") {
        // The last frame holds the newest copy of its page, which every full read needs.
        const std::size_t victim = 32 + (frames - 1) * frame + 24 + 1000;
        wal[victim] = static_cast<char>(wal[victim] ^ 0x40);
        {
            std::fstream out(file + "-wal", std::ios::binary | std::ios::in | std::ios::out);
            out.seekp(static_cast<std::streamoff>(victim));
            out.put(wal[victim]);
        }
        // Either the read fails (SQLITE_CORRUPT) or the integrity check
        // reports the page it could not get (CRM_ECORRUPT).
        const auto e = thrown_any([&] { read_everything(file, with_key()); });
        CHECK(((e & 0xFF) == SQLITE_CORRUPT || e == -static_cast<int>(CRM_ECORRUPT)));
    }
    SECTION("WAL recovery after a crash: the log ends before the damaged frame") {
        const auto main = read_bytes(file);
        const auto copy = dir.path("copy.db");
        const std::size_t victim = 32 + (frames / 2) * frame + 24 + 1000;
        wal[victim] = static_cast<char>(wal[victim] ^ 0x40);
        write_bytes(copy, main);
        write_bytes(copy + "-wal", wal);
        // Recovery treats a frame that fails to authenticate like a torn one
        // (its checksum fails): what is read is an older committed state or an
        // error, never the modified bytes.
        try {
            Database d(copy, with_key());
            SQLite::Statement names(d.sql(), "SELECT display_name FROM customers");
            while (names.executeStep()) {
                const std::string n = names.getColumn(0).getString();
                CHECK((n == "王小明" || n == "欧阳娜娜" || n == "Zoë Châtelain"));
            }
            CHECK(d.sql().execAndGet("PRAGMA integrity_check").getString() == "ok");
        } catch (const SQLite::Exception& e) {
            CHECK((e.getExtendedErrorCode() & 0xFF) == SQLITE_CORRUPT);
        } catch (const crmlite::Error& e) {
            CHECK((e.code() == CRM_ECORRUPT || e.code() == CRM_ENOTADB));
        }
    }
}

TEST_CASE("a database file cut short under its WAL is an error, never pages of zeros", "[crypto]") {
    // Pages the WAL does not hold are read from the database file; when the
    // file is shorter than the WAL says the database is, such a read comes
    // back short. A short read is zeros to SQLite, which would take them for a
    // page (an overflow page of zeros reads as a value of zeros): the VFS must
    // refuse it as a page that fails to authenticate.
    TempDir dir;
    const auto file = dir.path("enc.db");
    auto db = std::make_unique<Database>(file, with_key());
    std::vector<crmlite::Uuid> ids;
    for (int i = 0; i < 8; ++i)
        ids.push_back(customers::create(*db, Json{{"display_name", "Person " + std::to_string(i)},
                                                  {"notes", std::string(3000 + 100 * i, static_cast<char>('a' + i))}}));
    db->sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    customers::update(*db, ids[0], Json{{"city", "Basel"}});
    const auto main = read_bytes(file), wal = read_bytes(file + "-wal");
    REQUIRE(main.size() > 8 * 4096);
    REQUIRE(wal.size() > 4096);
    // What each person's notes are: the only data a read may return.
    std::vector<std::string> notes;
    for (int i = 0; i < 8; ++i) notes.push_back(std::string(3000 + 100 * i, static_cast<char>('a' + i)));
    db.reset();

    for (const std::size_t keep : {std::size_t{0}, std::size_t{1}, std::size_t{4}, main.size() / 4096 - 1}) {
        INFO("database file cut to " << keep << " pages");
        const auto copy = dir.path("cut" + std::to_string(keep) + ".db");
        write_bytes(copy, main.substr(0, keep * 4096));
        write_bytes(copy + "-wal", wal);
        try {
            Database d(copy, with_key());
            SQLite::Statement all(d.sql(), "SELECT display_name, notes FROM customers");
            std::size_t read = 0;
            while (all.executeStep()) {
                const std::string name = all.getColumn(0).getString();
                const auto i = static_cast<std::size_t>(name.back() - '0');
                REQUIRE(i < notes.size());
                CHECK(all.getColumn(1).getString() == notes[i]);
                ++read;
            }
            // Read without an error: then every page it needed was there.
            CHECK(read == notes.size());
        } catch (const crmlite::Error& e) {
            CHECK((e.code() == CRM_ECORRUPT || e.code() == CRM_ENOTADB));
        } catch (const SQLite::Exception& e) {
            INFO(e.what());
            CHECK(((e.getExtendedErrorCode() & 0xFF) == SQLITE_CORRUPT || (e.getExtendedErrorCode() & 0xFF) == SQLITE_NOTADB));
        }
    }
}
