#include "sync/engine.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <bit>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <set>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "merge/forward.hpp"
#include "merge/liveness.hpp"
#include "customers/contact_points.hpp"
#include "interactions/interactions.hpp"
#include "search/index_queue.hpp"
#include "store/captured_tables.hpp"
#include "store/ghosts.hpp"
#include "store/hlc.hpp"
#include "store/removal.hpp"
#include "subject/subject.hpp"
#include "sync/audit_records.hpp"
#include "sync/changeset.hpp"
#include "sync/ghost_merge.hpp"
#include "sync/masked.hpp"
#include "sync/pseudo_fields.hpp"
#include "sync/schema.hpp"
#include "sync/share.hpp"
#include "tags/tags.hpp"
#include "tasks/tables.hpp"

namespace crmlite::sync {

namespace {

Value read_value(const SQLite::Column& c, ColumnType t) {
    if (c.isNull()) return std::monostate{};
    switch (t) {
    case ColumnType::integer: return c.getInt64();
    case ColumnType::id: return Uuid::from_blob(c.getBlob(), c.getBytes());
    default: return c.getString();
    }
}

bool type_matches(const Value& v, ColumnType t) {
    if (std::holds_alternative<std::monostate>(v)) return true;
    switch (t) {
    case ColumnType::integer: return std::holds_alternative<std::int64_t>(v);
    case ColumnType::id: return std::holds_alternative<Uuid>(v);
    default: return std::holds_alternative<std::string>(v);
    }
}

std::string column_list(const SyncedTable& t) {
    std::string s;
    for (std::size_t i = 0; i < t.columns.size(); ++i) s += (i ? ", " : "") + t.columns[i].name;
    return s;
}

struct Row {
    std::int64_t rid = 0;  // rowid for tables that have one (customers, interactions), else 0
    std::vector<Value> values;
    std::int64_t created_at = 0;
    std::optional<std::vector<FieldVersion>> versions;  // change capture's, in the row
};

bool has_rid(const SyncedTable& t) { return t.table == Table::customers || t.table == Table::interactions; }

// The SQL text of a record's read, made once per table.
const std::string& row_sql(const SyncedTable& t) {
    static const std::map<int, std::string> sql = [] {
        std::map<int, std::string> m;
        for (const auto& s : synced_tables())
            m[static_cast<int>(s.table)] = "SELECT " + std::string(has_rid(s) ? "rid" : "0") + ", " +
                                           (s.has_created_at ? "created_at" : "0") + ", " + column_list(s) +
                                           ", sync_hlc, sync_seq, sync_vers FROM " + s.name + " WHERE id = ?";
        return m;
    }();
    return sql.at(static_cast<int>(t.table));
}

// Whether a child record's customer column (a merge moves it) was written
// after this file's seq `after`: a filtered peer may hold it under another
// customer than the one it is under here.
bool moved_after(const SyncedTable& t, const std::vector<FieldVersion>& versions, std::int64_t after) {
    if (t.customer_column.empty() || t.table == Table::customers) return false;
    const int cc = column_index(t, t.customer_column);
    for (const auto& v : versions)
        if (v.field == cc && v.seq > after) return true;
    return false;
}

std::optional<Row> load_row(Database& db, const SyncedTable& t, const Uuid& id) {
    auto& st = db.stmt(row_sql(t));
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    Row r;
    r.rid = st.getColumn(0).getInt64();
    r.created_at = st.getColumn(1).getInt64();
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        r.values.push_back(read_value(st.getColumn(static_cast<int>(i) + 2), t.columns[i].type));
    r.versions = Database::row_versions(st, static_cast<int>(t.columns.size()) + 2);
    st.reset();
    return r;
}

struct Tomb {
    std::int64_t hlc, site;
};

std::optional<Tomb> load_tombstone(Database& db, Table table, const Uuid& id) {
    auto& st = db.stmt("SELECT hlc, site FROM sync_tombstones WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(table));
    st.bind(2, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    Tomb t{st.getColumn(0).getInt64(), st.getColumn(1).getInt64()};
    st.reset();
    return t;
}

std::optional<std::int64_t> customer_rid(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT rid FROM customers WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    const auto rid = st.getColumn(0).getInt64();
    st.reset();
    return rid;
}

// ------------------------------------------------------------ changes_since

Value read_any(const SQLite::Column& c) {
    if (c.isNull()) return std::monostate{};
    if (c.isInteger()) return c.getInt64();
    if (c.isBlob() && c.getBytes() == 16) return Uuid::from_blob(c.getBlob(), 16);
    return c.getString();
}

void bind_any(SQLite::Statement& st, int i, const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) st.bind(i);
    else bind_value(st, i, v);
}

class Builder {
public:
    // `echo`: the local site index of the peer the changes go to; its own
    // field versions are not sent back to it.
    Builder(Database& db, std::int64_t since, std::int64_t until, std::optional<std::int64_t> echo)
        : db_(db), since_(since), until_(until), echo_(echo), held_masked_(db) {
        cs_.fingerprint = fingerprint();
        cs_.site_index(db.site_id());
    }

    // Adds the record's fields changed in (since, until] (with `whole`, all its
    // fields); returns false if none.
    bool add_record(const SyncedTable& t, const Uuid& id, bool whole = false) {
        const std::pair<int, Uuid> key{static_cast<int>(t.table), id};
        const auto seen = index_.find(key);
        if (seen != index_.end() && !whole) return true;
        const auto row = load_row(db_, t, id);
        if (!row || !row->versions) return false;
        const auto& versions = row->versions;
        RecordChange rc;
        rc.table = static_cast<int>(t.table);
        rc.id = id;
        std::int64_t min_seq = INT64_MAX;
        for (const auto& v : (*versions)) min_seq = std::min(min_seq, v.seq);
        // A filtered peer may not have held the customer a record was moved
        // from (a merge repoints the loser's records to the survivor): one
        // whose customer changed since the peer's cursor (in this page, or in
        // a later one: its other fields are sent now) goes whole, echoes included.
        const bool full = whole || (whole_when_moved_ && moved_after(t, *versions, since_));
        // Every field goes when the peer cannot have the record (all of it is
        // newer than its cursor: it could not make the record from the fields of
        // one page), and for content-addressed records, which a peer may have
        // deleted and can only make again whole.
        const bool all = full || t.recreatable || min_seq > since_;
        // The peer's own versions are not sent back to it (it made them), except
        // on a merge survivor here and the records under it: a version carried
        // over by a merge (merge/redirects.hpp, carried_stamp) keeps its
        // original's site, with a stamp the peer may never have computed (the
        // merge reached it in another order, or it is part of a merge cycle).
        bool echo_back = full || t.recreatable;
        if (!echo_back && echo_)
            for (const auto& v : (*versions))
                if (v.site == *echo_) {
                    echo_back = survivor_here(t, id, *row);
                    break;
                }
        const FieldVersion* first = nullptr;
        const std::uint64_t masked_here = held_masked_.held(t.table, id);
        for (const auto& v : (*versions)) {
            if (v.field >= static_cast<int>(t.columns.size())) continue;
            if (held_masked(masked_here, v)) continue;
            if (!echo_back && v.site == echo_) continue;  // the peer made it (a content-addressed record it deleted since must come back whole)
            if (!all && (v.seq <= since_ || v.seq > until_)) continue;
            if (!first || v.stamp < first->stamp) first = &v;
            const auto& col = t.columns[static_cast<std::size_t>(v.field)];
            const Value& value = row->values[static_cast<std::size_t>(v.field)];
            rc.fields.push_back({cs_.name_index(col.name), site(v.site), v.stamp, value, v.base});
            if (col.ref_table != 0)
                if (const auto* ref = std::get_if<Uuid>(&value)) {
                    refs_.emplace_back(col.ref_table, *ref);
                    if (col.ref_table == static_cast<int>(Table::customers) && t.table == Table::customers)
                        linked_.emplace_back(id, *ref);  // a person and its company
                }
        }
        if (whole_when_moved_ && t.table == Table::customer_redirects) merged_losers_.push_back(id);
        if (!mask_) add_extras(t, id, whole, rc);  // a newer version's fields: what they hold is unknown
        if (rc.fields.empty()) return false;
        // The peer may lack this record (or, content-addressed, have deleted
        // it): it gets the creation time too.
        if (t.has_created_at && all && first)
            rc.fields.push_back({cs_.name_index(kCreatedAt), site(first->site), first->stamp, row->created_at});
        const int type_col = t.table == Table::contact_points ? column_index(t, "type") : -1;
        mask(rc, type_col >= 0 ? &row->values[static_cast<std::size_t>(type_col)] : nullptr);
        if (seen != index_.end()) {
            cs_.records[seen->second] = std::move(rc);
        } else {
            index_.emplace(key, cs_.records.size());
            cs_.records.push_back(std::move(rc));
        }
        return true;
    }

    // A record this page refers to (a child's customer, a tag's parent) whose
    // fields were rewritten after the page's end (say, every field of the
    // parent won a later remote edit) would arrive after its child: it comes
    // along whole in this page instead.
    void close_references() {
        while (!refs_.empty()) {
            const auto [table, id] = refs_.back();
            refs_.pop_back();
            const SyncedTable* t = find_table(table);
            if (!t || whole_.count({table, id})) continue;
            // A filtered peer: not a customer it does not hold, or whose copy is
            // being reset (a company it lacks is pulled in by changes_since).
            if (t->table == Table::customers && may_see_ && !may_see_(id)) continue;
            const auto versions = db_.versions(t->table, id);
            if (!versions) continue;
            bool pending = false;
            for (const auto& v : (*versions)) pending = pending || v.seq > until_;
            if (!pending) continue;
            whole_.insert({table, id});
            add_record(*t, id, true);
        }
    }

    // Whether the customer of a record (a customer: itself) is a merge
    // survivor here (a redirect points to it).
    bool survivor_here(const SyncedTable& t, const Uuid& id, const Row& row) {
        const Uuid* customer = &id;
        if (t.table != Table::customers) {
            if (t.customer_column.empty()) return false;
            const int c = column_index(t, t.customer_column);
            customer = c >= 0 ? std::get_if<Uuid>(&row.values[static_cast<std::size_t>(c)]) : nullptr;
            if (!customer) return false;
        }
        auto& st = db_.stmt("SELECT 1 FROM customer_redirects WHERE survivor_id = ? LIMIT 1");
        st.bind(1, customer->data(), Uuid::size());
        const bool yes = st.executeStep();
        st.reset();
        return yes;
    }

    // The customer left the peer's share (or a child of one being reset).
    // `beside_tombstone`: it was merged into a customer outside the share, so
    // its tombstone (which would wait there for the redirect, not the peer's
    // to hold) is followed by an eviction of it and everything under it.
    void add_evict(const Uuid& id, Table table = Table::customers, bool beside_tombstone = false) {
        const auto [it, added] = index_.emplace(std::pair<int, Uuid>{static_cast<int>(table), id}, cs_.records.size());
        if (!added) {  // its last changes (say, the new owner) do not matter to the peer any more
            auto& rc = cs_.records[it->second];
            if (rc.tombstone) {  // deleted: the tombstone removes it anyway, unless merged away
                if (beside_tombstone) {
                    RecordChange ev;
                    ev.table = static_cast<int>(table);
                    ev.id = id;
                    ev.evict = true;
                    cs_.records.push_back(std::move(ev));
                }
                return;
            }
            rc.fields.clear();
            rc.evict = true;
            return;
        }
        RecordChange rc;
        rc.table = static_cast<int>(table);
        rc.id = id;
        rc.evict = true;
        cs_.records.push_back(std::move(rc));
    }

    // The peer's copy of the record is replaced by this file's, whole: an
    // eviction (applied first there) and the record.
    void add_replacement(const SyncedTable& t, const Uuid& id) {
        RecordChange ev;
        ev.table = static_cast<int>(t.table);
        ev.id = id;
        ev.evict = true;
        cs_.records.push_back(std::move(ev));
        add_record(t, id, true);
    }

    void add_tombstone(Table table, const Uuid& id, std::int64_t hlc, std::int64_t site_idx) {
        if (!index_.emplace(std::pair<int, Uuid>{static_cast<int>(table), id}, cs_.records.size()).second) return;
        RecordChange rc;
        rc.table = static_cast<int>(table);
        rc.id = id;
        rc.tombstone = true;
        rc.hlc = hlc;
        rc.site = site(site_idx);
        add_ghost(table, id, rc);
        // An erasure travels as one (issue 7): the receiver scrubs its file too.
        // So does the erased tombstone of a record that was under the person
        // (not content-addressed: no ghost fields to mix with): a replica that
        // never held the record learns that nothing of it may be kept.
        if ((table == Table::customers || !find_table(static_cast<int>(table))->recreatable) && subject::erased(db_, table, id))
            rc.fields.push_back({cs_.name_index(kErasedField), rc.site, hlc, std::int64_t{1}, 0});
        cs_.records.push_back(std::move(rc));
    }

    // Privacy (issue 7): values masked for the device of a principal without unmask.
    void mask_values() { mask_ = true; }

    // Which customers' records may travel with their values (a filtered peer:
    // those it holds); unset: all.
    void limit_ghosts_to(std::function<bool(const Uuid&)> may_see) { may_see_ = std::move(may_see); }

    // A filtered peer: records moved to another customer go whole (add_record).
    void whole_when_moved() { whole_when_moved_ = true; }

    // A filtered peer learning that a customer was merged into one it holds
    // may not have held the loser: the merges into the loser (redirects and
    // merge records, which now end at the survivor) come along whole.
    void add_merged_into_losers() {
        const SyncedTable& redirects = *find_table(static_cast<int>(Table::customer_redirects));
        const SyncedTable& merges = *find_table(static_cast<int>(Table::customer_merges));
        std::set<Uuid> done;
        while (!merged_losers_.empty()) {
            const Uuid loser = merged_losers_.back();
            merged_losers_.pop_back();
            if (!done.insert(loser).second) continue;
            for (const auto& r : records_under(db_, redirects, loser)) add_record(redirects, r, true);
            for (const auto& m : records_under(db_, merges, loser)) add_record(merges, m, true);
        }
    }

    // Whether the page evicts the customer (or deletes it).
    bool evicting(const Uuid& id) const {
        const auto it = index_.find({static_cast<int>(Table::customers), id});
        return it != index_.end() && (cs_.records[it->second].evict || cs_.records[it->second].tombstone);
    }

    // The people added so far and the companies they link to (company_id).
    std::vector<std::pair<Uuid, Uuid>> take_linked() {
        std::vector<std::pair<Uuid, Uuid>> out;
        out.swap(linked_);
        return out;
    }

    Changeset& changeset() { return cs_; }

private:
    // A deleted content-addressed record's last state travels with its
    // tombstone (store/ghosts.hpp), so every replica merges it the same way.
    void add_ghost(Table table, const Uuid& id, RecordChange& rc) {
        // A customer merged away keeps one too (issue 6, src/merge/liveness.hpp):
        // its tombstone says so, and brings the ghost to peers that may see it.
        const bool merged = table == Table::customers;
        if (!keeps_ghost(table) && !merged) return;
        const auto g = load_ghost(db_, table, id);
        if (!g) return;
        if (merged) rc.fields.push_back({cs_.name_index(kMergedAway), rc.site, rc.hlc, std::int64_t{1}});
        if (may_see_) {
            const Value* c = g->value("customer_id");
            const auto* customer = merged ? &id : c ? std::get_if<Uuid>(c) : nullptr;
            if (customer && !may_see_(*customer)) return;
        }
        const SyncedTable& t = *find_table(static_cast<int>(table));
        const FieldVersion* first = nullptr;
        const std::uint64_t masked_here = held_masked_.held(table, id);
        for (const auto& v : g->versions) {
            if (v.field >= static_cast<int>(t.columns.size())) continue;
            if (held_masked(masked_here, v)) continue;
            const auto& col = t.columns[static_cast<std::size_t>(v.field)];
            const Value* value = g->value(col.name);
            rc.fields.push_back({cs_.name_index(col.name), site(v.site), v.stamp, value ? *value : Value{}, v.base});
            if (!first || v.stamp < first->stamp) first = &v;
        }
        if (t.has_created_at && first)
            if (const Value* created = g->value(kCreatedAt))
                if (std::holds_alternative<std::int64_t>(*created))
                    rc.fields.push_back({cs_.name_index(kCreatedAt), site(first->site), first->stamp, *created});
        mask(rc, g->value("type"));
    }

    // Privacy (issue 7, sync/masked.hpp). A value this replica holds masked is
    // never sent on (its clear value lives where it came from); an edit made
    // here since is a real value and travels.
    bool held_masked(std::uint64_t masked_here, const FieldVersion& v) const {
        return ((masked_here >> v.field) & 1) != 0 && v.site != db_.local_site();
    }
    void mask(RecordChange& rc, const Value* point_type) {
        if (!mask_) return;
        const auto* type = point_type ? std::get_if<std::string>(point_type) : nullptr;
        mask_record(cs_, rc, type ? *type : std::string());
    }

    // Fields a newer version of crmlite wrote, kept here to be forwarded.
    void add_extras(const SyncedTable& t, const Uuid& id, bool whole, RecordChange& rc) {
        auto& st = db_.stmt("SELECT name, value, hlc, site, seq, base FROM sync_extra WHERE tbl = ? AND id = ?");
        st.bind(1, static_cast<int>(t.table));
        st.bind(2, id.data(), Uuid::size());
        while (st.executeStep()) {
            const std::int64_t seq = st.getColumn(4).getInt64(), site_idx = st.getColumn(3).getInt64();
            if (!whole && (seq <= since_ || seq > until_ || site_idx == echo_)) continue;
            rc.fields.push_back({cs_.name_index(st.getColumn(0).getString()), site(site_idx), st.getColumn(2).getInt64(),
                                 read_any(st.getColumn(1)), st.getColumn(5).getInt64()});
        }
        st.reset();
    }

    std::uint32_t site(std::int64_t local_idx) {
        auto it = sites_.find(local_idx);
        if (it != sites_.end()) return it->second;
        const auto idx = cs_.site_index(db_.site_of(local_idx));
        sites_.emplace(local_idx, idx);
        return idx;
    }

    Database& db_;
    std::int64_t since_, until_;
    std::optional<std::int64_t> echo_;
    Changeset cs_;
    std::map<std::int64_t, std::uint32_t> sites_;
    std::map<std::pair<int, Uuid>, std::size_t> index_;  // record -> position in cs_.records
    std::set<std::pair<int, Uuid>> whole_;
    std::vector<std::pair<int, Uuid>> refs_;
    std::vector<std::pair<Uuid, Uuid>> linked_;
    std::vector<Uuid> merged_losers_;
    std::function<bool(const Uuid&)> may_see_;
    MaskedFields held_masked_;
    bool mask_ = false;
    bool whole_when_moved_ = false;
};

// ------------------------------------------------------------------- apply

struct Report {
    std::int64_t records = 0, applied = 0, known = 0, superseded = 0, deleted = 0, missing_parent = 0,
                 incomplete = 0, unknown_fields = 0, evicted = 0, conflicts = 0, erased = 0;
    Json dropped = Json::array();
    Json refused = Json::array();
};

class Applier {
public:
    // `deleted_in_blob`: the records the blob deletes (a parent deleted later
    // in it is reported as deleted, not as missing).
    Applier(WriteScope& w, const Changeset& cs, Report& report, bool accept_evictions,
            const std::set<std::pair<int, Uuid>>* deleted_in_blob = nullptr)
        : w_(w), db_(w.db()), cs_(cs), report_(report), accept_evictions_(accept_evictions),
          deleted_in_blob_(deleted_in_blob), masks_(w.db()) {
        for (const auto& s : cs.sites) sites_.push_back(db_.site_index(s));
    }

    void record(const RecordChange& rc) {
        const SyncedTable& t = *find_table(rc.table);
        ++report_.records;
        // Merged customers (issue 6; src/merge/forward.hpp): a change made to a
        // customer before its replica learned it was merged away is carried over
        // to the survivor, as records applied here first (or instead); after a
        // redirect or merge record, who lives follows the redirects in force
        // (undone merges, merge cycles).
        const merge::Apply carry = carrier();
        if (merge::forward(w_, cs_, rc, carry)) return;
        if (rc.evict) evict(rc);
        else if (rc.tombstone) remove(t, rc);
        else merge(t, rc);
        merge::settle_after(w_, cs_, rc, carry);
    }

    // After the whole changeset: customers waiting for their merge's survivor
    // (merge/liveness.hpp) go once it has arrived.
    void settle_waiting() { merge::settle_waiting(w_, merge::like(cs_), carrier()); }

private:
    // Applies the changes a merge carries over (to a survivor, say) here, as arriving records.
    merge::Apply carrier() {
        return [this](const Changeset& extra) {
            Applier carried(w_, extra, report_, accept_evictions_, deleted_in_blob_);
            for (const auto& r : extra.records) carried.record(r);
        };
    }

    void evict(const RecordChange& rc) {
        if (!accept_evictions_) {
            report_.refused.push_back({{"table", find_table(rc.table)->name}, {"id", rc.id.str()}, {"reason", "an eviction from a peer"}});
            return;
        }
        const SyncedTable& t = *find_table(rc.table);
        if (t.table == Table::customers) {
            // A merge made here into it that the hub has not received yet: it
            // stays until the hub has judged that merge (a refusal evicts it
            // again), or the loser's records would be nowhere in between. Merges
            // into one already deleted here stay too, to be sent.
            std::optional<std::int64_t> unsent_after;
            if (cs_.knows_through >= 0) unsent_after = cs_.knows_through;
            if (unsent_after && customers::exists(db_, rc.id) && unsent_merge_into(db_, rc.id, *unsent_after)) return;
            // Deletes here of records under it go too (not erasures): the hub
            // refuses them from now on (out of scope, or made before the copy
            // it sends if the customer comes back), and a copy sent whole
            // again must not lose those records to them.
            auto& under = db_.stmt("SELECT tbl, id FROM sync_tombstones WHERE customer = ? AND tbl <> ? AND erased = 0");
            under.bind(1, rc.id.data(), Uuid::size());
            under.bind(2, static_cast<int>(Table::customers));
            std::vector<std::pair<int, Uuid>> deletes;
            while (under.executeStep())
                deletes.emplace_back(under.getColumn(0).getInt(), Uuid::from_blob(under.getColumn(1).getBlob(), under.getColumn(1).getBytes()));
            under.reset();
            for (const auto& [tbl, id] : deletes) {
                auto& gone = db_.stmt("DELETE FROM sync_tombstones WHERE tbl = ? AND id = ?");
                gone.bind(1, tbl);
                gone.bind(2, id.data(), Uuid::size());
                gone.exec();
                drop_ghost(db_, static_cast<Table>(tbl), id);
            }
            if (customers::exists(db_, rc.id)) {
                customers::forget(db_, rc.id);
                forget_dependents(db_, rc.id, unsent_after);
                ++report_.evicted;
            } else if (db_.id_at("SELECT survivor_id FROM customer_redirects WHERE id = ?", rc.id)) {
                // Merged away here: what was under it is its survivor's now. Unless
                // the survivor is not here either (evicted: the hub refused the merge
                // and sends this customer back whole): then the merge is forgotten.
                if (!merge::resolve(db_, rc.id)) {
                    forget_record(db_, Table::customer_redirects, rc.id);
                    drop_ghost(db_, Table::customers, rc.id);
                }
            } else {
                // Deleted here already (not pushed yet): what arrived under it
                // since (its merge records, say) goes too.
                forget_dependents(db_, rc.id, unsent_after);
            }
        }
        if (t.table != Table::customers && !t.customer_column.empty()) {
            // A record under a customer: a merge of this device's that the hub
            // refused (a redirect or merge record, under its survivor), or under a
            // customer being reset, or leading out of the share; or a child record
            // under a customer being reset at the hub. Those under the same
            // customer here went with it; one here under another customer (moved
            // by a merge made here that the hub refused) goes too, as does one
            // under a customer kept here for an unsent merge into it: the hub
            // sends it again whole while that customer is in the share, and a
            // customer outside it leaves once the merge is judged. It goes
            // without a tombstone, unless this replica wrote to it after what the
            // hub has received: that write is the hub's to judge first.
            const bool unsent = cs_.knows_through < 0 || written_here_after(db_, t.table, rc.id, cs_.knows_through);
            if (!unsent) forget_record(db_, t.table, rc.id);
        }
        if (t.table == Table::leads && load_row(db_, t, rc.id)) {  // a lead leaving the share (issue 7)
            forget_lead(db_, rc.id);
            ++report_.evicted;
        }
        // A delete here the hub refused is forgotten too, so the record can come back whole.
        auto& del = db_.stmt("DELETE FROM sync_tombstones WHERE tbl = ? AND id = ?");
        del.bind(1, rc.table);
        del.bind(2, rc.id.data(), Uuid::size());
        del.exec();
    }

    void conflict(const SyncedTable& t, const RecordChange& rc, const std::string& field, const char* reason, const Value& lost,
                  std::int64_t lost_hlc, std::int64_t lost_site, const Value& kept, std::int64_t kept_hlc,
                  std::int64_t kept_site) {
        log_conflict(db_, w_.now(),
                     {t.table, rc.id, field, reason, lost, lost_hlc, lost_site, kept, kept_hlc, kept_site, customer_of(t, rc)});
        ++report_.conflicts;
    }

    // The customer a record belongs to, for its conflict-log entries and
    // tombstone (an erasure clears and marks by it): from the change, the row,
    // the tombstone or ghost of a deleted record, or an earlier entry of the
    // record. Unknown only for a record never held here whose change does not
    // name it (its erased tombstone, from a replica that held it, then clears it).
    std::optional<Uuid> customer_of(const SyncedTable& t, const RecordChange& rc) {
        if (t.customer_column.empty()) return std::nullopt;
        const Value* incoming = nullptr;
        for (const auto& f : rc.fields)
            if (cs_.names[f.name] == t.customer_column) incoming = &f.value;
        if (auto c = owning_customer(db_, static_cast<int>(t.table), rc.id, incoming)) return c;
        auto& st = db_.stmt("SELECT customer FROM sync_tombstones WHERE tbl = ?1 AND id = ?2 AND customer IS NOT NULL UNION ALL "
                            "SELECT customer FROM sync_ghosts WHERE tbl = ?1 AND id = ?2 AND customer IS NOT NULL UNION ALL "
                            "SELECT customer FROM sync_conflicts WHERE tbl = ?1 AND id = ?2 AND customer IS NOT NULL LIMIT 1");
        st.bind(1, static_cast<int>(t.table));
        st.bind(2, rc.id.data(), Uuid::size());
        std::optional<Uuid> out;
        if (st.executeStep()) out = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
        st.reset();
        return out;
    }

    // Fields this version does not know: kept per field, last writer wins, and
    // sent on with the record.
    void keep_unknown(const SyncedTable& t, const Uuid& id, const std::vector<const FieldChange*>& unknown) {
        for (const auto* f : unknown) {
            const std::string& name = cs_.names[f->name];
            auto& get = db_.stmt("SELECT hlc, site FROM sync_extra WHERE tbl = ? AND id = ? AND name = ?");
            get.bind(1, static_cast<int>(t.table));
            get.bind(2, id.data(), Uuid::size());
            get.bind(3, name);
            bool take = true;
            if (get.executeStep()) {
                const std::int64_t hlc = get.getColumn(0).getInt64(), site = get.getColumn(1).getInt64();
                take = newer(f->hlc, cs_.sites[f->site], hlc, local_site_id(site));
            }
            get.reset();
            if (!take) continue;
            auto& put = db_.stmt(
                "INSERT OR REPLACE INTO sync_extra(tbl, id, name, value, hlc, site, seq, base) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            put.bind(1, static_cast<int>(t.table));
            put.bind(2, id.data(), Uuid::size());
            put.bind(3, name);
            bind_any(put, 4, f->value);
            put.bind(5, f->hlc);
            put.bind(6, sites_[f->site]);
            put.bind(7, w_.seq());
            put.bind(8, f->base);
            put.exec();
            ++report_.unknown_fields;
        }
    }

    // Two versions of equal (stamp, site): the smaller base, then value, loses.
    static bool carried_loses(const FieldChange& f, const FieldVersion& local, const Value& here) {
        return f.base != local.base ? f.base < local.base : f.value < here;
    }

    // (stamp, site id) order: ties between equal clocks go to the larger site id.
    bool newer(std::int64_t a_stamp, const Uuid& a_site, std::int64_t b_stamp, const Uuid& b_site) const {
        return a_stamp != b_stamp ? a_stamp > b_stamp : a_site > b_site;
    }

    const Uuid& local_site_id(std::int64_t idx) {
        auto it = site_ids_.find(idx);
        if (it == site_ids_.end()) it = site_ids_.emplace(idx, db_.site_of(idx)).first;
        return it->second;
    }

    // Every record a field refers to must be here. A required parent that was
    // deleted drops the child (delete wins); an optional reference to a deleted
    // record (a person's company) is cleared, as the delete itself does.
    bool parent_present(const SyncedTable& t, const RecordChange& rc, const std::optional<Row>& row,
                        std::uint64_t& cleared) {
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            const auto& col = t.columns[c];
            if (col.ref_table == 0) continue;
            const Value* v = nullptr;
            for (const auto& f : rc.fields)
                if (cs_.names[f.name] == col.name) v = &f.value;
            if (!v && row) v = &row->values[c];
            const auto* ref = v ? std::get_if<Uuid>(v) : nullptr;
            if (!ref || (t.table == col_table(col) && *ref == rc.id)) continue;
            const SyncedTable& parent = *find_table(col.ref_table);
            auto& st = db_.stmt("SELECT 1 FROM " + parent.name + " WHERE id = ?");
            st.bind(1, ref->data(), Uuid::size());
            const bool present = st.executeStep();
            st.reset();
            if (present) continue;
            const bool deleted = load_tombstone(db_, parent.table, *ref).has_value() ||
                                 (deleted_in_blob_ && deleted_in_blob_->count({static_cast<int>(parent.table), *ref}));
            if (deleted && !col.required) {
                cleared |= std::uint64_t{1} << c;
                continue;
            }
            if (deleted) {
                report_.dropped.push_back({{"table", t.name}, {"id", rc.id.str()}, {"reason", parent.name + " deleted"}});
                if (!t.recreatable) w_.put_tombstone(t.table, rc.id, w_.stamp(), db_.local_site());
            } else {
                ++report_.missing_parent;
            }
            return false;
        }
        return true;
    }

    static Table col_table(const SyncedColumn& col) { return static_cast<Table>(col.ref_table); }

    void merge(const SyncedTable& t, const RecordChange& rc) {
        std::int64_t max_remote = 0;
        for (const auto& f : rc.fields) max_remote = std::max(max_remote, f.hlc);
        const auto tomb = load_tombstone(db_, t.table, rc.id);
        // Privacy (issue 7): a late change to a record of an erased person keeps nothing.
        const bool erased = tomb && subject::erased(db_, t.table, rc.id);
        if (tomb && t.recreatable && max_remote <= tomb->hlc) {
            // Edits the delete outdates: they join the record's ghost, which
            // a later revival starts from.
            report_.superseded += static_cast<std::int64_t>(rc.fields.size());
            if (!erased) merge_into_ghost(t, rc);
            return;
        }
        if (tomb && !t.recreatable) {
            report_.superseded += static_cast<std::int64_t>(rc.fields.size());
            if (erased) return;
            // An edit the deleting site cannot have seen (its clock is later) is lost to the delete.
            for (const auto& f : rc.fields)
                if (f.hlc > tomb->hlc && cs_.names[f.name] != kCreatedAt)
                    conflict(t, rc, cs_.names[f.name], "deleted", f.value, f.hlc, sites_[f.site], std::monostate{},
                             tomb->hlc, tomb->site);
            return;
        }
        auto row = load_row(db_, t, rc.id);
        // A record's versions are columns of its row (store/captured_tables.hpp).
        const auto versions = row ? row->versions : std::nullopt;
        std::vector<FieldVersion> merged = versions.value_or(std::vector<FieldVersion>{});
        std::vector<Value> values = row ? row->values : std::vector<Value>(t.columns.size());
        // Brought back by an edit newer than its delete: it starts from its
        // ghost (the fields as they were, and edits that arrived since), so
        // the result does not depend on the order the changes arrived in.
        std::optional<std::int64_t> ghost_created;
        if (!row && tomb)
            if (const auto g = load_ghost(db_, t.table, rc.id)) {
                merged.clear();
                for (auto v : g->versions) {
                    if (v.field >= static_cast<int>(t.columns.size())) continue;
                    v.seq = w_.seq();
                    merged.push_back(v);
                    if (const Value* x = g->value(t.columns[static_cast<std::size_t>(v.field)].name))
                        values[static_cast<std::size_t>(v.field)] = *x;
                }
                if (const Value* c = g->value(kCreatedAt))
                    if (const auto* ms = std::get_if<std::int64_t>(c)) ghost_created = *ms;
            }
        std::uint64_t cleared = 0;
        if (!parent_present(t, rc, row, cleared)) return;
        std::uint64_t won = 0;
        std::optional<std::int64_t> created_at;
        std::vector<const FieldChange*> unknown;
        // Privacy (issue 7, sync/masked.hpp): incoming masked renderings, and
        // the fields this replica holds masked.
        const std::set<std::string> masked_in = masked_names(cs_, rc);
        const std::uint64_t masked_before = masks_.held(t.table, rc.id);
        std::uint64_t masked_now = masked_before;
        for (const auto& f : rc.fields) {
            const std::string& name = cs_.names[f.name];
            if (name == kCreatedAt) {
                if (const auto* v = std::get_if<std::int64_t>(&f.value)) created_at = *v;
                continue;
            }
            if (name == kMaskedField) continue;
            const int c = column_index(t, name);
            if (c < 0) {
                unknown.push_back(&f);
                continue;
            }
            auto it = std::find_if(merged.begin(), merged.end(), [c](const FieldVersion& v) { return v.field == c; });
            const Uuid& remote_site = cs_.sites[f.site];
            const bool incoming_masked = masked_in.count(name) > 0;
            if (it != merged.end()) {
                const Uuid& local_site = local_site_id(it->site);
                const Value& here = values[static_cast<std::size_t>(c)];
                // One version, unless carried over to a merge's survivor from
                // two different writes (issue 6, src/merge/redirects.hpp): the
                // later original (base) wins, then the larger value. Of the
                // same write, a clear value replaces a masked copy held here and
                // a masked copy never replaces anything (issue 7).
                const bool same = it->stamp == f.hlc && local_site == remote_site;
                const bool unmask = same && !incoming_masked && ((masked_now >> c) & 1) != 0;
                if (same && !unmask && (incoming_masked || (f.base == it->base && f.value == here))) {
                    ++report_.known;
                    continue;
                }
                if (!unmask && (same ? carried_loses(f, *it, here) : !newer(f.hlc, remote_site, it->stamp, local_site))) {
                    ++report_.superseded;
                    // The local value's writer never saw the incoming one: a concurrent edit lost.
                    if (it->base < f.hlc && here != f.value)
                        conflict(t, rc, name, "concurrent edit", f.value, f.hlc, sites_[f.site], here, it->stamp, it->site);
                    continue;
                }
                // The incoming writer never saw the local value: it is overwritten by a concurrent edit.
                if (!unmask && f.base < it->stamp && here != f.value)
                    conflict(t, rc, name, "concurrent edit", here, it->stamp, it->site, f.value, f.hlc, sites_[f.site]);
            }
            const FieldVersion nv{c, f.hlc, sites_[f.site], w_.seq(), f.base};
            if (it != merged.end()) *it = nv;
            else merged.push_back(nv);
            values[static_cast<std::size_t>(c)] = f.value;
            won |= std::uint64_t{1} << c;
            if (incoming_masked) masked_now |= std::uint64_t{1} << c;
            else masked_now &= ~(std::uint64_t{1} << c);
            ++report_.applied;
        }
        for (std::size_t c = 0; c < t.columns.size(); ++c)
            if ((cleared >> c) & 1 && (won >> c) & 1) values[c] = std::monostate{};  // refers to a deleted record
        // Made on two replicas at once (a content-addressed id): the earliest creation time stands.
        if (row && created_at && t.has_created_at && *created_at < row->created_at) {
            auto& up = db_.stmt("UPDATE " + t.name + " SET created_at = ? WHERE id = ?");
            up.bind(1, *created_at);
            up.bind(2, rc.id.data(), Uuid::size());
            up.exec();
            // Peers that already hold the record must learn the earlier time
            // too: every field is marked as changed now (same clocks, so they
            // merge as known), which sends the record again with created_at.
            for (auto& v : merged) v.seq = w_.seq();
            if (won == 0) w_.put_versions(t.table, rc.id, merged);
        }
        if (won == 0) {
            if (row) keep_unknown(t, rc.id, unknown);
            return;
        }
        if (!row) {
            for (std::size_t c = 0; c < t.columns.size(); ++c)
                if (t.columns[c].required && std::holds_alternative<std::monostate>(values[c])) {
                    ++report_.incomplete;
                    report_.applied -= std::popcount(won);  // counted above, but nothing is stored
                    return;
                }
        }
        if (tomb) {  // a re-add newer than the delete: the record lives again
            auto& del = db_.stmt("DELETE FROM sync_tombstones WHERE tbl = ? AND id = ?");
            del.bind(1, static_cast<int>(t.table));
            del.bind(2, rc.id.data(), Uuid::size());
            del.exec();
            drop_ghost(db_, t.table, rc.id);
            if (ghost_created && (!created_at || *ghost_created < *created_at)) created_at = ghost_created;
        }
        before_index(t, row, values, won);
        std::int64_t min_stamp = INT64_MAX, max_stamp = 0;
        for (const auto& v : merged) {
            min_stamp = std::min(min_stamp, v.stamp);
            max_stamp = std::max(max_stamp, v.stamp);
        }
        const std::int64_t updated = HybridClock::physical(max_stamp);
        const bool is_customer = t.table == Table::customers;
        const int name_col = is_customer ? column_index(t, "display_name") : -1;
        // The versions are written by the row's own INSERT or UPDATE.
        const auto rv = w_.log_versions(t.table, rc.id, versions.value_or(std::vector<FieldVersion>{}), merged);
        if (!row) {
            // Columns without a value are left out, so the table's defaults
            // apply; a customer's derived name columns are written with it.
            std::uint64_t present = 0;
            for (std::size_t c = 0; c < t.columns.size(); ++c)
                if (!std::holds_alternative<std::monostate>(values[c])) present |= std::uint64_t{1} << c;
            auto& ins = db_.stmt(insert_sql(t, present));
            ins.bind(1, rc.id.data(), Uuid::size());
            int p = 2;
            for (const auto& v : values)
                if (!std::holds_alternative<std::monostate>(v)) bind_value(ins, p++, v);
            if (t.has_created_at) ins.bind(p++, created_at.value_or(HybridClock::physical(min_stamp)));
            if (t.has_updated_at) ins.bind(p++, updated);
            if (is_customer) {
                const auto* name = std::get_if<std::string>(&values[static_cast<std::size_t>(name_col)]);
                customers::bind_derived(ins, p, name ? *name : std::string());
                p += 2;
            }
            rv.bind(ins, p);
            ins.exec();
            if (is_customer) w_.count("customers", 1);
            if (t.table == Table::interactions) w_.count("interactions", 1);
        } else {
            std::string sql = "UPDATE " + t.name + " SET ";
            bool first = true;
            for (std::size_t c = 0; c < t.columns.size(); ++c) {
                if (!(won & (std::uint64_t{1} << c))) continue;
                sql += (first ? "" : ", ") + t.columns[c].name + " = ?";
                first = false;
            }
            if (t.has_updated_at) sql += ", updated_at = max(updated_at, ?)";
            auto& up = db_.stmt(sql + ", sync_hlc = ?, sync_seq = ?, sync_vers = ? WHERE id = ?");
            int p = 1;
            for (std::size_t c = 0; c < t.columns.size(); ++c)
                if (won & (std::uint64_t{1} << c)) bind_value(up, p++, values[c]);
            if (t.has_updated_at) up.bind(p++, updated);
            p = rv.bind(up, p);
            up.bind(p, rc.id.data(), Uuid::size());
            up.exec();
        }
        after_index(t, row, is_customer && ((won >> name_col) & 1) != 0);
        if (masked_now != masked_before) masks_.store(t.table, rc.id, masked_now);
        keep_unknown(t, rc.id, unknown);
    }

    // Full-text index and derived columns: the old entry leaves before the change.
    void before_index(const SyncedTable& t, const std::optional<Row>& row, const std::vector<Value>& values, std::uint64_t won) {
        if (t.table == Table::customers && row) {
            const auto specs = customers::fields();
            bool searchable = false;
            for (std::size_t c = 0; c < specs.size(); ++c) searchable = searchable || ((won >> c) & 1 && specs[c].searchable);
            if (searchable) search::before_change(db_, search::Doc::customer, row->rid);
        } else if (t.table == Table::interactions && row) {
            const int subject = column_index(t, "subject"), body = column_index(t, "body");
            if ((won >> subject) & 1 || (won >> body) & 1) search::before_change(db_, search::Doc::interaction, row->rid);
        } else if (t.table == Table::contact_points) {
            // Phones and emails are part of their customer's search document.
            if (const auto* owner = std::get_if<Uuid>(&values[static_cast<std::size_t>(column_index(t, "customer_id"))]))
                if (const auto rid = customer_rid(db_, *owner)) search::before_change(db_, search::Doc::customer, *rid);
        }
    }

    // After the row's INSERT (row empty: the new rowid is the last one
    // inserted) or UPDATE; a renamed customer's derived columns follow.
    void after_index(const SyncedTable& t, const std::optional<Row>& row, bool renamed) {
        if (t.table == Table::customers) {
            if (row && renamed) customers::refresh_derived(db_, row->rid);
            if (!row) search::after_insert(db_, search::Doc::customer, db_.sql().getLastInsertRowid());
        } else if (t.table == Table::interactions && !row) {
            search::after_insert(db_, search::Doc::interaction, db_.sql().getLastInsertRowid());
        }
    }

    // The INSERT of a new record setting the columns in `present` (bit i =
    // column i), made once per table and set of columns.
    const std::string& insert_sql(const SyncedTable& t, std::uint64_t present) {
        auto& sql = insert_sql_[{static_cast<int>(t.table), present}];
        if (!sql.empty()) return sql;
        std::string cols = "id", params = "?";
        for (std::size_t c = 0; c < t.columns.size(); ++c) {
            if (!((present >> c) & 1)) continue;
            cols += ", " + t.columns[c].name;
            params += ", ?";
        }
        if (t.has_created_at) cols += ", created_at", params += ", ?";
        if (t.has_updated_at) cols += ", updated_at", params += ", ?";
        if (t.table == Table::customers) cols += ", name_pinyin, sort_key", params += ", ?, ?";
        cols += ", sync_hlc, sync_seq, sync_vers", params += ", ?, ?, ?";
        sql = "INSERT INTO " + t.name + "(" + cols + ") VALUES (" + params + ")";
        return sql;
    }

    void remove(const SyncedTable& t, const RecordChange& rc) {
        // Privacy (issue 7, subject/subject.hpp): an erasure removes the
        // person's traces too, and the file is scrubbed after the commit.
        const auto erasure = [&] {
            for (const auto& f : rc.fields)
                if (cs_.names[f.name] == kErasedField) return true;
            return false;
        };
        if (t.table == Table::customers && erasure()) {
            const auto records = subject::person_records(db_, rc.id);
            remove_record(t, rc);
            subject::forget_traces(db_, records);
            drop_ghosts_of(db_, rc.id);  // deleted here before: its children's ghosts may remain
            if (subject::mark_erased(w_, records)) ++report_.erased;
            return;
        }
        remove_record(t, rc);
        if (!t.recreatable && t.table != Table::customers && erasure()) {
            // A record of an erased person: its traces go, and a late change to it keeps nothing.
            subject::forget_traces(db_, {{t.table, rc.id}});
            subject::mark_erased(w_, {{t.table, rc.id}});
        }
    }

    void remove_record(const SyncedTable& t, const RecordChange& rc) {
        const auto tomb = load_tombstone(db_, t.table, rc.id);
        const std::int64_t site = sites_[rc.site];
        if (!t.recreatable) {
            if (tomb) {
                w_.put_tombstone(t.table, rc.id, rc.hlc, site, customer_of(t, rc));  // keeps the newer clock
                ++report_.known;
                return;
            }
            const auto row = load_row(db_, t, rc.id);
            const bool present = row.has_value();
            if (present) log_lost_to_delete(t, rc, *row, site);
            if (present && t.table == Table::customers) customers::remove(db_, rc.id);
            if (present && t.table == Table::interactions) interactions::remove(db_, rc.id);
            if (present)  // other modules' records: the same removal as a local delete (store/removal.hpp)
                if (const Remover r = remover_of(t.table)) r(w_, rc.id);
            w_.put_tombstone(t.table, rc.id, rc.hlc, site, customer_of(t, rc));
            ++report_.deleted;
            return;
        }
        // Content-addressed: the delete removes the adds it saw (clock <= its
        // own). The record's last state it carries is merged first: into the
        // row while it lives, else into its ghost (the tombstone goes first).
        if (!rc.fields.empty()) {
            RecordChange fields_only = rc;
            fields_only.tombstone = false;
            fields_only.hlc = 0;
            if (!load_row(db_, t, rc.id)) w_.put_tombstone(t.table, rc.id, rc.hlc, site, customer_of(t, rc));
            merge(t, fields_only);
        }
        const auto row = load_row(db_, t, rc.id);
        if (row) {
            const auto versions = db_.versions(t.table, rc.id);
            std::int64_t newest = 0;
            if (versions)
                for (const auto& v : (*versions)) newest = std::max(newest, v.stamp);
            if (newest > rc.hlc) {
                ++report_.superseded;
                return;
            }
            if (t.table == Table::tags) {
                // Its assignments and child tags go with it, each with a tombstone.
                auto& path = db_.stmt("SELECT path FROM tags WHERE id = ?");
                path.bind(1, rc.id.data(), Uuid::size());
                std::string p;
                if (path.executeStep()) p = path.getColumn(0).getString();
                path.reset();
                auto& kids = db_.stmt("SELECT 1 FROM tags WHERE parent_id = ? LIMIT 1");
                kids.bind(1, rc.id.data(), Uuid::size());
                const bool has_children = kids.executeStep();
                kids.reset();
                if (has_children) {
                    ++report_.superseded;  // a child tag was added meanwhile: the tag stays
                    return;
                }
                if (const auto g = capture_ghost(db_, t.table, rc.id)) save_ghost(db_, t.table, rc.id, *g);
                tags::remove(db_, p);
            } else {
                if (const auto g = capture_ghost(db_, t.table, rc.id)) save_ghost(db_, t.table, rc.id, *g);
                before_index(t, row, row->values, ~std::uint64_t{0});
                auto& del = db_.stmt("DELETE FROM " + t.name + " WHERE id = ?");
                del.bind(1, rc.id.data(), Uuid::size());
                del.exec();
            }
        }
        w_.put_tombstone(t.table, rc.id, rc.hlc, site, customer_of(t, rc));  // keeps the newest (clock, site)
        if (tomb && tomb->hlc >= rc.hlc) ++report_.known;
        else ++report_.deleted;
    }

    // Last writer wins per field within the ghost; when it learnt anything,
    // the tombstone is marked changed so the ghost travels on to the peers.
    void merge_into_ghost(const SyncedTable& t, const RecordChange& rc) {
        Ghost g = load_ghost(db_, t.table, rc.id).value_or(Ghost{});
        if (merge_ghost_fields(w_, g, t, cs_, rc)) save_learnt_ghost(w_, t.table, rc.id, g);
    }

    // Edits here the deleting site cannot have seen (clocks after the delete's).
    void log_lost_to_delete(const SyncedTable& t, const RecordChange& rc, const Row& row, std::int64_t site) {
        const auto versions = db_.versions(t.table, rc.id);
        if (!versions) return;
        for (const auto& v : *versions)
            if (v.stamp > rc.hlc && v.field < static_cast<int>(t.columns.size()))
                conflict(t, rc, t.columns[static_cast<std::size_t>(v.field)].name, "deleted",
                         row.values[static_cast<std::size_t>(v.field)], v.stamp, v.site, std::monostate{}, rc.hlc, site);
    }

    WriteScope& w_;
    Database& db_;
    const Changeset& cs_;
    Report& report_;
    bool accept_evictions_;
    const std::set<std::pair<int, Uuid>>* deleted_in_blob_;
    std::vector<std::int64_t> sites_;  // changeset site index -> local sync_sites index
    std::map<std::int64_t, Uuid> site_ids_;
    MaskedFields masks_;
    std::map<std::pair<int, std::uint64_t>, std::string> insert_sql_;
};

// A content-addressed record's id must be the one its content makes: a record
// under another id would take the content's place (a tag path no local call
// could use or remove again) and travel on.
std::optional<Uuid> content_id(const SyncedTable& t, const Changeset& cs, const RecordChange& rc) {
    const auto field = [&](const char* name) -> const Value* {
        for (const auto& f : rc.fields)
            if (cs.names[f.name] == name) return &f.value;
        return nullptr;
    };
    const auto text = [&](const char* name) -> const std::string* {
        const Value* v = field(name);
        return v ? std::get_if<std::string>(v) : nullptr;
    };
    const auto id = [&](const char* name) -> const Uuid* {
        const Value* v = field(name);
        return v ? std::get_if<Uuid>(v) : nullptr;
    };
    switch (t.table) {
    case Table::tags:
        if (const auto* p = text("path")) return tags::id_of_path(*p);
        break;
    case Table::customer_tags:
        if (id("customer_id") && id("tag_id")) return tags::assignment_id(*id("customer_id"), *id("tag_id"));
        break;
    case Table::contact_points:
        if (id("customer_id") && text("type") && text("normalized"))
            return customers::point_id(*id("customer_id"), *text("type"), *text("normalized"));
        break;
    case Table::external_ids:
        if (text("system") && text("external_id")) return customers::external_id_key(*text("system"), *text("external_id"));
        break;
    default: break;
    }
    return std::nullopt;
}

void validate(const Changeset& cs) {
    if (cs.fingerprint != fingerprint())
        throw Error(CRM_EFORMAT, "changeset: made for an incompatible sync schema (fingerprint differs); nothing applied");
    for (const auto& rc : cs.records) {
        if (rc.table == kAuditTable) {
            validate_audit_record(cs, rc);
            continue;
        }
        const SyncedTable* t = find_table(rc.table);
        if (!t) throw Error(CRM_EFORMAT, "changeset: unknown table " + std::to_string(rc.table) + "; nothing applied");
        // A masked contact point (sync/masked.hpp) carries the id its clear content made.
        if (t->recreatable && !rc.tombstone && !rc.evict && masked_names(cs, rc).empty()) {
            const auto want = content_id(*t, cs, rc);
            if (want && *want != rc.id)
                throw Error(CRM_ECORRUPT, "changeset: " + t->name + " record " + rc.id.str() +
                                              " does not carry the id its content makes; nothing applied");
        }
        for (const auto& f : rc.fields) {
            const std::string& name = cs.names[f.name];
            if (name == kCreatedAt) {
                if (!std::holds_alternative<std::int64_t>(f.value)) throw Error(CRM_ECORRUPT, "changeset: created_at is not an integer");
                continue;
            }
            const int c = column_index(*t, name);
            if (c < 0) continue;
            const auto& col = t->columns[static_cast<std::size_t>(c)];
            if (!type_matches(f.value, col.type))
                throw Error(CRM_ECORRUPT, "changeset: " + t->name + "." + name + " has a value of the wrong type");
            if (col.required && std::holds_alternative<std::monostate>(f.value))
                throw Error(CRM_ECORRUPT, "changeset: " + t->name + "." + name + " cannot be null");
        }
    }
}

// Where a customer merged away lives on: its redirects followed to the end
// (nullopt when it was not merged away here).
std::optional<Uuid> merge_survivor(Database& db, const Uuid& id) {
    const auto chain = merge::follow(db, id, false, true);
    if (chain.hops == 0) return std::nullopt;
    return chain.end;
}

// Which records of the blob the sender may write, judged on this file's state
// before the blob: an existing customer must be in the scope; a new one may be
// made for anyone (a rep may create a lead for a colleague: it then leaves the
// rep's device at the next pull); a child follows its customer. Every customer
// the sender sends something of is one its device holds, so the hub records it
// in the sender's share: one outside the share is evicted at the next pull
// instead of staying behind as a ghost.
class ScopeCheck {
public:
    ScopeCheck(Database& db, const Changeset& cs, const Filter& scope, std::int64_t sender)
        : db_(db), cs_(cs), share_(db, scope), held_(db, sender) {}

    // A refused merge of the sender's (its redirect or merge record, which the
    // hub does not hold) stays on the sender's device: the hub evicts that
    // record there at its next pull. (One the hub holds is its own, or was
    // taken from another device: the sender echoed it back.)
    void refused(const RecordChange& rc) {
        if (rc.tombstone || (rc.table != static_cast<int>(Table::customer_redirects) &&
                             rc.table != static_cast<int>(Table::customer_merges)))
            return;
        if (load_row(db_, *find_table(rc.table), rc.id)) return;
        held_.record(rc.id, PeerShare::kReset, PeerShare::kReset, 0, static_cast<Table>(rc.table));
    }

    // Empty when allowed, else why not.
    std::string check(const RecordChange& rc) {
        const SyncedTable& t = *find_table(rc.table);
        if (t.table == Table::leads || t.table == Table::lead_events) return check_lead(rc);
        if (t.customer_column.empty()) return "";
        const Value* incoming = nullptr;
        for (const auto& f : rc.fields)
            if (cs_.names[f.name] == t.customer_column) incoming = &f.value;
        std::vector<Uuid> owners;
        if (const auto here = owning_customer(db_, rc.table, rc.id, nullptr)) owners.push_back(*here);
        if (incoming)
            if (const auto* u = std::get_if<Uuid>(incoming)) owners.push_back(*u);
        // The sender holds what it names: the customer a child's change names,
        // not the one it is under here (a hub merge the sender has not seen
        // may have moved it to a survivor the sender lacks); a child's change
        // that names none says nothing of where the sender holds it.
        const bool names_itself = t.table == Table::customers || t.table == Table::customer_redirects || t.table == Table::customer_merges;
        const Uuid* named = incoming ? std::get_if<Uuid>(incoming) : nullptr;
        if (!named && names_itself && !owners.empty()) named = &owners.front();
        if (!rc.tombstone && named && marked_.insert(*named).second) held_.note_held(*named);
        // What else the change reaches: a merge's losers (its redirect is
        // keyed by the loser; a merge record lists them), which the hub would
        // delete into the survivor, and a person's company, which would join
        // the sender's share.
        std::vector<Uuid> reached;
        if (t.table == Table::customer_redirects && !rc.tombstone) reached.push_back(rc.id);
        if (t.table == Table::customer_merges)
            if (const auto* losers = incoming_text(rc, "losers")) reached = uuid_list(*losers);
        // A refused merge leaves the sender without the losers it merged away,
        // which the hub keeps: those in its scope are sent to it again whole.
        const auto reset_losers = [&] {
            for (const auto& l : reached)
                if (customers::exists(db_, l) && allowed(l)) held_.record(l, PeerShare::kReset, PeerShare::kReset, 0);
        };
        for (const auto& c : owners)
            if (!allowed(c)) {
                // The sender's copy of it now differs from what the hub holds:
                // it is evicted there and, while in the share, sent again whole.
                held_.record(c, PeerShare::kReset, PeerShare::kReset, 0);
                reset_losers();
                return "customer " + c.str() + " is outside the sender's write scope";
            }
        for (const auto& c : reached)
            if (!allowed(c)) {
                // The sender's survivor (or person) has what the hub refuses.
                for (const auto& o : owners) held_.record(o, PeerShare::kReset, PeerShare::kReset, 0);
                reset_losers();
                return "merges customer " + c.str() + ", which is outside the sender's write scope";
            }
        // A child the hub moved to another customer (a merge) after the sender
        // last heard from it was held there under its old customer, whose copy
        // the whole send of the new one did not replace: not judged by it.
        for (const auto& c : owners)
            if (predates_copy(c, Table::customers) && !moved_since(t, rc.id)) return "customer " + c.str() + predates_reason;
        return "";
    }

    bool moved_since(const SyncedTable& t, const Uuid& id) {
        if (cs_.knows_through < 0) return false;
        const auto versions = db_.versions(t.table, id);
        return versions && moved_after(t, *versions, cs_.knows_through);
    }

    // A person's company the sender may not link (one outside its scope, or
    // not a company): the change goes without that field (a new person is
    // still made), and the sender's copy, which has the link, is reset.
    // Empty when the link is allowed; else why not.
    std::string company_link(const RecordChange& rc) {
        if (rc.table != static_cast<int>(Table::customers) || rc.tombstone || rc.evict) return "";
        const auto* co = incoming_value(rc, "company_id");
        const auto* c = co ? std::get_if<Uuid>(co) : nullptr;
        if (!c) return "";
        std::string why;
        if (!allowed(*c)) why = " is outside the sender's write scope";
        else if (!is_company_or_new(*c)) why = " is not a company";
        if (why.empty()) return "";
        held_.record(rc.id, PeerShare::kReset, PeerShare::kReset, 0);
        return "company_id: customer " + c->str() + why;
    }

private:
    const Value* incoming_value(const RecordChange& rc, const std::string& name) const {
        for (const auto& f : rc.fields)
            if (cs_.names[f.name] == name) return &f.value;
        return nullptr;
    }

    const std::string* incoming_text(const RecordChange& rc, const std::string& name) const {
        const Value* v = incoming_value(rc, name);
        return v ? std::get_if<std::string>(v) : nullptr;
    }

    // A merge record's losers: a JSON array of ids. Anything else names no
    // customer the check could clear, so it is refused as unreadable.
    static std::vector<Uuid> uuid_list(const std::string& json) {
        std::vector<Uuid> out;
        const Json list = Json::parse(json, nullptr, false);
        if (!list.is_array()) throw Error(CRM_ECORRUPT, "changeset: customer_merges.losers is not a list of ids");
        for (const auto& e : list) {
            Uuid u;
            if (!e.is_string() || !Uuid::try_parse(e.get<std::string>(), u))
                throw Error(CRM_ECORRUPT, "changeset: customer_merges.losers is not a list of ids");
            out.push_back(u);
        }
        return out;
    }

    bool is_company_or_new(const Uuid& id) {
        auto& st = db_.stmt("SELECT kind = 'company' FROM customers WHERE id = ?");
        st.bind(1, id.data(), Uuid::size());
        const bool ok = !st.executeStep() || st.getColumn(0).getInt() != 0;
        st.reset();
        return ok;
    }

    // Leads (issue 7): the same rules, by the lead's owner (or region) instead
    // of a customer; an event follows its lead.
    std::string check_lead(const RecordChange& rc) {
        const Value* incoming = nullptr;
        if (rc.table == static_cast<int>(Table::lead_events))
            for (const auto& f : rc.fields)
                if (cs_.names[f.name] == "lead_id") incoming = &f.value;
        std::vector<Uuid> leads;
        if (const auto here = owning_lead(db_, rc.table, rc.id, nullptr)) leads.push_back(*here);
        if (incoming)
            if (const auto* u = std::get_if<Uuid>(incoming)) leads.push_back(*u);
        for (const auto& l : leads)
            if (!rc.tombstone && marked_leads_.insert(l).second) held_.note_held(l, Table::leads);
        for (const auto& l : leads)
            if (!lead_allowed(l)) {
                held_.record(l, PeerShare::kReset, PeerShare::kReset, 0, Table::leads);
                return "lead " + l.str() + " is outside the sender's write scope";
            }
        for (const auto& l : leads)
            if (predates_copy(l, Table::leads)) return "lead " + l.str() + predates_reason;
        return "";
    }

    // A change the sender made before it received the record whole again
    // (it entered the sender's share, or was reset, after the hub changes
    // the sender had applied when it made this blob: a page that arrives
    // late): the sender's copy no longer has it, so the hub does not take it
    // either, and both keep the copy the hub sent. Without this the hub would
    // hold the change and never send it back (the sender's own), while the
    // sender does not hold it. Blobs that do not say (format 3 and older)
    // are not checked.
    static constexpr const char* predates_reason =
        " was sent to the sender whole after it made this change (a page that arrived late): its copy no longer has it";
    bool predates_copy(const Uuid& id, Table table) {
        return cs_.knows_through >= 0 && held_.entered_after(id, cs_.knows_through, table);
    }

    bool lead_allowed(const Uuid& lead) {
        const auto known = lead_verdict_.find(lead);
        if (known != lead_verdict_.end()) return known->second;
        auto& st = db_.stmt("SELECT 1 FROM leads WHERE id = ?");
        st.bind(1, lead.data(), Uuid::size());
        const bool exists = st.executeStep();
        st.reset();
        const bool ok = !exists || share_.contains_lead(lead);
        lead_verdict_.emplace(lead, ok);
        return ok;
    }

    bool allowed(const Uuid& customer) {
        const auto known = verdict_.find(customer);
        if (known != verdict_.end()) return known->second;
        // Not here: new (or deleted here, which the merge itself handles),
        // or merged away: then it is judged by where it lives on (a change to
        // it is carried to the survivor).
        bool ok = true;
        if (customers::exists(db_, customer)) ok = share_.contains(customer);
        else if (const auto survivor = merge_survivor(db_, customer)) ok = !customers::exists(db_, *survivor) || share_.contains(*survivor);
        verdict_.emplace(customer, ok);
        return ok;
    }

    Database& db_;
    const Changeset& cs_;
    Share share_;
    PeerShare held_;
    std::set<Uuid> marked_, marked_leads_;
    std::map<Uuid, bool> verdict_, lead_verdict_;
};

struct Entry {
    bool tombstone;
    int table;
    Uuid id;
    std::int64_t hlc, site;
};

std::vector<Uuid> children_of(Database& db, const SyncedTable& t, const Uuid& customer) { return records_under(db, t, customer); }

struct Move {
    Uuid id;
    int before, after;
};


// The records of a peer's share that are not yet there, or no longer belong:
// roots (customers, or leads) entering arrive whole with everything under them
// (send); roots leaving are evicted (evict: the root, and when it was reset the
// records under it, whose deleted copies there come back too; it returns
// false for a root that stays held for now). Returns false
// when another page must follow: the page filled up before all entered, or a
// root still in the share was reset (evicted here, sent whole in the next
// page, once the peer has confirmed this one).
template <class Evict, class Send>
bool transitions(Builder& b, const std::set<Uuid>& held, const std::set<Uuid>& resets, const std::vector<Uuid>& members,
                 std::size_t budget, std::vector<Move>& moved, Evict evict, Send send) {
    const std::set<Uuid> member_set(members.begin(), members.end());
    bool again = false;
    for (const auto& id : held) {
        const bool reset = resets.count(id) > 0;
        if (member_set.count(id) && !reset) continue;
        if (!evict(id, reset)) continue;  // still held: it leaves another way, later
        moved.push_back({id, reset ? PeerShare::kReset : 1, 0});
        again = again || (reset && member_set.count(id));
    }
    if (again) return false;
    for (const auto& id : members) {
        if (held.count(id)) continue;
        if (b.changeset().records.size() >= budget && !moved.empty()) return false;
        send(id);
        moved.push_back({id, 0, 1});
    }
    return true;
}

template <class Each>
void under_customer(Database& db, const Uuid& id, Each each) {
    for (const auto& t : synced_tables())
        if (!t.customer_column.empty() && t.table != Table::customers)
            for (const auto& k : children_of(db, t, id)) each(t, k);
}

// A customer entering a peer's share: it and everything under it, whole.
// The people the peer holds who work at it go again too: a company evicted
// from the peer (a reset) left their company_id empty there (ON DELETE SET
// NULL), with the version of the link unchanged.
void send_whole(Database& db, Builder& b, const Uuid& id, const std::set<Uuid>& held) {
    const SyncedTable& customers_table = *find_table(static_cast<int>(Table::customers));
    b.add_record(customers_table, id, true);
    under_customer(db, id, [&](const SyncedTable& t, const Uuid& k) { b.add_record(t, k, true); });
    auto& staff = db.stmt("SELECT id FROM customers WHERE company_id = ?");
    staff.bind(1, id.data(), Uuid::size());
    std::vector<Uuid> people;
    while (staff.executeStep()) people.push_back(Uuid::from_blob(staff.getColumn(0).getBlob(), staff.getColumn(0).getBytes()));
    staff.reset();
    for (const auto& p : people)
        if (held.count(p) && !b.evicting(p)) b.add_record(customers_table, p, true);
}

// The companies a filtered page's people link to that the peer does not hold
// (a person's new company, or one the peer never had): each comes along whole
// in the same page, as a customer entering the share, so that no page delivers
// a person before the company it names. Returns them (now held there). A
// company outside the share is linked only by people leaving it: such a person
// is evicted in this page instead and its copy reset (sent whole again while
// in the share).
std::vector<Uuid> pull_in_companies(Database& db, Builder& b, std::set<Uuid>& held, std::set<Uuid>& resets,
                                    PeerShare& ps, const Filter& filter) {
    std::vector<Uuid> pulled;
    Share share(db, filter);
    for (auto linked = b.take_linked(); !linked.empty(); linked = b.take_linked())
        for (const auto& [person, c] : linked) {
            if (held.count(c) || !customers::exists(db, c)) continue;
            if (!share.contains(c)) {
                ps.record(person, PeerShare::kReset, PeerShare::kReset, 0);
                resets.insert(person);
                b.add_evict(person);
                continue;
            }
            held.insert(c);
            pulled.push_back(c);
            send_whole(db, b, c, held);
        }
    return pulled;
}

bool share_transitions(Database& db, Builder& b, const std::set<Uuid>& held, const std::set<Uuid>& resets,
                       const Filter& filter, std::size_t budget, std::vector<Move>& moved) {
    const auto under = [&](const Uuid& id, auto each) { under_customer(db, id, each); };
    const auto members = Share(db, filter).members();
    const std::set<Uuid> member_set(members.begin(), members.end());
    return transitions(
        b, held, resets, members, budget, moved,
        [&](const Uuid& id, bool reset) {
            const auto survivor = merge_survivor(db, id);
            // Merged into a customer of the share: not evicted, which would drop
            // what the peer made under it and has not sent yet (say, a merge of
            // another customer into it). Its redirect, sent with the survivor,
            // moves it and all that to the survivor there. It stays held until
            // the survivor is (sent whole in this page or a later one; if the
            // survivor leaves the share first, the loser is evicted then).
            if (!reset && survivor && member_set.count(*survivor)) return held.count(*survivor) > 0;
            // Never here (no row, no tombstone): one the peer made and deleted
            // before sending it, named by a merge into it that it did send. Its
            // delete is on the way; evicted now, the peer would forget that
            // unsent delete, and a loser merged into it here would wait for it
            // for ever (merge/liveness.hpp). It leaves with its tombstone.
            if (!reset && !survivor && !customers::exists(db, id) && !merge::customer_tombstone(db, id)) return false;
            // A reset goes even beside the customer's tombstone: the copy there
            // holds what the hub refused, which must not move to its survivor.
            b.add_evict(id, Table::customers, reset || (survivor && !member_set.count(*survivor)));
            if (reset) under(id, [&](const SyncedTable& t, const Uuid& k) { b.add_evict(k, t.table); });
            return true;
        },
        [&](const Uuid& id) { send_whole(db, b, id, held); });
}

// The same for leads (issue 7): a lead's events are under it.
bool lead_transitions(Database& db, Builder& b, const std::set<Uuid>& held, const std::set<Uuid>& resets,
                      const Filter& filter, std::size_t budget, std::vector<Move>& moved) {
    const SyncedTable& leads_table = *find_table(static_cast<int>(Table::leads));
    const SyncedTable& events_table = *find_table(static_cast<int>(Table::lead_events));
    const auto events_of = [&](const Uuid& lead) {
        auto& st = db.stmt("SELECT id FROM lead_events WHERE lead_id = ?");
        st.bind(1, lead.data(), Uuid::size());
        std::vector<Uuid> ids;
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
        st.reset();
        return ids;
    };
    return transitions(
        b, held, resets, Share(db, filter).lead_members(), budget, moved,
        [&](const Uuid& id, bool reset) {
            b.add_evict(id, Table::leads);
            if (reset)
                for (const auto& e : events_of(id)) b.add_evict(e, Table::lead_events);
            return true;
        },
        [&](const Uuid& id) {
            b.add_record(leads_table, id, true);
            for (const auto& e : events_of(id)) b.add_record(events_table, e, true);
        });
}

}  // namespace

Changes changes_since(Database& db, std::int64_t since, std::size_t max_records) {
    ChangesOptions o;
    o.max_records = max_records;
    return changes_since(db, since, o);
}

Changes changes_since(Database& db, std::int64_t since, const ChangesOptions& options) {
    if (since < 0) invalid("since", "must be a cursor returned by an earlier call (or 0)");
    if (options.max_records == 0) invalid("max_records", "must be at least 1");
    const bool filtered = !options.filter.empty();
    if (filtered && !options.peer) invalid("peer", "a filtered sync needs the peer's site id");
    if (options.peer && *options.peer == db.site_id()) invalid("peer", "is this replica's own site id");
    check_pull(db, options.peer ? &*options.peer : nullptr, since);
    // Bookkeeping for a known peer (its acknowledgement, its share) is written
    // in the same transaction; an anonymous unfiltered read writes nothing.
    std::optional<WriteScope> w;
    std::optional<std::int64_t> peer_idx;
    std::optional<PeerShare> ps;
    std::optional<Share> share;
    std::set<Uuid> held, resets, held_leads, lead_resets;
    if (options.peer) {
        w.emplace(db);
        note_pull(db, *options.peer, since, w->now());
        peer_idx = db.site_index(*options.peer);
    }
    if (filtered) {
        ps.emplace(db, *peer_idx);
        // A transition sent in a page the peer has not confirmed (its cursor is
        // before that page) is undone: it is judged again below.
        // A whole send undone gives back the one before it.
        auto& undo = db.stmt(
            "UPDATE sync_shares SET held = prev_held, "
            "entered = CASE WHEN entered = seq THEN prev_entered ELSE entered END WHERE peer = ? AND seq > ?");
        undo.bind(1, *peer_idx);
        undo.bind(2, since);
        undo.exec();
        held = ps->held_at(since, &resets);
        held_leads = ps->held_at(since, &lead_resets, Table::leads);
        share.emplace(db, options.filter);
    }
    Changes out;
    out.cursor = since;
    std::vector<Entry> entries;
    // Losers whose new redirect (a merge of one already deleted here, say)
    // leads outside the peer's share: the chains ending at them end there now.
    std::vector<Uuid> rerouted;
    {
        // Every field change is in the page of its own seq, and a page ends on
        // a seq boundary: the cursor means "everything up to here was sent".
        // A parent's fields always carry a lower seq than any child's that
        // refers to it, so no child arrives before its parent.
        static const std::string records = over_captured_tables("sync_seq, 0, $tbl, id, 0, 0", "sync_seq > ?1") +
                                           " UNION ALL SELECT seq, 0, tbl, id, 0, 0 FROM sync_older_seqs WHERE seq > ?1 "
                                           "UNION ALL SELECT seq, 0, tbl, id, 0, 0 FROM sync_extra WHERE seq > ?1 "
                                           "UNION ALL SELECT seq, 1, tbl, id, hlc, site FROM sync_tombstones WHERE seq > ?1 ";
        // This file's own audit entries (only they have a seq: sync/audit_records.hpp).
        static const std::string with_audit =
            records + "UNION ALL SELECT seq, 2, 30, id, 0, 0 FROM audit_log WHERE seq > ?1 ORDER BY 1, 2, 3, 4";
        static const std::string without_audit = records + "ORDER BY 1, 2, 3, 4";
        auto& st = db.stmt(options.audit ? with_audit : without_audit);
        // Reset however the loop ends (a full page stops mid-result).
        struct Reset {
            SQLite::Statement& s;
            ~Reset() { s.tryReset(); }
        } reset{st};
        st.bind(1, since);
        while (st.executeStep()) {
            const std::int64_t seq = st.getColumn(0).getInt64();
            if (entries.size() >= options.max_records && seq != out.cursor) {
                out.more = true;
                break;
            }
            out.cursor = seq;
            Entry e{st.getColumn(1).getInt() == 1, st.getColumn(2).getInt(),
                    Uuid::from_blob(st.getColumn(3).getBlob(), st.getColumn(3).getBytes()), st.getColumn(4).getInt64(),
                    st.getColumn(5).getInt64()};
            // The peer's own delete, unless it carries a ghost that may have
            // learnt edits since (content-addressed records), or became an
            // erasure here since (an erasure with an older clock than the
            // peer's plain delete: the flag travels whichever clock won).
            if (e.tombstone && e.site == peer_idx && !keeps_ghost(static_cast<Table>(e.table)) &&
                !subject::erased(db, static_cast<Table>(e.table), e.id))
                continue;
            if (filtered && !e.tombstone) {
                // Only records of customers the peer holds; tombstones go to everyone (ids and clocks only).
                // A customer being reset is not held for this: its copy there is evicted at the end of
                // this catch-up and sent again whole, and the peer may not hold it at all (a refused
                // delete of a child of a customer it had already lost).
                const SyncedTable* t = find_table(e.table);
                if (t && !t->customer_column.empty()) {
                    const auto customer = share_owner(db, e.table, e.id);
                    if (!customer || !held.count(*customer) || resets.count(*customer)) {
                        if (e.table == static_cast<int>(Table::customer_redirects) && customer && !held.count(*customer) &&
                            customers::exists(db, *customer) && !share->contains(*customer) && !customers::exists(db, e.id))
                            rerouted.push_back(e.id);
                        continue;
                    }
                }
                // A person the peer holds, linked to a company it may not get (one
                // outside the share: the person is leaving it too): its change
                // could not be applied there, so its copy is reset instead
                // (evicted at the end of this catch-up, and sent whole while in
                // the share).
                if (e.table == static_cast<int>(Table::customers))
                    if (const auto co = db.id_at("SELECT company_id FROM customers WHERE id = ?", e.id))
                        if (!held.count(*co) && !share->contains(*co)) {
                            ps->record(e.id, PeerShare::kReset, PeerShare::kReset, 0);
                            resets.insert(e.id);
                            continue;
                        }
                // ... and of leads it holds (issue 7).
                if (e.table == static_cast<int>(Table::leads) || e.table == static_cast<int>(Table::lead_events)) {
                    const auto lead = owning_lead(db, e.table, e.id, nullptr);
                    if (!lead || !held_leads.count(*lead) || lead_resets.count(*lead)) continue;
                }
            }
            entries.push_back(std::move(e));
        }
    }
    Builder b(db, since, out.cursor, peer_idx);
    // How far this replica holds the peer's own changes: a hub checks a
    // device's page against the customers it re-sent the device since.
    if (options.peer) b.changeset().knows_through = received_from(db, *options.peer);
    if (filtered) {
        b.limit_ghosts_to([&held, &resets](const Uuid& c) { return held.count(c) > 0 && !resets.count(c); });
        b.whole_when_moved();
    }
    if (options.mask) b.mask_values();
    std::vector<Uuid> audit_entries;
    std::vector<Uuid> reset_now;  // held copies being reset that this page deletes
    for (const auto& e : entries) {
        if (e.table == kAuditTable) {
            audit_entries.push_back(e.id);
            continue;
        }
        const SyncedTable* t = find_table(e.table);
        if (!t) continue;
        if (e.tombstone) b.add_tombstone(t->table, e.id, e.hlc, e.site);
        else b.add_record(*t, e.id);
        // A customer the peer holds, whose copy there is being reset, deleted
        // here (merged away, say): its eviction goes with the delete, which the
        // peer applies after it, so that its copy (holding what the hub
        // refused) is not merged into the survivor there.
        if (filtered && e.tombstone && t->table == Table::customers && held.count(e.id) && resets.count(e.id)) {
            b.add_evict(e.id, Table::customers, true);
            reset_now.push_back(e.id);
        }
    }
    for (const auto& id : reset_now) {
        held.erase(id);
        resets.erase(id);
    }
    // Merges into a loser whose new redirect leads outside the peer's share
    // (their chain ends there now) leave the peer, as a customer leaving it
    // takes its merges. A no-op where the peer never had them.
    for (const auto& loser : rerouted)
        for (const Table table : {Table::customer_redirects, Table::customer_merges})
            for (const auto& k : records_under(db, *find_table(static_cast<int>(table)), loser)) b.add_evict(k, table);
    add_audit_records(db, b.changeset(), audit_entries);
    if (filtered) b.add_merged_into_losers();
    b.close_references();
    if (filtered) {
        std::vector<Move> moved, moved_leads;
        std::vector<std::pair<Table, Uuid>> moved_refused;
        for (const auto& id : reset_now) moved.push_back({id, PeerShare::kReset, 0});
        for (const auto& c : pull_in_companies(db, b, held, resets, *ps, options.filter)) moved.push_back({c, 0, 1});
        b.close_references();
        if (!out.more) {
            const std::size_t before = moved.size();
            out.more = !share_transitions(db, b, held, resets, options.filter, options.max_records, moved);
            if (!out.more)
                out.more = !lead_transitions(db, b, held_leads, lead_resets, options.filter, options.max_records, moved_leads);
            // Merges the hub refused from the peer: their records are evicted there.
            bool replaced = false;
            if (!out.more)
                for (const Table table : {Table::customer_redirects, Table::customer_merges}) {
                    std::set<Uuid> refused;
                    (void)ps->held_at(since, &refused, table);
                    for (const auto& id : refused) {
                        // One of this file's own by that id since (a merge of the
                        // same loser made here) replaces the peer's, where the
                        // peer holds its survivor.
                        const auto owner = share_owner(db, static_cast<int>(table), id);
                        const SyncedTable& t = *find_table(static_cast<int>(table));
                        if (owner && held.count(*owner) && !resets.count(*owner) && load_row(db, t, id)) {
                            b.add_replacement(t, id);
                            replaced = true;
                        } else {
                            b.add_evict(id, table);
                        }
                        moved_refused.push_back({table, id});
                    }
                }
            // A replacement redirect brings the merges into its loser, as any redirect sent here does.
            if (replaced) {
                b.add_merged_into_losers();
                b.close_references();
            }
            if (moved.size() > before || !moved_leads.empty() || !moved_refused.empty()) {
                // A fresh seq marks the page: the peer confirms it by asking from it.
                out.cursor = w->seq();
            }
        }
        // Companies pulled in by this page's entries are confirmed with the page
        // (its cursor is after `since`: the page has entries).
        if (!moved.empty() || !moved_leads.empty() || !moved_refused.empty()) {
            for (const auto& m : moved) ps->record(m.id, m.before, m.after, out.cursor);
            for (const auto& m : moved_leads) ps->record(m.id, m.before, m.after, out.cursor, Table::leads);
            for (const auto& [table, id] : moved_refused) ps->record(id, PeerShare::kReset, 0, out.cursor, table);
        }
    }
    auto& cs = b.changeset();
    cs.from_seq = since;
    cs.through_seq = out.cursor;
    out.records = cs.records.size();
    out.blob = encode(cs);
    if (w) w->commit();
    return out;
}

static Json apply_blob(Database& db, std::string_view blob, const ApplyOptions& options) {
    const Changeset cs = decode(blob);
    validate(cs);
    const Uuid& sender = cs.sites.at(0);
    check_push(db, sender);
    Report report;
    WriteScope w(db);
    std::int64_t newest = 0;
    for (const auto& rc : cs.records) {
        newest = std::max(newest, rc.hlc);
        for (const auto& f : rc.fields) newest = std::max(newest, f.hlc);
    }
    if (newest != 0 && !w.observe(newest, options.max_clock_skew_ms))
        throw Error(CRM_EINVAL, "changeset: a clock " +
                                    std::to_string((HybridClock::physical(newest) - w.now()) / 1000) +
                                    " s ahead of this machine's (more than the allowed skew); nothing applied");
    note_push(db, sender, w.now());
    std::vector<const RecordChange*> order, audit_entries;
    std::deque<RecordChange> stripped;  // changes applied without a field the sender may not write
    std::optional<ScopeCheck> scope;
    if (!options.scope.empty()) scope.emplace(db, cs, options.scope, db.site_index(sender));
    for (const auto& rc : cs.records) {
        if (rc.table == kAuditTable) {
            audit_entries.push_back(&rc);
            continue;
        }
        if (!options.rules && (rc.table == static_cast<int>(Table::assignment_rules) ||
                               rc.table == static_cast<int>(value_tables::tag_rules) ||
                               rc.table == static_cast<int>(value_tables::followup_rules))) {
            report.refused.push_back({{"table", find_table(rc.table)->name}, {"id", rc.id.str()},
                                      {"reason", "rules need the manage_rules permission"}});
            continue;
        }
        // Removing a tag takes it off every customer (the C ABI asks for the
        // same permission), so a sender without it may not.
        if (!options.rules && rc.tombstone && rc.table == static_cast<int>(Table::tags)) {
            report.refused.push_back({{"table", "tags"}, {"id", rc.id.str()},
                                      {"reason", "removing a tag needs the manage_rules permission"}});
            continue;
        }
        if (scope) {
            const auto why = scope->check(rc);
            if (!why.empty()) {
                report.refused.push_back({{"table", find_table(rc.table)->name}, {"id", rc.id.str()}, {"reason", why}});
                scope->refused(rc);
                continue;
            }
            if (const auto link = scope->company_link(rc); !link.empty()) {
                report.refused.push_back({{"table", "customers"}, {"id", rc.id.str()}, {"field", "company_id"}, {"reason", link}});
                RecordChange rest = rc;
                std::erase_if(rest.fields, [&](const FieldChange& f) { return cs.names[f.name] == "company_id"; });
                if (!rest.fields.empty()) order.push_back(&stripped.emplace_back(std::move(rest)));
                continue;
            }
        }
        order.push_back(&rc);
    }
    // Parents before children: by table, tags by depth (a parent tag first),
    // and a company a person of the blob is linked to before the people (a
    // filtered pull sends a person's new company_id in the page's changes and
    // the company, entering the share, whole after them). A survivor new here
    // (a filtered device: it enters the share with the merge) goes before the
    // merge records and redirects, which move the loser's records into it; so
    // do the companies the blob links people to, still before those people.
    std::set<Uuid> companies, new_survivors;
    for (const auto* r : order) {
        const bool person = r->table == static_cast<int>(Table::customers);
        const bool redirect = r->table == static_cast<int>(Table::customer_redirects) && !r->tombstone;
        if (!person && !redirect) continue;
        for (const auto& f : r->fields) {
            const auto* u = std::get_if<Uuid>(&f.value);
            if (!u) continue;
            if (person && cs.names[f.name] == "company_id") companies.insert(*u);
            if (redirect && cs.names[f.name] == "survivor_id" && !customers::exists(db, *u)) new_survivors.insert(*u);
        }
    }
    const auto depth = [&cs, &companies](const RecordChange* r) -> std::int64_t {
        if (r->table == static_cast<int>(Table::customers)) return companies.count(r->id) ? 0 : 1;
        if (r->table != static_cast<int>(Table::tags)) return 0;
        for (const auto& f : r->fields)
            if (cs.names[f.name] == "level")
                if (const auto* v = std::get_if<std::int64_t>(&f.value)) return *v;
        return 0;
    };
    const auto rank = [&](const RecordChange* r) {
        if (r->table == static_cast<int>(Table::customers) && !r->tombstone && !r->evict &&
            (new_survivors.count(r->id) || (!new_survivors.empty() && companies.count(r->id))))
            return -100;
        return find_table(r->table)->apply_order;
    };
    std::stable_sort(order.begin(), order.end(), [&](const RecordChange* a, const RecordChange* b) {
        const int ta = rank(a), tb = rank(b);
        return ta != tb ? ta < tb : depth(a) < depth(b);
    });
    // Evictions last: a customer leaving the share goes after its last changes.
    // But one deleted in the same blob goes first: its copy here is dropped
    // (with what the hub refused of it) before its tombstone would merge it
    // into a survivor. So does a merge of this replica's the hub refused (its
    // redirect or merge record): the loser, sent back whole, must not follow
    // that redirect into the survivor.
    std::set<std::pair<int, Uuid>> deleted;
    for (const auto* r : order)
        if (r->tombstone) deleted.emplace(r->table, r->id);
    const auto evict_first = [&](const RecordChange* r) {
        return r->evict && (deleted.count({r->table, r->id}) || r->table == static_cast<int>(Table::customer_redirects) ||
                            r->table == static_cast<int>(Table::customer_merges));
    };
    std::stable_partition(order.begin(), order.end(), evict_first);
    std::stable_partition(order.begin(), order.end(), [&](const RecordChange* r) { return !r->evict || evict_first(r); });
    Applier applier(w, cs, report, options.scope.empty(), &deleted);
    for (const auto* rc : order) applier.record(*rc);
    applier.settle_waiting();
    const Json audit = audit_entries.empty() ? Json() : apply_audit_records(db, cs, audit_entries);
    // What this replica holds of the sender's changes: contiguous pages only
    // advance it, so a page applied out of order never claims a gap as received.
    {
        auto& ack = db.stmt(
            "INSERT INTO sync_peers(site, received_through) VALUES (?1, ?3) "
            "ON CONFLICT(site) DO UPDATE SET received_through = ?3 "
            "WHERE ?2 <= received_through AND ?3 > received_through");
        ack.bind(1, sender.data(), Uuid::size());
        ack.bind(2, cs.from_seq);
        ack.bind(3, cs.through_seq);
        if (cs.from_seq == 0 || received_from(db, sender) >= cs.from_seq) ack.exec();
    }
    if (options.conflict_retention_ms >= 0) prune_conflicts(db, w.now() - options.conflict_retention_ms);
    w.commit();
    Json out = {{"sender", sender.str()},
            {"from_seq", cs.from_seq},
            {"through_seq", cs.through_seq},
            {"received_through", received_from(db, sender)},
            {"records", report.records},
            {"fields_applied", report.applied},
            {"fields_known", report.known},
            {"fields_superseded", report.superseded},
            {"deleted", report.deleted},
            {"evicted", report.evicted},
            {"conflicts", report.conflicts},
            {"missing_parent", report.missing_parent},
            {"incomplete", report.incomplete},
            {"unknown_fields", report.unknown_fields},
            {"erased", report.erased},
            {"dropped", report.dropped},
            {"refused", report.refused}};
    if (!audit.is_null()) out["audit"] = audit;
    return out;
}


Json apply(Database& db, std::string_view blob, const ApplyOptions& options) {
    Json report;
    try {
        report = apply_blob(db, blob, options);
    } catch (const SQLite::Exception& e) {
        // A hostile blob can still clash with the file's own rules (a CHECK, a
        // unique key): it is refused like any other damaged blob, whole.
        if ((e.getExtendedErrorCode() & 0xFF) == SQLITE_CONSTRAINT)
            throw Error(CRM_ECORRUPT, std::string("changeset: a record breaks a rule of the database (") + e.what() +
                                          "); nothing applied");
        throw;
    }
    // Privacy (issue 7): an erasure received leaves no trace of the person in
    // this file's bytes (inside the caller's transaction it waits for the next apply).
    if (!db.in_transaction() && subject::scrub_pending(db)) report["scrub"] = subject::scrub(db);
    return report;
}

void apply_records(WriteScope& w, const Changeset& cs) {
    Report report;
    Applier applier(w, cs, report, false);
    for (const auto& rc : cs.records) applier.record(rc);
}

std::string canonical_dump(Database& db) {
    Json out = Json::object();
    for (const auto& t : synced_tables()) {
        Json rows = Json::object();
        SQLite::Statement st(db.sql(), "SELECT id, " + std::string(t.has_created_at ? "created_at" : "0") + ", " +
                                           column_list(t) + " FROM " + t.name + " ORDER BY id");
        while (st.executeStep()) {
            const Uuid id = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
            Json r = Json::array();
            r.push_back(st.getColumn(1).getInt64());
            for (std::size_t i = 0; i < t.columns.size(); ++i) {
                const Value v = read_value(st.getColumn(static_cast<int>(i) + 2), t.columns[i].type);
                if (const auto* n = std::get_if<std::int64_t>(&v)) r.push_back(*n);
                else if (const auto* s = std::get_if<std::string>(&v)) r.push_back(*s);
                else if (const auto* u = std::get_if<Uuid>(&v)) r.push_back(u->str());
                else r.push_back(nullptr);
            }
            if (auto v = db.versions(t.table, id)) {
                Json vj = Json::array();
                for (const auto& f : (*v)) vj.push_back({f.field, f.stamp, db.site_of(f.site).str()});
                r.push_back(vj);
            }
            rows[id.str()] = r;
        }
        out[t.name] = rows;
    }
    Json tombs = Json::object();
    SQLite::Statement st(db.sql(), "SELECT tbl, id, hlc, site FROM sync_tombstones ORDER BY tbl, id");
    while (st.executeStep())
        tombs[std::to_string(st.getColumn(0).getInt()) + ":" +
              Uuid::from_blob(st.getColumn(1).getBlob(), st.getColumn(1).getBytes()).str()] = {
            st.getColumn(2).getInt64(), db.site_of(st.getColumn(3).getInt64()).str()};
    out["tombstones"] = tombs;
    return out.dump(1);
}

}  // namespace crmlite::sync
