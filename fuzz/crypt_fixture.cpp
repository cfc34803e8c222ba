#include "crypt_fixture.hpp"

#include <SQLiteCpp/Exception.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "common/json.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "store/database.hpp"

namespace crmlite::fuzz {

namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + p.string());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_file(const fs::path& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) throw std::runtime_error("cannot write " + p.string());
}

void put_u32(std::string& out, std::uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint32_t get_u32(const std::string& in, std::size_t at) {
    if (at + 4 > in.size()) throw std::runtime_error("states file cut short");
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
    return v;
}

}  // namespace

std::string crypt_fixture_key() { return "crmlite-fuzz-crypt-key-012345678"; }

std::string dump_tables(sqlite3* db) {
    std::vector<std::string> tables;
    {
        sqlite3_stmt* st = nullptr;
        int rc = sqlite3_prepare_v2(db,
                                    "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                                    "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name",
                                    -1, &st, nullptr);
        if (rc != SQLITE_OK) throw SQLite::Exception(db, rc);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) throw SQLite::Exception(db, rc);
    }
    std::string out;
    for (const auto& t : tables) {
        out += "table " + t + "\n";
        sqlite3_stmt* st = nullptr;
        const std::string sql = "SELECT * FROM \"" + t + "\"";
        int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr);
        if (rc != SQLITE_OK) throw SQLite::Exception(db, rc);
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                const int type = sqlite3_column_type(st, c);
                out.push_back(static_cast<char>('0' + type));
                if (type == SQLITE_INTEGER) {
                    out += std::to_string(sqlite3_column_int64(st, c));
                } else if (type == SQLITE_FLOAT) {
                    out += std::to_string(sqlite3_column_double(st, c));
                } else if (type != SQLITE_NULL) {
                    const auto* p = static_cast<const char*>(sqlite3_column_blob(st, c));
                    const int n = sqlite3_column_bytes(st, c);
                    out += std::to_string(n) + ":";
                    if (n > 0) out.append(p, static_cast<std::size_t>(n));
                }
                out.push_back('|');
            }
            out.push_back('\n');
        }
        sqlite3_finalize(st);
        // An error is thrown as SQLite reports it (the fuzzer tells them apart).
        if (rc != SQLITE_DONE) throw SQLite::Exception(db, rc);
    }
    return out;
}

CryptFixture build_crypt_fixture(const std::string& dir) {
    const fs::path file = fs::path(dir) / "fixture-build.db";
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(file.string() + s);
    OpenOptions o;
    o.raw_key = crypt_fixture_key();
    CryptFixture f;
    {
        Database db(file.string(), o);
        if (!db.encrypted()) throw std::runtime_error("the fixture is not encrypted");
        std::vector<Uuid> people;
        const char* names[] = {"王小明", "欧阳娜娜", "Zoë Châtelain", "Brightwater Ltd", "李雷", "Hans Müller"};
        for (int i = 0; i < 6; ++i) {
            people.push_back(customers::create(
                db, Json{{"display_name", names[i]},
                         {"phones", {"1381234567" + std::to_string(i)}},
                         {"emails", {"p" + std::to_string(i) + "@example.org"}},
                         {"city", i % 2 ? "深圳" : "Basel"},
                         // Long enough for overflow pages.
                         {"notes", std::string(static_cast<std::size_t>(3000 + 700 * i), static_cast<char>('a' + i))}}));
            interactions::add(db, Json{{"customer_id", people.back().str()}, {"kind", "call"}, {"subject", "回访 " + std::to_string(i)}});
        }
        db.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
        f.states.push_back(dump_tables(db.handle()));
        customers::update(db, people[0], Json{{"city", "上海"}, {"notes", std::string(5000, 'z')}});
        f.states.push_back(dump_tables(db.handle()));
        customers::create(db, Json{{"display_name", "New after checkpoint"}, {"phones", {"13900000000"}}});
        f.states.push_back(dump_tables(db.handle()));
        customers::remove(db, people[2]);
        f.states.push_back(dump_tables(db.handle()));
        f.wal_db = read_file(file);
        f.wal_log = read_file(file.string() + "-wal");
    }
    f.main_db = read_file(file);
    if (fs::exists(file.string() + "-wal") && fs::file_size(file.string() + "-wal") != 0)
        throw std::runtime_error("the WAL was not checkpointed at close");
    for (const char* s : {"", "-wal", "-shm"}) fs::remove(file.string() + s);
    return f;
}

