#include "merge/liveness.hpp"

#include <algorithm>
#include <iterator>
#include <set>
#include <tuple>

#include "customers/customers.hpp"
#include "store/ghosts.hpp"
#include "sync/ghost_merge.hpp"
#include "sync/pseudo_fields.hpp"
#include "sync/schema.hpp"

namespace crmlite::merge {

namespace {

using sync::Changeset;
using sync::FieldChange;
using sync::RecordChange;
using sync::SyncedTable;

const SyncedTable& customers_table() { return *sync::find_table(static_cast<int>(Table::customers)); }

bool has_ghost(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT 1 FROM sync_ghosts WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(Table::customers));
    st.bind(2, id.data(), Uuid::size());
    const bool yes = st.executeStep();
    st.reset();
    return yes;
}

// A merge's loser's records that go and come back with it (interactions and
// external ids move to the survivor instead).
constexpr Table kRevivable[] = {Table::contact_points, Table::customer_tags};

std::vector<Uuid> ids_of(Database& db, Table table, const Uuid& customer) {
    const SyncedTable& t = *sync::find_table(static_cast<int>(table));
    auto& st = db.stmt("SELECT id FROM " + t.name + " WHERE customer_id = ?");
    st.bind(1, customer.data(), Uuid::size());
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    return out;
}

bool load_row_exists(Database& db, Table table, const Uuid& id) {
    auto& st = db.stmt("SELECT 1 FROM " + sync::find_table(static_cast<int>(table))->name + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    const bool yes = st.executeStep();
    st.reset();
    return yes;
}

void drop_tombstone(Database& db, const Uuid& id) {
    auto& del = db.stmt("DELETE FROM sync_tombstones WHERE tbl = ? AND id = ?");
    del.bind(1, static_cast<int>(Table::customers));
    del.bind(2, id.data(), Uuid::size());
    del.exec();
}

// The ghosts of a customer's children whose deletes are its merge's (their
// tombstones are the merge's, or later), with the local mark that brings them
// back with it. A merge made elsewhere sends its children's tombstones before
// the customer's (their deletes come first in its transaction), so they
// arrived here as plain deletes.
std::vector<std::tuple<Table, Uuid, Ghost>> merged_children(Database& db, const Uuid& id, std::int64_t merge_hlc) {
    std::vector<std::tuple<Table, Uuid, Ghost>> out;
    for (const Table table : kRevivable) {
        auto& st = db.stmt(
            "SELECT g.id FROM sync_ghosts g JOIN sync_tombstones t ON t.tbl = g.tbl AND t.id = g.id "
            "WHERE g.customer = ? AND g.tbl = ? AND t.hlc >= ?");
        st.bind(1, id.data(), Uuid::size());
        st.bind(2, static_cast<int>(table));
        st.bind(3, merge_hlc);
        std::vector<Uuid> ids;
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
        st.reset();
        for (const auto& child : ids)
            if (auto g = load_ghost(db, table, child)) {
                if (!g->value(sync::kMergedAway)) g->values.emplace_back(sync::kMergedAway, std::int64_t{1});
                out.emplace_back(table, child, std::move(*g));
            }
    }
    return out;
}

}  // namespace

void mark_merged_children(Database& db, const Uuid& id, std::int64_t merge_hlc) {
    for (auto& [table, child, ghost] : merged_children(db, id, merge_hlc)) save_ghost(db, table, child, ghost);
}

std::optional<Tombstone> customer_tombstone(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT hlc, site FROM sync_tombstones WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(Table::customers));
    st.bind(2, id.data(), Uuid::size());
    std::optional<Tombstone> out;
    if (st.executeStep()) out = Tombstone{st.getColumn(0).getInt64(), st.getColumn(1).getInt64()};
    st.reset();
    return out;
}

bool merged_away(Database& db, const Uuid& id) { return customer_tombstone(db, id) && has_ghost(db, id); }

