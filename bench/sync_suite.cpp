// Suite "sync": crmlite's change capture, changes_since and apply beside the
// SQLite session extension (the baseline), on the same edits of the same
// values, in the same run:
//   1. bytes of a one-field update: our blob for that one edit vs the session
//      PATCHSET on a plain 10-column table; and per change, header amortised,
//      over a blob of many one-field updates;
//   2. bytes per inserted customer: our blob vs the session CHANGESET of the
//      same inserts into a plain table holding exactly the synced columns;
//   3. apply rate: our blob into a fresh replica vs sqlite3changeset_apply into
//      a fresh plain database (same field count on both sides: the field values
//      the edits set, so the ratio is a pure time ratio);
//   4. write overhead of change capture: customer updates through crmlite vs
//      the same UPDATEs in plain SQL without capture ("untracked"), and the
//      session extension's own overhead (the same UPDATEs with a session
//      attached) vs untracked;
//   5. initial sync of the imported customers (Context::crm_db, opened
//      read-only; all of them at large scale, the first 2,000 at small) to a
//      new device: changes_since pages applied into an
//      empty file vs a session changeset of the same plain data (diff against
//      empty tables) applied into an empty plain file;
//   6. a new device from a snapshot of the hub (sync::snapshot: VACUUM INTO,
//      then the copy made a replica of its own) vs the sqlite3 backup API
//      copying the same file page by page (the fastest whole-file copy raw
//      SQLite has, which makes no replica).
// The plain tables are generated from the synced schema (sync/schema.hpp):
// every synced column, the 16-byte id as primary key, created_at, the same
// NOT NULL, foreign keys and secondary indexes as crmlite's tables; no
// full-text index, derived columns or version bookkeeping (what only crmlite
// does, and part of what our side pays for).
#include <sqlite3.h>  // the session API: SQLITE_ENABLE_SESSION (bench/CMakeLists.txt)

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <time.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "checks.hpp"
#include "customers/customers.hpp"
#include "stats.hpp"
#include "store/database.hpp"
#include "store/record.hpp"
#include "suite.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "sync/schema.hpp"
#include "sync/snapshot.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bench {
namespace {

using crmlite::Database;
using crmlite::Json;
using crmlite::OpenOptions;
using crmlite::Table;
using crmlite::Uuid;
namespace customers = crmlite::customers;
namespace csync = crmlite::sync;

// ------------------------------------------------------------ plain SQLite

class Plain {
public:
    // kPlain: the same journal, durability, constraints and page cache as
    // crmlite's connections; kReadOnly and kCopyTarget: SQLite's defaults.
    enum Mode { kPlain, kReadOnly, kCopyTarget };
    explicit Plain(const std::string& path, Mode mode = kPlain) {
        const int flags = mode == kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
        sq(sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_URI, nullptr), db_, ("open " + path).c_str());
        if (mode == kPlain) exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768");
    }
    ~Plain() { sqlite3_close_v2(db_); }
    Plain(const Plain&) = delete;
    Plain& operator=(const Plain&) = delete;

    sqlite3* get() const { return db_; }
    void exec(const std::string& sql) {
        char* err = nullptr;
        if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string msg = err ? err : sqlite3_errmsg(db_);
            sqlite3_free(err);
            throw std::runtime_error(sql.substr(0, 120) + ": " + msg);
        }
    }
    std::int64_t scalar(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        sq(sqlite3_prepare_v2(db_, sql.c_str(), -1, &s, nullptr), db_, sql.c_str());
        const std::int64_t v = sqlite3_step(s) == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_finalize(s);
        return v;
    }

private:
    sqlite3* db_ = nullptr;
};

class Stmt {
public:
    Stmt(sqlite3* db, const std::string& sql) : db_(db) {
        sq(sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr), db, sql.c_str());
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt(const Stmt&) = delete;
    Stmt& operator=(const Stmt&) = delete;
    sqlite3_stmt* get() const { return s_; }
    void run() {
        sq(sqlite3_step(s_), db_, sqlite3_sql(s_));
        sqlite3_reset(s_);
    }

private:
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
};

// A buffer sqlite3 allocated (a changeset or patchset).
struct SqlBlob {
    void* data = nullptr;
    int size = 0;
    SqlBlob() = default;
    SqlBlob(const SqlBlob&) = delete;
    SqlBlob& operator=(const SqlBlob&) = delete;
    SqlBlob(SqlBlob&& o) noexcept : data(o.data), size(o.size) { o.data = nullptr; }
    SqlBlob& operator=(SqlBlob&& o) noexcept {
        std::swap(data, o.data);
        std::swap(size, o.size);
        return *this;
    }
    ~SqlBlob() { sqlite3_free(data); }
};

