#include "store/database.hpp"

#include "store/ghosts.hpp"
#include "store/captured_tables.hpp"

#include <optional>

#include <SQLiteCpp/Transaction.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>

#include "common/error.hpp"
#include "common/time.hpp"
#include "crypto/crypt_vfs.hpp"
#include "search/tokenizer.hpp"
#include "store/migrations.hpp"
#include "store/schema_template.hpp"
#include "store/versions.hpp"

namespace crmlite {

namespace {

constexpr std::int64_t kLocalSite = 1;  // sync_sites.idx of a new file's own site (Database::local_site)

// Reads the first bytes of an existing file without SQLite, so that a file that
// is not SQLite at all is refused before anything could write to it.
void check_sqlite_header(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(CRM_EIO, "cannot read " + path);
    char header[16] = {};
    in.read(header, sizeof header);
    const auto got = in.gcount();
    if (got == 0) return;  // empty file: a new database
    if (got == 16 && std::memcmp(header, crypto::kMagic, 16) == 0)
        throw Error(CRM_ENOTADB, path + ": an encrypted crmlite database: open it with its key");
    if (got < 16 || std::memcmp(header, "SQLite format 3", 16) != 0)
        throw Error(CRM_ENOTADB, path + ": not a crmlite database (not an SQLite file)");
}

// The test hook of the encryption pass of scripts/test.sh: with
// CRMLITE_TEST_ENCRYPT=1, every database opened without a key that is new or
// already encrypted is opened with a fixed test key (plain files stay plain).
bool test_encryption_requested() {
    const char* env = std::getenv("CRMLITE_TEST_ENCRYPT");
    return env != nullptr && std::strcmp(env, "1") == 0;
}

}  // namespace

int Database::latest_schema_version() { return migrations().back().version; }

Database::Database(const std::string& path, const OpenOptions& options)
    : readonly_(options.readonly), busy_timeout_ms_(options.busy_timeout_ms) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const bool exists = fs::exists(path, ec);
    if (!exists && (!options.create || options.readonly))
        throw Error(CRM_ENOTFOUND, path + ": no such database");
    // An empty file is a database only to make: opened without create (or
    // read-only) it is refused, not initialised; a file truncated to nothing
    // must not come back as an empty CRM.
    if (exists && (!options.create || options.readonly) && fs::is_regular_file(path, ec) && fs::file_size(path, ec) == 0)
        throw Error(CRM_ENOTADB, path + ": an empty file, not a crmlite database (open it with create to make one)");
    crypto::KeySpec key{options.passphrase, options.raw_key};
    if (options.same_key_as != nullptr) {
        if (!key.empty()) throw Error(CRM_EINVAL, "key: give a passphrase, a raw key or a VFS to copy, not several");
        vfs_ = crypto::vfs_for_file(path, *options.same_key_as);
    } else {
        if (key.empty() && test_encryption_requested()) {
            const auto state = crypto::probe_file(path).state;
            if (state != crypto::FileState::plain && state != crypto::FileState::foreign)
                key.raw_key = crypto::test_raw_key();
        }
        if (!key.empty()) vfs_ = crypto::vfs_for_file(path, key);  // checks the key against page 1
        else if (exists) check_sqlite_header(path);
    }

    db_ = connect(path, vfs_.get());
    check_is_crmlite_file(path);
    configure(*db_);
    if (!readonly_) migrate();
    load_meta();
    if (!options.timezone.empty() && options.timezone != timezone_) {
        if (readonly_) throw Error(CRM_EPERM, "timezone: cannot change on a read-only handle");
        WriteScope w(*this);
        auto& st = stmt("UPDATE crm_meta SET value = ? WHERE key = 'timezone'");
        st.bind(1, options.timezone);
        st.exec();
        w.commit();
        timezone_ = options.timezone;
    }
}

Database::~Database() {
    cache_.clear();
    if (explicit_txn_) {
        try {
            db_->exec("ROLLBACK");
        } catch (...) {
        }
    }
}

