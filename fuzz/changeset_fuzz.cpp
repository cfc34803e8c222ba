// libFuzzer target: the changeset decoder (crmlite::sync::decode) and the merge
// (crmlite::sync::apply) on hostile blobs. See fuzz/README.md.
//
// Input: first byte & 3 picks the mode (fixture.hpp), the rest is the payload;
// with bit 2 of the first byte set, blobs are only decoded (fast), not applied.
//   raw       decode(payload) must return or throw crmlite::Error
//             (CRM_ECORRUPT / CRM_EFORMAT), nothing else; apply() if it decodes
//   resign    payload with its last 4 bytes replaced by the right CRC-32C, so
//             mutations get past the checksum to the structural checks, then apply()
//   sequence  payload cut before each "CRMS", every piece re-signed and applied
//             in order (pages, then an update, then a delete ...)
//   append    the CRC-32C of the whole payload appended, then apply()
// A blob that decodes must re-encode to a blob that decodes to the same
// encoding. apply() may only throw crmlite::Error (CRM_ECORRUPT, CRM_EFORMAT,
// CRM_EINVAL); a SQLite constraint error is tolerated and counted (set
// CRMLITE_FUZZ_STRICT=1 to make it fatal). After every apply that wrote:
// no transaction left open, PRAGMA foreign_key_check empty, the customer and
// interaction counters match their tables, no deleted customer or interaction
// present, and a refused blob left the database exactly as it was
// (canonical_dump); every CRMLITE_FUZZ_CHECK_EVERY (16) such inputs also
// PRAGMA quick_check = ok and both full-text indexes pass integrity-check.
// Any violation prints what and aborts.
//
// The database is a real file in a private temp dir (under $CRMLITE_FUZZ_TMPDIR
// if set): a copy of $CRMLITE_FUZZ_FIXTURE (made by changeset_seeds, so seed
// blobs meet the records they name) or, without it, a fixture built here. It
// is restored from an in-memory copy after every input that wrote, so every
// input runs against the same state and a crash reproduces from its file.
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <typeinfo>
#include <vector>

#include "common/error.hpp"
#include "fixture.hpp"
#include "store/database.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"

namespace {

namespace fs = std::filesystem;
namespace csync = crmlite::sync;
using crmlite::fuzz::Mode;

constexpr std::size_t kMaxPieces = 16;

[[noreturn]] void fail(const std::string& what, const std::string& detail = {}) {
    std::fprintf(stderr, "\n==changeset_fuzz== INVARIANT VIOLATED: %s%s%s\n", what.c_str(), detail.empty() ? "" : ": ",
                 detail.c_str());
    std::fflush(stderr);
    std::abort();
}

struct Stats {
    std::uint64_t inputs = 0, decoded = 0, applied = 0, refused_before_write = 0, refused_after_write = 0,
                  tolerated_sqlite = 0, deep_checks = 0, dump_checks = 0;
    std::map<int, std::uint64_t> refused_by_status;
    std::map<std::string, std::uint64_t> tolerated;  // first lines of tolerated SQLite errors
};

struct World {
    fs::path dir;
    std::unique_ptr<crmlite::Database> db;
    sqlite3* pristine = nullptr;  // in-memory copy of the starting state
    std::string pristine_dump;
    bool strict = false;
    bool decode_only = false;  // CRMLITE_FUZZ_DECODE_ONLY: never apply
    std::uint64_t check_every = 16;
    std::uint64_t writes = 0;  // inputs that wrote
    Stats stats;
};

World* world = nullptr;

void copy_database(sqlite3* from, sqlite3* to) {
    sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) fail("sqlite3_backup_init", sqlite3_errmsg(to));
    const int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) fail("sqlite3_backup_step", sqlite3_errstr(rc));
}

std::string status_name(int code) { return std::to_string(code) + " (" + crm_status_name(static_cast<crm_status>(code)) + ")"; }

std::int64_t count(const std::string& sql) { return world->db->sql().execAndGet(sql).getInt64(); }

