// crm-sql-costs: where the time of a synced write goes, statement by statement.
// It times every SQL statement one connection runs (sqlite3_trace_v2, start
// and end of each statement, a steady clock) during
//   apply      a blob of N new customers (with a phone each) into a new file;
//   update     N one-field customer updates, each call its own transaction;
//   update-txn the same N updates inside one crm_begin/crm_commit;
//   new-file   N new files from the schema template, then N replaying every
//              migration (store/schema_template.hpp), on the same directory.
// Statements an outer one runs (FTS5's own) are listed too and their time is
// also in the outer statement's; a trigger's work is in the statement that
// fired it. The rest of a call's time is C++
// (decoding, merge rules, validation, version packing). Not a benchmark with a
// baseline: crm-bench's sync suite has those; this explains its figures.
//   crm-sql-costs [apply|update|update-txn|new-file] [N] [DIR]   (files in DIR/crm-sql-costs-<pid>)
#include <sqlite3.h>
#include <unistd.h>

#include <SQLiteCpp/Database.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "customers/customers.hpp"
#include "search/tokenizer.hpp"
#include "store/database.hpp"
#include "store/schema_template.hpp"
#include "sync/engine.hpp"

namespace {

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Uuid;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;
namespace customers = crmlite::customers;

struct Cost {
    long runs = 0;
    double seconds = 0;
};

struct Tracer {
    std::map<std::string, Cost> costs;
    std::unordered_map<void*, Clock::time_point> started;

    sqlite3* db = nullptr;

    // SQLITE_TRACE_STMT also fires when a trigger starts, with the statement
    // that fired it and a text "-- TRIGGER name": not a new start.
    static int on_trace(unsigned type, void* self, void* p, void* x) {
        auto& t = *static_cast<Tracer*>(self);
        if (type == SQLITE_TRACE_STMT) {
            const char* text = static_cast<const char*>(x);
            if (text == nullptr || std::strncmp(text, "--", 2) != 0) t.started[p] = Clock::now();
        } else if (type == SQLITE_TRACE_PROFILE) {
            const auto it = t.started.find(p);
            if (it == t.started.end()) return 0;
            const char* sql = sqlite3_sql(static_cast<sqlite3_stmt*>(p));
            Cost& c = t.costs[sql != nullptr ? std::string(sql).substr(0, 110) : std::string("?")];
            ++c.runs;
            c.seconds += std::chrono::duration<double>(Clock::now() - it->second).count();
            t.started.erase(it);
        }
        return 0;
    }
    void attach(sqlite3* handle) {
        db = handle;
        sqlite3_trace_v2(db, SQLITE_TRACE_STMT | SQLITE_TRACE_PROFILE, &Tracer::on_trace, this);
    }
    Tracer() = default;
    Tracer(const Tracer&) = delete;
    Tracer& operator=(const Tracer&) = delete;
    ~Tracer() {
        if (db != nullptr) sqlite3_trace_v2(db, 0, nullptr, nullptr);
    }

    void print(double total, long calls) const {
        std::vector<std::pair<std::string, Cost>> rows(costs.begin(), costs.end());
        std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second.seconds > b.second.seconds; });
        std::printf("%.1f µs per call in all (%ld calls, %.3f s)\n", total * 1e6 / static_cast<double>(calls), calls, total);
        std::printf("%9s %10s  %s\n", "runs", "µs/call", "statement");
        for (const auto& [sql, c] : rows) {
            if (c.seconds * 1e6 / static_cast<double>(calls) < 0.05) continue;
            std::printf("%9ld %10.2f  %s\n", c.runs, c.seconds * 1e6 / static_cast<double>(calls), sql.c_str());
        }
    }
};

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

Json profile(int i) {
    return Json{{"kind", "person"},
                {"display_name", "张伟" + std::to_string(i)},
                {"family_name", "张"},
                {"given_name", "伟"},
                {"phones", Json::array({Json{{"value", "+86138" + std::to_string(10000000 + i)}}})},
                {"stage", "prospect"},
                {"city", "上海"},
                {"region", "east"},
                {"source", "import"},
                {"notes", "VIP customer since 2020"}};
}