void set_tombstone(WriteScope& w, const Uuid& id, const Tombstone& t) {
    drop_tombstone(w.db(), id);
    w.put_tombstone(Table::customers, id, t.hlc, t.site);
}

void remove_merged(WriteScope& w, const Uuid& id, const Tombstone& t) {
    Database& db = w.db();
    const auto g = capture_ghost(db, Table::customers, id);
    std::vector<std::tuple<Table, Uuid, std::optional<Ghost>>> children;
    for (const Table table : kRevivable)
        for (const auto& child : ids_of(db, table, id)) children.emplace_back(table, child, capture_ghost(db, table, child));
    // Children the merge's own deletes removed already (see merged_children).
    auto gone = merged_children(db, id, t.hlc);
    customers::remove(db, id);  // its contact points and tag assignments leave with tombstones, their ghosts dropped
    for (auto& [table, child, ghost] : gone) save_ghost(db, table, child, ghost);
    set_tombstone(w, id, t);
    save_ghost(db, Table::customers, id, g.value_or(Ghost{}));
    for (auto& [table, child, ghost] : children) {
        // A delete covers the versions it saw (content-addressed records): the
        // merge's tombstone, or the record's newest version if later.
        Tombstone ct = t;
        if (ghost)
            for (const auto& v : ghost->versions)
                if (v.stamp > ct.hlc) ct = {v.stamp, v.site};
        auto& del = db.stmt("DELETE FROM sync_tombstones WHERE tbl = ? AND id = ?");
        del.bind(1, static_cast<int>(table));
        del.bind(2, child.data(), Uuid::size());
        del.exec();
        w.put_tombstone(table, child, ct.hlc, ct.site);
        if (!ghost) continue;
        ghost->values.emplace_back(sync::kMergedAway, std::int64_t{1});  // local mark: it comes back with its customer
        save_ghost(db, table, child, *ghost);
    }
}

bool survivor_pending(Database& db, const Redirect& r) {
    const ChainEnd chain = follow(db, r.survivor, true);
    if (chain.closed || chain.end == r.loser || customers::exists(db, chain.end)) return false;
    // Neither present nor deleted; or merged away, its redirect not here yet.
    return !customer_tombstone(db, chain.end) || has_ghost(db, chain.end);
}

void wait_for_survivor(Database& db, const Uuid& loser, const Tombstone& t) {
    auto& st = db.stmt(
        "INSERT INTO sync_waiting_merges(loser, hlc, site) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(loser) DO UPDATE SET hlc = ?2, site = ?3 WHERE ?2 > hlc");
    st.bind(1, loser.data(), Uuid::size());
    st.bind(2, t.hlc);
    st.bind(3, t.site);
    st.exec();
}

bool send_away(WriteScope& w, const Changeset& like_cs, const Uuid& id, const std::optional<Redirect>& r,
               const Tombstone& t, const Apply& apply) {
    Database& db = w.db();
    if (!customers::exists(db, id)) return true;
    if (r && survivor_pending(db, *r)) {
        // Moved now, the loser's records here would have nowhere to go.
        wait_for_survivor(db, id, t);
        return false;
    }
    if (r) apply(carry_local_loser(w, like_cs, *r));
    remove_merged(w, id, t);
    return true;
}

void settle_waiting(WriteScope& w, const Changeset& like_cs, const Apply& apply) {
    Database& db = w.db();
    auto& st = db.stmt("SELECT loser, hlc, site FROM sync_waiting_merges");
    std::vector<std::pair<Uuid, Tombstone>> waiting;
    while (st.executeStep())
        waiting.emplace_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()),
                             Tombstone{st.getColumn(1).getInt64(), st.getColumn(2).getInt64()});
    st.reset();
    if (waiting.empty()) return;
    // Judged again: those whose survivor is still missing wait on (send_away);
    // those gone, or whose merge is no longer in force, are done.
    db.stmt("DELETE FROM sync_waiting_merges").exec();
    for (const auto& [loser, seen] : waiting) {
        const auto r = redirect_of(db, loser);
        if (!r) continue;
        const Tombstone own{r->merged_hlc, r->site};
        send_away(w, like_cs, loser, r, seen.hlc > own.hlc ? seen : own, apply);
    }
}