class Session {
public:
    Session(sqlite3* db, const std::vector<std::string>& tables) : db_(db) {
        sq(sqlite3session_create(db, "main", &s_), db, "sqlite3session_create");
        for (const auto& t : tables) sq(sqlite3session_attach(s_, t.c_str()), db, "sqlite3session_attach");
    }
    ~Session() { sqlite3session_delete(s_); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Adds, for every row of `table` that the empty copy in schema `from` lacks, an INSERT.
    void diff(const std::string& from, const std::string& table) {
        char* err = nullptr;
        if (sqlite3session_diff(s_, from.c_str(), table.c_str(), &err) != SQLITE_OK) {
            const std::string msg = err ? err : "?";
            sqlite3_free(err);
            throw std::runtime_error("sqlite3session_diff " + table + ": " + msg);
        }
    }
    SqlBlob changeset() { return take(&sqlite3session_changeset, "sqlite3session_changeset"); }
    SqlBlob patchset() { return take(&sqlite3session_patchset, "sqlite3session_patchset"); }

private:
    SqlBlob take(int (*f)(sqlite3_session*, int*, void**), const char* what) {
        SqlBlob b;
        sq(f(s_, &b.size, &b.data), db_, what);
        return b;
    }
    sqlite3* db_;
    sqlite3_session* s_ = nullptr;
};

// What SQLite's autocheckpoint does after a commit that leaves more than 1,000
// frames in the WAL: copy them into the database file. Every timed write ends
// with it on both sides, so that both pay for getting their pages into the
// file: crmlite's own autocheckpoints fail (SQLITE_LOCKED) because customers'
// row reads leave a statement mid-result at COMMIT (see end_call), and
// without this its WAL grows without bound and every read walks it.
void checkpoint(sqlite3* db) {
    sq(sqlite3_wal_checkpoint_v2(db, "main", SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr), db, "wal_checkpoint");
}

// Applies a changeset or patchset; any conflict is a bug of the benchmark (the
// target holds exactly what the changes expect).
std::int64_t session_conflicts = 0;
void session_apply(sqlite3* db, const SqlBlob& b) {
    const auto on_conflict = [](void*, int, sqlite3_changeset_iter*) {
        ++session_conflicts;
        return SQLITE_CHANGESET_ABORT;
    };
    sq(sqlite3changeset_apply(db, b.size, b.data, nullptr, on_conflict, nullptr), db, "sqlite3changeset_apply");
    if (session_conflicts) throw std::runtime_error("sqlite3changeset_apply: unexpected conflict");
    checkpoint(db);
}

// ---------------------------------------------- plain mirror of the synced schema

const char* sql_type(csync::ColumnType t) {
    switch (t) {
    case csync::ColumnType::integer: return "INTEGER";
    case csync::ColumnType::id: return "BLOB";
    default: return "TEXT";
    }
}

// Secondary indexes: crmlite's on the same columns (migrations v1/v4), minus
// the derived sort key.
const char* mirror_indexes(Table t) {
    switch (t) {
    case Table::customers:
        return "CREATE INDEX customers_name ON customers(display_name, id);"
               "CREATE INDEX customers_owner ON customers(owner, id);"
               "CREATE INDEX customers_stage ON customers(stage, id);"
               "CREATE INDEX customers_city ON customers(city);"
               "CREATE INDEX customers_region ON customers(region);"
               "CREATE INDEX customers_created ON customers(created_at, id);"
               "CREATE INDEX customers_company ON customers(company_id) WHERE company_id IS NOT NULL;";
    case Table::contact_points:
        return "CREATE INDEX contact_points_customer ON contact_points(customer_id, type);"
               "CREATE INDEX contact_points_normalized ON contact_points(type, normalized);";
    case Table::external_ids:
        return "CREATE UNIQUE INDEX external_ids_key ON external_ids(system, external_id);"
               "CREATE INDEX external_ids_customer ON external_ids(customer_id);";
    case Table::tags: return "CREATE UNIQUE INDEX tags_path ON tags(path);";
    case Table::customer_tags:
        return "CREATE UNIQUE INDEX customer_tags_pair ON customer_tags(customer_id, tag_id);"
               "CREATE INDEX customer_tags_tag ON customer_tags(tag_id, customer_id);";
    case Table::interactions:
        return "CREATE INDEX interactions_timeline ON interactions(customer_id, occurred_at DESC, id DESC);"
               "CREATE INDEX interactions_kind ON interactions(kind, occurred_at);";
    case Table::customer_redirects: return "CREATE INDEX customer_redirects_survivor ON customer_redirects(survivor_id);";
    case Table::customer_merges: return "CREATE INDEX customer_merges_survivor ON customer_merges(survivor_id);";
    default: break;  // tables the sync benchmark writes nothing to (sales, value)
    }
    return "";
}

const csync::SyncedTable& synced(Table t) { return *csync::find_table(static_cast<int>(t)); }

// "id, col, ..., created_at": what sync carries of a record.
std::string mirror_columns(const csync::SyncedTable& t) {
    std::string s = "id";
    for (const auto& c : t.columns) s += ", " + c.name;
    if (t.has_created_at) s += ", created_at";
    return s;
}

std::string mirror_schema(const csync::SyncedTable& t, const std::string& schema = "main") {
    std::string s = "CREATE TABLE " + schema + "." + t.name + "(id BLOB PRIMARY KEY";
    for (const auto& c : t.columns) {
        s += ", " + c.name + " " + sql_type(c.type);
        if (c.required) s += " NOT NULL";
        if (c.ref_table != 0) s += " REFERENCES " + csync::find_table(c.ref_table)->name + "(id)";
    }
    if (t.has_created_at) s += ", created_at INTEGER NOT NULL";
    s += ")";
    // Like crmlite's: customers and interactions are rowid tables, the others WITHOUT ROWID.
    if (t.table != Table::customers && t.table != Table::interactions) s += " WITHOUT ROWID";
    s += ";";
    if (schema == "main") s += mirror_indexes(t.table);
    return s;
}

// ------------------------------------------------------------------ helpers

struct Plan {
    long creates;         // customers created for figures 1-4
    long batch_updates;   // one-field updates in one blob (figure 1, per change)
    long timed_updates;   // updates per pass (figure 4)
    int rounds;           // passes per timing; the median is reported
    std::size_t page;     // records per changes_since page (figure 5)
    long initial;         // imported customers synced to a new device (figure 5; 0: all)
};

Plan plan_for(const Context& c) {
    if (c.scale == "large") return {20000, 1000, 20000, 5, 10000, 0};
    return {2000, 1000, 2000, 5, 10000, 2000};  // the CI smoke test: a few seconds
}

double median(const std::vector<double>& v) {
    Samples s;
    for (const double x : v) s.add(x);
    return s.percentile(50);
}

// Wall-clock time (what the figures report) and this thread's CPU time (in the
// details: on a shared machine, the steadier ratio when other work competes
// for the cores; both sides run in this one thread).
double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Lap {
    double wall = 0, cpu = 0;
    Lap& operator+=(const Lap& o) {
        wall += o.wall;
        cpu += o.cpu;
        return *this;
    }
};

class Stopwatch {
public:
    Stopwatch() : wall_(now_seconds()), cpu_(thread_cpu_seconds()) {}
    Lap lap() const { return {now_seconds() - wall_, thread_cpu_seconds() - cpu_}; }

private:
    double wall_, cpu_;
};

struct Laps {
    std::vector<double> wall, cpu;
    void add(const Lap& l) {
        wall.push_back(l.wall);
        cpu.push_back(l.cpu);
    }
    double wall_median() const { return median(wall); }
    double cpu_median() const { return median(cpu); }
    json to_json() const { return {{"wall_seconds", wall}, {"cpu_seconds", cpu}}; }
};

json lap_json(const Lap& l) { return {{"wall_seconds", l.wall}, {"cpu_seconds", l.cpu}}; }

std::string sql_quote(const std::string& s) {
    std::string out = "'";
    for (const char ch : s) out += ch == '\'' ? std::string("''") : std::string(1, ch);
    return out + "'";
}

// Realistic profiles: the synced fields of the imported database's first
// customers, as create() input (no contact points, tags or external ids, so
// that a blob and a session changeset carry the customers table alone).
std::vector<Json> sample_profiles(const std::string& crm_db, long n) {
    if (!fs::exists(crm_db))
        throw std::runtime_error("sync: needs the import suite's database " + crm_db + " (run crm-bench without --only first)");
    SQLite::Database src(crm_db, SQLite::OPEN_READONLY);
    const auto specs = customers::fields();
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < specs.size(); ++i) sql += std::string(i ? ", " : "") + specs[i].column;
    SQLite::Statement st(src, sql + " FROM customers ORDER BY rid LIMIT ?");
    st.bind(1, static_cast<std::int64_t>(n));
    std::vector<Json> out;
    while (st.executeStep()) {
        Json in = Json::object();
        for (std::size_t i = 0; i < specs.size(); ++i) {
            if (specs[i].kind == crmlite::FieldKind::ref || specs[i].kind == crmlite::FieldKind::object) continue;
            const auto v = crmlite::column_value(st.getColumn(static_cast<int>(i)), specs[i]);
            if (auto j = crmlite::value_json(v, specs[i])) in[specs[i].json] = *j;
        }
        out.push_back(std::move(in));
    }
    if (static_cast<long>(out.size()) < n) throw std::runtime_error("sync: the imported database has too few customers");
    return out;
}

