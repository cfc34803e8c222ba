// libFuzzer target: the encrypting VFS (src/crypto) on modified encrypted
// files. See fuzz/README.md.
//
// An input is an edit script over the fixture's bytes (crypt_fixture.hpp):
// byte 0 picks the files (bit 0 clear: "main", the checkpointed database
// alone; set: "wal", the database at S0 and a WAL with three more commits),
// then records of 6 bytes: op, file (even: the database, odd: the WAL),
// offset (3 bytes, big-endian, modulo the file's size), argument:
//   0 xor the byte with the argument (0 counts as 1)   4 copy unit `arg` over unit `offset`
//   1 set the byte to the argument                     5 swap units `arg` and `offset`
//   2 truncate the file at the offset                  6 append (arg + 1) * 16 bytes of `arg`
//   3 zero (arg + 1) * 16 bytes from the offset        7 WAL: copy frame header `arg` over frame header
//                                                        `offset`; database: write `arg` as a 4-byte
//                                                        big-endian number at the offset
// A unit is a page of the database, or the page part of a WAL frame.
// Units are never copied between the two files: a page replaced by an older
// version of itself (from the WAL, or an older copy of the file) at the same
// position authenticates, a limit of page-level encryption documented in
// docs/storage.md.
//
// The modified files are written to a private directory and opened with the
// key through crmlite::Database, then every row of every table is read and
// PRAGMA integrity_check run. The outcome must be one of:
//   - an error: crmlite::Error with CRM_ENOTADB, CRM_ECORRUPT or CRM_EIO, or a
//     SQLite::Exception with SQLITE_CORRUPT, SQLITE_NOTADB or SQLITE_IOERR, or
//     an integrity check that reports a problem;
//   - exactly one of the states the original files held (S3 for "main",
//     S0..S3 for "wal": a damaged WAL frame ends the log, as a torn one does);
//     the unmodified files must give S3.
// Anything else (other data, another error, a crash, a sanitizer report)
// prints INVARIANT VIOLATED and aborts.
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
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <typeinfo>
#include <vector>

#include "common/error.hpp"
#include "crypt_fixture.hpp"
#include "store/database.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kPage = 4096;
constexpr std::size_t kWalHeader = 32;
constexpr std::size_t kFrame = 24 + kPage;
constexpr std::size_t kMaxRecords = 64;

[[noreturn]] void fail(const std::string& what, const std::string& detail = {}) {
    std::fprintf(stderr, "\n==crypt_fuzz== INVARIANT VIOLATED: %s%s%s\n", what.c_str(), detail.empty() ? "" : ": ",
                 detail.c_str());
    std::fflush(stderr);
    std::abort();
}

struct World {
    fs::path dir;
    crmlite::fuzz::CryptFixture fixture;
    std::map<std::string, std::uint64_t> outcomes;  // for CRMLITE_FUZZ_STATS
};

World* world = nullptr;

void cleanup() {
    if (!world) return;
    if (std::getenv("CRMLITE_FUZZ_STATS")) {
        for (const auto& [what, n] : world->outcomes)
            std::fprintf(stderr, "crypt_fuzz: %llu x %s\n", static_cast<unsigned long long>(n), what.c_str());
    }
    std::error_code ec;
    fs::remove_all(world->dir, ec);
    delete world;
    world = nullptr;
}

void write_file(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) fail("cannot write " + p.string());
}

// The byte range of unit `i` of a file, or false when it has no such unit.
bool unit(const std::string& file, bool is_wal, std::size_t i, std::size_t& at) {
    at = is_wal ? kWalHeader + i * kFrame + 24 : i * kPage;
    return at + kPage <= file.size();
}

void apply_record(std::string& file, bool is_wal, const std::uint8_t* r) {
    const unsigned op = r[0] & 7;
    const std::size_t raw_off = (std::size_t{r[2]} << 16) | (std::size_t{r[3]} << 8) | r[4];
    const std::uint8_t arg = r[5];
    const std::size_t size = file.size();
    switch (op) {
    case 0:
        if (size) file[raw_off % size] = static_cast<char>(file[raw_off % size] ^ (arg ? arg : 1));
        break;
    case 1:
        if (size) file[raw_off % size] = static_cast<char>(arg);
        break;
    case 2: file.resize(raw_off % (size + 1)); break;
    case 3:
        if (size) {
            const std::size_t from = raw_off % size, n = std::min<std::size_t>((arg + 1u) * 16u, size - from);
            std::fill_n(file.begin() + static_cast<std::ptrdiff_t>(from), n, '\0');
        }
        break;
    case 4:
    case 5: {
        std::size_t units = is_wal ? (size > kWalHeader ? (size - kWalHeader) / kFrame : 0) : size / kPage;
        if (units == 0) break;
        std::size_t a = 0, b = 0;
        if (!unit(file, is_wal, arg % units, a) || !unit(file, is_wal, raw_off % units, b) || a == b) break;
        if (op == 4) std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(a), kPage, file.begin() + static_cast<std::ptrdiff_t>(b));
        else std::swap_ranges(file.begin() + static_cast<std::ptrdiff_t>(a), file.begin() + static_cast<std::ptrdiff_t>(a + kPage),
                              file.begin() + static_cast<std::ptrdiff_t>(b));
        break;
    }
    case 6: file.append((arg + 1u) * 16u, static_cast<char>(arg)); break;
    case 7:
        if (is_wal) {
            const std::size_t frames = size > kWalHeader ? (size - kWalHeader) / kFrame : 0;
            if (frames == 0) break;
            const std::size_t a = kWalHeader + (arg % frames) * kFrame, b = kWalHeader + (raw_off % frames) * kFrame;
            std::copy_n(file.begin() + static_cast<std::ptrdiff_t>(a), 24, file.begin() + static_cast<std::ptrdiff_t>(b));
        } else if (size >= 4) {
            const std::size_t at = raw_off % (size - 3);
            for (int i = 0; i < 4; ++i) file[at + static_cast<std::size_t>(i)] = static_cast<char>(i == 3 ? arg : 0);
        }
        break;
    }
}

