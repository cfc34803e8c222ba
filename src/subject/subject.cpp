#include "subject/subject.hpp"

#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "access/access.hpp"
#include "audit/audit.hpp"
#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "store/removal.hpp"
#include "sync/schema.hpp"
#include "tags/tags.hpp"

namespace crmlite::subject {

namespace {

std::vector<Uuid> ids_of(Database& db, const char* sql, const Uuid& customer) {
    SQLite::Statement st(db.sql(), sql);
    st.bind(1, customer.data(), Uuid::size());
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    return out;
}

double ms_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Restores the connection's secure_delete setting on every way out.
class SecureDelete {
public:
    explicit SecureDelete(Database& db) : db_(db) {
        old_ = db.sql().execAndGet("PRAGMA secure_delete").getInt();
        db.sql().exec("PRAGMA secure_delete = ON");
    }
    ~SecureDelete() {
        try {
            db_.sql().exec("PRAGMA secure_delete = " + std::to_string(old_));
        } catch (...) {
        }
    }
    SecureDelete(const SecureDelete&) = delete;
    SecureDelete& operator=(const SecureDelete&) = delete;

private:
    Database& db_;
    int old_ = 0;
};

}  // namespace

Json export_person(Database& db, const Uuid& customer) {
    access::require(db, access::kExport, "subject.export");
    access::require(db, access::kUnmask, "subject.export");
    access::require_customer(db, customer, access::kRead, "subject.export");
    Json out;
    out["customer"] = customers::get(db, customer);  // CRM_ENOTFOUND when absent
    Json inter = Json::array();
    const auto interaction_ids = ids_of(db, "SELECT id FROM interactions WHERE customer_id = ? ORDER BY occurred_at, id", customer);
    for (const auto& id : interaction_ids) inter.push_back(interactions::get(db, id));
    out["interactions"] = std::move(inter);
    out["tags"] = tags::paths_of(db, customer);
    out["segments"] = Json::array();
    out["tasks"] = Json::array();
    Json entries = audit::about(db, customer);
    for (const auto& id : interaction_ids)
        for (auto& e : audit::about(db, id)) entries.push_back(std::move(e));
    out["audit"] = std::move(entries);
    access::audit_always(db, "subject.export", "customer", customer);
    access::flush_audit(db);
    return out;
}

Json erase_person(Database& db, const Uuid& customer) {
    access::require(db, access::kErase, "subject.erase");
    access::require_customer(db, customer, access::kDelete, "subject.erase");
    if (db.in_transaction())
        throw Error(CRM_EMISUSE, "subject.erase: needs the database to itself, outside an explicit transaction "
                                 "(the index rewrite and the checkpoint cannot run inside one)");
    if (!customers::exists(db, customer)) throw Error(CRM_ENOTFOUND, "customer: no customer " + customer.str());
    // Every step below needs no statement of this connection left mid-result
    // (FTS5 'optimize', VACUUM and the checkpoint refuse to run beside one).
    db.reset_statements();
    SecureDelete secure(db);
    Json report = {{"erased", customer.str()}};
    auto t0 = std::chrono::steady_clock::now();
    std::int64_t records = 1;
    std::pair<std::int64_t, std::int64_t> traces;
    {
        WriteScope w(db);
        Records all = person_records(db, customer);
        // Tombstones for it and every child (the index queue deletes its
        // terms); other modules' records under it (opportunities, their stage
        // history, campaign members) go through their removal hooks.
        std::vector<RecordRef> dependents;
        customers::remove(db, customer, &dependents);
        for (const auto& d : dependents)
            if (std::find(all.begin(), all.end(), std::pair<Table, Uuid>{d.table, d.id}) == all.end())
                all.emplace_back(d.table, d.id);
        records = static_cast<std::int64_t>(all.size());
        // Old values of these records live on in the conflict log and the kept
        // unknown fields: personal content too.
        traces = forget_traces(db, all);
        // The tombstone travels as an erasure: every replica receiving it
        // removes these traces too and scrubs its own file.
        mark_erased(w, all);
        access::audit_always(db, "subject.erase", "customer", customer, {{"records", records}});
        w.commit();
    }
    db.reset_statements();
    report["records"] = records;
    report["conflicts_removed"] = traces.first;
    report["extra_removed"] = traces.second;
    report["delete_ms"] = ms_since(t0);
    const Json scrubbed = scrub(db);
    for (auto it = scrubbed.begin(); it != scrubbed.end(); ++it) report[it.key()] = it.value();
    return report;
}

Records person_records(Database& db, const Uuid& customer) {
    Records all = {{Table::customers, customer}};
    // Every synced table with a customer column (contact points, external
    // ids, tag assignments, interactions, tasks, opportunities, ...).
    for (const auto& t : sync::synced_tables()) {
        if (t.customer_column.empty() || t.table == Table::customers) continue;
        for (const auto& id : ids_of(db, ("SELECT id FROM " + t.name + " WHERE " + t.customer_column + " = ?").c_str(), customer))
            all.emplace_back(t.table, id);
    }
    return all;
}

std::pair<std::int64_t, std::int64_t> forget_traces(Database& db, const Records& records) {
    std::int64_t conflicts = 0, extra = 0;
    auto& dc = db.stmt("DELETE FROM sync_conflicts WHERE id = ?");
    for (const auto& [table, id] : records) {
        dc.bind(1, id.data(), Uuid::size());
        dc.exec();
        conflicts += db.sql().getChanges();
        dc.reset();
    }
    // And those of records that were under the person but were deleted before
    // (the entries and the tombstones name their customer; records[0] is the person).
    if (!records.empty() && records.front().first == Table::customers) {
        auto& under = db.stmt("DELETE FROM sync_conflicts WHERE customer = ?1 OR (customer IS NULL AND id IN "
                              "(SELECT id FROM sync_tombstones WHERE customer = ?1))");
        under.bind(1, records.front().second.data(), Uuid::size());
        under.exec();
        conflicts += db.sql().getChanges();
        under.reset();
        auto& extra_under = db.stmt("DELETE FROM sync_extra WHERE EXISTS (SELECT 1 FROM sync_tombstones t "
                                    "WHERE t.customer = ? AND t.tbl = sync_extra.tbl AND t.id = sync_extra.id)");
        extra_under.bind(1, records.front().second.data(), Uuid::size());
        extra_under.exec();
        extra += db.sql().getChanges();
        extra_under.reset();
    }
    auto& dx = db.stmt("DELETE FROM sync_extra WHERE tbl = ? AND id = ?");
    for (const auto& [table, id] : records) {
        dx.bind(1, static_cast<int>(table));
        dx.bind(2, id.data(), Uuid::size());
        dx.exec();
        extra += db.sql().getChanges();
        dx.reset();
    }
    return {conflicts, extra};
}

bool mark_erased(WriteScope& w, const Records& records) {
    Database& db = w.db();
    bool marked = false;
    // A new seq: the tombstone is sent again, now as an erasure, also to peers
    // that had it as a plain delete.
    auto& st = db.stmt("UPDATE sync_tombstones SET erased = 1, seq = ?2 WHERE tbl = ?3 AND id = ?4 AND erased = 0");
    for (std::size_t i = 0; i < records.size(); ++i) {
        const auto& [table, id] = records[i];
        st.bind(2, w.seq());
        st.bind(3, static_cast<int>(table));
        st.bind(4, id.data(), Uuid::size());
        st.exec();
        if (i == 0) marked = db.sql().getChanges() > 0;
        st.reset();
    }
    // And the tombstones of records that were under the person but were
    // deleted before (each names its customer).
    if (!records.empty() && records.front().first == Table::customers) {
        auto& under = db.stmt("UPDATE sync_tombstones SET erased = 1, seq = ?1 WHERE customer = ?2 AND erased = 0");
        under.bind(1, w.seq());
        under.bind(2, records.front().second.data(), Uuid::size());
        under.exec();
        under.reset();
    }
    if (marked) db.stmt("INSERT OR REPLACE INTO crm_meta(key, value) VALUES ('scrub_pending', 1)").exec();
    return marked;
}

bool erased(Database& db, Table table, const Uuid& id) {
    auto& st = db.stmt("SELECT erased FROM sync_tombstones WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(table));
    st.bind(2, id.data(), Uuid::size());
    const bool yes = st.executeStep() && st.getColumn(0).getInt() != 0;
    st.reset();
    return yes;
}

bool scrub_pending(Database& db) {
    auto& st = db.stmt("SELECT 1 FROM crm_meta WHERE key = 'scrub_pending'");
    const bool yes = st.executeStep();
    st.reset();
    return yes;
}

Json scrub(Database& db) {
    if (db.in_transaction()) throw Error(CRM_EMISUSE, "scrub: needs the database outside an explicit transaction");
    db.reset_statements();
    SecureDelete secure(db);
    Json report;
    // FTS5 in SQLite 3.40 has no secure-delete: a deleted row's terms stay in
    // the older segments until they merge. 'optimize' merges every segment
    // into one, dropping them; secure_delete zeroes the pages it frees.
    auto t0 = std::chrono::steady_clock::now();
    {
        WriteScope w(db);
        db.sql().exec("INSERT INTO customer_fts(customer_fts) VALUES ('optimize')");
        db.sql().exec("INSERT INTO interaction_fts(interaction_fts) VALUES ('optimize')");
        w.commit();
    }
    db.reset_statements();
    report["fts_rewrite_ms"] = ms_since(t0);
    // secure_delete zeroes what is freed while it is on, but not what was freed
    // before: an earlier update of the person's row or a segment merge of the
    // index left old copies in free pages and in the free space of live pages.
    // VACUUM rebuilds every page from live content only.
    t0 = std::chrono::steady_clock::now();
    db.sql().exec("VACUUM");
    report["vacuum_ms"] = ms_since(t0);
    db.sql().exec("DELETE FROM crm_meta WHERE key = 'scrub_pending'");
    t0 = std::chrono::steady_clock::now();
    // Old versions of the changed pages are still in the WAL: copy the new
    // ones back and truncate it.
    SQLite::Statement cp(db.sql(), "PRAGMA wal_checkpoint(TRUNCATE)");
    bool complete = false;
    if (cp.executeStep()) complete = cp.getColumn(0).getInt() == 0 && cp.getColumn(1).getInt() == cp.getColumn(2).getInt();
    cp.reset();
    report["checkpoint_ms"] = ms_since(t0);
    report["checkpoint_complete"] = complete;
    return report;
}

Json export_marketing(Database& db, const std::string& path) {
    access::require(db, access::kExport, "export");
    const std::string tmp = path + ".tmp";
    std::int64_t rows = 0, skipped = 0;
    {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        if (!out) throw Error(CRM_EIO, tmp + ": cannot create");
        SQLite::Statement st(db.sql(), "SELECT id, consent_marketing FROM customers c WHERE 1" + access::scope_sql(db, "c") +
                                           " ORDER BY rid");
        while (st.executeStep()) {
            if (st.getColumn(1).getInt() == 0) {
                ++skipped;
                continue;
            }
            out << dump(customers::get(db, Uuid::from_blob(st.getColumn(0).getBlob(), 16))) << '\n';
            ++rows;
        }
        out.flush();
        if (!out) {
            std::remove(tmp.c_str());
            throw Error(CRM_EIO, tmp + ": write failed");
        }
    }
    std::error_code ec;
    std::filesystem::rename(tmp, path, ec);
    if (ec) {
        std::remove(tmp.c_str());
        throw Error(CRM_EIO, path + ": cannot replace: " + ec.message());
    }
    access::audit_always(db, "export.marketing", nullptr, std::nullopt, {{"rows", rows}, {"skipped_without_consent", skipped}});
    return {{"rows", rows}, {"skipped_without_consent", skipped}};
}

}  // namespace crmlite::subject