std::unique_ptr<SQLite::Database> Database::connect(const std::string& path, const crypto::CryptVfs* vfs) const {
    int flags = readonly_ ? SQLite::OPEN_READONLY : (SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    flags |= SQLITE_OPEN_NOMUTEX;  // one handle, one thread at a time (documented)
    auto db = std::make_unique<SQLite::Database>(path.c_str(), flags, busy_timeout_ms_, vfs ? vfs->name() : nullptr);
    if (vfs != nullptr && !readonly_) {
        // Room for each page's nonce, tag and salt, before the first page is written.
        int reserve = crypto::kReserve;
        sqlite3_file_control(db->getHandle(), "main", SQLITE_FCNTL_RESERVE_BYTES, &reserve);
    }
    search::register_tokenizer(db->getHandle());
    return db;
}

void Database::configure(SQLite::Database& db) const {
    if (!readonly_) {
        db.exec("PRAGMA journal_mode=WAL");
        db.exec("PRAGMA synchronous=NORMAL");
    }
    db.exec("PRAGMA foreign_keys=ON");
    db.exec("PRAGMA temp_store=MEMORY");
    // 2 MB (the default) spills a bulk import's pages to the WAL and reads them
    // back; 32 MB keeps a large transaction's working set in memory (allocated
    // only as used).
    db.exec("PRAGMA cache_size=-32768");
}

std::string Database::path() const {
    const char* name = sqlite3_db_filename(db_->getHandle(), "main");
    return name != nullptr ? std::string(name) : db_->getFilename();
}

void Database::reconnect(std::unique_ptr<crypto::CryptVfs> vfs) {
    if (in_transaction()) throw Error(CRM_EMISUSE, "reconnect: a transaction is open");
    auto fresh = connect(path(), vfs.get());
    configure(*fresh);
    cache_.clear();
    db_ = std::move(fresh);  // closes the old connection, which still uses the old VFS
    vfs_ = std::move(vfs);
}

// Refuses files that are SQLite but not ours, and files from a newer schema,
// using only reads: nothing is written before these checks pass.
void Database::check_is_crmlite_file(const std::string& path) {
    std::int64_t app_id = 0, version = 0, objects = 0;
    try {
        app_id = db_->execAndGet("PRAGMA application_id").getInt64();
        version = db_->execAndGet("PRAGMA user_version").getInt64();
        objects = db_->execAndGet("SELECT count(*) FROM sqlite_schema").getInt64();
    } catch (const SQLite::Exception& e) {
        if (e.getErrorCode() == SQLITE_NOTADB)
            throw Error(CRM_ENOTADB, path + ": not a crmlite database", e.getExtendedErrorCode());
        throw;
    }
    if (app_id != kApplicationId && (app_id != 0 || objects != 0))
        throw Error(CRM_ENOTADB, path + ": not a crmlite database (an SQLite file of another application)");
    if (app_id == 0 && readonly_)
        throw Error(CRM_ENOTADB, path + ": empty file opened read-only is not a crmlite database");
    if (version > latest_schema_version())
        throw Error(CRM_ETOONEW, path + ": written by a newer crmlite (schema " + std::to_string(version) +
                                     ", this library knows up to " + std::to_string(latest_schema_version()) +
                                     ")");
}

void Database::migrate() {
    const int current = schema_version();
    if (current >= latest_schema_version()) return;
    if (current == 0) prepare_latest_schema();
    SQLite::Transaction txn(*db_, SQLite::TransactionBehavior::IMMEDIATE);
    // Re-read under the write lock: another connection may have migrated meanwhile.
    const int locked_current = schema_version();
    if (locked_current == 0) {
        // A new file gets the final schema directly (store/schema_template.hpp).
        install_latest_schema(*db_);
    } else {
        run_migrations(*db_, locked_current);
    }
    if (locked_current == 0) {
        db_->exec("PRAGMA application_id = " + std::to_string(kApplicationId));
        const Uuid site = Uuid::v7();
        SQLite::Statement s(*db_, "INSERT INTO sync_sites(idx, site) VALUES (?, ?)");
        s.bind(1, static_cast<std::int64_t>(kLocalSite));
        s.bind(2, site.data(), Uuid::size());
        s.exec();
        SQLite::Statement m(*db_,
                            "INSERT INTO crm_meta(key, value) VALUES ('site_id', ?), ('timezone', 'UTC'), "
                            "('hlc', 0), ('seq', 0), ('created_at', ?)");
        m.bind(1, site.data(), Uuid::size());
        m.bind(2, now_ms());
        m.exec();
    }
    txn.commit();
}

void Database::load_meta() {
    if (schema_version() == 0) throw Error(CRM_ENOTADB, "not a crmlite database (no schema)");
    SQLite::Statement s(*db_, "SELECT key, value FROM crm_meta");
    while (s.executeStep()) {
        const std::string key = s.getColumn(0).getString();
        const auto v = s.getColumn(1);
        if (key == "site_id") site_id_ = Uuid::from_blob(v.getBlob(), v.getBytes());
        else if (key == "local_site") local_site_ = v.getInt64();
        else if (key == "timezone") timezone_ = v.getString();
        else if (key == "hlc") clock_.restore(v.getInt64());
        else if (key == "seq") seq_ = v.getInt64();
    }
}

int Database::schema_version() const { return db_->execAndGet("PRAGMA user_version").getInt(); }

SQLite::Statement& Database::stmt(const std::string& sql) {
    auto it = cache_.find(sql);
    if (it == cache_.end()) it = cache_.emplace(sql, std::make_unique<SQLite::Statement>(*db_, sql)).first;
    auto& st = *it->second;
    // tryReset: reset() would throw again the error of a step that failed last
    // time (sqlite3_reset returns it), making the next, valid use fail too.
    (void)st.tryReset();
    st.clearBindings();
    return st;
}

std::optional<Uuid> Database::id_at(const std::string& sql, const Uuid& id) {
    auto& st = stmt(sql);
    st.bind(1, id.data(), Uuid::size());
    std::optional<Uuid> out;
    if (st.executeStep() && !st.getColumn(0).isNull())
        out = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    st.reset();
    return out;
}

void Database::reset_statements() noexcept {
    for (auto& [sql, st] : cache_) (void)st->tryReset();
}

std::int64_t Database::counter(const std::string& name) {
    auto& st = stmt("SELECT value FROM crm_counters WHERE name = ?");
    st.bind(1, name);
    std::int64_t value = st.executeStep() ? st.getColumn(0).getInt64() : 0;
    st.reset();
    // Counts of scopes still open (applied when the outermost one commits).
    for (const WriteScope* w = current_scope_; w != nullptr; w = w->parent_) {
        const auto it = w->counts_.find(name);
        if (it != w->counts_.end()) value += it->second;
    }
    return value;
}

void Database::reload_clock() {
    auto& st = stmt("SELECT key, value FROM crm_meta WHERE key IN ('hlc', 'seq')");
    while (st.executeStep()) {
        const std::string key = st.getColumn(0).getString();
        const std::int64_t v = st.getColumn(1).getInt64();
        if (key == "hlc") clock_.restore(v);
        else if (v > seq_) seq_ = v;
    }
}

void Database::persist_clock() {
    auto& st = stmt("UPDATE crm_meta SET value = CASE key WHEN 'hlc' THEN ? ELSE ? END WHERE key IN ('hlc', 'seq')");
    st.bind(1, clock_.last());
    st.bind(2, seq_);
    st.exec();
    clock_dirty_ = false;
}

DeferredWork& Database::deferred(const std::string& key, std::unique_ptr<DeferredWork> (*make)()) {
    for (auto& [k, work] : deferred_)
        if (k == key) return *work;
    deferred_.emplace_back(key, make());
    return *deferred_.back().second;
}

void Database::flush_deferred() {
    for (auto& entry : deferred_) entry.second->flush(*this);
}

void Database::discard_deferred() noexcept {
    for (auto& entry : deferred_) entry.second->discard();
}

void Database::begin() {
    if (readonly_) throw Error(CRM_EPERM, "the database is open read-only");
    if (explicit_txn_) throw Error(CRM_EMISUSE, "a transaction is already open (no nesting)");
    db_->exec("BEGIN IMMEDIATE");
    explicit_txn_ = true;
    reload_clock();
}

void Database::commit() {
    if (!explicit_txn_) throw Error(CRM_EMISUSE, "no transaction is open");
    try {
        flush_deferred();
    } catch (...) {
        // Half-applied deferred work must not be committed: give up the whole
        // transaction and say so.
        rollback();
        throw;
    }
    if (clock_dirty_) persist_clock();
    db_->exec("COMMIT");
    explicit_txn_ = false;
}

void Database::rollback() {
    if (!explicit_txn_) throw Error(CRM_EMISUSE, "no transaction is open");
    explicit_txn_ = false;
    discard_deferred();
    db_->exec("ROLLBACK");
}

std::int64_t Database::site_index(const Uuid& site) {
    if (site == site_id_) return local_site_;
    auto& find = stmt("SELECT idx FROM sync_sites WHERE site = ?");
    find.bind(1, site.data(), Uuid::size());
    if (find.executeStep()) {
        const auto idx = find.getColumn(0).getInt64();
        find.reset();
        return idx;
    }
    find.reset();
    auto& add = stmt("INSERT INTO sync_sites(site) VALUES (?)");
    add.bind(1, site.data(), Uuid::size());
    add.exec();
    return db_->getLastInsertRowid();
}

Uuid Database::site_of(std::int64_t index) {
    auto& st = stmt("SELECT site FROM sync_sites WHERE idx = ?");
    st.bind(1, index);
    if (!st.executeStep()) throw Error(CRM_ECORRUPT, "sync_sites: no site " + std::to_string(index));
    const Uuid site = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    st.reset();
    return site;
}

// -------------------------------------------------------------- bulk loading

BulkLoadJournal::BulkLoadJournal(Database& db) : db_(db) {
    if (db.readonly() || db.in_transaction()) return;
    try {
        const std::string mode = db.sql().execAndGet("PRAGMA journal_mode=TRUNCATE").getString();
        active_ = mode == "truncate";
    } catch (const SQLite::Exception&) {
        active_ = false;  // another connection holds the file: stay in WAL
    }
}

BulkLoadJournal::~BulkLoadJournal() {
    if (!active_) return;
    try {
        db_.reset_statements();  // a statement mid-result would make the switch fail
        db_.sql().exec("PRAGMA journal_mode=WAL");
    } catch (...) {
        // The next open switches the file back to WAL.
    }
}

// ------------------------------------------------------------------ WriteScope

WriteScope::WriteScope(Database& db) : db_(db), top_level_(!db.explicit_txn_ && db.scope_depth_ == 0), now_(now_ms()) {
    if (db.readonly_) throw Error(CRM_EPERM, "the database is open read-only");
    if (top_level_) {
        db_.db_->exec("BEGIN IMMEDIATE");
        try {
            db_.reload_clock();
        } catch (...) {
            db_.db_->exec("ROLLBACK");
            throw;
        }
    } else {
        savepoint_ = "crm_sp" + std::to_string(db.scope_depth_);
        db_.stmt("SAVEPOINT " + savepoint_).exec();  // cached: an import opens one per row
    }
    ++db_.scope_depth_;
    parent_ = db_.current_scope_;
    db_.current_scope_ = this;
}

WriteScope::~WriteScope() {
    --db_.scope_depth_;
    db_.current_scope_ = parent_;
    if (done_) return;
    try {
        if (top_level_) {
            db_.discard_deferred();
            db_.db_->exec("ROLLBACK");
        } else {
            db_.db_->exec("ROLLBACK TO " + savepoint_);
            db_.db_->exec("RELEASE " + savepoint_);
        }
    } catch (...) {
        // Nothing sensible to do in a destructor; SQLite rolls back on close.
    }
}

HybridClock::Stamp WriteScope::stamp() {
    if (stamp_ == 0) stamp_ = db_.clock_.tick(now_);
    return stamp_;
}

std::int64_t WriteScope::next_seq() {
    if (seq_ == 0) seq_ = ++db_.seq_;
    return seq_;
}

namespace {
const char* captured_name(Table table) {
    const char* name = captured_table_name(table);
    if (!name) throw Error(CRM_ERROR, "change capture: table " + std::to_string(static_cast<int>(table)) + " is not captured");
    return name;
}
}  // namespace

std::optional<std::vector<FieldVersion>> Database::row_versions(SQLite::Statement& st, int first) {
    const auto blob = st.getColumn(first + 2);
    if (blob.isNull()) return std::nullopt;
    return decode_versions(
        std::string_view(static_cast<const char*>(blob.getBlob()), static_cast<std::size_t>(blob.getBytes())),
        st.getColumn(first).getInt64(), st.getColumn(first + 1).getInt64());
}

std::optional<std::vector<FieldVersion>> Database::versions(Table table, const Uuid& id) {
    auto& get = stmt(std::string("SELECT sync_hlc, sync_seq, sync_vers FROM ") + captured_name(table) + " WHERE id = ?");
    get.bind(1, id.data(), Uuid::size());
    std::optional<std::vector<FieldVersion>> versions;
    if (get.executeStep()) versions = row_versions(get, 0);
    get.reset();
    return versions;
}

std::int64_t Database::max_logged_seq() {
    static const std::string sql = "SELECT max(coalesce((SELECT max(seq) FROM sync_older_seqs), 0), " + [] {
        std::string arms;
        for (const auto& t : captured_tables())
            // The WHERE lets max() use the partial sync_seq index (else it scans the table).
            arms += std::string(arms.empty() ? "" : ", ") + "coalesce((SELECT max(sync_seq) FROM " + t.name +
                    " WHERE sync_seq IS NOT NULL), 0)";
        return arms;
    }() + ")";
    auto& st = stmt(sql);
    st.executeStep();
    const auto v = st.getColumn(0).getInt64();
    st.reset();
    return v;
}

namespace {
constexpr const char* kLog = "INSERT OR IGNORE INTO sync_older_seqs(seq, tbl, id) VALUES (?, ?, ?)";
constexpr const char* kUnlog = "DELETE FROM sync_older_seqs WHERE seq = ? AND tbl = ? AND id = ?";

// The distinct seqs the fields carry but the newest (which is the row's sync_seq).
std::vector<std::int64_t> older_seqs_of(const std::vector<FieldVersion>& v) {
    std::vector<std::int64_t> s;
    for (const auto& f : v) s.push_back(f.seq);
    std::sort(s.begin(), s.end());
    s.erase(std::unique(s.begin(), s.end()), s.end());
    if (!s.empty()) s.pop_back();
    return s;
}
}  // namespace

void WriteScope::log_entry(const char* sql, std::int64_t seq, Table table, const Uuid& id) {
    auto& st = db_.stmt(sql);
    st.bind(1, seq);
    st.bind(2, static_cast<int>(table));
    st.bind(3, id.data(), Uuid::size());
    st.exec();
}

// The record's row holds its newest seq (sync_seq, indexed) and sync_older_seqs
// every other seq still carried by one of its fields: changes_since pages
// through both by seq, so every field change is sent exactly in the page of its
// own seq (a record whose fields were written at several seqs appears once per
// seq). Editing the same field again moves only the row's sync_seq.
WriteScope::RowVersions WriteScope::log_versions(Table table, const Uuid& id, const std::vector<FieldVersion>& before,
                                                 const std::vector<FieldVersion>& after) {
    const auto old_seqs = older_seqs_of(before), new_seqs = older_seqs_of(after);
    for (const auto s : old_seqs)
        if (!std::binary_search(new_seqs.begin(), new_seqs.end(), s)) log_entry(kUnlog, s, table, id);
    for (const auto s : new_seqs)
        if (!std::binary_search(old_seqs.begin(), old_seqs.end(), s)) log_entry(kLog, s, table, id);
    RowVersions out;
    for (const auto& v : after) {
        out.hlc = std::max(out.hlc, v.stamp);
        out.seq = std::max(out.seq, v.seq);
    }
    out.vers = encode_versions(after, out.hlc, out.seq);
    return out;
}

int WriteScope::RowVersions::bind(SQLite::Statement& st, int p) const {
    st.bind(p, hlc);
    st.bind(p + 1, seq);
    st.bind(p + 2, vers.data(), static_cast<int>(vers.size()));
    return p + 3;
}

void WriteScope::store_versions(Table table, const Uuid& id, const std::vector<FieldVersion>& before,
                                const std::vector<FieldVersion>& after) {
    write_row_versions(table, id, log_versions(table, id, before, after));
}

void WriteScope::write_row_versions(Table table, const Uuid& id, const RowVersions& row) {
    const char* name = captured_name(table);
    auto& put = db_.stmt(std::string("UPDATE ") + name + " SET sync_hlc = ?, sync_seq = ?, sync_vers = ? WHERE id = ?");
    put.bind(row.bind(put, 1), id.data(), Uuid::size());
    put.exec();
    if (db_.sql().getChanges() != 1)
        throw Error(CRM_ERROR, std::string("change capture: no ") + name + " row " + id.str() + " to hold its versions");
}

void WriteScope::drop_versions(Table table, const Uuid& id) {
    // By (table, id) throughout: the caller may have deleted the row already.
    for (const char* sql : {"DELETE FROM sync_extra WHERE tbl = ? AND id = ?", "DELETE FROM sync_older_seqs WHERE tbl = ? AND id = ?"}) {
        auto& st = db_.stmt(sql);
        st.bind(1, static_cast<int>(table));
        st.bind(2, id.data(), Uuid::size());
        st.exec();
    }
    auto& del = db_.stmt(std::string("UPDATE ") + captured_name(table) +
                         " SET sync_hlc = NULL, sync_seq = NULL, sync_vers = NULL WHERE id = ? AND sync_vers IS NOT NULL");
    del.bind(1, id.data(), Uuid::size());
    del.exec();
}

void WriteScope::record_change(Table table, const Uuid& id, std::uint64_t fields) {
    if (fields == 0) return;
    write_row_versions(table, id, change_in_row(table, id, fields, db_.versions(table, id)));
}

WriteScope::RowVersions WriteScope::change_in_row(Table table, const Uuid& id, std::uint64_t fields,
                                                  const std::optional<std::vector<FieldVersion>>& before) {
    const auto now_stamp = stamp();
    const std::int64_t seq = next_seq();
    std::vector<FieldVersion> versions = before.value_or(std::vector<FieldVersion>{});
    for (int f = 0; f < 64; ++f) {
        if (!(fields & (std::uint64_t{1} << f))) continue;
        auto it = std::find_if(versions.begin(), versions.end(), [f](const FieldVersion& v) { return v.field == f; });
        if (it == versions.end()) versions.push_back({f, now_stamp, db_.local_site_, seq});
        else *it = {f, now_stamp, db_.local_site_, seq, it->stamp < now_stamp ? it->stamp : it->base};
    }
    if (!before) {
        // A brand-new version row: a record re-created under a deterministic id
        // after a local delete is live again, so its tombstone goes.
        auto& live = db_.stmt("DELETE FROM sync_tombstones WHERE tbl = ? AND id = ?");
        live.bind(1, static_cast<int>(table));
        live.bind(2, id.data(), Uuid::size());
        live.exec();
        if (keeps_ghost(table)) drop_ghost(db_, table, id);
    }
    return log_versions(table, id, before.value_or(std::vector<FieldVersion>{}), versions);
}

namespace {
// The customer a record is under, from its row (nullopt once the row is gone).
// The tables with a customer column (sync/schema.cpp's customer_column).
std::optional<Uuid> customer_from_row(Database& db, Table table, const Uuid& id) {
    if (table == Table::customers) return id;
    static const std::map<int, std::string> kTables = {
        {2, "customer_id FROM contact_points"},    {3, "customer_id FROM interactions"},
        {5, "customer_id FROM customer_tags"},     {6, "customer_id FROM external_ids"},
        {10, "customer_id FROM tasks"},            {13, "customer_id FROM lifecycle_history"},
        {20, "survivor_id FROM customer_redirects"}, {21, "survivor_id FROM customer_merges"},
        {45, "customer_id FROM opportunities"},    {46, "customer_id FROM stage_history"},
        {48, "customer_id FROM campaign_members"}};
    const auto t = kTables.find(static_cast<int>(table));
    if (t == kTables.end()) return std::nullopt;
    return db.id_at("SELECT " + t->second + " WHERE id = ?", id);
}

void bind_customer(SQLite::Statement& st, int index, const std::optional<Uuid>& customer) {
    if (customer) st.bind(index, customer->data(), Uuid::size());
    else st.bind(index);
}
}  // namespace

void WriteScope::record_delete(Table table, const Uuid& id, const std::optional<Uuid>& customer) {
    // A content-addressed record keeps its last state beside its tombstone
    // (store/ghosts.hpp): callers delete the row after this call.
    if (keeps_ghost(table))
        if (const auto g = capture_ghost(db_, table, id)) save_ghost(db_, table, id, *g);
    const auto under = customer ? customer : customer_from_row(db_, table, id);
    drop_versions(table, id);
    auto& put = db_.stmt("INSERT OR REPLACE INTO sync_tombstones(tbl, id, hlc, site, seq, customer) VALUES (?, ?, ?, ?, ?, ?)");
    put.bind(1, static_cast<int>(table));
    put.bind(2, id.data(), Uuid::size());
    put.bind(3, stamp());
    put.bind(4, db_.local_site_);
    put.bind(5, next_seq());
    bind_customer(put, 6, under);
    put.exec();
}

void WriteScope::put_versions(Table table, const Uuid& id, const std::vector<FieldVersion>& versions) {
    const auto before = db_.versions(table, id);
    store_versions(table, id, before.value_or(std::vector<FieldVersion>{}), versions);
}

void WriteScope::put_tombstone(Table table, const Uuid& id, std::int64_t hlc, std::int64_t site,
                               const std::optional<Uuid>& customer) {
    drop_versions(table, id);
    // Newest (clock, site id) wins, as for fields: every replica keeps the same one.
    auto& put = db_.stmt(
        "INSERT INTO sync_tombstones(tbl, id, hlc, site, seq, customer) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
        "ON CONFLICT(tbl, id) DO UPDATE SET hlc = ?3, site = ?4, seq = ?5, customer = coalesce(sync_tombstones.customer, ?6) "
        "WHERE ?3 > sync_tombstones.hlc OR (?3 = sync_tombstones.hlc AND "
        "(SELECT site FROM sync_sites WHERE idx = ?4) > (SELECT site FROM sync_sites WHERE idx = sync_tombstones.site))");
    put.bind(1, static_cast<int>(table));
    put.bind(2, id.data(), Uuid::size());
    put.bind(3, hlc);
    put.bind(4, site);
    put.bind(5, next_seq());
    bind_customer(put, 6, customer ? customer : customer_from_row(db_, table, id));
    put.exec();
}

bool WriteScope::observe(std::int64_t remote, std::int64_t max_skew_ms) {
    if (!db_.clock_.observe(remote, now_, max_skew_ms)) return false;
    db_.clock_dirty_ = true;
    return true;
}

void WriteScope::commit() {
    if (done_) throw Error(CRM_EMISUSE, "write scope committed twice");
    if (parent_ != nullptr) {
        // The enclosing scope writes the counts once (an import: once, not per row).
        for (const auto& [name, delta] : counts_) parent_->counts_[name] += delta;
    } else {
        for (const auto& [name, delta] : counts_) {
            if (delta == 0) continue;
            auto& st = db_.stmt("UPDATE crm_counters SET value = value + ? WHERE name = ?");
            st.bind(1, delta);
            st.bind(2, name);
            st.exec();
        }
    }
    if (top_level_) db_.flush_deferred();
    if (stamp_ != 0 || seq_ != 0) db_.clock_dirty_ = true;
    // The clock is persisted once per outermost transaction, not per nested scope.
    if (top_level_ && db_.clock_dirty_) db_.persist_clock();
    if (top_level_) db_.db_->exec("COMMIT");
    else db_.stmt("RELEASE " + savepoint_).exec();
    done_ = true;
}

}  // namespace crmlite
