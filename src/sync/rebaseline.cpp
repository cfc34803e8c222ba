#include "sync/rebaseline.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <optional>

#include "common/error.hpp"
#include "merge/redirects.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "sync/masked.hpp"
#include "sync/peers.hpp"
#include "sync/pseudo_fields.hpp"
#include "sync/schema.hpp"

namespace crmlite::sync {

namespace {

// The row lookup's SQL text, built once per table (a static initialiser: thread-safe).
const std::string& exists_sql(const SyncedTable& t) {
    static const std::map<Table, std::string> sql = [] {
        std::map<Table, std::string> m;
        for (const auto& s : synced_tables()) m[s.table] = "SELECT 1 FROM " + s.name + " WHERE id = ?";
        return m;
    }();
    return sql.at(t.table);
}

bool held_in_copy(Database& db, const SyncedTable& t, const Uuid& id) {
    auto& row = db.stmt(exists_sql(t));
    row.bind(1, id.data(), Uuid::size());
    const bool here = row.executeStep();
    row.reset();
    if (here) return true;
    auto& tomb = db.stmt("SELECT 1 FROM sync_tombstones WHERE tbl = ? AND id = ?");
    tomb.bind(1, static_cast<int>(t.table));
    tomb.bind(2, id.data(), Uuid::size());
    const bool deleted = tomb.executeStep();
    tomb.reset();
    if (deleted) return true;  // the apply decides: a delete wins, and the lost edit is logged
    return t.table == Table::customers && merge::redirect_of(db, id).has_value();
}

// Made on the device after the hub's last receipt from it: every field version
// is the device's own, written after `since`.
bool made_on_device_since(Database& device, Table table, const Uuid& id, std::int64_t since) {
    const auto versions = device.versions(table, id);
    if (!versions || versions->empty()) return false;
    for (const auto& v : *versions)
        if (v.site != device.local_site() || v.seq <= since) return false;
    return true;
}

class CarryIntoCopy {
public:
    CarryIntoCopy(Database& device, Database& copy, std::int64_t since) : device_(device), copy_(copy), since_(since) {}

    // Keeps, of one page of the device's changes, its own writes that may go
    // into the new file; returns whether any are left.
    bool filter(Changeset& cs) {
        std::optional<std::uint32_t> mine;
        for (std::uint32_t i = 0; i < cs.sites.size(); ++i)
            if (cs.sites[i] == device_.site_id()) mine = i;
        std::vector<RecordChange> kept;
        if (!mine) {
            cs.records.clear();
            return false;
        }
        for (auto& rc : cs.records) {
            const SyncedTable* t = find_table(rc.table);
            if (t == nullptr || rc.evict) continue;
            if (rc.tombstone) {
                if (rc.site == *mine) kept.push_back(std::move(rc));
                continue;
            }
            std::vector<FieldChange> fields;
            bool own = false;
            for (auto& f : rc.fields) {
                const std::string& name = cs.names[f.name];
                const bool pseudo = name == kCreatedAt || name == kMaskedField;  // they travel with a record's own fields
                if (f.site == *mine && !pseudo) own = true;
                if (f.site == *mine || pseudo) fields.push_back(std::move(f));
            }
            if (!own) continue;
            if (!held_in_copy(copy_, *t, rc.id) && !made_on_device_since(device_, t->table, rc.id, since_)) {
                dropped_.push_back({{"table", t->name}, {"id", rc.id.str()}, {"reason", "deleted at the hub"}});
                continue;
            }
            rc.fields = std::move(fields);
            kept.push_back(std::move(rc));
        }
        cs.records = std::move(kept);
        return !cs.records.empty();
    }

    void add(const Json& report, std::size_t records) {
        records_ += static_cast<std::int64_t>(records);
        for (const char* k : {"fields_applied", "fields_superseded", "deleted", "conflicts", "missing_parent"})
            if (report.contains(k)) totals_[k] = totals_.value(k, std::int64_t{0}) + report[k].get<std::int64_t>();
        if (report.contains("dropped"))
            for (const auto& d : report["dropped"]) dropped_.push_back(d);
    }

    Json carried() const {
        Json c = totals_;
        c["since"] = since_;
        c["records"] = records_;
        for (const char* k : {"fields_applied", "fields_superseded", "deleted", "conflicts", "missing_parent"})
            if (!c.contains(k)) c[k] = 0;
        return c;
    }
    const Json& dropped() const { return dropped_; }

private:
    Database& device_;
    Database& copy_;
    std::int64_t since_;
    std::int64_t records_ = 0;
    Json totals_ = Json::object();
    Json dropped_ = Json::array();
};

void remove_rebaseline_files(const std::string& path) {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    for (const char* suffix : {"-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}

}  // namespace

Json rebaseline(Database& device, Database& hub, const std::string& path, const SnapshotOptions& options) {
    if (device.site_id() == hub.site_id()) throw Error(CRM_EINVAL, "device: is the hub itself (the same site id)");
    if (device.in_transaction()) throw Error(CRM_EMISUSE, "rebaseline: the device has a transaction open");
    // What the hub holds of the device's changes: everything after it is carried.
    const std::int64_t since = received_from(hub, device.site_id());
    Json report = snapshot(hub, path, options);
    const Uuid site = Uuid::parse(report["site_id"].get<std::string>(), "site_id");
    try {
        OpenOptions copy_options;
        copy_options.same_key_as = hub.crypt_vfs();
        Database copy(path, copy_options);
        CarryIntoCopy carry(device, copy, since);
        ChangesOptions o;
        o.max_records = 5000;
        std::int64_t from = since;
        for (;;) {
            const Changes page = changes_since(device, from, o);
            Changeset cs = decode(page.blob);
            if (carry.filter(cs)) carry.add(apply(copy, encode(cs), {}), cs.records.size());
            from = page.cursor;
            if (!page.more) break;
        }
        device.reset_statements();
        report["carried"] = carry.carried();
        report["dropped"] = carry.dropped();
    } catch (...) {
        remove_rebaseline_files(path);
        // The hub forgets the replica that was never finished, so garbage
        // collection does not wait for it.
        try {
            WriteScope w(hub);
            auto& st = hub.stmt("DELETE FROM sync_peers WHERE site = ?");
            st.bind(1, site.data(), Uuid::size());
            st.exec();
            w.commit();
        } catch (...) {
        }
        throw;
    }
    return report;
}

}  // namespace crmlite::sync
