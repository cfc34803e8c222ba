#include "merge/forward.hpp"

#include <algorithm>
#include <iterator>

#include "customers/contact_points.hpp"
#include "customers/customers.hpp"
#include "merge/redirects.hpp"
#include "sync/schema.hpp"
#include "tags/tags.hpp"

namespace crmlite::merge {

namespace {

using sync::Changeset;
using sync::ColumnType;
using sync::FieldChange;
using sync::RecordChange;
using sync::SyncedTable;

constexpr const char* kCreatedAt = "created_at";

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

Changeset like(const Changeset& cs) {
    Changeset c;
    c.fingerprint = cs.fingerprint;
    c.sites = cs.sites;
    c.names = cs.names;
    return c;
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
        f.base = is_customer ? v.stamp : v.base;
        f.value = is_customer ? Value(r.survivor) : row->values[static_cast<std::size_t>(v.field)];
        newest = std::max(newest, f.hlc);
        out.fields.push_back(std::move(f));
    }
    if (row->created_at && !only_customer) {
        FieldChange f;
        f.name = c.name_index(kCreatedAt);
        f.site = c.site_index(db.site_id());
        f.hlc = newest;
        f.value = *row->created_at;
        out.fields.push_back(std::move(f));
    }
    w.observe(newest, INT64_MAX / 4);
    return out;
}

// The merge arrives while this replica still holds the loser.
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
            f.base = r.merged_hlc;
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

}  // namespace

Forwarded forward(WriteScope& w, const Changeset& cs, const RecordChange& rc) {
    Forwarded out;
    if (rc.evict) return out;
    Database& db = w.db();
    const Table table = static_cast<Table>(rc.table);
    if (table == Table::customers) {
        const auto r = redirect_of(db, rc.id);
        if (!r) return out;
        if (rc.tombstone) {
            if (customers::exists(db, rc.id)) out.changes.push_back(carry_local_loser(w, cs, *r));
            return out;
        }
        const SyncedTable& t = *sync::find_table(rc.table);
        Changeset c = like(cs);
        RecordChange to;
        to.table = rc.table;
        to.id = r->survivor;
        std::int64_t newest = 0;
        for (const auto& f : rc.fields) {
            const int col = sync::column_index(t, cs.names[f.name]);
            if (col < 0 || seen_field(r->seen, col, f.hlc)) continue;
            FieldChange g = f;
            g.hlc = carried_stamp(f.hlc, r->merged_hlc);
            g.base = r->merged_hlc;
            newest = std::max(newest, g.hlc);
            to.fields.push_back(std::move(g));
        }
        if (to.fields.empty()) return out;
        w.observe(newest, INT64_MAX / 4);
        c.records.push_back(std::move(to));
        out.changes.push_back(std::move(c));
        return out;
    }
    const bool moved = std::find(std::begin(kMovedToSurvivor), std::end(kMovedToSurvivor), table) != std::end(kMovedToSurvivor);
    if (rc.tombstone || (!moved && table != Table::contact_points && table != Table::customer_tags)) return out;
    // A child record made for a customer merged away.
    const FieldChange* owner = nullptr;
    for (const auto& f : rc.fields)
        if (cs.names[f.name] == "customer_id") owner = &f;
    const Uuid* loser = owner ? std::get_if<Uuid>(&owner->value) : nullptr;
    if (!loser || customers::exists(db, *loser)) return out;
    const auto r = redirect_of(db, *loser);
    if (!r) return out;
    RecordChange to = rc;
    const auto text = [&](const char* name) -> std::string {
        for (const auto& f : rc.fields)
            if (cs.names[f.name] == name)
                if (const auto* s = std::get_if<std::string>(&f.value)) return *s;
        return {};
    };
    if (table == Table::contact_points) {
        if (text("type").empty() || text("normalized").empty()) return out;
        to.id = customers::point_id(r->survivor, text("type"), text("normalized"));
    } else if (table == Table::customer_tags) {
        const Uuid* tag = nullptr;
        for (const auto& f : rc.fields)
            if (cs.names[f.name] == "tag_id") tag = std::get_if<Uuid>(&f.value);
        if (!tag) return out;
        to.id = tags::assignment_id(r->survivor, *tag);
    }
    for (auto& f : to.fields) {
        if (cs.names[f.name] != "customer_id") continue;
        f.base = f.hlc;
        f.hlc = carried_stamp(f.hlc, r->merged_hlc);
        f.value = r->survivor;
        w.observe(f.hlc, INT64_MAX / 4);
    }
    Changeset c = like(cs);
    c.records.push_back(std::move(to));
    out.changes.push_back(std::move(c));
    out.replaces = true;
    return out;
}

}  // namespace crmlite::merge
