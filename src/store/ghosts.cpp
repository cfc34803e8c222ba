#include "store/ghosts.hpp"

#include <SQLiteCpp/Statement.h>

#include "common/error.hpp"

namespace crmlite {

namespace {

const char* table_name(Table t) {
    switch (t) {
    case Table::contact_points: return "contact_points";
    case Table::tags: return "tags";
    case Table::customer_tags: return "customer_tags";
    case Table::external_ids: return "external_ids";
    case Table::customers: return "customers";  // merged away (src/merge/liveness.hpp), never by a delete
    default: return nullptr;
    }
}

// vals: per column varint(name length) name, tag (0 null, 1 integer as
// zigzag varint, 2 text as varint length + bytes, 3 a 16-byte id).
std::string encode_values(const std::vector<std::pair<std::string, Value>>& values) {
    std::string out;
    for (const auto& [name, v] : values) {
        put_varint(out, name.size());
        out += name;
        if (const auto* i = std::get_if<std::int64_t>(&v)) {
            out += '\1';
            put_varint(out, (static_cast<std::uint64_t>(*i) << 1) ^ static_cast<std::uint64_t>(*i >> 63));
        } else if (const auto* s = std::get_if<std::string>(&v)) {
            out += '\2';
            put_varint(out, s->size());
            out += *s;
        } else if (const auto* u = std::get_if<Uuid>(&v)) {
            out += '\3';
            out.append(reinterpret_cast<const char*>(u->data()), Uuid::size());
        } else {
            out += '\0';
        }
    }
    return out;
}

std::vector<std::pair<std::string, Value>> decode_values(std::string_view in) {
    std::vector<std::pair<std::string, Value>> out;
    std::size_t pos = 0;
    const auto bad = [] { throw Error(CRM_ECORRUPT, "sync_ghosts: a malformed value list"); };
    const auto take = [&](std::size_t n) {
        if (n > in.size() - pos) bad();
        const auto s = in.substr(pos, n);
        pos += n;
        return s;
    };
    while (pos < in.size()) {
        std::uint64_t len = 0;
        if (!get_varint(in, pos, len)) bad();
        std::string name(take(static_cast<std::size_t>(len)));
        const char tag = take(1)[0];
        Value v;
        if (tag == 1) {
            std::uint64_t z = 0;
            if (!get_varint(in, pos, z)) bad();
            v = static_cast<std::int64_t>((z >> 1) ^ (~(z & 1) + 1));
        } else if (tag == 2) {
            if (!get_varint(in, pos, len)) bad();
            v = std::string(take(static_cast<std::size_t>(len)));
        } else if (tag == 3) {
            const auto b = take(Uuid::size());
            v = Uuid::from_blob(b.data(), static_cast<int>(b.size()));
        } else if (tag != 0) {
            bad();
        }
        out.emplace_back(std::move(name), std::move(v));
    }
    return out;
}

std::int64_t max_stamp(const std::vector<FieldVersion>& v) {
    std::int64_t m = 0;
    for (const auto& f : v) m = std::max(m, f.stamp);
    return m;
}

std::int64_t max_seq(const std::vector<FieldVersion>& v) {
    std::int64_t m = 0;
    for (const auto& f : v) m = std::max(m, f.seq);
    return m;
}

}  // namespace

const Value* Ghost::value(const std::string& column) const {
    for (const auto& [name, v] : values)
        if (name == column) return &v;
    return nullptr;
}

bool keeps_ghost(Table table) { return table != Table::customers && table_name(table) != nullptr; }

std::optional<Ghost> capture_ghost(Database& db, Table table, const Uuid& id) {
    const char* name = table_name(table);
    if (!name) return std::nullopt;
    auto versions = db.versions(table, id);
    if (!versions) return std::nullopt;
    auto& st = db.stmt(std::string("SELECT * FROM ") + name + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) {
        st.reset();
        return std::nullopt;
    }
    Ghost g;
    g.versions = std::move(*versions);
    for (int i = 0; i < st.getColumnCount(); ++i) {
        const std::string col = st.getColumnName(i);
        if (col == "id" || col == "rid" || col.starts_with("sync_")) continue;  // local: rowid, capture columns
        const auto c = st.getColumn(i);
        Value v;
        if (c.isInteger()) v = c.getInt64();
        else if (c.isText()) v = c.getString();
        else if (c.isBlob() && c.getBytes() == static_cast<int>(Uuid::size())) v = Uuid::from_blob(c.getBlob(), c.getBytes());
        g.values.emplace_back(col, std::move(v));
    }
    st.reset();
    return g;
}

std::optional<Ghost> load_ghost(Database& db, Table table, const Uuid& id) {
    auto& st = db.stmt("SELECT vers, vals, hlc, seq FROM sync_ghosts WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(table));
    st.bind(2, id.data(), Uuid::size());
    if (!st.executeStep()) {
        st.reset();
        return std::nullopt;
    }
    const auto vers = st.getColumn(0), vals = st.getColumn(1);
    Ghost g;
    g.versions = decode_versions(std::string_view(static_cast<const char*>(vers.getBlob()), static_cast<std::size_t>(vers.getBytes())),
                                 st.getColumn(2).getInt64(), st.getColumn(3).getInt64());
    g.values = decode_values(std::string_view(static_cast<const char*>(vals.getBlob()), static_cast<std::size_t>(vals.getBytes())));
    st.reset();
    return g;
}

namespace {
// Whether the customer's tombstone is an erasure (subject/subject.hpp): then
// nothing of what was under it is kept, not even a ghost that arrives late.
bool erased_customer(Database& db, const Uuid& customer) {
    auto& st = db.stmt("SELECT 1 FROM sync_tombstones WHERE tbl = 1 AND id = ? AND erased <> 0");
    st.bind(1, customer.data(), Uuid::size());
    const bool yes = st.executeStep();
    st.reset();
    return yes;
}
}  // namespace

void save_ghost(Database& db, Table table, const Uuid& id, const Ghost& g) {
    if (table != Table::customers)
        if (const Value* c = g.value("customer_id"))
            if (const auto* u = std::get_if<Uuid>(c); u && erased_customer(db, *u)) {
                drop_ghost(db, table, id);
                return;
            }
    const std::int64_t stamp = max_stamp(g.versions), seq = max_seq(g.versions);
    const std::string vers = encode_versions(g.versions, stamp, seq), vals = encode_values(g.values);
    auto& put = db.stmt(
        "INSERT INTO sync_ghosts(tbl, id, customer, hlc, seq, vers, vals) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
        "ON CONFLICT(tbl, id) DO UPDATE SET customer = ?3, hlc = ?4, seq = ?5, vers = ?6, vals = ?7");
    put.bind(1, static_cast<int>(table));
    put.bind(2, id.data(), Uuid::size());
    const Value* customer = g.value("customer_id");
    if (table == Table::customers) put.bind(3, id.data(), Uuid::size());  // a merged-away customer's own
    else if (const auto* u = customer ? std::get_if<Uuid>(customer) : nullptr) put.bind(3, u->data(), Uuid::size());
    else put.bind(3);
    put.bind(4, stamp);
    put.bind(5, seq);
    put.bind(6, vers.data(), static_cast<int>(vers.size()));
    put.bind(7, vals.data(), static_cast<int>(vals.size()));
    put.exec();
}

void drop_ghost(Database& db, Table table, const Uuid& id) {
    auto& del = db.stmt("DELETE FROM sync_ghosts WHERE tbl = ? AND id = ?");
    del.bind(1, static_cast<int>(table));
    del.bind(2, id.data(), Uuid::size());
    del.exec();
}

void drop_ghosts_of(Database& db, const Uuid& customer) {
    auto& del = db.stmt("DELETE FROM sync_ghosts WHERE customer = ?");
    del.bind(1, customer.data(), Uuid::size());
    del.exec();
}

std::int64_t drop_orphan_ghosts(Database& db) {
    auto& del = db.stmt(
        "DELETE FROM sync_ghosts WHERE NOT EXISTS "
        "(SELECT 1 FROM sync_tombstones t WHERE t.tbl = sync_ghosts.tbl AND t.id = sync_ghosts.id)");
    del.exec();
    return db.sql().getChanges();
}

}  // namespace crmlite
