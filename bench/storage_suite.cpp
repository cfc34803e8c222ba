// Suite "storage": the cost of encryption at rest (the same work on an
// encrypted file beside a plain one), and the online backup of the imported
// database beside a plain file copy.
#include <chrono>
#include <filesystem>
#include <string>

#include "backup/backup.hpp"
#include "customers/customers.hpp"
#include "store/database.hpp"
#include "suite.hpp"

namespace bench {
namespace {

using clock_type = std::chrono::steady_clock;

double seconds_since(clock_type::time_point t0) {
    return std::chrono::duration<double>(clock_type::now() - t0).count();
}

struct Timings {
    double write_s = 0;    // n customers, one transaction
    double scan_ms = 0;    // a cold read of every customer (new connection)
    double update_s = 0;   // n single-row transactions
};

Timings run_workload(const std::string& path, const crmlite::OpenOptions& o, int n) {
    Timings t;
    {
        crmlite::Database db(path, o);
        auto t0 = clock_type::now();
        db.begin();
        for (int i = 0; i < n; ++i)
            crmlite::customers::create(db, {{"display_name", (i % 2 ? "王秀英 " : "Maria Schmidt ") + std::to_string(i)},
                                            {"phones", {"1380000" + std::to_string(1000 + i % 9000)}},
                                            {"city", i % 3 ? "杭州" : "München"}});
        db.commit();
        t.write_s = seconds_since(t0);
        t0 = clock_type::now();
        for (int i = 0; i < n / 10; ++i) {
            db.begin();
            db.sql().exec("UPDATE customers SET notes = 'n" + std::to_string(i) + "' WHERE rid = " + std::to_string(i + 1));
            db.commit();
        }
        t.update_s = seconds_since(t0);
        db.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    crmlite::Database db(path, o);
    const auto t0 = clock_type::now();
    SQLite::Statement all(db.sql(), "SELECT * FROM customers");
    long rows = 0;
    while (all.executeStep()) ++rows;
    t.scan_ms = seconds_since(t0) * 1000;
    return t;
}

const Register storage{{"storage", 40, [](const Context& c) {
                            namespace fs = std::filesystem;
                            const int n = c.scale == "large" ? 100000 : 5000;
                            const std::string dir = c.work + "/storage";
                            fs::remove_all(dir);
                            fs::create_directories(dir);
                            crmlite::OpenOptions plain, enc;
                            enc.raw_key = std::string(32, '\x42');
                            const Timings p = run_workload(dir + "/plain.db", plain, n);
                            const Timings e = run_workload(dir + "/enc.db", enc, n);
                            Result r;
                            const std::string count = std::to_string(n);
                            r.figures.push_back({"create " + count + " customers in one transaction, encrypted (baseline: plain file)",
                                                 "s", e.write_s, p.write_s, false});
                            r.figures.push_back({"update " + std::to_string(n / 10) + " customers, one transaction each, encrypted (baseline: plain)",
                                                 "s", e.update_s, p.update_s, false});
                            r.figures.push_back({"read " + count + " customers on a new connection, encrypted (baseline: plain)",
                                                 "ms", e.scan_ms, p.scan_ms, false});

                            // Online backup of the imported database beside a file copy.
                            crmlite::Database src(c.crm_db, crmlite::OpenOptions{});
                            src.sql().exec("PRAGMA wal_checkpoint(TRUNCATE)");
                            auto t0 = clock_type::now();
                            crmlite::backup::backup_to(src, dir + "/backup.db", crmlite::backup::CopyOptions{});
                            const double backup_s = seconds_since(t0);
                            t0 = clock_type::now();
                            fs::copy_file(c.crm_db, dir + "/copy.db");
                            const double copy_s = seconds_since(t0);
                            t0 = clock_type::now();
                            const auto v = crmlite::backup::verify(dir + "/backup.db", {});
                            const double verify_s = seconds_since(t0);
                            r.figures.push_back({"online backup of the imported database (baseline: file copy)", "s",
                                                 backup_s, copy_s, false});
                            r.details["verify_seconds"] = verify_s;
                            r.details["verify_ok"] = v["ok"];
                            r.details["backup_bytes"] = static_cast<std::int64_t>(fs::file_size(dir + "/backup.db"));
                            r.details["encrypted_file_bytes"] = static_cast<std::int64_t>(fs::file_size(dir + "/enc.db"));
                            r.details["plain_file_bytes"] = static_cast<std::int64_t>(fs::file_size(dir + "/plain.db"));
                            fs::remove_all(dir);
                            return r;
                        }}};

}  // namespace
}  // namespace bench
