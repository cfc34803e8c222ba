#include "sync/conflicts.hpp"

#include "common/error.hpp"
#include "sync/schema.hpp"

namespace crmlite::sync {

namespace {

void bind_logged(SQLite::Statement& st, int i, const Value& v) {
    if (const auto* n = std::get_if<std::int64_t>(&v)) st.bind(i, *n);
    else if (const auto* s = std::get_if<std::string>(&v)) st.bind(i, *s);
    else if (const auto* u = std::get_if<Uuid>(&v)) st.bind(i, u->data(), Uuid::size());
    else st.bind(i);
}

Json json_of_logged(const SQLite::Column& c) {
    if (c.isNull()) return nullptr;
    if (c.isInteger()) return c.getInt64();
    if (c.isBlob() && c.getBytes() == 16) return Uuid::from_blob(c.getBlob(), 16).str();
    return c.getString();
}

}  // namespace

void log_conflict(Database& db, std::int64_t now_ms, const Conflict& c) {
    auto& st = db.stmt(
        "INSERT INTO sync_conflicts(at, tbl, id, field, reason, lost, lost_hlc, lost_site, kept, kept_hlc, kept_site, customer) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
    st.bind(1, now_ms);
    st.bind(2, static_cast<int>(c.table));
    st.bind(3, c.id.data(), Uuid::size());
    st.bind(4, c.field);
    st.bind(5, c.reason);
    bind_logged(st, 6, c.lost);
    st.bind(7, c.lost_hlc);
    st.bind(8, c.lost_site);
    bind_logged(st, 9, c.kept);
    st.bind(10, c.kept_hlc);
    st.bind(11, c.kept_site);
    if (c.customer) st.bind(12, c.customer->data(), Uuid::size());
    else st.bind(12);
    st.exec();
}

Json conflicts(Database& db, const std::optional<Uuid>& record, std::int64_t limit) {
    if (limit < 1) invalid("limit", "must be at least 1");
    SQLite::Statement st(db.sql(),
                         "SELECT k.at, k.tbl, k.id, k.field, k.reason, k.lost, k.lost_hlc, ls.site, k.kept, k.kept_hlc, "
                         "ks.site FROM sync_conflicts k JOIN sync_sites ls ON ls.idx = k.lost_site "
                         "JOIN sync_sites ks ON ks.idx = k.kept_site "
                         "WHERE ?1 IS NULL OR k.id = ?1 ORDER BY k.n DESC LIMIT ?2");
    if (record) st.bind(1, record->data(), Uuid::size());
    st.bind(2, limit);
    Json out = Json::array();
    while (st.executeStep()) {
        const SyncedTable* t = find_table(st.getColumn(1).getInt());
        const auto site = [&](int col) { return Uuid::from_blob(st.getColumn(col).getBlob(), 16).str(); };
        out.push_back({{"at", st.getColumn(0).getInt64()},
                       {"table", t ? t->name : std::to_string(st.getColumn(1).getInt())},
                       {"id", Uuid::from_blob(st.getColumn(2).getBlob(), 16).str()},
                       {"field", st.getColumn(3).getString()},
                       {"reason", st.getColumn(4).getString()},
                       {"lost", {{"value", json_of_logged(st.getColumn(5))}, {"hlc", st.getColumn(6).getInt64()}, {"site", site(7)}}},
                       {"kept", {{"value", json_of_logged(st.getColumn(8))}, {"hlc", st.getColumn(9).getInt64()}, {"site", site(10)}}}});
    }
    return out;
}

std::int64_t prune_conflicts(Database& db, std::int64_t before_ms) {
    auto& st = db.stmt("DELETE FROM sync_conflicts WHERE at < ?");
    st.bind(1, before_ms);
    return st.exec();
}

}  // namespace crmlite::sync
