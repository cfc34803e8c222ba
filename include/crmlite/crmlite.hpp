// crmlite.hpp — header-only C++ wrapper over the stable C ABI (crmlite.h).
//
// RAII handles, exceptions instead of status codes, std::string instead of
// malloc'ed buffers. It adds no symbols to the library: C++ users link the same
// shared library and get the same stable ABI as C users (the design of
// Couchbase Lite's cbl++). Records are JSON text; bring your own JSON library.
//
//   crm::Database db("crm.db");
//   std::string id = db.create_customer(R"({"display_name":"王小明","phones":["13812345678"]})");
//   for (auto& row : db.search(R"({"q":"小明"})")) std::cout << row << "\n";
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "crmlite/crmlite.h"

namespace crm {

// A failed call: the crm_status, the message and the SQLite code behind it.
class Error : public std::runtime_error {
public:
    Error(crm_status code, const std::string& message, int sqlite_code)
        : std::runtime_error(message), code_(code), sqlite_code_(sqlite_code) {}
    crm_status code() const noexcept { return code_; }
    int sqlite_code() const noexcept { return sqlite_code_; }

private:
    crm_status code_;
    int sqlite_code_;
};

namespace detail {

inline void check(crm_status status) {
    if (status != CRM_OK) throw Error(status, crm_errmsg(), crm_errcode_sqlite());
}

// Takes ownership of a library buffer and copies it into a std::string.
inline std::string take(char* buffer) {
    std::string s = buffer ? std::string(buffer) : std::string();
    crm_free(buffer);
    return s;
}

inline std::string str(std::string_view v) { return std::string(v); }

}  // namespace detail

// Options for opening a database (crm_options).
class Options {
public:
    Options() { detail::check(crm_options_new(&h_)); }
    ~Options() { crm_options_free(h_); }
    Options(const Options&) = delete;
    Options& operator=(const Options&) = delete;
    Options(Options&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}