// The imported database itself when its schema is this library's, else a
// copy of it (the sqlite3 backup API) that opening read-write migrates.
std::string current_or_migrated_copy(const std::string& crm_db, const std::string& copy) {
    {
        SQLite::Database probe(crm_db, SQLite::OPEN_READONLY);
        if (probe.execAndGet("PRAGMA user_version").getInt() >= Database::latest_schema_version()) return crm_db;
    }
    // Into a rollback-journal file: through a WAL the copy would be written twice.
    Plain from(crm_db, Plain::kReadOnly), to(copy, Plain::kCopyTarget);
    sqlite3_backup* b = sqlite3_backup_init(to.get(), "main", from.get(), "main");
    if (!b) sq(sqlite3_errcode(to.get()), to.get(), "sqlite3_backup_init");
    const int rc = sqlite3_backup_step(b, -1);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) sq(rc, to.get(), "sqlite3_backup_step");
    return copy;
}

// The stage field: the one-field edit of every update figure (not searchable,
// indexed in both crmlite's table and the plain ones).
const std::vector<std::string>& stages() {
    static const std::vector<std::string> s = [] {
        std::vector<std::string> v;
        for (const auto& f : customers::fields())
            if (std::string(f.column) == "stage")
                for (const auto c : f.choices) v.emplace_back(c);
        return v;
    }();
    return s;
}

int stage_index(const std::string& s) {
    const auto& all = stages();
    const auto it = std::find(all.begin(), all.end(), s);
    return it == all.end() ? -1 : static_cast<int>(it - all.begin());
}

// Moves every customer's stage on by one (so every update changes the value).
std::vector<std::string> next_stages(std::vector<int>& state, long n) {
    std::vector<std::string> out;
    for (long i = 0; i < n; ++i) {
        auto& s = state[static_cast<std::size_t>(i)];
        s = (s + 1) % static_cast<int>(stages().size());
        out.push_back(stages()[static_cast<std::size_t>(s)]);
    }
    return out;
}

