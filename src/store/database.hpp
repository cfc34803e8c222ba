// The store: one SQLite file (WAL, foreign keys, STRICT tables, application_id,
// numbered migrations), the statement cache, transactions, the hybrid logical
// clock and change capture. Every capability module writes through a WriteScope
// so that each public mutating call is exactly one transaction (or one savepoint
// inside the caller's explicit transaction) and every change is stamped.
#pragma once

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "store/hlc.hpp"
#include "store/ids.hpp"
#include "store/versions.hpp"

namespace crmlite {

namespace crypto {
class CryptVfs;
}

// Synced record kinds. The numbers are part of the sync format: append only.
enum class Table : int {
    customers = 1,
    contact_points = 2,
    interactions = 3,
    tags = 4,
    customer_tags = 5,
    external_ids = 6,
    // 20-29: data quality (src/merge)
    customer_redirects = 20,
    customer_merges = 21,
    // Sales and marketing (issue 8: src/pipeline, src/leads, src/campaigns).
    pipelines = 40,
    pipeline_stages = 41,
    leads = 42,
    lead_events = 43,
    assignment_rules = 44,
    opportunities = 45,
    stage_history = 46,
    campaigns = 47,
    campaign_members = 48,
};

struct OpenOptions {
    bool create = true;
    bool readonly = false;
    std::string timezone;  // empty: keep the stored one ("UTC" for new files)
    int busy_timeout_ms = 5000;
    // Encryption at rest (src/crypto, docs/storage.md): a passphrase (Argon2id
    // with the salt stored in the file) or a raw 32-byte key; both empty: a
    // plain file. A new file given a key is created encrypted.
    std::string passphrase;
    std::string raw_key;
    // Internal (snapshots): open an encrypted copy with this VFS's key instead
    // of a passphrase or raw key (CRM_ENOTADB when it does not open the file).
    const crypto::CryptVfs* same_key_as = nullptr;
};

class WriteScope;
class Database;

// Work a module defers to the end of the outermost transaction. Full-text index
// maintenance is the case in point: FTS5 flushes its pending terms to a new
// segment at every SAVEPOINT once it has been written in a transaction, so
// indexing row by row inside per-row savepoints (a bulk import) costs a segment
// per row. flush() runs inside the transaction just before COMMIT (and whenever
// a reader needs the work done, e.g. before a search); discard() runs when the
// outermost transaction rolls back.
class DeferredWork {
public:
    virtual ~DeferredWork() = default;
    virtual void flush(Database& db) = 0;
    virtual void discard() noexcept = 0;
};

class Database {
public:
    static constexpr std::int32_t kApplicationId = 0x43524D4C;  // "CRML"

    Database(const std::string& path, const OpenOptions& options);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    SQLite::Database& sql() { return *db_; }
    sqlite3* handle() { return db_->getHandle(); }

    // A prepared statement from the per-connection cache, reset with its bindings
    // cleared. REQUIRES: the caller finishes with it before calling anything that
    // may fetch the same SQL text again.
    SQLite::Statement& stmt(const std::string& sql);
    // The id in the first column of the first row of `sql` run with `id` bound
    // to its one parameter (cached, reset after); nullopt for no row or NULL.
    std::optional<Uuid> id_at(const std::string& sql, const Uuid& id);

    // Resets every cached statement. A statement left mid-result holds a read
    // snapshot open, which blocks WAL checkpoints and makes this handle's next
    // write fail once another connection has committed; the C ABI calls this at
    // the end of every call.
    void reset_statements() noexcept;

    // The deferred work registered under `key`, created by make() on first use.
    DeferredWork& deferred(const std::string& key, std::unique_ptr<DeferredWork> (*make)());
    // Runs every registered flush (in registration order). Callers: the
    // outermost commit, readers that need the deferred work done.
    void flush_deferred();

    // Explicit caller transactions (crm_begin/commit/rollback).
    void begin();
    void commit();
    void rollback();
    bool in_explicit_transaction() const { return explicit_txn_; }
    bool in_transaction() const { return explicit_txn_ || scope_depth_ > 0; }