bool bring_back(WriteScope& w, const Changeset& like_cs, const Uuid& id, const Apply& apply) {
    Database& db = w.db();
    if (customers::exists(db, id) || !customer_tombstone(db, id)) return false;
    const auto g = load_ghost(db, Table::customers, id);
    if (!g) return false;
    const SyncedTable& t = customers_table();
    Changeset c = like(like_cs);
    RecordChange rc;
    rc.table = static_cast<int>(Table::customers);
    rc.id = id;
    const FieldVersion* first = nullptr;
    for (const auto& v : g->versions) {
        if (v.field < 0 || v.field >= static_cast<int>(t.columns.size())) continue;
        const auto& col = t.columns[static_cast<std::size_t>(v.field)];
        const Value* value = g->value(col.name);
        rc.fields.push_back({c.name_index(col.name), c.site_index(db.site_of(v.site)), v.stamp, value ? *value : Value{}, v.base});
        if (!first || v.stamp < first->stamp) first = &v;
    }
    if (const Value* created = g->value(sync::kCreatedAt); first && created && std::holds_alternative<std::int64_t>(*created))
        rc.fields.push_back({c.name_index(sync::kCreatedAt), c.site_index(db.site_of(first->site)), first->stamp, *created});
    // The same id lives again: no tombstone, no ghost; the record as it was,
    // every field with the version it had, applied as if it arrived.
    drop_tombstone(db, id);
    drop_ghost(db, Table::customers, id);
    if (rc.fields.empty()) return false;
    c.records.push_back(std::move(rc));
    apply(c);
    if (!customers::exists(db, id)) return false;
    // Its contact points and tag assignments a merge removed here (marked in
    // their ghosts): back too, each field a version above their tombstone.
    Changeset kids = like(like_cs);
    for (const Table table : kRevivable) {
        const SyncedTable& kt = *sync::find_table(static_cast<int>(table));
        auto& st = db.stmt(
            "SELECT g.id, t.hlc FROM sync_ghosts g JOIN sync_tombstones t ON t.tbl = g.tbl AND t.id = g.id "
            "WHERE g.customer = ? AND g.tbl = ?");
        st.bind(1, id.data(), Uuid::size());
        st.bind(2, static_cast<int>(table));
        std::vector<std::pair<Uuid, std::int64_t>> ids;
        while (st.executeStep())
            ids.emplace_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()), st.getColumn(1).getInt64());
        st.reset();
        for (const auto& [child, child_tomb] : ids) {
            const auto cg = load_ghost(db, table, child);
            if (!cg || !cg->value(sync::kMergedAway)) continue;  // deleted by a user: stays deleted
            RecordChange k;
            k.table = static_cast<int>(table);
            k.id = child;
            std::int64_t first = INT64_MAX;
            std::uint32_t first_site = 0;
            for (const auto& v : cg->versions) {
                if (v.field < 0 || v.field >= static_cast<int>(kt.columns.size())) continue;
                const auto& col = kt.columns[static_cast<std::size_t>(v.field)];
                const Value* value = cg->value(col.name);
                // Its base is the original's stamp: of two writes brought back
                // to the same version, the later one wins (see carried_stamp).
                const std::int64_t stamp = std::max(v.stamp, child_tomb) + 1;
                const std::uint32_t site = kids.site_index(db.site_of(v.site));
                k.fields.push_back({kids.name_index(col.name), site, stamp, value ? *value : Value{}, v.stamp});
                w.observe(stamp, INT64_MAX / 4);
                if (stamp < first) first = stamp, first_site = site;
            }
            if (const Value* created = cg->value(sync::kCreatedAt); kt.has_created_at && created && !k.fields.empty())
                if (std::holds_alternative<std::int64_t>(*created))
                    k.fields.push_back({kids.name_index(sync::kCreatedAt), first_site, first, *created});
            if (!k.fields.empty()) kids.records.push_back(std::move(k));
        }
    }
    if (!kids.records.empty()) apply(kids);
    return true;
}

