// Online backup, restore and verification (src/backup).
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "backup/backup.hpp"
#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::testing::TempDb;
using crmlite::testing::TempDir;
namespace backup = crmlite::backup;
namespace customers = crmlite::customers;
namespace fs = std::filesystem;

namespace {

const std::string kKey(32, '\x21');

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void add_people(Database& db, int n) {
    for (int i = 0; i < n; ++i) {
        const auto id = customers::create(
            db, Json{{"display_name", (i % 2 ? "张伟" : "Anna Lindqvist ") + std::to_string(i)},
                     {"phones", {"1391234" + std::to_string(1000 + i)}},
                     {"notes", std::string(300, static_cast<char>('a' + i % 26))}});
        crmlite::interactions::add(db, Json{{"customer_id", id.str()}, {"kind", "call"}, {"subject", "回访 " + std::to_string(i)}});
    }
}

std::vector<std::string> names(const std::string& path, const OpenOptions& o = {}) {
    Database db(path, o);
    std::vector<std::string> out;
    SQLite::Statement st(db.sql(), "SELECT display_name FROM customers ORDER BY display_name");
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    return out;
}

OpenOptions keyed(const std::string& raw) {
    OpenOptions o;
    o.raw_key = raw;
    return o;
}

std::size_t files_in(const std::string& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

TEST_CASE("a backup taken in steps restores to the same records", "[backup]") {
    TempDb t;
    add_people(*t, 60);
    const auto path = t.dir.path("backup.db");
    std::vector<std::pair<std::int64_t, std::int64_t>> calls;
    backup::CopyOptions o;
    o.pages_per_step = 3;
    o.progress = [&](std::int64_t done, std::int64_t total) {
        calls.emplace_back(done, total);
        return true;
    };
    const Json report = backup::backup_to(*t, path, o);
    REQUIRE(calls.size() > 3);
    for (std::size_t i = 1; i < calls.size(); ++i) CHECK(calls[i].first >= calls[i - 1].first);
    CHECK(calls.back().first == calls.back().second);
    CHECK(report["pages"].get<std::int64_t>() == calls.back().second);
    CHECK(report["encrypted"].get<bool>() == t->encrypted());

    const Json v = backup::verify(path, t->encrypted() ? crmlite::crypto::KeySpec{"", crmlite::crypto::test_raw_key()}
                                                       : crmlite::crypto::KeySpec{});
    CHECK(v["ok"].get<bool>());
    CHECK(v["customers"].get<int>() == 60);
    CHECK(v["interactions"].get<int>() == 60);
    CHECK(v["counters_match"].get<bool>());
    CHECK(v["schema_version"].get<int>() == Database::latest_schema_version());

    const auto target = t.dir.path("restored.db");
    const Json r = backup::restore(path, target, OpenOptions{}, backup::CopyOptions{});
    CHECK(r["customers"].get<int>() == 60);
    const auto expected = names(t.file);
    CHECK(names(target) == expected);
    CHECK(expected.size() == 60);
}

TEST_CASE("a backup runs while the database is written to", "[backup]") {
    TempDb t;
    add_people(*t, 40);
    Database other(t.file, OpenOptions{});
    const auto path = t.dir.path("backup.db");
    int calls = 0;
    backup::CopyOptions o;
    o.pages_per_step = 2;
    o.progress = [&](std::int64_t, std::int64_t) {
        ++calls;
        // Between steps the source is unlocked: another connection commits (the
        // copy restarts) and so does the backing-up one (carried over).
        try {
            if (calls == 2) customers::create(other, Json{{"display_name", "写于备份中 other"}});
            if (calls == 4) customers::create(*t, Json{{"display_name", "written during backup, same handle"}});
        } catch (const SQLite::Exception& e) {
            FAIL("call " << calls << ": " << e.what() << " ext " << e.getExtendedErrorCode());
        }
        return true;
    };
    backup::backup_to(*t, path, o);
    REQUIRE(calls > 4);
    const auto got = names(path);
    CHECK(got.size() == 42);
    CHECK(std::find(got.begin(), got.end(), "写于备份中 other") != got.end());
    CHECK(std::find(got.begin(), got.end(), "written during backup, same handle") != got.end());
}

TEST_CASE("a canceled or refused backup leaves no file behind", "[backup]") {
    TempDb t;
    add_people(*t, 30);
    const auto path = t.dir.path("backup.db");
    const auto before = files_in(t.dir.path(""));
    backup::CopyOptions o;
    o.pages_per_step = 1;
    o.progress = [](std::int64_t done, std::int64_t) { return done < 5; };
    CHECK_CRM_ERROR(backup::backup_to(*t, path, o), CRM_ECANCELED, "canceled");
    CHECK_FALSE(fs::exists(path));
    CHECK(files_in(t.dir.path("")) == before);

    { std::ofstream(path) << "x"; }
    CHECK_CRM_ERROR(backup::backup_to(*t, path, backup::CopyOptions{}), CRM_EEXISTS, "already exists");
    CHECK(read_bytes(path) == "x");
    t->begin();
    CHECK_CRM_ERROR(backup::backup_to(*t, t.dir.path("b2.db"), backup::CopyOptions{}), CRM_EMISUSE, "transaction");
    t->rollback();
    backup::CopyOptions bad;
    bad.pages_per_step = 0;
    CHECK_CRM_ERROR(backup::backup_to(*t, t.dir.path("b3.db"), bad), CRM_EINVAL, "pages_per_step");
    CHECK_FALSE(fs::exists(t.dir.path("b3.db")));
}

TEST_CASE("the backup of an encrypted database is encrypted, with its key or a new one", "[backup][crypto]") {
    TempDir dir;
    const auto file = dir.path("enc.db");
    Database db(file, keyed(kKey));
    add_people(db, 20);
    customers::create(db, Json{{"display_name", "司马懿 Secret"}});

    SECTION("same key") {
        const auto path = dir.path("same.db");
        CHECK(backup::backup_to(db, path, backup::CopyOptions{})["encrypted"].get<bool>());
        const auto bytes = read_bytes(path);
        CHECK(bytes.find("司马懿") == std::string::npos);
        CHECK(bytes.find("Anna Lindqvist") == std::string::npos);
        CHECK_CRM_ERROR(backup::verify(path, {}), CRM_ENOTADB, "encrypted");
        CHECK(backup::verify(path, {"", kKey})["ok"].get<bool>());
        // Restored into a new file: encrypted with the same key.
        const auto target = dir.path("restored.db");
        backup::CopyOptions ro;
        ro.key.raw_key = kKey;
        backup::restore(path, target, OpenOptions{}, ro);
        CHECK(read_bytes(target).find("司马懿") == std::string::npos);
        CHECK(names(target, keyed(kKey)).size() == 21);
    }
    SECTION("a new passphrase") {
        const auto path = dir.path("new.db");
        backup::CopyOptions o;
        o.key.passphrase = "备份口令 backup pass";
        backup::backup_to(db, path, o);
        CHECK(read_bytes(path).find("司马懿") == std::string::npos);
        CHECK_CRM_ERROR(backup::verify(path, {"", kKey}), CRM_ENOTADB, "wrong key");
        const Json v = backup::verify(path, {"备份口令 backup pass", ""});
        CHECK(v["ok"].get<bool>());
        CHECK(v["customers"].get<int>() == 21);
        // Restore over the original, re-encrypting with the original's key.
        backup::CopyOptions ro;
        ro.key.passphrase = "备份口令 backup pass";
        OpenOptions target = keyed(kKey);
        customers::create(db, Json{{"display_name", "after the backup"}});
        backup::restore(path, file, target, ro);
        CHECK(names(file, keyed(kKey)).size() == 21);
    }
    SECTION("refusals") {
        backup::CopyOptions short_key;
        short_key.key.raw_key = "short";
        CHECK_CRM_ERROR(backup::backup_to(db, dir.path("k.db"), short_key), CRM_EINVAL, "32 bytes");
        TempDir other;
        const auto plain = other.path("plain.db");
        OpenOptions po;
        { Database p(plain, po); if (p.encrypted()) return; }
        Database p(plain, po);
        backup::CopyOptions keyed_backup;
        keyed_backup.key.passphrase = "x";
        CHECK_CRM_ERROR(backup::backup_to(p, other.path("b.db"), keyed_backup), CRM_EINVAL, "not encrypted");
        // An encrypted backup never restores into a plain file.
        const auto path = dir.path("same.db");
        backup::backup_to(db, path, backup::CopyOptions{});
        backup::CopyOptions ro;
        ro.key.raw_key = kKey;
        CHECK_CRM_ERROR(backup::restore(path, plain, OpenOptions{}, ro), CRM_EINVAL, "not encrypted");
    }
}

TEST_CASE("a damaged backup fails verification and is never restored", "[backup]") {
    TempDir dir;
    const auto file = dir.path("enc.db");
    Database db(file, keyed(kKey));
    add_people(db, 20);
    const auto path = dir.path("backup.db");
    backup::backup_to(db, path, backup::CopyOptions{});
    auto bytes = read_bytes(path);
    bytes[4096 * 3 + 700] = static_cast<char>(bytes[4096 * 3 + 700] ^ 0x08);
    { std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(bytes.size())); }
    const Json v = backup::verify(path, {"", kKey});
    CHECK_FALSE(v["ok"].get<bool>());
    CHECK(v["problems"].size() >= 1);

    const auto target = dir.path("target.db");
    backup::CopyOptions ro;
    ro.key.raw_key = kKey;
    CHECK_CRM_ERROR(backup::restore(path, target, OpenOptions{}, ro), CRM_ECORRUPT, "nothing was restored");
    CHECK_FALSE(fs::exists(target));

    CHECK(backup::integrity(db)["ok"].get<bool>());
    CHECK_CRM_ERROR(backup::verify(dir.path("missing.db"), {}), CRM_ENOTFOUND, "no such");
}