std::vector<int> read_stages(sqlite3* db, const std::vector<Uuid>& ids) {
    Stmt st(db, "SELECT stage FROM customers WHERE id = ?");
    std::vector<int> out;
    for (const auto& id : ids) {
        sqlite3_bind_blob(st.get(), 1, id.data(), Uuid::size(), SQLITE_STATIC);
        int s = -1;
        if (sqlite3_step(st.get()) == SQLITE_ROW && sqlite3_column_type(st.get(), 0) == SQLITE_TEXT)
            s = stage_index(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
        sqlite3_reset(st.get());
        out.push_back(s);
    }
    return out;
}

// Fields a blob carries (created_at included: it travels with a new record).
std::int64_t fields_carried(const std::string& blob) {
    std::int64_t n = 0;
    for (const auto& r : csync::decode(blob).records) n += static_cast<std::int64_t>(r.fields.size());
    return n;
}

// Our blob's fixed part (magic, format, schema fingerprint, seq range, site and
// name dictionaries, clock range, record count, CRC): the blob minus what its
// records add, measured as what a second copy of them adds (exact for one
// record; for many, within a few bytes: the copy's first clock delta jumps back).
std::size_t blob_fixed_bytes(const std::string& blob) {
    auto cs = csync::decode(blob);
    const std::size_t n = cs.records.size();
    for (std::size_t i = 0; i < n; ++i) cs.records.push_back(cs.records[i]);
    return blob.size() - (csync::encode(cs).size() - blob.size());
}

// Bytes of the field values alone in a blob (tag, length and content, as the
// codec writes them: docs/sync.md), to tell data from per-field metadata.
std::size_t blob_value_bytes(const std::string& blob) {
    const auto varint_len = [](std::uint64_t v) {
        std::size_t n = 1;
        while (v >= 0x80) v >>= 7, ++n;
        return n;
    };
    std::size_t n = 0;
    for (const auto& r : csync::decode(blob).records)
        for (const auto& f : r.fields) {
            n += 1;  // tag
            if (const auto* i = std::get_if<std::int64_t>(&f.value))
                n += varint_len((static_cast<std::uint64_t>(*i) << 1) ^ static_cast<std::uint64_t>(*i >> 63));
            else if (const auto* t = std::get_if<std::string>(&f.value)) n += varint_len(t->size()) + t->size();
            else if (std::holds_alternative<Uuid>(f.value)) n += 16;
        }
    return n;
}

// The same blob with its edits' clocks one second apart (edits made by a
// person, not a loop): clock deltas take their realistic width.
std::size_t blob_bytes_with_spaced_clocks(const std::string& blob) {
    auto cs = csync::decode(blob);
    std::int64_t t = 0;
    for (auto& r : cs.records) {
        if (t == 0 && !r.fields.empty()) t = r.fields.front().hlc;
        for (auto& f : r.fields) f.hlc = t;
        t += std::int64_t{1000} << 16;  // HLC: 48 bits of ms, 16 of counter
    }
    return csync::encode(cs).size();
}

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (const char ch : bytes) {
        const auto b = static_cast<unsigned char>(ch);
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

// Table names by number, for csync::to_json.
std::vector<std::string> table_names() {
    std::vector<std::string> names;
    for (const auto& t : csync::synced_tables()) {
        const auto i = static_cast<std::size_t>(t.table);
        if (names.size() <= i) names.resize(i + 1);
        names[i] = t.name;
    }
    return names;
}

std::int64_t apply_fields(const Json& report) { return report.at("fields_applied").get<std::int64_t>(); }

// ---------------------------------------------------------------- the suite

// Every crmlite call is made as the C ABI makes it: afterwards the connection's
// cached statements are reset (capi/handles.hpp, StatementReset), since a
// statement left mid-result holds a read snapshot open. The first call of each
// kind records the statements it left mid-result (in the details): one still
// mid-result at the call's own COMMIT makes that commit's autocheckpoint fail
// (see checkpoint()).
json left_busy = json::object();
void end_call(Database& db, const char* call) {
    if (!left_busy.contains(call)) {
        json busy = json::array();
        for (sqlite3_stmt* s = sqlite3_next_stmt(db.handle(), nullptr); s; s = sqlite3_next_stmt(db.handle(), s))
            if (sqlite3_stmt_busy(s)) busy.push_back(sqlite3_sql(s));
        left_busy[call] = busy;
    }
    db.reset_statements();
}

csync::Changes changes(Database& db, std::int64_t since, std::size_t max_records) {
    auto ch = csync::changes_since(db, since, max_records);
    end_call(db, "changes_since");
    return ch;
}

bool update(Database& db, const Uuid& id, const Json& patch) {
    const bool changed = customers::update(db, id, patch);
    end_call(db, "customers::update");
    return changed;
}

// Times kept out of line so that a profiler (valgrind --tool=callgrind
// --toggle-collect=...) can collect one of them alone.
[[gnu::noinline]] Lap crmlite_update_pass(Database& db, const std::vector<Uuid>& ids, const std::vector<Json>& patches) {
    const Stopwatch w;
    db.begin();
    for (std::size_t i = 0; i < patches.size(); ++i) update(db, ids[i], patches[i]);
    db.commit();
    db.reset_statements();
    checkpoint(db.handle());
    return w.lap();
}

// Each call its own transaction, as an app that makes one call at a time
// (no crm_begin) has it: crmlite's scope is then the transaction itself, with
// no savepoint; the untracked side runs each UPDATE in autocommit.
[[gnu::noinline]] Lap crmlite_update_calls(Database& db, const std::vector<Uuid>& ids, const std::vector<Json>& patches) {
    const Stopwatch w;
    for (std::size_t i = 0; i < patches.size(); ++i) update(db, ids[i], patches[i]);
    checkpoint(db.handle());
    return w.lap();
}

[[gnu::noinline]] Lap plain_update_calls(Plain& db, Stmt& up, const std::vector<Uuid>& ids,
                                         const std::vector<std::string>& values, std::int64_t now) {
    const Stopwatch w;
    for (std::size_t i = 0; i < values.size(); ++i) {
        sqlite3_bind_text(up.get(), 1, values[i].data(), static_cast<int>(values[i].size()), SQLITE_STATIC);
        sqlite3_bind_int64(up.get(), 2, now);
        sqlite3_bind_blob(up.get(), 3, ids[i].data(), Uuid::size(), SQLITE_STATIC);
        up.run();
    }
    checkpoint(db.get());
    return w.lap();
}

[[gnu::noinline]] Lap plain_update_pass(Plain& db, Stmt& up, const std::vector<Uuid>& ids,
                                        const std::vector<std::string>& values, std::int64_t now) {
    const Stopwatch w;
    db.exec("BEGIN IMMEDIATE");
    for (std::size_t i = 0; i < values.size(); ++i) {
        sqlite3_bind_text(up.get(), 1, values[i].data(), static_cast<int>(values[i].size()), SQLITE_STATIC);
        sqlite3_bind_int64(up.get(), 2, now);
        sqlite3_bind_blob(up.get(), 3, ids[i].data(), Uuid::size(), SQLITE_STATIC);
        up.run();
    }
    db.exec("COMMIT");
    checkpoint(db.get());
    return w.lap();
}

[[gnu::noinline]] Json crmlite_apply(Database& db, const std::string& blob) {
    Json report = csync::apply(db, blob, {});
    end_call(db, "apply");
    checkpoint(db.handle());
    return report;
}

Result run_sync(const Context& c) {
    const Plan p = plan_for(c);
    const std::string dir = c.work + "/sync";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const auto path = [&](const std::string& name) { return dir + "/" + name; };
    const auto& cust = synced(Table::customers);
    Result r;
    json& d = r.details;
    std::map<int, Figure> figures;  // in the order of the figures' numbers in the header
    const auto put = [&](int order, Figure f) { figures.emplace(order, std::move(f)); };
    d["plan"] = {{"customers_created", p.creates}, {"updates_in_one_blob", p.batch_updates},
                 {"updates_per_pass", p.timed_updates}, {"rounds", p.rounds}, {"page_records", p.page},
                 {"initial_sync_customers", p.initial > 0 ? json(p.initial) : json("all imported")}};

    // ---- N new customers through crmlite (one transaction, one seq each)
    const auto profiles = sample_profiles(c.crm_db, p.creates);
    auto ours = std::make_unique<Database>(path("ours.db"), OpenOptions{});
    std::vector<Uuid> ids;
    {
        const double t0 = now_seconds();
        ours->begin();
        for (const auto& in : profiles) {
            ids.push_back(customers::create(*ours, in));
            end_call(*ours, "customers::create");
        }
        ours->commit();
        d["create_seconds"] = now_seconds() - t0;
    }
    const auto inserted = changes(*ours, 0, static_cast<std::size_t>(p.creates) + 1);
    if (inserted.more || static_cast<long>(inserted.records) != p.creates)
        throw std::runtime_error("sync: the insert blob does not hold exactly the new customers");

    // ---- the same rows in a plain table of the synced columns, captured by a session
    Plain plain(path("plain.db"));
    plain.exec(mirror_schema(cust));
    plain.exec("ATTACH " + sql_quote(path("ours.db")) + " AS ours");
    SqlBlob insert_changeset;
    {
        Session s(plain.get(), {"customers"});
        plain.exec("INSERT INTO customers(" + mirror_columns(cust) + ") SELECT " + mirror_columns(cust) +
                   " FROM ours.customers ORDER BY rid");
        insert_changeset = s.changeset();
    }
    // Figure 1's plain tables: 10 columns, a 16-byte blob key or an integer key.
    const std::string p10_cols = "kind, display_name, given_name, family_name, gender, title, company, city, stage";
    Plain p10(path("p10.db")), p10i(path("p10i.db"));
    p10.exec("CREATE TABLE customers(id BLOB PRIMARY KEY, kind TEXT NOT NULL, display_name TEXT NOT NULL, given_name TEXT, "
             "family_name TEXT, gender TEXT, title TEXT, company TEXT, city TEXT, stage TEXT)");
    p10i.exec("CREATE TABLE customers(rid INTEGER PRIMARY KEY, kind TEXT NOT NULL, display_name TEXT NOT NULL, given_name TEXT, "
              "family_name TEXT, gender TEXT, title TEXT, company TEXT, city TEXT, stage TEXT)");
    for (Plain* t : {&p10, &p10i}) t->exec("ATTACH " + sql_quote(path("ours.db")) + " AS ours");
    p10.exec("INSERT INTO customers SELECT id, " + p10_cols + " FROM ours.customers ORDER BY rid");
    p10i.exec("INSERT INTO customers SELECT rid, " + p10_cols + " FROM ours.customers ORDER BY rid");

    // ---- figure 2: bytes per inserted customer
    {
        const double n = static_cast<double>(p.creates);
        put(30, {"insert customer, bytes per customer (blob vs session changeset)", "B",
                             static_cast<double>(inserted.blob.size()) / n, insert_changeset.size / n, false});
        d["insert"] = {{"customers", p.creates},
                       {"blob_bytes", inserted.blob.size()},
                       {"blob_fixed_bytes", blob_fixed_bytes(inserted.blob)},
                       {"blob_fields_carried", fields_carried(inserted.blob)},
                       {"blob_value_bytes", blob_value_bytes(inserted.blob)},
                       {"blob_bytes_clocks_1s_apart", blob_bytes_with_spaced_clocks(inserted.blob)},
                       {"session_changeset_bytes", insert_changeset.size},
                       {"session_columns_per_row", cust.columns.size() + 2}};
    }

    // ---- figure 3: apply N new customers into a fresh replica
    std::int64_t insert_fields = 0;
    {
        Laps ours_s, base_s;
        for (int round = 0; round < p.rounds; ++round) {
            const std::string rep = path("replica" + std::to_string(round) + ".db");
            Database replica(rep, OpenOptions{});
            const Stopwatch w;
            const Json report = crmlite_apply(replica, inserted.blob);
            ours_s.add(w.lap());
            insert_fields = apply_fields(report);
            if (replica.counter("customers") != p.creates) throw std::runtime_error("sync: the replica lacks customers");

            Plain prep(path("plain_replica" + std::to_string(round) + ".db"));
            prep.exec(mirror_schema(cust));
            const Stopwatch w1;
            session_apply(prep.get(), insert_changeset);
            base_s.add(w1.lap());
            if (prep.scalar("SELECT count(*) FROM customers") != p.creates)
                throw std::runtime_error("sync: the plain replica lacks customers");
        }
        const double f = static_cast<double>(insert_fields);
        put(40, {"apply new customers, field changes/s", "fields/s", f / ours_s.wall_median(),
                             f / base_s.wall_median(), true});
        const double session_cols = static_cast<double>(p.creates) * static_cast<double>(cust.columns.size() + 2);
        d["apply_inserts"] = {{"records", p.creates},
                              {"field_changes", insert_fields},
                              {"ours", ours_s.to_json()},
                              {"session", base_s.to_json()},
                              {"ours_fields_per_cpu_s", f / ours_s.cpu_median()},
                              {"session_fields_per_cpu_s", f / base_s.cpu_median()},
                              {"ours_records_per_s", static_cast<double>(p.creates) / ours_s.wall_median()},
                              {"session_records_per_s", static_cast<double>(p.creates) / base_s.wall_median()},
                              {"session_columns_carried", session_cols},
                              {"session_columns_per_s", session_cols / base_s.wall_median()},
                              {"note", "field changes = the non-null synced field values the inserts set "
                                       "(our report's fields_applied; created_at not counted), the same number on "
                                       "both sides; the session changeset also carries every NULL column "
                                       "(session_columns_per_s counts those)"}};
    }

    // ---- figure 1: a one-field update, alone and in a blob of many
    std::vector<int> stage = read_stages(ours->handle(), ids);
    std::vector<int> plain_stage = stage;  // p10, p10i and plain.db hold the same values
    const auto plain_update = [&](long from, const std::vector<std::string>& values) {
        Stmt a(p10.get(), "UPDATE customers SET stage = ? WHERE id = ?");
        Stmt b(p10i.get(), "UPDATE customers SET stage = ? WHERE rid = (SELECT rid FROM ours.customers WHERE id = ?)");
        Stmt m(plain.get(), "UPDATE customers SET stage = ? WHERE id = ?");
        for (Plain* t : {&p10, &p10i, &plain}) t->exec("BEGIN");
        for (std::size_t i = 0; i < values.size(); ++i)
            for (Stmt* s : {&a, &b, &m}) {
                sqlite3_bind_text(s->get(), 1, values[i].c_str(), -1, SQLITE_STATIC);
                sqlite3_bind_blob(s->get(), 2, ids[static_cast<std::size_t>(from) + i].data(), Uuid::size(), SQLITE_STATIC);
                s->run();
            }
        for (Plain* t : {&p10, &p10i, &plain}) t->exec("COMMIT");
    };
    struct SessionSizes {
        int p10_patch, p10_change, p10i_patch, mirror_patch, mirror_change;
    };
    SqlBlob batch_patchset_mirror;  // for the apply of updates below
    const auto session_sizes = [&](long from, long n, bool keep) {
        Session a(p10.get(), {"customers"}), b(p10i.get(), {"customers"}), m(plain.get(), {"customers"});
        std::vector<int> st(plain_stage.begin() + from, plain_stage.begin() + from + n);
        plain_update(from, next_stages(st, n));
        std::copy(st.begin(), st.end(), plain_stage.begin() + from);
        SessionSizes s{a.patchset().size, a.changeset().size, b.patchset().size, m.patchset().size, m.changeset().size};
        if (keep) batch_patchset_mirror = m.patchset();
        return s;
    };
    {
        // One edit of one customer, its own transaction; the blob from the cursor just before it.
        const std::int64_t before = inserted.cursor;
        std::vector<int> st0{stage[0]};
        const auto v = next_stages(st0, 1);
        stage[0] = st0[0];
        update(*ours, ids[0], Json{{"stage", v[0]}});
        const auto one = changes(*ours, before, 1);
        if (one.records != 1) throw std::runtime_error("sync: the one-edit blob holds " + std::to_string(one.records) + " records");
        const SessionSizes s1 = session_sizes(0, 1, false);
        put(10, {"one-field update, single-edit blob vs session patchset (10 columns)", "B",
                             static_cast<double>(one.blob.size()), static_cast<double>(s1.p10_patch), false});

        // Many one-field updates of different customers, one blob / one patchset.
        const long m = std::min(p.batch_updates, p.creates - 1);
        std::vector<int> stm(stage.begin() + 1, stage.begin() + 1 + m);
        const auto vals = next_stages(stm, m);
        std::copy(stm.begin(), stm.end(), stage.begin() + 1);
        ours->begin();
        for (long i = 0; i < m; ++i) update(*ours, ids[static_cast<std::size_t>(1 + i)], Json{{"stage", vals[static_cast<std::size_t>(i)]}});
        ours->commit();
        const auto batch = changes(*ours, one.cursor, static_cast<std::size_t>(m) + 1);
        if (static_cast<long>(batch.records) != m) throw std::runtime_error("sync: the update blob holds the wrong records");
        const SessionSizes sm = session_sizes(1, m, true);
        const double n = static_cast<double>(m);
        put(20, {"one-field update, bytes per change in a blob of " + std::to_string(m) + " vs session patchset (10 columns)",
                             "B", static_cast<double>(batch.blob.size()) / n, sm.p10_patch / n, false});
        const auto header = blob_fixed_bytes(one.blob);
        d["one_field_update"] = {
            {"field", "stage"},
            {"single",
             {{"blob_bytes", one.blob.size()},
              {"blob_fixed_bytes", header},
              {"blob_record_bytes", one.blob.size() - header},
              {"blob_hex", hex(one.blob)},
              {"blob", csync::to_json(csync::decode(one.blob), table_names())},
              {"session_patchset_10col_blob_key", s1.p10_patch},
              {"session_patchset_10col_integer_key", s1.p10i_patch},
              {"session_changeset_10col_blob_key", s1.p10_change},
              {"session_patchset_synced_columns_blob_key", s1.mirror_patch},
              {"session_changeset_synced_columns_blob_key", s1.mirror_change}}},
            {"batch",
             {{"updates", m},
              {"blob_bytes", batch.blob.size()},
              {"blob_fixed_bytes", blob_fixed_bytes(batch.blob)},
              {"blob_bytes_clocks_1s_apart", blob_bytes_with_spaced_clocks(batch.blob)},
              {"session_patchset_10col_blob_key", sm.p10_patch},
              {"session_patchset_10col_integer_key", sm.p10i_patch},
              {"session_changeset_10col_blob_key", sm.p10_change},
              {"session_patchset_synced_columns_blob_key", sm.mirror_patch},
              {"session_changeset_synced_columns_blob_key", sm.mirror_change}}},
            {"note", "the 10-column tables hold id (16-byte blob) or rid (integer) + 9 profile columns; "
                     "'synced columns' is the table of all " + std::to_string(cust.columns.size()) +
                     " synced customer fields + id + created_at. The batch's edits were made back to back, so "
                     "their clock deltas are 1-2 bytes; blob_bytes_clocks_1s_apart re-encodes the same blob "
                     "with the edits one second apart"}};

        // ---- figure 3b: apply those one-field updates to a replica holding the customers
        Laps ours_s, base_s;
        std::int64_t applied = 0;
        for (int round = 0; round < p.rounds; ++round) {
            Database replica(path("replica" + std::to_string(round) + ".db"), OpenOptions{});
            const Stopwatch w;
            applied = apply_fields(crmlite_apply(replica, batch.blob));
            ours_s.add(w.lap());
            Plain prep(path("plain_replica" + std::to_string(round) + ".db"));
            const Stopwatch w1;
            session_apply(prep.get(), batch_patchset_mirror);
            base_s.add(w1.lap());
        }
        if (applied != m) throw std::runtime_error("sync: the replica applied " + std::to_string(applied) + " of the updates");
        put(50, {"apply one-field updates, field changes/s", "fields/s", n / ours_s.wall_median(),
                             n / base_s.wall_median(), true});
        d["apply_updates"] = {{"field_changes", m},
                              {"ours", ours_s.to_json()},
                              {"session", base_s.to_json()},
                              {"ours_fields_per_cpu_s", n / ours_s.cpu_median()},
                              {"session_fields_per_cpu_s", n / base_s.cpu_median()},
                              {"note", "into a replica holding the customers (after the insert apply); the baseline "
                                       "applies the session patchset of the same updates on the synced-columns table"}};
    }

    // ---- figure 4: write overhead of change capture
    {
        for (Plain* t : {&plain, &p10, &p10i}) t->exec("DETACH ours");
        ours.reset();  // closes: checkpointed, no WAL left
        fs::copy_file(path("ours.db"), path("untracked.db"));
        ours = std::make_unique<Database>(path("ours.db"), OpenOptions{});
        Plain raw(path("untracked.db"));
        // The same statement crmlite runs (stage and updated_at) on the same table and indexes.
        Stmt up(raw.get(), "UPDATE customers SET stage = ?, updated_at = ? WHERE id = ?");
        std::vector<int> raw_stage = stage;
        const long u = std::min(p.timed_updates, p.creates);
        Laps ours_s, plain_s, session_s, changeset_s;
        std::int64_t now = 1764000000000;
        for (int round = 0; round < p.rounds; ++round) {
            const auto vals = next_stages(stage, u);
            std::vector<Json> patches;
            for (const auto& v : vals) patches.push_back(Json{{"stage", v}});
            ours_s.add(crmlite_update_pass(*ours, ids, patches));
            // Alternate which plain pass runs first (page cache, WAL state).
            for (int k = 0; k < 2; ++k) {
                const bool with_session = (k == 0) == (round % 2 == 1);
                const auto raw_vals = next_stages(raw_stage, u);
                if (!with_session) {
                    plain_s.add(plain_update_pass(raw, up, ids, raw_vals, ++now));
                    continue;
                }
                Session s(raw.get(), {"customers"});
                session_s.add(plain_update_pass(raw, up, ids, raw_vals, ++now));
                const Stopwatch w;
                const SqlBlob cs = s.changeset();
                changeset_s.add(w.lap());
                if (cs.size == 0) throw std::runtime_error("sync: the session captured nothing");
            }
        }
        // The same, each call (each UPDATE) its own transaction.
        Laps ours_c, plain_c;
        const long uc = std::max(1L, u / 4);
        for (int round = 0; round < p.rounds; ++round) {
            const auto vals = next_stages(stage, uc);
            std::vector<Json> patches;
            for (const auto& v : vals) patches.push_back(Json{{"stage", v}});
            const auto raw_vals = next_stages(raw_stage, uc);
            if (round % 2 == 0) {
                ours_c.add(crmlite_update_calls(*ours, ids, patches));
                plain_c.add(plain_update_calls(raw, up, ids, raw_vals, ++now));
            } else {
                plain_c.add(plain_update_calls(raw, up, ids, raw_vals, ++now));
                ours_c.add(crmlite_update_calls(*ours, ids, patches));
            }
        }
        const double per = 1e6 / static_cast<double>(u), per_call = 1e6 / static_cast<double>(uc);
        put(60, {"update with change capture (crmlite) vs untracked plain UPDATE", "µs/update",
                             ours_s.wall_median() * per, plain_s.wall_median() * per, false});
        put(65, {"the same, each call its own transaction (no crm_begin) vs UPDATE in autocommit", "µs/update",
                             ours_c.wall_median() * per_call, plain_c.wall_median() * per_call, false});
        put(70, {"session extension (not crmlite): UPDATE with a session attached vs untracked", "µs/update",
                             session_s.wall_median() * per, plain_s.wall_median() * per, false});
        d["write_overhead"] = {{"updates_per_pass", u},
                               {"crmlite", ours_s.to_json()},
                               {"untracked", plain_s.to_json()},
                               {"session", session_s.to_json()},
                               {"session_changeset", changeset_s.to_json()},
                               {"cpu_ratio_crmlite_vs_untracked", ours_s.cpu_median() / plain_s.cpu_median()},
                               {"autocommit", {{"updates_per_pass", uc},
                                               {"crmlite", ours_c.to_json()},
                                               {"untracked", plain_c.to_json()},
                                               {"cpu_ratio_crmlite_vs_untracked", ours_c.cpu_median() / plain_c.cpu_median()},
                                               {"note", "one transaction per call on both sides (WAL, synchronous=NORMAL "
                                                        "on both): crmlite's scope is the transaction, no savepoint"}}},
                               {"cpu_ratio_session_vs_untracked", session_s.cpu_median() / plain_s.cpu_median()},
                               {"note", "one transaction per pass on both sides; crmlite = customers::update (a "
                                        "savepoint per call inside one explicit transaction: validation, the row "
                                        "read, the UPDATE, versions and sync log); untracked = UPDATE customers SET "
                                        "stage, updated_at on a copy of the same file; the second figure's 'crmlite' "
                                        "column is the session extension's time (preupdate capture only; building "
                                        "the changeset is session_changeset_seconds)"}};
    }
    ours.reset();

    // ---- figure 5: initial sync of every customer to a new device
    {
        const std::vector<Table> tables = {Table::customers, Table::tags, Table::contact_points, Table::external_ids,
                                           Table::customer_tags};
        // Read-only, unless the file predates this library's schema (a --only
        // run of a newer build on an older run's files): then a migrated copy.
        const std::string source = current_or_migrated_copy(c.crm_db, path("source.db"));
        OpenOptions ro;
        ro.create = false;
        ro.readonly = source == c.crm_db;
        Database src(source, ro);
        // The import wrote every customer (with its contact points, ids and tags,
        // one seq per row) before the first interaction; later suites add a few
        // (the latency suite's creates). "Every customer" is every record up to
        // the seq before the first interaction: the imported customers (at
        // small scale the first plan.initial of them).
        std::int64_t cutoff = 0;
        {
            auto& st = src.stmt("SELECT seq FROM sync_log WHERE tbl = " + std::to_string(static_cast<int>(Table::interactions)) +
                                " ORDER BY seq LIMIT 1");
            cutoff = st.executeStep() ? st.getColumn(0).getInt64() - 1 : src.last_seq();
            st.reset();
        }
        if (p.initial > 0) {
            auto& st = src.stmt("SELECT seq FROM sync_log WHERE tbl = " + std::to_string(static_cast<int>(Table::customers)) +
                                " ORDER BY seq LIMIT 1 OFFSET ?");
            st.bind(1, static_cast<std::int64_t>(p.initial - 1));
            if (st.executeStep()) cutoff = std::min(cutoff, st.getColumn(0).getInt64());
            st.reset();
        }
        // From this cursor on, what is left up to the cutoff fits in one page:
        // the last page asks for exactly that many (counted outside the
        // timing), so it ends at the cutoff instead of running on into the
        // interactions.
        std::int64_t tail_from = 0;
        {
            auto& st = src.stmt("SELECT seq FROM sync_log WHERE seq <= ? ORDER BY seq DESC LIMIT 1 OFFSET ?");
            st.bind(1, cutoff);
            st.bind(2, static_cast<std::int64_t>(p.page));
            if (st.executeStep()) tail_from = st.getColumn(0).getInt64();
            st.reset();
        }
        Database dst(path("device.db"), OpenOptions{});
        std::int64_t cursor = 0, pages = 0, records = 0, fields = 0, bytes = 0;
        Lap build_s, apply_s;
        for (;;) {
            std::size_t max_records = p.page;
            if (cursor >= tail_from) {
                auto& st = src.stmt("SELECT count(*) FROM sync_log WHERE seq > ? AND seq <= ?");
                st.bind(1, cursor);
                st.bind(2, cutoff);
                st.executeStep();
                max_records = static_cast<std::size_t>(st.getColumn(0).getInt64());
                st.reset();
                if (max_records == 0) break;
            }
            const Stopwatch a;
            const auto ch = changes(src, cursor, max_records);
            build_s += a.lap();
            const Stopwatch b;
            const Json rep = crmlite_apply(dst, ch.blob);
            apply_s += b.lap();
            ++pages;
            records += static_cast<std::int64_t>(ch.records);
            fields += apply_fields(rep);
            bytes += static_cast<std::int64_t>(ch.blob.size());
            cursor = ch.cursor;
            if (!ch.more || cursor >= cutoff) break;
        }
        Lap ours_total = build_s;
        ours_total += apply_s;

        // Baseline: the same rows in plain tables (copied outside the timing), a
        // session changeset of all of them (diff against empty tables), applied
        // into an empty plain file.
        Plain psrc(path("plain_source.db"));
        for (const auto t : tables) psrc.exec(mirror_schema(synced(t)));
        psrc.exec("ATTACH " + sql_quote("file:" + source + "?mode=ro") + " AS crm");
        const double c0 = now_seconds();
        psrc.exec("BEGIN");
        for (const auto t : tables) {
            const auto& s = synced(t);
            psrc.exec("INSERT INTO " + s.name + "(" + mirror_columns(s) + ") SELECT " + mirror_columns(s) + " FROM crm." +
                      s.name + " WHERE id IN (SELECT id FROM crm.sync_log WHERE tbl = " + std::to_string(static_cast<int>(t)) +
                      " AND seq <= " + std::to_string(cutoff) + ")");
        }
        psrc.exec("COMMIT");
        const double copy_s = now_seconds() - c0;
        psrc.exec("DETACH crm");
        psrc.exec("ATTACH " + sql_quote(path("plain_empty.db")) + " AS empty");
        for (const auto t : tables) psrc.exec(mirror_schema(synced(t), "empty"));
        Plain pdst(path("plain_device.db"));
        for (const auto t : tables) pdst.exec(mirror_schema(synced(t)));
        std::vector<std::string> names;
        for (const auto t : tables) names.push_back(synced(t).name);
        const Stopwatch w1;
        SqlBlob all;
        {
            Session s(psrc.get(), names);
            for (const auto& n : names) s.diff("empty", n);
            all = s.changeset();
        }
        const Lap diff_s = w1.lap();
        const Stopwatch w2;
        session_apply(pdst.get(), all);
        const Lap sapply_s = w2.lap();
        Lap base_total = diff_s;
        base_total += sapply_s;
        const std::int64_t n_customers = psrc.scalar("SELECT count(*) FROM customers");
        if (dst.counter("customers") != n_customers || pdst.scalar("SELECT count(*) FROM customers") != n_customers)
            throw std::runtime_error("sync: a new device lacks customers");
        put(80, {"initial sync of the imported customers to a new device", "s",
                             ours_total.wall, base_total.wall, false});
        json rows = json::object();
        for (const auto& n : names) rows[n] = psrc.scalar("SELECT count(*) FROM " + n);
        d["initial_sync"] = {{"customers", n_customers},
                             {"source", source == c.crm_db ? "the imported file, read-only" : "a migrated copy"},
                             {"through_seq", cutoff},
                             {"rows", rows},
                             {"ours_pages", pages},
                             {"ours_records", records},
                             {"ours_fields_applied", fields},
                             {"ours_blob_bytes", bytes},
                             {"ours_changes_since", lap_json(build_s)},
                             {"ours_apply", lap_json(apply_s)},
                             {"ours", lap_json(ours_total)},
                             {"session_changeset_bytes", all.size},
                             {"session_diff", lap_json(diff_s)},
                             {"session_apply", lap_json(sapply_s)},
                             {"session", lap_json(base_total)},
                             {"cpu_ratio", ours_total.cpu / base_total.cpu},
                             {"plain_copy_insert_select_seconds", copy_s},
                             {"note", "the imported customers with their contact points, external ids, tags and "
                                      "tag assignments (every record up to the seq before the first interaction; "
                                      "not interactions); ours: changes_since pages of " + std::to_string(p.page) +
                                      " records from the imported file (read-only) applied into an empty crmlite "
                                      "file, which also builds the full-text index, derived name columns and "
                                      "version rows; baseline: sqlite3session_diff of plain copies of the same "
                                      "rows against empty tables, one changeset, sqlite3changeset_apply into an "
                                      "empty plain file with the same indexes and foreign keys. "
                                      "plain_copy_insert_select_seconds: the copy via ATTACH, a floor that "
                                      "transfers nothing"}};
    }
    // ---- figure 6: a new device from a snapshot of the hub (the whole file:
    // customers and interactions), then caught up by record-level sync.
    {
        const std::string source = current_or_migrated_copy(c.crm_db, path("snapshot_source.db"));
        const std::string snap = path("snapshot_device.db"), copy = path("backup_copy.db");
        for (const auto& f : {snap, copy})
            for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(f + suffix);
        const Stopwatch w1;
        Json rep;
        {
            Database hub(source, OpenOptions{});
            rep = csync::snapshot(hub, snap, {});
        }
        const Lap snap_s = w1.lap();
        const Stopwatch w2;
        {
            Plain from(source, Plain::kReadOnly), to(copy, Plain::kCopyTarget);
            sqlite3_backup* b = sqlite3_backup_init(to.get(), "main", from.get(), "main");
            if (!b) sq(sqlite3_errcode(to.get()), to.get(), "sqlite3_backup_init");
            const int rc = sqlite3_backup_step(b, -1);
            sqlite3_backup_finish(b);
            if (rc != SQLITE_DONE) sq(rc, to.get(), "sqlite3_backup_step");
        }
        const Lap copy_s = w2.lap();
        std::int64_t device_customers = 0;
        {
            Database device(snap, OpenOptions{});
            // Rows, not the counter: the latency suite's baseline inserts plain
            // rows into the same file, which crmlite's counter never sees.
            device_customers = device.sql().execAndGet("SELECT count(*) FROM customers").getInt64();
        }
        if (device_customers != rep.value("customers", std::int64_t{-1}))
            throw std::runtime_error("sync: the snapshot's customer count is not the report's");
        put(90, {"new device from a snapshot of the hub (whole file)", "s", snap_s.wall, copy_s.wall, false});
        d["snapshot"] = {{"customers", device_customers},
                         {"snapshot_bytes", rep.value("bytes", std::int64_t{0})},
                         {"source_bytes", static_cast<std::int64_t>(std::filesystem::file_size(source))},
                         {"ours", lap_json(snap_s)},
                         {"backup_api_copy", lap_json(copy_s)},
                         {"note", "ours: sync::snapshot of the imported file (VACUUM INTO a new file, which also "
                                  "compacts it, then a site of its own and the hub recorded as its peer up to the "
                                  "snapshot's seq; interactions included); baseline: the sqlite3 backup API "
                                  "copying the same file page by page into a rollback-journal file (a copy, not "
                                  "a replica). Compare with figure 5, record by record."}};
        for (const auto& f : {snap, copy})
            for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(f + suffix);
    }
    // ---- figure 7: sync metadata beside the user data it describes, in the
    // imported file (the generator's data), as B-tree pages on disk (dbstat).
    {
        SQLite::Database file(c.crm_db, SQLite::OPEN_READONLY);
        std::set<std::string> user_tables;
        for (const auto& t : csync::synced_tables()) user_tables.insert(t.name);
        std::int64_t meta = 0, meta_payload = 0, user = 0, user_rows = 0, user_payload = 0, total = 0;
        json by_btree = json::object();
        SQLite::Statement st(file, "SELECT d.name, s.tbl_name, s.type, sum(d.pgsize), sum(d.payload) FROM dbstat d "
                                   "LEFT JOIN sqlite_schema s ON s.name = d.name GROUP BY d.name");
        while (st.executeStep()) {
            const std::string name = st.getColumn(0).getString(), table = st.getColumn(1).getString(),
                              type = st.getColumn(2).getString();
            const std::int64_t bytes = st.getColumn(3).getInt64(), payload = st.getColumn(4).getInt64();
            total += bytes;
            const bool seq_index = name.size() > 9 && name.compare(name.size() - 9, 9, "_sync_seq") == 0;
            if (table.rfind("sync_", 0) == 0 || seq_index) {
                meta += bytes;
                meta_payload += payload;
                by_btree[name] = bytes;
            } else if (user_tables.count(table)) {
                user += bytes;
                if (type == "table") {
                    user_rows += bytes;
                    user_payload += payload;
                }
            }
        }
        // Since schema 17 a record's versions are columns of its own row
        // (sync_hlc, sync_seq, sync_vers): their bytes in the record format
        // (a header byte each, the integers' sizes, the blob) move from the
        // user side to the metadata side.
        std::int64_t in_rows = 0;
        {
            const auto int_size = [](const std::string& c) {
                return "CASE WHEN " + c + " IN (0, 1) THEN 0 WHEN " + c + " BETWEEN -128 AND 127 THEN 1 WHEN " + c +
                       " BETWEEN -32768 AND 32767 THEN 2 WHEN " + c + " BETWEEN -8388608 AND 8388607 THEN 3 WHEN " + c +
                       " BETWEEN -2147483648 AND 2147483647 THEN 4 WHEN " + c +
                       " BETWEEN -140737488355328 AND 140737488355327 THEN 6 ELSE 8 END";
            };
            for (const auto& t : csync::synced_tables())
                in_rows += file.execAndGet("SELECT coalesce(sum(3 + " + int_size("sync_hlc") + " + " + int_size("sync_seq") +
                                           " + length(sync_vers)), 0) FROM " + t.name + " WHERE sync_vers IS NOT NULL")
                               .getInt64();
        }
        meta += in_rows;
        meta_payload += in_rows;
        user_rows -= in_rows;
        user_payload -= in_rows;
        user -= in_rows;
        by_btree["versions in the records' rows"] = in_rows;
        if (user_rows <= 0 || meta == 0) throw std::runtime_error("sync: dbstat found no user data or no metadata");
        put(95, {"sync metadata vs the user data it describes (synced tables' rows), bytes on disk", "MB",
                 static_cast<double>(meta) / 1e6, static_cast<double>(user_rows) / 1e6, false});
        d["metadata"] = {{"file", "the imported file (generator's data)"},
                         {"metadata_bytes", meta},
                         {"metadata_payload_bytes", meta_payload},
                         {"user_table_bytes", user_rows},
                         {"user_table_payload_bytes", user_payload},
                         {"user_bytes_with_indexes", user},
                         {"file_bytes_in_btrees", total},
                         {"metadata_vs_user_with_indexes", static_cast<double>(meta) / static_cast<double>(user)},
                         {"metadata_vs_file", static_cast<double>(meta) / static_cast<double>(total)},
                         {"metadata_by_btree", by_btree},
                         {"note", "metadata: every sync_* table and index (older seqs, tombstones, sites, "
                                  "ghosts, conflict log, peers), the synced tables' sync_seq indexes and the "
                                  "version columns' bytes in their rows; user data: the synced tables' own B-trees "
                                  "less those bytes "
                                  "(ratio column), and with their indexes (metadata_vs_user_with_indexes); "
                                  "full-text indexes and derived tables count in neither"}};
    }
    for (auto& entry : figures) r.figures.push_back(std::move(entry.second));
    d["statements_left_mid_result"] = left_busy;
    return r;
}

const Register sync_suite{{"sync", 30, run_sync}};

}  // namespace
}  // namespace bench