void check_invariants(bool deep) {
    crmlite::Database& db = *world->db;
    if (!sqlite3_get_autocommit(db.handle()) || db.in_transaction()) fail("apply left a transaction open");
    {
        SQLite::Statement fk(db.sql(), "PRAGMA foreign_key_check");
        if (fk.executeStep())
            fail("PRAGMA foreign_key_check reports a row",
                 fk.getColumn(0).getString() + " rowid " + fk.getColumn(1).getString() + " -> " + fk.getColumn(2).getString());
    }
    for (const char* t : {"customers", "interactions"}) {
        const auto counted = db.counter(t), actual = count(std::string("SELECT count(*) FROM ") + t);
        if (counted != actual)
            fail(std::string("counter ") + t + " is wrong", std::to_string(counted) + " counted, " + std::to_string(actual) + " rows");
    }
    if (count("SELECT count(*) FROM customers WHERE id IN (SELECT id FROM sync_tombstones WHERE tbl = 1)") != 0)
        fail("a deleted customer is present");
    if (count("SELECT count(*) FROM interactions WHERE id IN (SELECT id FROM sync_tombstones WHERE tbl = 3)") != 0)
        fail("a deleted interaction is present");
    if (!deep) return;
    ++world->stats.deep_checks;
    {
        SQLite::Statement qc(db.sql(), "PRAGMA quick_check");
        std::string result;
        while (qc.executeStep()) result += qc.getColumn(0).getString() + "\n";
        if (result != "ok\n") fail("PRAGMA quick_check", result);
    }
    for (const char* fts : {"customer_fts", "interaction_fts"}) {
        try {
            db.sql().exec(std::string("INSERT INTO ") + fts + "(" + fts + ") VALUES ('integrity-check')");
        } catch (const SQLite::Exception& e) {
            fail(std::string(fts) + " integrity-check", e.what());
        }
    }
}

void restore() {
    world->db->reset_statements();
    copy_database(world->pristine, world->db->handle());
}

void cleanup() {
    if (!world) return;
    if (std::getenv("CRMLITE_FUZZ_STATS")) {
        const Stats& s = world->stats;
        std::fprintf(stderr,
                     "changeset_fuzz: %llu inputs, %llu blobs decoded, %llu applied, refused %llu before / %llu after "
                     "writing, %llu tolerated SQLite errors, %llu deep checks, %llu dump checks\n",
                     static_cast<unsigned long long>(s.inputs), static_cast<unsigned long long>(s.decoded),
                     static_cast<unsigned long long>(s.applied), static_cast<unsigned long long>(s.refused_before_write),
                     static_cast<unsigned long long>(s.refused_after_write), static_cast<unsigned long long>(s.tolerated_sqlite),
                     static_cast<unsigned long long>(s.deep_checks), static_cast<unsigned long long>(s.dump_checks));
        int statements = 0;
        for (sqlite3_stmt* st = sqlite3_next_stmt(world->db->handle(), nullptr); st; st = sqlite3_next_stmt(world->db->handle(), st))
            ++statements;
        std::fprintf(stderr, "  %d prepared statements on the connection, sqlite3_memory_used %lld bytes\n", statements,
                     static_cast<long long>(sqlite3_memory_used()));
        for (const auto& [code, n] : s.refused_by_status)
            std::fprintf(stderr, "  refused with status %s: %llu\n", status_name(code).c_str(), static_cast<unsigned long long>(n));
        for (const auto& [msg, n] : s.tolerated)
            std::fprintf(stderr, "  tolerated %llu x %s\n", static_cast<unsigned long long>(n), msg.c_str());
    }
    world->db.reset();
    sqlite3_close(world->pristine);
    std::error_code ec;
    fs::remove_all(world->dir, ec);
    delete world;
    world = nullptr;
}

std::string with_crc(std::string_view body) {
    std::string out(body);
    const std::uint32_t crc = csync::crc32c(body);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
    return out;
}

std::string resigned(std::string_view blob) { return blob.size() < 4 ? std::string(blob) : with_crc(blob.substr(0, blob.size() - 4)); }

// decode() must accept or refuse with a typed error; what it accepts must
// survive encode() and decode() again unchanged.
std::optional<csync::Changeset> check_decode(std::string_view blob) {
    std::optional<csync::Changeset> cs;
    try {
        cs = csync::decode(blob);
    } catch (const crmlite::Error& e) {
        if (e.code() != CRM_ECORRUPT && e.code() != CRM_EFORMAT) fail("decode threw status " + status_name(e.code()), e.what());
        return std::nullopt;
    } catch (const std::exception& e) {
        fail(std::string("decode threw ") + typeid(e).name(), e.what());
    }
    ++world->stats.decoded;
    try {
        const std::string again = csync::encode(*cs);
        const std::string twice = csync::encode(csync::decode(again));
        if (twice != again) fail("encode(decode(encode(x))) differs from encode(x)");
        (void)csync::to_json(*cs, {});
    } catch (const std::exception& e) {
        fail("a decoded changeset does not re-encode and decode", e.what());
    }
    return cs;
}