void merge_into_ghost(WriteScope& w, const Changeset& cs, const RecordChange& rc, const Uuid& id) {
    Database& db = w.db();
    const Table table = static_cast<Table>(rc.table);
    const auto loaded = load_ghost(db, table, id);
    Ghost g = loaded.value_or(Ghost{});
    bool changed = sync::merge_ghost_fields(w, g, *sync::find_table(rc.table), cs, rc) || !loaded;
    if (table != Table::customers && !g.value(sync::kMergedAway)) {
        g.values.emplace_back(sync::kMergedAway, std::int64_t{1});  // a child of a customer merged away: back with it
        changed = true;
    }
    if (changed) sync::save_learnt_ghost(w, table, id, g);
}

void keep_forwarded(WriteScope& w, const Changeset& cs, const RecordChange& rc) {
    std::int64_t newest = 0;
    std::uint32_t site = 0;
    for (const auto& f : rc.fields)
        if (f.hlc > newest && cs.names[f.name] != sync::kCreatedAt) newest = f.hlc, site = f.site;
    if (newest == 0) return;
    const Table table = static_cast<Table>(rc.table);
    if (load_row_exists(w.db(), table, rc.id)) return;
    w.put_tombstone(table, rc.id, newest, w.db().site_index(cs.sites[site]));  // the newest stays
    merge_into_ghost(w, cs, rc, rc.id);
}

namespace {

constexpr int kMergeStatus = 4;  // customer_merges' sync field index of status

std::size_t loser_count(Database& db, const Uuid& merge_id) {
    auto& st = db.stmt("SELECT losers FROM customer_merges WHERE id = ?");
    st.bind(1, merge_id.data(), Uuid::size());
    Json losers;
    if (st.executeStep()) losers = Json::parse(st.getColumn(0).getString(), nullptr, false);
    st.reset();
    return losers.is_array() ? losers.size() : 0;
}

bool listed(const Json& seen, const Uuid& id) {
    const std::string s = id.str();
    for (const char* list : {"interactions", "external_ids", "sales"})
        if (seen.contains(list) && seen[list].is_array())
            for (const auto& v : seen[list])
                if (v == s) return true;
    return false;
}

// Whether the owner version (value `owner`, stamp, base) of child `id` was written by r's merge.
bool moved_by(Database& db, const Redirect& r, const Uuid& id, const Uuid& owner, std::int64_t stamp, std::int64_t base) {
    if (owner != r.survivor || base != r.merged_hlc || stamp <= r.merged_hlc) return false;
    return listed(r.seen, id) || loser_count(db, r.merge_id) == 1;
}

}  // namespace

std::optional<std::int64_t> undo_stamp(Database& db, const Uuid& merge_id) {
    if (!merge_undone(db, merge_id)) return std::nullopt;
    if (const auto versions = db.versions(Table::customer_merges, merge_id))
        for (const auto& v : *versions)
            if (v.field == kMergeStatus) return v.stamp;
    return std::nullopt;
}