std::vector<Uuid> make_customers(Database& db, int n) {
    std::vector<Uuid> ids;
    db.begin();
    for (int i = 0; i < n; ++i) ids.push_back(customers::create(db, profile(i)));
    db.commit();
    return ids;
}

void run_apply(const std::string& dir, int n) {
    Database from(dir + "/from.db", OpenOptions{});
    make_customers(from, n);
    const auto changes = crmlite::sync::changes_since(from, 0, static_cast<std::size_t>(n) * 4);
    Database to(dir + "/to.db", OpenOptions{});
    Tracer t;
    t.attach(to.handle());
    const auto t0 = Clock::now();
    const Json report = crmlite::sync::apply(to, changes.blob, {});
    const double total = seconds_since(t0);
    std::printf("apply: %d customers with a phone each, %s field changes applied: %.0f field changes/s\n", n,
                report.at("fields_applied").dump().c_str(), report.at("fields_applied").get<double>() / total);
    t.print(total, n);
}

void run_update(const std::string& dir, int n, bool one_transaction) {
    Database db(dir + "/update.db", OpenOptions{});
    const auto ids = make_customers(db, n);
    const char* stages[] = {"customer", "repeat", "loyal"};
    Tracer t;
    t.attach(db.handle());
    const auto t0 = Clock::now();
    if (one_transaction) db.begin();
    for (int i = 0; i < n; ++i) customers::update(db, ids[static_cast<std::size_t>(i)], Json{{"stage", stages[i % 3]}});
    if (one_transaction) db.commit();
    const double total = seconds_since(t0);
    std::printf("update of one field (stage), %s\n", one_transaction ? "all in one transaction" : "each call its own transaction");
    t.print(total, n);
}

void run_new_file(const std::string& dir, int n) {
    Database warm(dir + "/warm.db", OpenOptions{});  // builds the process's template once
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) Database d(dir + "/t" + std::to_string(i) + ".db", OpenOptions{});
    const double with_template = seconds_since(t0) / n;
    t0 = Clock::now();
    for (int i = 0; i < n; ++i) {
        SQLite::Database d(dir + "/r" + std::to_string(i) + ".db", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        crmlite::search::register_tokenizer(d.getHandle());
        d.exec("PRAGMA journal_mode=WAL");
        d.exec("PRAGMA synchronous=NORMAL");
        d.exec("BEGIN IMMEDIATE");
        crmlite::run_migrations(d, 0);
        d.exec("COMMIT");
    }
    const double replay = seconds_since(t0) / n;
    std::printf("new file: %.2f ms through Database (template), %.2f ms replaying every migration on a bare connection "
                "(%.2fx), %d files each\n",
                with_template * 1e3, replay * 1e3, replay / with_template, n);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc > 1 ? argv[1] : "apply";
    const int n = argc > 2 ? std::max(1, std::atoi(argv[2])) : 3000;
    // Its own new directory inside DIR (default: the temp directory), removed at the end.
    const fs::path base = argc > 3 ? fs::path(argv[3]) : fs::temp_directory_path();
    const std::string dir = (base / ("crm-sql-costs-" + std::to_string(::getpid()))).string();
    try {
        fs::create_directories(base);
        if (!fs::create_directory(dir)) throw std::runtime_error(dir + " exists already");
        if (mode == "apply") run_apply(dir, n);
        else if (mode == "update") run_update(dir, n, false);
        else if (mode == "update-txn") run_update(dir, n, true);
        else if (mode == "new-file") run_new_file(dir, std::min(n, 200));
        else {
            std::fprintf(stderr, "usage: crm-sql-costs [apply|update|update-txn|new-file] [N] [DIR]\n");
            return 2;
        }
        fs::remove_all(dir);
    } catch (const std::exception& e) {
        std::error_code ec;
        if (std::string(e.what()).find("exists already") == std::string::npos) fs::remove_all(dir, ec);
        std::fprintf(stderr, "crm-sql-costs: %s\n", e.what());
        return 1;
    }
    return 0;
}