void check_apply(const std::string& blob, bool pristine_before) {
    crmlite::Database& db = *world->db;
    Stats& s = world->stats;
    const auto changes_before = sqlite3_total_changes64(db.handle());
    bool refused = false;
    try {
        const crmlite::Json report = csync::apply(db, blob, {});
        ++s.applied;
        for (const auto& [key, value] : report.items())
            if (value.is_number_integer() && value.get<std::int64_t>() < 0) fail("apply report: negative " + key, report.dump());
    } catch (const crmlite::Error& e) {
        refused = true;
        ++s.refused_by_status[e.code()];
        if (e.code() != CRM_ECORRUPT && e.code() != CRM_EFORMAT && e.code() != CRM_EINVAL)
            fail("apply threw status " + status_name(e.code()), e.what());
    } catch (const SQLite::Exception& e) {
        refused = true;
        if (world->strict || (e.getErrorCode() & 0xFF) != SQLITE_CONSTRAINT)
            fail("apply threw a SQLite error (" + std::to_string(e.getExtendedErrorCode()) + ")", e.what());
        ++s.tolerated_sqlite;
        if (s.tolerated.size() < 64 || s.tolerated.count(e.what())) ++s.tolerated[e.what()];
    } catch (const std::exception& e) {
        fail(std::string("apply threw ") + typeid(e).name(), e.what());
    }
    const bool wrote = sqlite3_total_changes64(db.handle()) != changes_before;
    if (refused && !wrote) {
        ++s.refused_before_write;
        if (db.in_transaction() || !sqlite3_get_autocommit(db.handle())) fail("a refused apply left a transaction open");
        return;
    }
    if (refused) ++s.refused_after_write;
    const bool deep = ++world->writes % world->check_every == 0;
    check_invariants(deep);
    // A refused blob changes nothing (one transaction). Rare enough to check every time.
    if (refused && pristine_before) {
        ++s.dump_checks;
        if (csync::canonical_dump(db) != world->pristine_dump) fail("a refused blob changed the database");
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    world = new World;
    world->strict = std::getenv("CRMLITE_FUZZ_STRICT") != nullptr;
    world->decode_only = std::getenv("CRMLITE_FUZZ_DECODE_ONLY") != nullptr;
    if (const char* n = std::getenv("CRMLITE_FUZZ_CHECK_EVERY")) world->check_every = static_cast<std::uint64_t>(std::max(1LL, std::atoll(n)));
    const char* tmp = std::getenv("CRMLITE_FUZZ_TMPDIR");
    const fs::path base = tmp ? fs::path(tmp) : fs::temp_directory_path();
    fs::create_directories(base);
    for (int i = 0;; ++i) {
        world->dir = base / ("changeset_fuzz-" + std::to_string(getpid()) + "-" + std::to_string(i));
        if (fs::create_directory(world->dir)) break;
    }
    std::atexit(cleanup);
    const fs::path file = world->dir / "local.db";
    try {
        if (const char* fixture = std::getenv("CRMLITE_FUZZ_FIXTURE")) {
            fs::copy_file(fixture, file);
            if (fs::exists(std::string(fixture) + "-wal")) fs::copy_file(std::string(fixture) + "-wal", file.string() + "-wal");
        } else {
            std::fprintf(stderr, "changeset_fuzz: CRMLITE_FUZZ_FIXTURE not set; building a fixture in %s\n", world->dir.c_str());
            (void)crmlite::fuzz::build_fixture(file.string(), (world->dir / "remote.db").string());
        }
        world->db = std::make_unique<crmlite::Database>(file.string(), crmlite::OpenOptions{});
        if (sqlite3_open(":memory:", &world->pristine) != SQLITE_OK) fail("sqlite3_open(:memory:)");
        copy_database(world->db->handle(), world->pristine);
        world->pristine_dump = csync::canonical_dump(*world->db);
        check_invariants(true);
    } catch (const std::exception& e) {
        fail("setting up the fixture", e.what());
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    ++world->stats.inputs;
    const auto mode = static_cast<Mode>(data[0] & 3);
    const bool decode_only = world->decode_only || (data[0] & crmlite::fuzz::kDecodeOnly) != 0;
    const std::string_view payload(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::vector<std::string> blobs;
    switch (mode) {
    case crmlite::fuzz::kRaw: blobs.emplace_back(payload); break;
    case crmlite::fuzz::kResign: blobs.push_back(resigned(payload)); break;
    case crmlite::fuzz::kAppendCrc: blobs.push_back(with_crc(payload)); break;
    case crmlite::fuzz::kSequence: {
        std::size_t start = 0;
        while (start < payload.size() && blobs.size() < kMaxPieces) {
            std::size_t next = payload.find("CRMS", start + 1);
            if (next == std::string_view::npos || blobs.size() + 1 == kMaxPieces) next = payload.size();
            blobs.push_back(resigned(payload.substr(start, next - start)));
            start = next;
        }
        break;
    }
    }
    const auto changes_before = sqlite3_total_changes64(world->db->handle());
    for (std::size_t i = 0; i < blobs.size(); ++i) {
        if (!check_decode(blobs[i]) || decode_only) continue;
        check_apply(blobs[i], sqlite3_total_changes64(world->db->handle()) == changes_before);
    }
    if (sqlite3_total_changes64(world->db->handle()) != changes_before) restore();
    return 0;
}