void move_back(WriteScope& w, const Changeset& like_cs, const Redirect& r, const Apply& apply) {
    Database& db = w.db();
    const auto undone = undo_stamp(db, r.merge_id);
    if (!undone || !customers::exists(db, r.loser)) return;
    Changeset c = like(like_cs);
    for (const Table table : kMovedToSurvivor) {
        const SyncedTable& t = *sync::find_table(static_cast<int>(table));
        const int field = sync::column_index(t, "customer_id");
        auto& st = db.stmt("SELECT id FROM " + t.name + " WHERE customer_id = ?");
        st.bind(1, r.survivor.data(), Uuid::size());
        std::vector<Uuid> ids;
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
        st.reset();
        for (const auto& id : ids) {
            const auto versions = db.versions(table, id);
            if (!versions) continue;
            const auto v = std::find_if(versions->begin(), versions->end(), [&](const FieldVersion& x) { return x.field == field; });
            if (v == versions->end() || !moved_by(db, r, id, r.survivor, v->stamp, v->base)) continue;
            RecordChange rc;
            rc.table = static_cast<int>(table);
            rc.id = id;
            const std::int64_t stamp = std::max(v->stamp, *undone) + 1;
            rc.fields.push_back({c.name_index("customer_id"), c.site_index(db.site_of(v->site)), stamp, r.loser, *undone});
            w.observe(stamp, INT64_MAX / 4);
            c.records.push_back(std::move(rc));
        }
    }
    if (!c.records.empty()) apply(c);
}

std::optional<Changeset> moved_back(WriteScope& w, const Changeset& cs, const RecordChange& rc) {
    Database& db = w.db();
    if (rc.tombstone || rc.evict) return std::nullopt;
    if (std::find(std::begin(kMovedToSurvivor), std::end(kMovedToSurvivor), static_cast<Table>(rc.table)) ==
        std::end(kMovedToSurvivor))
        return std::nullopt;
    const auto owner = std::find_if(rc.fields.begin(), rc.fields.end(), [&](const FieldChange& f) { return cs.names[f.name] == "customer_id"; });
    if (owner == rc.fields.end()) return std::nullopt;
    const auto* survivor = std::get_if<Uuid>(&owner->value);
    if (!survivor || owner->base == 0) return std::nullopt;
    auto& st = db.stmt("SELECT id FROM customer_redirects WHERE survivor_id = ? AND merged_hlc = ?");
    st.bind(1, survivor->data(), Uuid::size());
    st.bind(2, owner->base);
    std::vector<Uuid> losers;
    while (st.executeStep()) losers.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    for (const auto& loser : losers) {
        const auto r = redirect_row(db, loser);
        if (!r || !customers::exists(db, loser) || !moved_by(db, *r, rc.id, *survivor, owner->hlc, owner->base)) continue;
        const auto undone = undo_stamp(db, r->merge_id);
        if (!undone) continue;
        Changeset c = like(cs);
        RecordChange back = rc;
        for (auto& f : back.fields) {
            if (cs.names[f.name] != "customer_id") continue;
            f.hlc = std::max(f.hlc, *undone) + 1;
            f.base = *undone;
            f.value = loser;
            w.observe(f.hlc, INT64_MAX / 4);
        }
        c.records.push_back(std::move(back));
        return c;
    }
    return std::nullopt;
}

void settle(WriteScope& w, const Changeset& like_cs, const std::vector<Uuid>& ids, const Apply& apply) {
    Database& db = w.db();
    std::vector<Uuid> all;
    std::set<Uuid> seen;
    for (const auto& id : ids)
        for (Uuid at = id; seen.insert(at).second;) {
            all.push_back(at);
            const auto r = redirect_row(db, at);
            if (!r) break;
            at = r->survivor;
        }
    // Back first, so that those sent away have somewhere to go.
    for (const auto& id : all)
        if (!customers::exists(db, id) && merged_away(db, id))
            if (const auto r = redirect_row(db, id); r && !in_force(db, *r) && bring_back(w, like_cs, id, apply))
                move_back(w, like_cs, *r, apply);  // when its merge was undone
    for (const auto& id : all)
        if (customers::exists(db, id))
            if (const auto r = redirect_of(db, id)) send_away(w, like_cs, id, r, {r->merged_hlc, r->site}, apply);
}

}  // namespace crmlite::merge
