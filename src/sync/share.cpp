#include "sync/share.hpp"

#include <algorithm>

#include "sync/schema.hpp"

namespace crmlite::sync {

namespace {

std::string json_list(const std::vector<std::string>& v) { return Json(v).dump(); }

// The filter over customers aliased `c`; parameters ?1 owners, ?2 regions, ?3 tag paths (a tag
// covers its descendants).
std::string match(const std::string& c) {
    return "(" + c + ".owner IN (SELECT value FROM json_each(?1)) OR " + c +
           ".region IN (SELECT value FROM json_each(?2)) OR EXISTS (SELECT 1 FROM customer_tags ct JOIN tags t ON "
           "t.id = ct.tag_id, json_each(?3) j WHERE ct.customer_id = " +
           c + ".id AND (t.path = j.value OR substr(t.path, 1, length(j.value) + 1) = j.value || '/')))";
}

}  // namespace

Share::Share(Database& db, const Filter& filter)
    : db_(db), owners_(json_list(filter.owners)), regions_(json_list(filter.regions)), tags_(json_list(filter.tags)) {}

void Share::bind(SQLite::Statement& st) const {
    st.bind(1, owners_);
    st.bind(2, regions_);
    st.bind(3, tags_);
}

bool Share::contains(const Uuid& customer) {
    auto& st = db_.stmt("SELECT 1 FROM customers c WHERE c.id = ?4 AND (" + match("c") +
                        " OR EXISTS (SELECT 1 FROM customers p WHERE p.company_id = c.id AND " + match("p") + "))");
    bind(st);
    st.bind(4, customer.data(), Uuid::size());
    const bool in = st.executeStep();
    st.reset();
    return in;
}

std::vector<Uuid> Share::members() {
    auto& st = db_.stmt("SELECT id, kind = 'company' FROM customers c WHERE " + match("c") +
                        " UNION SELECT c.company_id, 1 FROM customers c WHERE c.company_id IS NOT NULL AND " + match("c") +
                        " ORDER BY 2 DESC, 1");
    bind(st);
    std::vector<Uuid> out;
    std::set<Uuid> done;  // a company both matched and employing a member is listed once
    while (st.executeStep()) {
        const auto id = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
        if (done.insert(id).second) out.push_back(id);
    }
    st.reset();
    return out;
}

PeerShare::PeerShare(Database& db, std::int64_t peer) : db_(db), peer_(peer) {}

std::set<Uuid> PeerShare::held_at(std::int64_t since, std::set<Uuid>* resets) {
    auto& st = db_.stmt(
        "SELECT customer, CASE WHEN seq <= ?2 THEN held ELSE prev_held END AS h FROM sync_shares WHERE peer = ?1 AND h <> 0");
    st.bind(1, peer_);
    st.bind(2, since);
    std::set<Uuid> out;
    while (st.executeStep()) {
        const auto id = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
        out.insert(id);
        if (resets && st.getColumn(1).getInt() == kReset) resets->insert(id);
    }
    st.reset();
    return out;
}

void PeerShare::record(const Uuid& customer, int held_before, int held_now, std::int64_t seq) {
    if (held_before == 0 && held_now == 0) {
        auto& del = db_.stmt("DELETE FROM sync_shares WHERE peer = ? AND customer = ?");
        del.bind(1, peer_);
        del.bind(2, customer.data(), Uuid::size());
        del.exec();
        return;
    }
    auto& put = db_.stmt("INSERT OR REPLACE INTO sync_shares(peer, customer, held, prev_held, seq) VALUES (?, ?, ?, ?, ?)");
    put.bind(1, peer_);
    put.bind(2, customer.data(), Uuid::size());
    put.bind(3, held_now);
    put.bind(4, held_before);
    put.bind(5, seq);
    put.exec();
}

std::optional<Uuid> owning_customer(Database& db, int table, const Uuid& id, const Value* incoming_customer) {
    const SyncedTable* t = find_table(table);
    if (!t || t->customer_column.empty()) return std::nullopt;
    if (t->table == Table::customers) return id;
    if (incoming_customer)
        if (const auto* u = std::get_if<Uuid>(incoming_customer)) return *u;
    auto& st = db.stmt("SELECT " + t->customer_column + " FROM " + t->name + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    std::optional<Uuid> out;
    if (st.executeStep() && !st.getColumn(0).isNull())
        out = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    st.reset();
    return out;
}

void forget_dependents(Database& db, const Uuid& customer) {
    WriteScope w(db);
    for (const auto& t : synced_tables()) {
        if (t.customer_column.empty()) continue;
        switch (t.table) {
        case Table::customers:
        case Table::contact_points:
        case Table::external_ids:
        case Table::customer_tags:
        case Table::interactions: continue;  // customers::forget's own
        default: break;
        }
        auto& st = db.stmt("SELECT id FROM " + t.name + " WHERE " + t.customer_column + " = ?");
        st.bind(1, customer.data(), Uuid::size());
        std::vector<Uuid> ids;
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
        st.reset();
        for (const auto& id : ids) {
            w.drop_versions(t.table, id);
            auto& del = db.stmt("DELETE FROM " + t.name + " WHERE id = ?");
            del.bind(1, id.data(), Uuid::size());
            del.exec();
        }
    }
    w.commit();
}

}  // namespace crmlite::sync