    bool readonly() const { return readonly_; }
    int busy_timeout_ms() const { return busy_timeout_ms_; }
    // The encrypting VFS of this connection, or null for a plain file.
    const crypto::CryptVfs* crypt_vfs() const { return vfs_.get(); }
    bool encrypted() const { return vfs_ != nullptr; }
    // The file's full path, as SQLite resolved it (symbolic links followed).
    std::string path() const;

    // Replaces the connection by a new one on the same path through `vfs`
    // (null: a plain file), after the file was replaced by a re-encrypted copy
    // (backup/rekey.hpp). The statement cache is dropped; deferred work, the
    // site id and the clock are kept (the content is the same).
    // REQUIRES: no transaction open, no statement of the old connection alive
    // outside the cache (cursors), no principal signed in (its SQL function
    // lives on the old connection).
    void reconnect(std::unique_ptr<crypto::CryptVfs> vfs);
    const Uuid& site_id() const { return site_id_; }
    const std::string& timezone() const { return timezone_; }
    int schema_version() const;
    static int latest_schema_version();
    std::int64_t counter(const std::string& name);
    HybridClock::Stamp last_stamp() const { return clock_.last(); }
    std::int64_t last_seq() const { return seq_; }
    // The record's per-field versions, or nothing when it has none (never
    // written, or deleted).
    std::optional<std::vector<FieldVersion>> versions(Table table, const Uuid& id);
    // The versions in a row read with "sync_hlc, sync_seq, sync_vers" at
    // columns first, first + 1, first + 2 (nullopt: the record has none).
    static std::optional<std::vector<FieldVersion>> row_versions(SQLite::Statement& st, int first);
    // The newest change sequence number any live record's field carries (0: none).
    std::int64_t max_logged_seq();
    // sync_sites index of a site id, added on first sight.
    std::int64_t site_index(const Uuid& site);
    // sync_sites index of this file's own site: 1, except in a replica made
    // from another's snapshot (sync/snapshot.hpp), where 1 is the origin.
    std::int64_t local_site() const { return local_site_; }
    Uuid site_of(std::int64_t index);

private:
    friend class WriteScope;
    std::unique_ptr<SQLite::Database> connect(const std::string& path, const crypto::CryptVfs* vfs) const;
    void configure(SQLite::Database& db) const;
    void check_is_crmlite_file(const std::string& path);
    void migrate();
    void load_meta();
    void reload_clock();
    void persist_clock();

    std::unique_ptr<crypto::CryptVfs> vfs_;  // declared first: outlives the connection
    std::unique_ptr<SQLite::Database> db_;
    void discard_deferred() noexcept;

    std::unordered_map<std::string, std::unique_ptr<SQLite::Statement>> cache_;
    std::vector<std::pair<std::string, std::unique_ptr<DeferredWork>>> deferred_;
    bool readonly_ = false;
    int busy_timeout_ms_ = 5000;
    bool explicit_txn_ = false;
    int scope_depth_ = 0;
    WriteScope* current_scope_ = nullptr;  // innermost open WriteScope
    Uuid site_id_;
    std::int64_t local_site_ = 1;
    std::string timezone_;
    HybridClock clock_;
    std::int64_t seq_ = 0;
    bool clock_dirty_ = false;
};

// Bulk-load mode for one large transaction (an import). In WAL mode every page
// a transaction spills out of the cache goes to the WAL, and every later read
// of such a page searches the WAL index, whose cost grows with the WAL: a
// million-row import in one transaction slowed down as it went. With a rollback
// journal, spilled pages go to the database file itself and only the original
// content of pages that existed before is journaled (next to nothing for a
// fresh file); it is just as crash-safe. The switch needs the file to itself:
// when another connection has it open, or a transaction is open, the handle
// stays in WAL mode and the import is merely slower. The destructor switches
// back to WAL.
class BulkLoadJournal {
public:
    explicit BulkLoadJournal(Database& db);
    ~BulkLoadJournal();
    BulkLoadJournal(const BulkLoadJournal&) = delete;
    BulkLoadJournal& operator=(const BulkLoadJournal&) = delete;
    bool active() const { return active_; }

private:
    Database& db_;
    bool active_ = false;
};

// One atomic mutating operation. Opens BEGIN IMMEDIATE (or a SAVEPOINT when the
// caller holds an explicit transaction or an outer scope is open); commit()
// makes it durable; destruction without commit() rolls everything back, so a
// failed call never leaves a half-written record.
class WriteScope {
public:
    explicit WriteScope(Database& db);
    ~WriteScope();
    WriteScope(const WriteScope&) = delete;
    WriteScope& operator=(const WriteScope&) = delete;

