#include "merge/forward.hpp"

#include <algorithm>
#include <iterator>
#include <set>

#include "customers/contact_points.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/liveness.hpp"
#include "merge/redirects.hpp"
#include "store/ghosts.hpp"
#include "store/removal.hpp"
#include "sync/pseudo_fields.hpp"
#include "sync/schema.hpp"
#include "sync/share.hpp"
#include "tags/tags.hpp"

namespace crmlite::merge {

namespace {

using sync::Changeset;
using sync::ColumnType;
using sync::FieldChange;
using sync::RecordChange;
using sync::SyncedTable;

// True when the merge had seen this version of the loser's field (or a later one).
bool seen_field(const Json& seen, int field, std::int64_t stamp) {
    if (!seen.contains("fields")) return false;
    for (const auto& f : seen["fields"])
        if (f.size() == 3 && f[0].get<int>() == field && stamp <= f[1].get<std::int64_t>()) return true;
    return false;
}

bool seen_id(const Json& seen, const char* list, const Uuid& id) {
    if (!seen.contains(list)) return false;
    const std::string s = id.str();
    return std::any_of(seen[list].begin(), seen[list].end(), [&](const Json& v) { return v == s; });
}

std::vector<Uuid> ids_of_loser(Database& db, const std::string& sql, const Uuid& customer) {
    auto& st = db.stmt(sql);
    st.bind(1, customer.data(), Uuid::size());
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    return out;
}

// A local record's synced columns (and created_at when the table has it).
struct LocalRow {
    std::vector<Value> values;
    std::optional<std::int64_t> created_at;
};

std::optional<LocalRow> read_row(Database& db, const SyncedTable& t, const Uuid& id) {
    std::string sql = "SELECT " + std::string(t.has_created_at ? "created_at" : "0");
    for (const auto& c : t.columns) sql += ", " + c.name;
    auto& st = db.stmt(sql + " FROM " + t.name + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    LocalRow row;
    if (t.has_created_at) row.created_at = st.getColumn(0).getInt64();
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
        const auto col = st.getColumn(static_cast<int>(i) + 1);
        if (col.isNull()) row.values.emplace_back(std::monostate{});
        else if (t.columns[i].type == ColumnType::integer) row.values.emplace_back(col.getInt64());
        else if (t.columns[i].type == ColumnType::id) row.values.emplace_back(Uuid::from_blob(col.getBlob(), col.getBytes()));
        else row.values.emplace_back(col.getString());
    }
    st.reset();
    return row;
}

// The local record `id` of table t as a change for record `to`, every field
// with its version; the customer_id field re-pointed at the survivor with a
// carried version. `only` limits it to the customer_id field.
RecordChange local_record(WriteScope& w, Changeset& c, const SyncedTable& t, const Uuid& id, const Uuid& to,
                          const Redirect& r, bool only_customer) {
    Database& db = w.db();
    RecordChange out;
    out.table = static_cast<int>(t.table);
    out.id = to;
    const auto row = read_row(db, t, id);
    const auto versions = db.versions(t.table, id).value_or(std::vector<FieldVersion>{});
    if (!row) return out;
    const int customer = sync::column_index(t, "customer_id");
    std::int64_t newest = 0;
    for (const auto& v : versions) {
        if (v.field < 0 || v.field >= static_cast<int>(t.columns.size())) continue;
        const bool is_customer = v.field == customer;
        if (only_customer && !is_customer) continue;
        FieldChange f;
        f.name = c.name_index(t.columns[static_cast<std::size_t>(v.field)].name);
        f.site = c.site_index(db.site_of(v.site));
        f.hlc = is_customer ? carried_stamp(v.stamp, r.merged_hlc) : v.stamp;
        f.base = is_customer ? r.merged_hlc : v.base;  // the merge's stamp marks it as moved by the merge
        f.value = is_customer ? Value(r.survivor) : row->values[static_cast<std::size_t>(v.field)];
        newest = std::max(newest, f.hlc);
        out.fields.push_back(std::move(f));
    }
    if (row->created_at && !only_customer) {
        FieldChange f;
        f.name = c.name_index(sync::kCreatedAt);
        f.site = c.site_index(db.site_id());
        f.hlc = newest;
        f.value = *row->created_at;
        out.fields.push_back(std::move(f));
    }
    w.observe(newest, INT64_MAX / 4);
    return out;
}

}  // namespace

Changeset like(const Changeset& cs) {
    Changeset c;
    c.fingerprint = cs.fingerprint;
    c.sites = cs.sites;
    c.names = cs.names;
    return c;
}

// The merge arrives (or comes into force) while this replica still holds the loser.
Changeset carry_local_loser(WriteScope& w, const Changeset& cs, const Redirect& r) {
    Database& db = w.db();
    Changeset c = like(cs);
    const SyncedTable& customers_t = *sync::find_table(static_cast<int>(Table::customers));
    // The loser's fields the merge had not seen.
    if (const auto row = read_row(db, customers_t, r.loser)) {
        RecordChange to;
        to.table = static_cast<int>(Table::customers);
        to.id = r.survivor;
        std::int64_t newest = 0;
        for (const auto& v : db.versions(Table::customers, r.loser).value_or(std::vector<FieldVersion>{})) {
            if (v.field < 0 || v.field >= static_cast<int>(customers_t.columns.size())) continue;
            if (seen_field(r.seen, v.field, v.stamp)) continue;
            FieldChange f;
            f.name = c.name_index(customers_t.columns[static_cast<std::size_t>(v.field)].name);
            f.site = c.site_index(db.site_of(v.site));
            f.hlc = carried_stamp(v.stamp, r.merged_hlc);
            f.base = v.stamp;  // the original's stamp (see carried_stamp)
            f.value = row->values[static_cast<std::size_t>(v.field)];
            newest = std::max(newest, f.hlc);
            to.fields.push_back(std::move(f));
        }
        if (!to.fields.empty()) {
            w.observe(newest, INT64_MAX / 4);
            c.records.push_back(std::move(to));
        }
    }
    // Its interactions and external ids (the merge re-points the ones it saw
    // with the same versions), and the contact points and tags added here.
    for (const Table table : kMovedToSurvivor) {
        const SyncedTable& t = *sync::find_table(static_cast<int>(table));
        for (const auto& id : ids_of_loser(db, "SELECT id FROM " + t.name + " WHERE customer_id = ?", r.loser))
            c.records.push_back(local_record(w, c, t, id, id, r, true));
    }
    const SyncedTable& points = *sync::find_table(static_cast<int>(Table::contact_points));
    for (const auto& id : ids_of_loser(db, "SELECT id FROM contact_points WHERE customer_id = ?", r.loser)) {
        if (seen_id(r.seen, "points", id)) continue;
        auto& st = db.stmt("SELECT type, normalized FROM contact_points WHERE id = ?");
        st.bind(1, id.data(), Uuid::size());
        if (!st.executeStep()) continue;
        const Uuid to = customers::point_id(r.survivor, st.getColumn(0).getString(), st.getColumn(1).getString());
        st.reset();
        c.records.push_back(local_record(w, c, points, id, to, r, false));
    }
    const SyncedTable& assignments = *sync::find_table(static_cast<int>(Table::customer_tags));
    for (const auto& id : ids_of_loser(db, "SELECT id FROM customer_tags WHERE customer_id = ?", r.loser)) {
        if (seen_id(r.seen, "tags", id)) continue;
        auto& st = db.stmt("SELECT tag_id FROM customer_tags WHERE id = ?");
        st.bind(1, id.data(), Uuid::size());
        if (!st.executeStep()) continue;
        const Uuid tag = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
        st.reset();
        c.records.push_back(local_record(w, c, assignments, id, tags::assignment_id(r.survivor, tag), r, false));
    }
    return c;
}


namespace {

// A customer's merged-away tombstone says so with this pseudo-field (its ghost
// may be withheld from a filtered peer); a user's delete has none.
bool merge_tombstone(const Changeset& cs, const RecordChange& rc) {
    return std::any_of(rc.fields.begin(), rc.fields.end(), [&](const FieldChange& f) { return cs.names[f.name] == sync::kMergedAway; });
}

// The customer fields of rc (its ghost when rc is a tombstone) as an edit.
Changeset as_edit(const Changeset& cs, const RecordChange& rc) {
    Changeset c = like(cs);
    RecordChange e;
    e.table = rc.table;
    e.id = rc.id;
    for (const auto& f : rc.fields)
        if (cs.names[f.name] != sync::kMergedAway) e.fields.push_back(f);
    if (!e.fields.empty()) c.records.push_back(std::move(e));
    return c;
}

// An edit to a customer merged away: the fields the merge had not seen, for the survivor.
Changeset carry_edit(WriteScope& w, const Changeset& cs, const RecordChange& rc, const Redirect& r) {
    const SyncedTable& t = *sync::find_table(rc.table);
    Changeset c = like(cs);
    RecordChange to;
    to.table = rc.table;
    to.id = r.survivor;
    std::int64_t newest = 0;
    for (const auto& f : rc.fields) {
        const int col = sync::column_index(t, cs.names[f.name]);
        if (col < 0 || seen_field(r.seen, col, f.hlc)) continue;
        FieldChange g = f;
        g.hlc = carried_stamp(f.hlc, r.merged_hlc);
        g.base = f.hlc;  // the original's stamp (see carried_stamp)
        newest = std::max(newest, g.hlc);
        to.fields.push_back(std::move(g));
    }
    if (to.fields.empty()) return c;
    w.observe(newest, INT64_MAX / 4);
    c.records.push_back(std::move(to));
    return c;
}

bool forward_edit(WriteScope& w, const Changeset& cs, const RecordChange& rc, const Apply& apply) {
    Database& db = w.db();
    if (customers::exists(db, rc.id)) return false;
    const auto row = redirect_row(db, rc.id);
    const auto tomb = customer_tombstone(db, rc.id);
    if (!row && !tomb) return false;  // a customer new here (the common case: no ghost lookup)
    const bool ghost = merged_away(db, rc.id);
    if (row && !in_force(db, *row)) {  // undone, or it won a merge cycle: it lives
        if (ghost) bring_back(w, cs, rc.id, apply);
        return false;
    }
    if (row && !tomb && survivor_pending(db, *row)) {
        // A loser the sender still holds, waiting there for its survivor: it
        // waits here too, made from this change (send_away).
        wait_for_survivor(db, rc.id, {row->merged_hlc, row->site});
        return false;
    }
    if (row) apply(carry_edit(w, cs, rc, *row));
    if (tomb && !ghost) return false;  // deleted by a user: the delete wins
    if (!tomb) set_tombstone(w, rc.id, {row->merged_hlc, row->site});
    merge_into_ghost(w, cs, rc, rc.id);  // kept for the day it comes back
    return true;
}

bool forward_delete(WriteScope& w, const Changeset& cs, const RecordChange& rc, const Apply& apply) {
    Database& db = w.db();
    const auto tomb = customer_tombstone(db, rc.id);
    const bool ghost = merged_away(db, rc.id);
    if (!merge_tombstone(cs, rc)) {
        // A user's delete (or a merge made before merges kept ghosts): final,
        // and it replaces a merge's tombstone whatever the clocks.
        if (ghost) {
            drop_ghost(db, Table::customers, rc.id);
            auto& del = db.stmt("DELETE FROM sync_tombstones WHERE tbl = ? AND id = ?");
            del.bind(1, static_cast<int>(Table::customers));
            del.bind(2, rc.id.data(), Uuid::size());
            del.exec();
        }
        if (customers::exists(db, rc.id))
            if (const auto r = redirect_of(db, rc.id)) apply(carry_local_loser(w, cs, *r));
        return false;
    }
    if (tomb && !ghost) return true;  // deleted by a user: that stays
    const auto row = redirect_row(db, rc.id);
    if (row && !in_force(db, *row)) {
        // The merge is undone here, or the customer won a merge cycle: it
        // lives, and the ghost's fields are edits like any other.
        if (ghost) bring_back(w, cs, rc.id, apply);
        apply(as_edit(cs, rc));
        return true;
    }
    // Where it went is not known yet (its redirect was rewritten after the
    // delete, so it comes in a later page): it goes when the redirect arrives
    // (settle_after), taking its interactions along, not before.
    if (!row && customers::exists(db, rc.id)) return true;
    const Tombstone incoming{rc.hlc, db.site_index(cs.sites[rc.site])};
    if (customers::exists(db, rc.id)) {
        if (!send_away(w, cs, rc.id, row, incoming, apply)) {
            // It waits for its survivor (send_away): what the sender knew of
            // it joins its fields here, as edits, and goes with it later.
            apply(as_edit(cs, rc));
            return true;
        }
    } else {
        w.put_tombstone(Table::customers, rc.id, incoming.hlc, incoming.site);  // the newest stays
        mark_merged_children(db, rc.id, incoming.hlc);
    }
    merge_into_ghost(w, cs, rc, rc.id);
    return true;
}

// A merge made here into a customer this replica no longer holds and has not
// deleted (it left a filtered device's share), which the sender of `cs` has not
// received yet: the hub judges it when it arrives (and sends the loser back
// whole if it refuses it, or moves its records if it takes it).
bool unsent_merge_into_absent(Database& db, const Changeset& cs, const Redirect& r) {
    if (cs.knows_through < 0) return false;
    const ChainEnd chain = follow(db, r.survivor, true);
    if (chain.closed || chain.end == r.loser || customers::exists(db, chain.end) || customer_tombstone(db, chain.end)) return false;
    return sync::written_here_after(db, Table::customer_redirects, r.loser, cs.knows_through);
}

}  // namespace

bool forward(WriteScope& w, const Changeset& cs, const RecordChange& rc, const Apply& apply) {
    if (rc.evict) return false;
    Database& db = w.db();
    const Table table = static_cast<Table>(rc.table);
    if (table == Table::customers) return rc.tombstone ? forward_delete(w, cs, rc, apply) : forward_edit(w, cs, rc, apply);
    const bool moved = std::find(std::begin(kMovedToSurvivor), std::end(kMovedToSurvivor), table) != std::end(kMovedToSurvivor);
    if (rc.tombstone || (!moved && table != Table::contact_points && table != Table::customer_tags)) return false;
    // A child record made for a customer merged away.
    const FieldChange* owner = nullptr;
    for (const auto& f : rc.fields)
        if (cs.names[f.name] == "customer_id") owner = &f;
    const Uuid* loser = owner ? std::get_if<Uuid>(&owner->value) : nullptr;
    if (loser && customers::exists(db, *loser)) {
        // Moved to a survivor by a merge undone since: back to its loser.
        const auto back = moved_back(w, cs, rc);
        if (back) apply(*back);
        return back.has_value();
    }
    if (!loser) return false;
    const auto r = redirect_of(db, *loser);
    if (!r) {
        // Moved (by a merge elsewhere) to a customer a user deleted here: the
        // delete wins, as for a child made for it, and the row goes too (the
        // engine's drop only knows children new here).
        if (customer_tombstone(db, *loser) && !merged_away(db, *loser)) {
            // Records that cannot live without their customer (a required
            // customer_id) and that their module removes like a local delete:
            // calls, tasks, opportunities (their stage history goes with them).
            const sync::SyncedTable& t = *sync::find_table(rc.table);
            const int c = sync::column_index(t, "customer_id");
            const bool is_call = table == Table::interactions;  // interactions::remove, not a registered remover
            const Remover rm = remover_of(table);
            if (c >= 0 && t.columns[static_cast<std::size_t>(c)].required && (is_call || rm)) {
                auto& st = db.stmt("SELECT 1 FROM " + t.name + " WHERE id = ?");
                st.bind(1, rc.id.data(), Uuid::size());
                const bool here = st.executeStep();
                st.reset();
                if (here) {
                    if (is_call) interactions::remove(db, rc.id);
                    else rm(w, rc.id);
                    return true;
                }
            }
        }
        return false;
    }
    // Not applied here: it arrives again with the loser if the hub refuses the merge.
    if (unsent_merge_into_absent(db, cs, *r)) return true;
    RecordChange to = rc;
    const auto text = [&](const char* name) -> std::string {
        for (const auto& f : rc.fields)
            if (cs.names[f.name] == name)
                if (const auto* s = std::get_if<std::string>(&f.value)) return *s;
        return {};
    };
    if (table == Table::contact_points) {
        if (text("type").empty() || text("normalized").empty()) return false;
        to.id = customers::point_id(r->survivor, text("type"), text("normalized"));
    } else if (table == Table::customer_tags) {
        const Uuid* tag = nullptr;
        for (const auto& f : rc.fields)
            if (cs.names[f.name] == "tag_id") tag = std::get_if<Uuid>(&f.value);
        if (!tag) return false;
        to.id = tags::assignment_id(r->survivor, *tag);
    }
    for (auto& f : to.fields) {
        if (cs.names[f.name] != "customer_id") continue;
        f.base = r->merged_hlc;  // marks it as moved by the merge (an undo moves it back)
        f.hlc = carried_stamp(f.hlc, r->merged_hlc);
        f.value = r->survivor;
        w.observe(f.hlc, INT64_MAX / 4);
    }
    if (table == Table::contact_points || table == Table::customer_tags) keep_forwarded(w, cs, rc);
    Changeset c = like(cs);
    c.records.push_back(std::move(to));
    apply(c);
    return true;
}

void settle_after(WriteScope& w, const Changeset& cs, const RecordChange& rc, const Apply& apply) {
    if (rc.evict) return;
    const Table table = static_cast<Table>(rc.table);
    if (rc.tombstone && (table == Table::contact_points || table == Table::customer_tags)) {
        // A child's delete that arrived after its customer's merge tombstone
        // (one transaction: one seq, customers first): when it is the
        // merge's, the child comes back with the customer on an undo.
        Database& db = w.db();
        const auto g = load_ghost(db, table, rc.id);
        const Value* owner = g ? g->value("customer_id") : nullptr;
        const Uuid* customer = owner ? std::get_if<Uuid>(owner) : nullptr;
        if (customer && merged_away(db, *customer))
            if (const auto tomb = customer_tombstone(db, *customer)) mark_merged_children(db, *customer, tomb->hlc);
    } else if (table == Table::customer_redirects) {
        settle(w, like(cs), {rc.id}, apply);
    } else if (table == Table::customer_merges) {
        auto& st = w.db().stmt("SELECT losers FROM customer_merges WHERE id = ?");
        st.bind(1, rc.id.data(), Uuid::size());
        Json losers;
        if (st.executeStep()) losers = Json::parse(st.getColumn(0).getString(), nullptr, false);
        st.reset();
        std::vector<Uuid> ids;
        if (losers.is_array())
            for (const auto& l : losers)
                if (Uuid id; l.is_string() && Uuid::try_parse(l.get<std::string>(), id)) ids.push_back(id);
        if (!ids.empty()) settle(w, like(cs), ids, apply);
    }
}

}  // namespace crmlite::merge