bool expected_status(crm_status s) { return s == CRM_ENOTADB || s == CRM_ECORRUPT || s == CRM_EIO; }
bool expected_sqlite(int code) {
    const int primary = code & 0xFF;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB || primary == SQLITE_IOERR;
}

// Opens the files, reads everything: the dump, or "" when an error was
// reported the way it must be. Aborts on anything else.
std::string open_and_read(const fs::path& db_path) {
    try {
        crmlite::OpenOptions o;
        o.raw_key = crmlite::fuzz::crypt_fixture_key();
        o.create = false;
        crmlite::Database db(db_path.string(), o);
        const std::string dump = crmlite::fuzz::dump_tables(db.handle());
        SQLite::Statement check(db.sql(), "PRAGMA integrity_check");
        std::string problems;
        while (check.executeStep()) {
            const std::string line = check.getColumn(0).getString();
            if (line != "ok") problems += line + "\n";
        }
        if (!problems.empty()) {
            ++world->outcomes["integrity check reports a problem"];
            return {};
        }
        return dump;
    } catch (const crmlite::Error& e) {
        if (!expected_status(e.code()))
            fail(std::string("crmlite::Error with status ") + crm_status_name(e.code()), e.what());
        ++world->outcomes[std::string("crmlite::Error ") + crm_status_name(e.code())];
    } catch (const SQLite::Exception& e) {
        if (!expected_sqlite(e.getExtendedErrorCode()))
            fail("SQLite::Exception with code " + std::to_string(e.getExtendedErrorCode()), e.what());
        ++world->outcomes["SQLite error " + std::to_string(e.getExtendedErrorCode())];
    } catch (const std::exception& e) {
        fail(std::string("unexpected exception ") + typeid(e).name(), e.what());
    }
    return {};
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
    world = new World;
    const char* tmp = std::getenv("CRMLITE_FUZZ_TMPDIR");
    const fs::path base = tmp ? fs::path(tmp) : fs::temp_directory_path();
    fs::create_directories(base);
    for (int i = 0;; ++i) {
        world->dir = base / ("crypt_fuzz-" + std::to_string(getpid()) + "-" + std::to_string(i));
        if (fs::create_directory(world->dir)) break;
    }
    std::atexit(cleanup);
    try {
        if (const char* fixture = std::getenv("CRMLITE_FUZZ_CRYPT_FIXTURE")) {
            world->fixture = crmlite::fuzz::load_crypt_fixture(fixture);
        } else {
            std::fprintf(stderr, "crypt_fuzz: CRMLITE_FUZZ_CRYPT_FIXTURE not set; building a fixture in %s\n",
                         world->dir.c_str());
            world->fixture = crmlite::fuzz::build_crypt_fixture(world->dir.string());
        }
    } catch (const std::exception& e) {
        fail("setting up the fixture", e.what());
    }
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const auto& fx = world->fixture;
    const bool with_wal = (data[0] & 1) != 0;
    std::string db = with_wal ? fx.wal_db : fx.main_db;
    std::string wal = with_wal ? fx.wal_log : std::string();
    const std::size_t records = std::min((size - 1) / 6, kMaxRecords);
    for (std::size_t i = 0; i < records; ++i) {
        const std::uint8_t* r = data + 1 + 6 * i;
        const bool on_wal = (r[1] & 1) != 0;
        if (on_wal && !with_wal) continue;
        apply_record(on_wal ? wal : db, on_wal, r);
    }
    const bool unchanged = db == (with_wal ? fx.wal_db : fx.main_db) && wal == (with_wal ? fx.wal_log : std::string());

    const fs::path path = world->dir / "fuzz.db";
    for (const char* s : {"", "-wal", "-shm", "-journal"}) {
        std::error_code ec;
        fs::remove(path.string() + s, ec);
    }
    write_file(path, db);
    if (with_wal) write_file(path.string() + "-wal", wal);

    const std::string dump = open_and_read(path);
    if (unchanged) {
        if (dump != fx.states.back()) fail("the unmodified files do not read back as their last state");
        ++world->outcomes["unmodified: read back"];
        return 0;
    }
    if (dump.empty()) return 0;
    const auto& states = fx.states;
    const auto first = with_wal ? states.begin() : states.end() - 1;
    const auto hit = std::find(first, states.end(), dump);
    if (hit == states.end()) fail("modified files were read as data that none of the original states held");
    ++world->outcomes["modified, read as state S" + std::to_string(hit - states.begin())];
    return 0;
}