    Database& db() { return db_; }
    // The HLC stamp of this operation: every field it changes carries it.
    HybridClock::Stamp stamp();
    // The wall-clock time of this operation (created_at / updated_at).
    std::int64_t now() const { return now_; }

    // Change capture: `fields` is a bit mask over the table's synced field list
    // (bit i = field i). Records per-field (stamp, site) versions for the record.
    void record_change(Table table, const Uuid& id, std::uint64_t fields);
    // record_change for a caller that writes the record's row anyway: `before`
    // is what the row's version columns held (read with the row: row_versions;
    // nullopt for a new record). Does the bookkeeping outside the row and
    // returns what the caller must write into the row's sync_hlc, sync_seq and
    // sync_vers in the same statement as the change.
    struct RowVersions {
        std::int64_t hlc = 0;
        std::int64_t seq = 0;
        std::string vers;
        // Binds sync_hlc, sync_seq, sync_vers at p, p + 1, p + 2; returns p + 3.
        int bind(SQLite::Statement& st, int p) const;
    };
    RowVersions change_in_row(Table table, const Uuid& id, std::uint64_t fields,
                              const std::optional<std::vector<FieldVersion>>& before);
    // The record is gone: its versions are replaced by a tombstone, which
    // remembers the customer the record was under (an erasure of that customer
    // marks it: subject/subject.hpp): `customer`, else read from the record's
    // row when the caller has not deleted it yet.
    void record_delete(Table table, const Uuid& id, const std::optional<Uuid>& customer = std::nullopt);
    // Adjusts a maintained count (e.g. "customers") by delta, applied at commit.
    void count(const char* name, std::int64_t delta) { counts_[name] += delta; }

    void commit();

    // ---- for sync apply (src/sync): merged remote versions, kept as given.
    // This scope's change sequence number (allocated on first use).
    std::int64_t seq() { return next_seq(); }
    // Replaces the record's version vector (row stamp and seq computed).
    void put_versions(Table table, const Uuid& id, const std::vector<FieldVersion>& versions);
    // The same when the caller has just read the stored vector (`before`): not read again.
    void put_versions(Table table, const Uuid& id, const std::vector<FieldVersion>& before,
                      const std::vector<FieldVersion>& versions) {
        store_versions(table, id, before, versions);
    }
    // put_versions for a caller that writes the record's row anyway: the
    // bookkeeping outside the row, and what to write into its version columns
    // in the same statement.
    RowVersions log_versions(Table table, const Uuid& id, const std::vector<FieldVersion>& before,
                             const std::vector<FieldVersion>& after);
    // A tombstone with the deleting site's clock (max with any existing one);
    // `customer`, when known, is kept as record_delete's.
    void put_tombstone(Table table, const Uuid& id, std::int64_t hlc, std::int64_t site,
                       const std::optional<Uuid>& customer = std::nullopt);
    // Merges a remote clock; false when it is more than max_skew_ms ahead of now.
    bool observe(std::int64_t remote, std::int64_t max_skew_ms);
    // Forgets the record's versions and kept unknown fields without a
    // tombstone (the record left this replica, e.g. its share).
    void drop_versions(Table table, const Uuid& id);

private:
    friend class Database;
    std::int64_t next_seq();
    void store_versions(Table table, const Uuid& id, const std::vector<FieldVersion>& before,
                        const std::vector<FieldVersion>& after);
    // The row's version columns (the row must exist: an error otherwise).
    void write_row_versions(Table table, const Uuid& id, const RowVersions& row);

    void log_entry(const char* sql, std::int64_t seq, Table table, const Uuid& id);

    Database& db_;
    bool top_level_;
    bool done_ = false;
    std::string savepoint_;
    std::int64_t now_;
    HybridClock::Stamp stamp_ = 0;
    std::int64_t seq_ = 0;
    std::map<std::string, std::int64_t> counts_;
    WriteScope* parent_ = nullptr;  // the enclosing scope, if any
};

}  // namespace crmlite