    Options& create(bool v) { detail::check(crm_options_set_create(h_, v ? 1 : 0)); return *this; }
    Options& readonly(bool v) { detail::check(crm_options_set_readonly(h_, v ? 1 : 0)); return *this; }
    Options& timezone(std::string_view tz) { detail::check(crm_options_set_timezone(h_, detail::str(tz).c_str())); return *this; }
    Options& busy_timeout(int ms) { detail::check(crm_options_set_busy_timeout(h_, ms)); return *this; }
    // Encryption at rest (crmlite_storage.h): a passphrase, or a raw 32-byte key.
    Options& passphrase(std::string_view p) { detail::check(crm_options_set_passphrase(h_, detail::str(p).c_str())); return *this; }
    Options& key(std::string_view raw) {
        detail::check(crm_options_set_key(h_, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
        return *this;
    }
    // Privacy (issue 7): open as this user of the file ("" = the system).
    Options& principal(std::string_view user) { detail::check(crm_options_set_principal(h_, detail::str(user).c_str())); return *this; }
    const crm_options* get() const { return h_; }

private:
    crm_options* h_ = nullptr;
};

// Options for a sync call (crm_sync_options): the peer served, its share
// (filtered replication / the sender's write scope), clock skew, conflict retention.
class SyncOptions {
public:
    SyncOptions() { detail::check(crm_sync_options_new(&h_)); }
    ~SyncOptions() { crm_sync_options_free(h_); }
    SyncOptions(const SyncOptions&) = delete;
    SyncOptions& operator=(const SyncOptions&) = delete;
    SyncOptions(SyncOptions&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}

    SyncOptions& peer(std::string_view site) { detail::check(crm_sync_options_set_peer(h_, detail::str(site).c_str())); return *this; }
    // field: "owner", "region" or "tag".
    SyncOptions& share(std::string_view field, std::string_view value) {
        detail::check(crm_sync_options_add_share(h_, detail::str(field).c_str(), detail::str(value).c_str()));
        return *this;
    }
    SyncOptions& max_clock_skew_ms(std::int64_t ms) { detail::check(crm_sync_options_set_max_clock_skew_ms(h_, ms)); return *this; }
    SyncOptions& conflict_retention_ms(std::int64_t ms) { detail::check(crm_sync_options_set_conflict_retention_ms(h_, ms)); return *this; }
    // Whether changes carry this file's audit chain (crmlite_privacy.h; default: unfiltered system changes do).
    SyncOptions& audit(bool include) { detail::check(crm_sync_options_set_audit(h_, include ? 1 : 0)); return *this; }
    const crm_sync_options* get() const { return h_; }

private:
    crm_sync_options* h_ = nullptr;
};

// A stream of JSON rows; iterate with next() or a range-for.
class Cursor {
public:
    explicit Cursor(crm_cursor* h) : h_(h) {}
    ~Cursor() { crm_cursor_free(h_); }
    Cursor(const Cursor&) = delete;
    Cursor& operator=(const Cursor&) = delete;
    Cursor(Cursor&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}

    // The next row, or nullopt at the end.
    std::optional<std::string> next() {
        const char* row = nullptr;
        const crm_status st = crm_cursor_next(&row, h_);
        if (st == CRM_ROW) return std::string(row);
        if (st == CRM_DONE) return std::nullopt;
        detail::check(st);
        return std::nullopt;
    }
    // Resumes after the last row returned (pass as "after"); nullopt before any row.
    std::optional<std::string> token() {
        char* t = nullptr;
        detail::check(crm_cursor_token(&t, h_));
        if (!t) return std::nullopt;
        return detail::take(t);
    }

    class iterator {
    public:
        iterator() = default;
        explicit iterator(Cursor* c) : c_(c) { ++*this; }
        const std::string& operator*() const { return row_; }
        iterator& operator++() {
            auto r = c_->next();
            if (r) row_ = std::move(*r);
            else c_ = nullptr;
            return *this;
        }
        bool operator!=(const iterator& o) const { return c_ != o.c_; }

    private:
        Cursor* c_ = nullptr;
        std::string row_;
    };
    iterator begin() { return iterator(this); }
    iterator end() { return iterator(); }

private:
    crm_cursor* h_;
};

// Options for Database::import_file (crm_import_options).
class ImportOptions {
public:
    // Return false from the progress function to cancel (the import rolls back).
    using Progress = std::function<bool(std::int64_t done, std::int64_t total)>;

    ImportOptions() { detail::check(crm_import_options_new(&h_)); }
    ~ImportOptions() { crm_import_options_free(h_); }
    ImportOptions(const ImportOptions&) = delete;
    ImportOptions& operator=(const ImportOptions&) = delete;

    ImportOptions& format(std::string_view f) { detail::check(crm_import_options_set_format(h_, detail::str(f).c_str())); return *this; }
    ImportOptions& records(std::string_view r) { detail::check(crm_import_options_set_records(h_, detail::str(r).c_str())); return *this; }
    ImportOptions& system(std::string_view s) { detail::check(crm_import_options_set_system(h_, detail::str(s).c_str())); return *this; }
    ImportOptions& mapping(std::string_view json) { detail::check(crm_import_options_set_mapping(h_, detail::str(json).c_str())); return *this; }
    ImportOptions& batch_size(int rows) { detail::check(crm_import_options_set_batch_size(h_, rows)); return *this; }
    ImportOptions& progress(Progress fn) {
        progress_ = std::move(fn);
        detail::check(crm_import_options_set_progress(h_, progress_ ? &ImportOptions::trampoline : nullptr, this));
        return *this;
    }
    const crm_import_options* get() const { return h_; }

private:
    static int trampoline(void* self, int64_t done, int64_t total) {
        try {
            return static_cast<ImportOptions*>(self)->progress_(done, total) ? 0 : 1;
        } catch (...) {
            return 1;  // an exception in the callback cancels; it must not cross the C ABI
        }
    }
    crm_import_options* h_ = nullptr;
    Progress progress_;
};

// An open database (crm_db). One thread at a time per Database.
class Database {
public:
    explicit Database(const std::string& path) { detail::check(crm_open(&h_, path.c_str(), nullptr)); }
    Database(const std::string& path, const Options& options) { detail::check(crm_open(&h_, path.c_str(), options.get())); }
    ~Database() { crm_close(h_); }
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;
    Database(Database&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}

    crm_db* handle() const { return h_; }
    std::string info() const { char* o = nullptr; detail::check(crm_db_info(&o, h_)); return detail::take(o); }

    void begin() { detail::check(crm_begin(h_)); }
    void commit() { detail::check(crm_commit(h_)); }
    void rollback() { detail::check(crm_rollback(h_)); }

    // Customers
    std::string create_customer(std::string_view json) { return out_str(crm_customer_create, json); }
    std::string customer(std::string_view id) { return out_str(crm_customer_get, id); }
    void update_customer(std::string_view id, std::string_view json) {
        detail::check(crm_customer_update(h_, detail::str(id).c_str(), detail::str(json).c_str()));
    }
    void delete_customer(std::string_view id) { detail::check(crm_customer_delete(h_, detail::str(id).c_str())); }
    std::optional<std::string> find_external(std::string_view system, std::string_view external_id) {
        char* o = nullptr;
        const crm_status st = crm_customer_find_external(&o, h_, detail::str(system).c_str(), detail::str(external_id).c_str());
        if (st == CRM_ENOTFOUND) return std::nullopt;
        detail::check(st);
        return detail::take(o);
    }
    std::string view(std::string_view id) { return out_str(crm_customer_view, id); }
    Cursor query_customers(std::string_view query_json = "{}") { return cursor(crm_customer_query, query_json); }
    std::int64_t count_customers(std::string_view filter_json = "{}") {
        int64_t n = 0;
        detail::check(crm_customer_count(&n, h_, detail::str(filter_json).c_str()));
        return n;
    }

    // Interactions
    std::string add_interaction(std::string_view json) { return out_str(crm_interaction_add, json); }
    std::string interaction(std::string_view id) { return out_str(crm_interaction_get, id); }
    void update_interaction(std::string_view id, std::string_view json) {
        detail::check(crm_interaction_update(h_, detail::str(id).c_str(), detail::str(json).c_str()));
    }
    void delete_interaction(std::string_view id) { detail::check(crm_interaction_delete(h_, detail::str(id).c_str())); }
    Cursor timeline(std::string_view query_json) { return cursor(crm_timeline, query_json); }

    // Tags
    std::string create_tag(std::string_view json) { return out_str(crm_tag_create, json); }
    std::string tags() { char* o = nullptr; detail::check(crm_tag_list(&o, h_)); return detail::take(o); }
    void delete_tag(std::string_view path) { detail::check(crm_tag_delete(h_, detail::str(path).c_str())); }
    void tag(std::string_view customer_id, std::string_view path) {
        detail::check(crm_tag_assign(h_, detail::str(customer_id).c_str(), detail::str(path).c_str()));
    }
    void untag(std::string_view customer_id, std::string_view path) {
        detail::check(crm_tag_unassign(h_, detail::str(customer_id).c_str(), detail::str(path).c_str()));
    }

    // ---- Customer value and lifecycle (crmlite_value.h; JSON in and out).
    // An empty string_view for an optional argument passes NULL (now / all).
    std::string rfm_compute(std::string_view params) { return out_str(crm_rfm_compute, params); }
    std::string rfm_refresh(std::string_view params) { return out_str(crm_rfm_refresh, params); }
    std::string rfm_customer(std::string_view id) { return out_str(crm_rfm_customer, id); }
    std::string rfm_snapshots() { char* o = nullptr; detail::check(crm_rfm_snapshots(&o, h_)); return detail::take(o); }
    std::string rfm_movement(std::int64_t from = 0, std::int64_t to = 0) {
        char* o = nullptr;
        detail::check(crm_rfm_movement(&o, h_, from, to));
        return detail::take(o);
    }
    static std::string rfm_default_segments() { char* o = nullptr; detail::check(crm_rfm_default_segments(&o)); return detail::take(o); }
    std::string create_task(std::string_view json) { return out_str(crm_task_create, json); }
    void update_task(std::string_view id, std::string_view json) {
        detail::check(crm_task_update(h_, detail::str(id).c_str(), detail::str(json).c_str()));
    }
    std::string task(std::string_view id) { return out_str(crm_task_get, id); }
    void complete_task(std::string_view id, std::string_view at = {}) {
        const std::string a(at);
        detail::check(crm_task_complete(h_, detail::str(id).c_str(), a.empty() ? nullptr : a.c_str()));
    }
    void delete_task(std::string_view id) { detail::check(crm_task_delete(h_, detail::str(id).c_str())); }
    void snooze_task(std::string_view id, std::string_view until) {
        detail::check(crm_task_snooze(h_, detail::str(id).c_str(), detail::str(until).c_str()));
    }
    std::string due_tasks(std::string_view now = {}, std::string_view assignee = {}) {
        char* o = nullptr;
        const std::string n(now), a(assignee);
        detail::check(crm_tasks_due(&o, h_, n.empty() ? nullptr : n.c_str(), a.empty() ? nullptr : a.c_str()));
        return detail::take(o);
    }
    std::string customer_tasks(std::string_view customer_id) { return out_str(crm_tasks_for_customer, customer_id); }
    std::string save_followup_rule(std::string_view json) { return out_str(crm_followup_rule_save, json); }
    std::string followup_rules() { char* o = nullptr; detail::check(crm_followup_rule_list(&o, h_)); return detail::take(o); }
    void delete_followup_rule(std::string_view id) { detail::check(crm_followup_rule_delete(h_, detail::str(id).c_str())); }
    std::string install_default_followup_rules() {
        char* o = nullptr;
        detail::check(crm_followup_install_defaults(&o, h_));
        return detail::take(o);
    }
    std::string run_followup_rules(std::string_view now = {}) {
        char* o = nullptr;
        const std::string n(now);
        detail::check(crm_followup_run(&o, h_, n.empty() ? nullptr : n.c_str()));
        return detail::take(o);
    }
    void set_stage(std::string_view customer_id, std::string_view stage, std::string_view source = "manual") {
        detail::check(crm_lifecycle_set(h_, detail::str(customer_id).c_str(), detail::str(stage).c_str(), detail::str(source).c_str()));
    }
    std::string stage_history(std::string_view customer_id) { return out_str(crm_lifecycle_history, customer_id); }
    std::string suggest_stage(std::string_view customer_id, std::string_view params) {
        char* o = nullptr;
        detail::check(crm_lifecycle_suggest(&o, h_, detail::str(customer_id).c_str(), detail::str(params).c_str()));
        return detail::take(o);
    }
    std::string apply_stage_rules(std::string_view params, std::string_view customer_id = {}) {
        char* o = nullptr;
        const std::string c(customer_id);
        detail::check(crm_lifecycle_apply(&o, h_, c.empty() ? nullptr : c.c_str(), detail::str(params).c_str()));
        return detail::take(o);
    }
    std::string save_tag_rule(std::string_view json) { return out_str(crm_tag_rule_save, json); }
    std::string tag_rules() { char* o = nullptr; detail::check(crm_tag_rule_list(&o, h_)); return detail::take(o); }
    void delete_tag_rule(std::string_view id) { detail::check(crm_tag_rule_delete(h_, detail::str(id).c_str())); }
    std::string apply_tag_rules(std::string_view now = {}, std::string_view customer_id = {}) {
        char* o = nullptr;
        const std::string n(now), c(customer_id);
        detail::check(crm_tag_rules_apply(&o, h_, c.empty() ? nullptr : c.c_str(), n.empty() ? nullptr : n.c_str()));
        return detail::take(o);
    }
    std::string refresh_tag_rules(std::string_view now = {}) {
        char* o = nullptr;
        const std::string n(now);
        detail::check(crm_tag_rules_refresh(&o, h_, n.empty() ? nullptr : n.c_str()));
        return detail::take(o);
    }
    std::string churn_score(std::string_view customer_id, std::string_view params) {
        char* o = nullptr;
        detail::check(crm_churn_score(&o, h_, detail::str(customer_id).c_str(), detail::str(params).c_str()));
        return detail::take(o);
    }
    std::string at_risk(std::string_view params) { return out_str(crm_churn_at_risk, params); }
    std::string value_report(std::string_view name, std::string_view params = "{}") {
        char* o = nullptr;
        detail::check(crm_value_report(&o, h_, detail::str(name).c_str(), detail::str(params).c_str()));
        return detail::take(o);
    }

    // Search
    Cursor search(std::string_view query_json) { return cursor(crm_search, query_json); }

    // Import / export
    std::string import_file(const std::string& path, const ImportOptions& options) {
        char* o = nullptr;
        detail::check(crm_import_file(&o, h_, path.c_str(), options.get()));
        return detail::take(o);
    }
    std::string import_file(const std::string& path) {
        char* o = nullptr;
        detail::check(crm_import_file(&o, h_, path.c_str(), nullptr));
        return detail::take(o);
    }
    std::string export_file(std::string_view records, const std::string& path) {
        char* o = nullptr;
        detail::check(crm_export_file(&o, h_, detail::str(records).c_str(), path.c_str()));
        return detail::take(o);
    }

    // Sync (crm_sync_*): one page of changes after `since`, as a changeset blob.
    struct SyncPage {
        std::string blob;
        std::int64_t cursor = 0;
        bool more = false;
    };
    SyncPage sync_changes(std::int64_t since, std::int64_t max_records = 10000) {
        unsigned char* b = nullptr;
        std::size_t n = 0;
        SyncPage p;
        int more = 0;
        detail::check(crm_sync_changes(&b, &n, &p.cursor, &more, h_, since, max_records));
        p.blob.assign(reinterpret_cast<const char*>(b), n);
        crm_free(b);
        p.more = more != 0;
        return p;
    }
    // The same for a known peer, filtered by the share set in `opts`.
    SyncPage sync_changes_for(std::int64_t since, std::int64_t max_records, const SyncOptions& opts) {
        unsigned char* b = nullptr;
        std::size_t n = 0;
        SyncPage p;
        int more = 0;
        detail::check(crm_sync_changes_for(&b, &n, &p.cursor, &more, h_, since, max_records, opts.get()));
        p.blob.assign(reinterpret_cast<const char*>(b), n);
        crm_free(b);
        p.more = more != 0;
        return p;
    }
    // Applies a peer's changeset; returns the JSON report.
    std::string sync_apply(std::string_view blob, const SyncOptions* opts = nullptr) {
        char* o = nullptr;
        detail::check(crm_sync_apply(&o, h_, reinterpret_cast<const unsigned char*>(blob.data()), blob.size(),
                                     opts ? opts->get() : nullptr));
        return detail::take(o);
    }
    // The conflict log (JSON), newest first; all records when record_id is empty.
    std::string sync_conflicts(std::string_view record_id = {}, std::int64_t limit = 100) {
        char* o = nullptr;
        const std::string rid(record_id);
        detail::check(crm_sync_conflicts(&o, h_, rid.empty() ? nullptr : rid.c_str(), limit));
        return detail::take(o);
    }
    // Tombstone garbage collection (JSON report).
    std::string sync_gc(std::int64_t retention_ms) {
        char* o = nullptr;
        detail::check(crm_sync_gc(&o, h_, retention_ms));
        return detail::take(o);
    }
    // A new replica at `path` from a snapshot of this one (its share only,
    // with shares in opts); JSON report with the new site id and cursor.
    std::string sync_snapshot(std::string_view path, const SyncOptions* opts = nullptr) {
        char* o = nullptr;
        detail::check(crm_sync_snapshot(&o, h_, detail::str(path).c_str(), opts ? opts->get() : nullptr));
        return detail::take(o);
    }
    // This database is a stale device: a new replica at `path` from a snapshot
    // of `hub`, with this one's unreceived work carried into it (JSON report).
    std::string sync_rebaseline(Database& hub, std::string_view path, const SyncOptions* opts = nullptr) {
        char* o = nullptr;
        detail::check(crm_sync_rebaseline(&o, h_, hub.h_, detail::str(path).c_str(), opts ? opts->get() : nullptr));
        return detail::take(o);
    }
    // How far this database holds the changes of the peer with that site id.
    std::int64_t sync_received(std::string_view peer_site) {
        std::int64_t v = 0;
        detail::check(crm_sync_received(&v, h_, detail::str(peer_site).c_str()));
        return v;
    }
    // ---- Privacy (issue 7, crmlite_privacy.h): principals, roles, audit, data subjects.
    std::string whoami() {
        char* o = nullptr;
        detail::check(crm_whoami(&o, h_));
        return detail::take(o);
    }
    void put_user(std::string_view json) { detail::check(crm_user_put(h_, detail::str(json).c_str())); }
    std::string users() {
        char* o = nullptr;
        detail::check(crm_user_list(&o, h_));
        return detail::take(o);
    }
    void put_role(std::string_view json) { detail::check(crm_role_put(h_, detail::str(json).c_str())); }
    std::string roles() {
        char* o = nullptr;
        detail::check(crm_role_list(&o, h_));
        return detail::take(o);
    }
    Cursor audit(std::string_view query_json = "{}") { return cursor(crm_audit_query, query_json); }
    std::string audit_verify() {
        char* o = nullptr;
        detail::check(crm_audit_verify(&o, h_));
        return detail::take(o);
    }
    void audit_flush() { detail::check(crm_audit_flush(h_)); }
    std::string subject_export(std::string_view customer_id) { return out_str(crm_subject_export, customer_id); }
    std::string subject_erase(std::string_view customer_id) { return out_str(crm_subject_erase, customer_id); }
    std::string export_marketing(std::string_view path) { return out_str(crm_export_marketing, path); }

    static std::string sync_dump(std::string_view blob) {
        char* o = nullptr;
        detail::check(crm_sync_dump(&o, reinterpret_cast<const unsigned char*>(blob.data()), blob.size()));
        return detail::take(o);
    }

    // Data quality (crmlite_quality.h). Options are JSON text; "" means none.
    std::string quality_normalize(std::string_view kind, std::string_view value) {
        char* o = nullptr;
        detail::check(crm_quality_normalize(&o, h_, detail::str(kind).c_str(), detail::str(value).c_str()));
        return detail::take(o);
    }
    void quality_set_phone_region(std::string_view region) {
        detail::check(crm_quality_set_phone_region(h_, detail::str(region).c_str()));
    }
    std::string find_duplicates(std::string_view options_json = "") {
        char* o = nullptr;
        const std::string opts(options_json);
        detail::check(crm_quality_find_duplicates(&o, h_, opts.empty() ? nullptr : opts.c_str()));
        return detail::take(o);
    }
    std::string check_duplicates(std::string_view id, std::string_view options_json = "") {
        char* o = nullptr;
        const std::string opts(options_json);
        detail::check(crm_quality_check_customer(&o, h_, detail::str(id).c_str(), opts.empty() ? nullptr : opts.c_str()));
        return detail::take(o);
    }
    std::string check_record(std::string_view customer_json, std::string_view options_json = "") {
        char* o = nullptr;
        const std::string opts(options_json);
        detail::check(crm_quality_check_record(&o, h_, detail::str(customer_json).c_str(), opts.empty() ? nullptr : opts.c_str()));
        return detail::take(o);
    }
    // losers_json: a JSON array of customer ids.
    std::string merge_customers(std::string_view survivor, std::string_view losers_json, std::string_view options_json = "") {
        char* o = nullptr;
        const std::string opts(options_json);
        detail::check(crm_quality_merge(&o, h_, detail::str(survivor).c_str(), detail::str(losers_json).c_str(),
                                        opts.empty() ? nullptr : opts.c_str()));
        return detail::take(o);
    }
    // The merge record with "status": "undone" and "kept"; crm::Error CRM_ECONFLICT
    // when a later change made the undo impossible (crm_quality_merge_undo).
    std::string undo_merge(std::string_view merge_id) { return out_str(crm_quality_merge_undo, merge_id); }
    std::string merge_record(std::string_view merge_id) { return out_str(crm_quality_merge_get, merge_id); }
    std::string merges_of(std::string_view id) { return out_str(crm_quality_merges_of, id); }
    std::string quality_rules() { char* o = nullptr; detail::check(crm_quality_rules_get(&o, h_)); return detail::take(o); }
    // "" restores the default rules.
    void set_quality_rules(std::string_view rules_json) {
        const std::string r(rules_json);
        detail::check(crm_quality_rules_set(h_, r.empty() ? nullptr : r.c_str()));
    }
    std::string validate_customer(std::string_view id) { return out_str(crm_quality_validate, id); }
    std::string quality_report(std::string_view options_json = "") {
        char* o = nullptr;
        const std::string opts(options_json);
        detail::check(crm_quality_report(&o, h_, opts.empty() ? nullptr : opts.c_str()));
        return detail::take(o);
    }

    // ---- Sales and marketing (crmlite_sales.h): JSON in and out. Empty
    // string_views for optional arguments (filters, params, owner, by) mean NULL.
    std::string create_pipeline(std::string_view json) { return out_str(crm_pipeline_create, json); }
    std::string pipelines() { char* o = nullptr; detail::check(crm_pipeline_list(&o, h_)); return detail::take(o); }
    void update_stage(std::string_view stage_id, std::string_view json) {
        detail::check(crm_pipeline_stage_update(h_, detail::str(stage_id).c_str(), detail::str(json).c_str()));
    }
    void delete_pipeline(std::string_view id) { detail::check(crm_pipeline_delete(h_, detail::str(id).c_str())); }
    std::string add_opportunity(std::string_view json) { return out_str(crm_opportunity_add, json); }
    void delete_opportunity(std::string_view id) { detail::check(crm_opportunity_delete(h_, detail::str(id).c_str())); }
    void update_opportunity(std::string_view id, std::string_view json) {
        detail::check(crm_opportunity_update(h_, detail::str(id).c_str(), detail::str(json).c_str()));
    }
    std::string opportunity(std::string_view id) { return out_str(crm_opportunity_get, id); }
    std::string opportunities(std::string_view filter_json = {}) { return out_opt(crm_opportunity_list, filter_json); }
    std::string capture_lead(std::string_view json) { return out_str(crm_lead_capture, json); }
    void update_lead(std::string_view id, std::string_view json) {
        detail::check(crm_lead_update(h_, detail::str(id).c_str(), detail::str(json).c_str()));
    }
    void delete_lead(std::string_view id) { detail::check(crm_lead_delete(h_, detail::str(id).c_str())); }
    std::string lead(std::string_view id) { return out_str(crm_lead_get, id); }
    std::string leads(std::string_view filter_json = {}) { return out_opt(crm_lead_list, filter_json); }
    std::string assign_lead(std::string_view id, std::string_view owner = {}, std::string_view by = {}) {
        char* o = nullptr;
        const std::string w(owner), b(by);
        detail::check(crm_lead_assign(&o, h_, detail::str(id).c_str(), owner.empty() ? nullptr : w.c_str(), by.empty() ? nullptr : b.c_str()));
        return detail::take(o);
    }
    std::string convert_lead(std::string_view id, std::string_view options_json = {}) {
        char* o = nullptr;
        const std::string opts(options_json);
        detail::check(crm_lead_convert(&o, h_, detail::str(id).c_str(), opts.empty() ? nullptr : opts.c_str()));
        return detail::take(o);
    }
    std::string add_assignment_rule(std::string_view json) { return out_str(crm_assignment_rule_add, json); }
    std::string assignment_rules() { char* o = nullptr; detail::check(crm_assignment_rule_list(&o, h_)); return detail::take(o); }
    void update_assignment_rule(std::string_view id, std::string_view json) {
        detail::check(crm_assignment_rule_update(h_, detail::str(id).c_str(), detail::str(json).c_str()));
    }
    void delete_assignment_rule(std::string_view id) { detail::check(crm_assignment_rule_delete(h_, detail::str(id).c_str())); }
    std::string create_campaign(std::string_view json) { return out_str(crm_campaign_create, json); }
    void update_campaign(std::string_view id, std::string_view json) {
        detail::check(crm_campaign_update(h_, detail::str(id).c_str(), detail::str(json).c_str()));
    }
    void delete_campaign(std::string_view id) { detail::check(crm_campaign_delete(h_, detail::str(id).c_str())); }
    std::string campaign(std::string_view id) { return out_str(crm_campaign_get, id); }
    std::string campaign_audience(std::string_view id, bool freeze) {
        char* o = nullptr;
        detail::check(crm_campaign_audience(&o, h_, detail::str(id).c_str(), freeze ? 1 : 0));
        return detail::take(o);
    }
    void set_member_status(std::string_view campaign_id, std::string_view customer_id, std::string_view status, std::int64_t at_ms = 0) {
        detail::check(crm_campaign_member_set(h_, detail::str(campaign_id).c_str(), detail::str(customer_id).c_str(),
                                              detail::str(status).c_str(), at_ms));
    }
    std::string sales_report(std::string_view kind, std::string_view params_json = {}) {
        char* o = nullptr;
        const std::string p(params_json);
        detail::check(crm_sales_report(&o, h_, detail::str(kind).c_str(), p.empty() ? nullptr : p.c_str()));
        return detail::take(o);
    }

private:
    using OutFn = crm_status (*)(char**, crm_db*, const char*);
    using CursorFn = crm_status (*)(crm_cursor**, crm_db*, const char*);
    std::string out_str(OutFn fn, std::string_view arg) {
        char* o = nullptr;
        detail::check(fn(&o, h_, detail::str(arg).c_str()));
        return detail::take(o);
    }
    // As out_str, with an empty argument passed as NULL.
    std::string out_opt(OutFn fn, std::string_view arg) {
        char* o = nullptr;
        const std::string a(arg);
        detail::check(fn(&o, h_, a.empty() ? nullptr : a.c_str()));
        return detail::take(o);
    }
    Cursor cursor(CursorFn fn, std::string_view arg) {
        crm_cursor* c = nullptr;
        detail::check(fn(&c, h_, detail::str(arg).c_str()));
        return Cursor(c);
    }
    crm_db* h_ = nullptr;
};

// Commits on commit(), rolls back if destroyed before.
class Transaction {
public:
    explicit Transaction(Database& db) : db_(db) { db_.begin(); }
    ~Transaction() {
        if (!done_) crm_rollback(db_.handle());
    }
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit() {
        db_.commit();
        done_ = true;
    }

private:
    Database& db_;
    bool done_ = false;
};

// ------------------------------------------------ storage (crmlite_storage.h)
// Online backup, verification, restore; whether a database is encrypted;
// changing its key.

// Options for backup / verify / restore (crm_backup_options).
class BackupOptions {
public:
    // Pages copied and total; return false to cancel.
    using Progress = std::function<bool(std::int64_t done, std::int64_t total)>;

    BackupOptions() { detail::check(crm_backup_options_new(&h_)); }
    ~BackupOptions() { crm_backup_options_free(h_); }
    BackupOptions(const BackupOptions&) = delete;
    BackupOptions& operator=(const BackupOptions&) = delete;

    BackupOptions& passphrase(std::string_view p) {
        detail::check(crm_backup_options_set_passphrase(h_, detail::str(p).c_str()));
        return *this;
    }
    BackupOptions& key(std::string_view raw) {
        detail::check(crm_backup_options_set_key(h_, reinterpret_cast<const unsigned char*>(raw.data()), raw.size()));
        return *this;
    }
    BackupOptions& step(int pages) { detail::check(crm_backup_options_set_step(h_, pages)); return *this; }
    BackupOptions& progress(Progress fn) {
        progress_ = std::move(fn);
        detail::check(crm_backup_options_set_progress(h_, progress_ ? &BackupOptions::trampoline : nullptr, this));
        return *this;
    }
    const crm_backup_options* get() const { return h_; }

private:
    static int trampoline(void* self, int64_t done, int64_t total) {
        try {
            return static_cast<BackupOptions*>(self)->progress_(done, total) ? 0 : 1;
        } catch (...) {
            return 1;
        }
    }
    crm_backup_options* h_ = nullptr;
    Progress progress_;
};

// Online backup of db into the new file `path` (JSON report).
inline std::string backup(Database& db, const std::string& path, const BackupOptions* options = nullptr) {
    char* o = nullptr;
    detail::check(crm_backup(&o, db.handle(), path.c_str(), options ? options->get() : nullptr));
    return detail::take(o);
}
// Verifies a backup without restoring it (JSON report with "ok").
inline std::string verify(const std::string& path, const BackupOptions* options = nullptr) {
    char* o = nullptr;
    detail::check(crm_verify(&o, path.c_str(), options ? options->get() : nullptr));
    return detail::take(o);
}
// Restores a backup into target (JSON report).
inline std::string restore(const std::string& backup_path, const std::string& target,
                           const BackupOptions* options = nullptr, const Options* target_options = nullptr) {
    char* o = nullptr;
    detail::check(crm_restore(&o, backup_path.c_str(), target.c_str(), options ? options->get() : nullptr,
                              target_options ? target_options->get() : nullptr));
    return detail::take(o);
}
// SQLite's integrity check of an open database (JSON {"ok","problems"}).
inline std::string integrity_check(Database& db) {
    char* o = nullptr;
    detail::check(crm_integrity_check(&o, db.handle()));
    return detail::take(o);
}
inline bool is_encrypted(Database& db) {
    int v = 0;
    detail::check(crm_db_is_encrypted(&v, db.handle()));
    return v != 0;
}
// Encrypts db's file with the key in `options` (a new key, or encryption of a
// plain file), in place and crash-safe; db keeps working (JSON report).
// Other handles on the file must be closed first (crm_rekey).
inline std::string rekey(Database& db, const BackupOptions& options) {
    char* o = nullptr;
    detail::check(crm_rekey(&o, db.handle(), options.get()));
    return detail::take(o);
}
// Makes db's encrypted file plain, in place (crm_decrypt; JSON report).
inline std::string decrypt(Database& db, const BackupOptions* options = nullptr) {
    char* o = nullptr;
    detail::check(crm_decrypt(&o, db.handle(), options ? options->get() : nullptr));
    return detail::take(o);
}

}  // namespace crm