void save_crypt_fixture(const CryptFixture& f, const std::string& dir) {
    const fs::path d(dir);
    fs::create_directories(d);
    write_file(d / "main.db", f.main_db);
    write_file(d / "wal.db", f.wal_db);
    write_file(d / "wal.db-wal", f.wal_log);
    std::string states;
    for (const auto& s : f.states) {
        put_u32(states, static_cast<std::uint32_t>(s.size()));
        states += s;
    }
    write_file(d / "states", states);
}

CryptFixture load_crypt_fixture(const std::string& dir) {
    const fs::path d(dir);
    CryptFixture f;
    f.main_db = read_file(d / "main.db");
    f.wal_db = read_file(d / "wal.db");
    f.wal_log = read_file(d / "wal.db-wal");
    const std::string states = read_file(d / "states");
    for (std::size_t at = 0; at < states.size();) {
        const std::uint32_t n = get_u32(states, at);
        at += 4;
        if (at + n > states.size()) throw std::runtime_error("states file cut short");
        f.states.push_back(states.substr(at, n));
        at += n;
    }
    if (f.states.size() != 4) throw std::runtime_error("states file: expected 4 states");
    return f;
}

std::vector<std::pair<std::string, std::string>> crypt_seeds() {
    // A record: op, file, offset (3 bytes, big-endian), argument.
    const auto rec = [](unsigned op, unsigned file, std::uint32_t off, unsigned arg) {
        std::string r;
        r.push_back(static_cast<char>(op));
        r.push_back(static_cast<char>(file));
        r.push_back(static_cast<char>((off >> 16) & 0xFF));
        r.push_back(static_cast<char>((off >> 8) & 0xFF));
        r.push_back(static_cast<char>(off & 0xFF));
        r.push_back(static_cast<char>(arg));
        return r;
    };
    const std::string main(1, '\0'), wal(1, '\1');
    return {
        {"main-unchanged", main},
        {"wal-unchanged", wal},
        {"main-flip-page1", main + rec(0, 0, 200, 1)},
        {"main-flip-page3", main + rec(0, 0, 2 * 4096 + 77, 0x80)},
        {"main-flip-nonce", main + rec(0, 0, 5 * 4096 - 50, 4)},
        {"main-truncate", main + rec(2, 0, 6 * 4096, 0)},
        {"main-move-page", main + rec(4, 0, 3, 5)},
        {"main-swap-pages", main + rec(5, 0, 2, 7)},
        {"main-page-size", main + rec(1, 0, 16, 0x20)},
        {"main-reserve", main + rec(1, 0, 20, 0x40)},
        {"wal-flip-frame", wal + rec(0, 1, 32 + 24 + 1000, 1)},
        {"wal-flip-header", wal + rec(0, 1, 12, 1)},
        {"wal-truncate", wal + rec(2, 1, 32 + 3 * (24 + 4096) + 100, 0)},
        {"wal-drop-main", wal + rec(2, 0, 0, 0)},
        {"wal-copy-frame", wal + rec(4, 1, 1, 3)},
        {"wal-frame-header", wal + rec(7, 1, 2, 0)},
        {"wal-zero-range", wal + rec(3, 1, 32 + 24, 40)},
        {"wal-append", wal + rec(6, 1, 0, 200)},
        {"wal-main-truncate", wal + rec(2, 0, 4 * 4096, 0)},
    };
}

}  // namespace crmlite::fuzz
