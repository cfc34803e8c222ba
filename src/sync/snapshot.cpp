#include "sync/snapshot.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <filesystem>
#include <set>
#include <system_error>

#include "common/error.hpp"
#include "common/time.hpp"
#include "crypto/crypt_vfs.hpp"
#include "customers/customers.hpp"
#include "sync/peers.hpp"

namespace crmlite::sync {

namespace {

// Makes the copy a replica of its own; returns the origin's change sequence
// number at the snapshot (everything up to it is in the copy).
std::int64_t make_replica(const std::string& path, const crypto::CryptVfs* vfs, const Uuid& origin, const Uuid& site,
                          std::int64_t now) {
    SQLite::Database copy(path.c_str(), SQLite::OPEN_READWRITE, 0, vfs ? vfs->name() : nullptr);
    copy.exec("PRAGMA secure_delete = ON");  // what is dropped below leaves no bytes behind
    SQLite::Transaction txn(copy);
    SQLite::Statement add(copy, "INSERT INTO sync_sites(site) VALUES (?)");
    add.bind(1, site.data(), Uuid::size());
    add.exec();
    const std::int64_t local = copy.getLastInsertRowid();
    SQLite::Statement meta(copy, "UPDATE crm_meta SET value = ? WHERE key = 'site_id'");
    meta.bind(1, site.data(), Uuid::size());
    meta.exec();
    SQLite::Statement idx(copy, "INSERT OR REPLACE INTO crm_meta(key, value) VALUES ('local_site', ?)");
    idx.bind(1, local);
    idx.exec();
    const std::int64_t seq = copy.execAndGet("SELECT value FROM crm_meta WHERE key = 'seq'").getInt64();
    // What the origin knew about its own peers is not this replica's business.
    copy.exec("DELETE FROM sync_peers; DELETE FROM sync_shares; DELETE FROM sync_conflicts");
    // Nor is its audit log (issue 7): the origin's chains stay at the origin,
    // and the new replica starts its own under its new site id.
    copy.exec("DELETE FROM audit_log; DELETE FROM audit_heads");
    SQLite::Statement peer(copy,
                           "INSERT INTO sync_peers(site, received_through, acked_through, last_seen) VALUES (?1, ?2, ?2, ?3)");
    peer.bind(1, origin.data(), Uuid::size());
    peer.bind(2, seq);  // both ways: the origin holds everything of the copy up to seq (it is the origin's own)
    peer.bind(3, now);
    peer.exec();
    txn.commit();
    return seq;
}

}  // namespace

Json snapshot(Database& origin, const std::string& path, const SnapshotOptions& options) {
    if (path.empty()) throw Error(CRM_EINVAL, "path: must not be empty");
    if (origin.in_transaction()) throw Error(CRM_EMISUSE, "snapshot: not inside a transaction (VACUUM INTO needs none open)");
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) throw Error(CRM_EEXISTS, "path: " + path + " already exists");
    const Uuid site = Uuid::v7();
    const std::int64_t now = now_ms();
    std::int64_t seq = 0, customers = 0;
    try {
        // A cached statement left mid-result would make VACUUM refuse to run.
        origin.reset_statements();
        try {
            SQLite::Statement vacuum(origin.sql(), "VACUUM INTO ?");
            vacuum.bind(1, path);
            vacuum.exec();
        } catch (const SQLite::Exception& e) {
            throw Error(CRM_EIO, "path: cannot write the snapshot to " + path + ": " + e.what());
        }
        // VACUUM INTO writes through the origin's VFS: the copy of an
        // encrypted database is encrypted with its key and salt (so the same
        // passphrase opens it), and is opened here with that key.
        std::unique_ptr<crypto::CryptVfs> vfs;
        if (origin.encrypted()) vfs = crypto::vfs_for_file(path, *origin.crypt_vfs());
        seq = make_replica(path, vfs.get(), origin.site_id(), site, now);
        std::set<Uuid> members, lead_members;
        {
            OpenOptions copy_options;
            copy_options.same_key_as = origin.crypt_vfs();
            Database copy(path, copy_options);
            if (!options.filter.empty()) {
                Share share(copy, options.filter);
                const auto list = share.members();
                members.insert(list.begin(), list.end());
                std::vector<Uuid> outside;
                SQLite::Statement all(copy.sql(), "SELECT id FROM customers");
                while (all.executeStep()) {
                    const Uuid id = Uuid::from_blob(all.getColumn(0).getBlob(), all.getColumn(0).getBytes());
                    if (!members.count(id)) outside.push_back(id);
                }
                // Leads (issue 7) by their owner or region, their events with them.
                const auto leads = share.lead_members();
                lead_members.insert(leads.begin(), leads.end());
                std::vector<Uuid> leads_outside;
                SQLite::Statement all_leads(copy.sql(), "SELECT id FROM leads");
                while (all_leads.executeStep()) {
                    const Uuid id = Uuid::from_blob(all_leads.getColumn(0).getBlob(), all_leads.getColumn(0).getBytes());
                    if (!lead_members.count(id)) leads_outside.push_back(id);
                }
                copy.begin();
                for (const auto& id : outside) {
                    customers::forget(copy, id);
                    forget_dependents(copy, id);
                }
                for (const auto& id : leads_outside) forget_lead(copy, id);
                copy.commit();
                // Nothing of the customers left out may stay behind in the
                // file: the search indexes' old segments are merged away and
                // the free pages dropped.
                if (!outside.empty()) {
                    copy.sql().exec("INSERT INTO customer_fts(customer_fts) VALUES ('optimize')");
                    copy.sql().exec("INSERT INTO interaction_fts(interaction_fts) VALUES ('optimize')");
                    copy.reset_statements();
                    copy.sql().exec("VACUUM");
                }
            }
            customers = copy.sql().execAndGet("SELECT count(*) FROM customers").getInt64();
        }
        // The origin: the new replica is a peer that holds everything up to
        // the snapshot (so garbage collection keeps what it still needs), and,
        // filtered, which customers it holds.
        WriteScope w(origin);
        note_pull(origin, site, seq, now);
        // And it holds the new replica's changes up to seq (the copy's own
        // seqs are the origin's): the first push sends only what is new there,
        // not every record of the copy again.
        {
            auto& st = origin.stmt("UPDATE sync_peers SET received_through = max(received_through, ?) WHERE site = ?");
            st.bind(1, seq);
            st.bind(2, site.data(), Uuid::size());
            st.exec();
        }
        if (!options.filter.empty()) {
            PeerShare held(origin, origin.site_index(site));
            for (const auto& c : members) held.record(c, 1, 1, 0);
            for (const auto& l : lead_members) held.record(l, 1, 1, 0, Table::leads);
        }
        w.commit();
    } catch (...) {
        std::filesystem::remove(path, ec);
        for (const char* suffix : {"-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
        throw;
    }
    return {{"site_id", site.str()},
            {"origin", origin.site_id().str()},
            {"cursor", seq},
            {"customers", customers},
            {"bytes", static_cast<std::int64_t>(std::filesystem::file_size(path, ec))}};
}

}  // namespace crmlite::sync
