#include "sync/share.hpp"

#include <algorithm>

#include "customers/customers.hpp"
#include "merge/redirects.hpp"
#include "search/index_queue.hpp"
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

// The filter over leads aliased `l` (owners ?1, regions ?2; leads carry no tags).
std::string lead_match(const std::string& l) {
    return "(" + l + ".owner IN (SELECT value FROM json_each(?1)) OR " + l + ".region IN (SELECT value FROM json_each(?2)))";
}

}  // namespace

Share::Share(Database& db, const Filter& filter)
    : db_(db), owners_(json_list(filter.owners)), regions_(json_list(filter.regions)), tags_(json_list(filter.tags)) {}

void Share::bind(SQLite::Statement& st, bool tags) const {
    st.bind(1, owners_);
    st.bind(2, regions_);
    if (tags) st.bind(3, tags_);
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

bool Share::contains_lead(const Uuid& lead) {
    auto& st = db_.stmt("SELECT 1 FROM leads l WHERE l.id = ?4 AND " + lead_match("l"));
    bind(st, false);
    st.bind(4, lead.data(), Uuid::size());
    const bool in = st.executeStep();
    st.reset();
    return in;
}

std::vector<Uuid> Share::lead_members() {
    auto& st = db_.stmt("SELECT id FROM leads l WHERE " + lead_match("l") + " ORDER BY id");
    bind(st, false);
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    return out;
}

PeerShare::PeerShare(Database& db, std::int64_t peer) : db_(db), peer_(peer) {}

namespace {

// The key of a record in sync_shares (see PeerShare).
std::string share_key(Table table, const Uuid& id) {
    std::string k;
    if (table != Table::customers) k.push_back(static_cast<char>(static_cast<int>(table)));
    k.append(reinterpret_cast<const char*>(id.data()), Uuid::size());
    return k;
}

}  // namespace

std::set<Uuid> PeerShare::held_at(std::int64_t since, std::set<Uuid>* resets, Table table) {
    auto& st = db_.stmt(
        "SELECT customer, CASE WHEN seq <= ?2 THEN held ELSE prev_held END AS h FROM sync_shares "
        "WHERE peer = ?1 AND h <> 0 AND length(customer) = length(?3) + 16 AND substr(customer, 1, length(?3)) = ?3");
    const std::string prefix =
        table == Table::customers ? std::string() : std::string(1, static_cast<char>(static_cast<int>(table)));
    st.bind(1, peer_);
    st.bind(2, since);
    st.bind(3, prefix.data(), static_cast<int>(prefix.size()));
    std::set<Uuid> out;
    while (st.executeStep()) {
        const auto* key = static_cast<const unsigned char*>(st.getColumn(0).getBlob());
        const auto id = Uuid::from_blob(key + prefix.size(), 16);
        out.insert(id);
        if (resets && st.getColumn(1).getInt() == kReset) resets->insert(id);
    }
    st.reset();
    return out;
}

int prune_shares(Database& db) {
    const int gone = db.stmt("DELETE FROM sync_shares WHERE held = 0 AND CASE length(customer) "
                             "WHEN 16 THEN NOT EXISTS (SELECT 1 FROM customers WHERE id = customer) "
                             "ELSE NOT EXISTS (SELECT 1 FROM leads WHERE id = substr(customer, 2)) END")
                         .exec();
    // acked_through -1: stale (sync/peers.cpp).
    return gone + db.stmt("DELETE FROM sync_shares WHERE peer IN (SELECT s.idx FROM sync_peers p "
                          "JOIN sync_sites s ON s.site = p.site WHERE p.acked_through = -1)")
                      .exec();
}

void PeerShare::record(const Uuid& id, int held_before, int held_now, std::int64_t seq, Table table) {
    const std::string key = share_key(table, id);
    // A whole send (not held -> held) is remembered past later transitions.
    auto& put = db_.stmt(
        "INSERT INTO sync_shares(peer, customer, held, prev_held, seq, entered) "
        "VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?3 = 1 AND ?4 = 0 THEN ?5 ELSE 0 END) "
        "ON CONFLICT(peer, customer) DO UPDATE SET held = excluded.held, prev_held = excluded.prev_held, "
        "seq = excluded.seq, prev_entered = CASE WHEN excluded.entered <> 0 THEN entered ELSE prev_entered END, "
        "entered = CASE WHEN excluded.entered <> 0 THEN excluded.entered ELSE entered END");
    put.bind(1, peer_);
    put.bind(2, key.data(), static_cast<int>(key.size()));
    put.bind(3, held_now);
    put.bind(4, held_before);
    put.bind(5, seq);
    put.exec();
}

void PeerShare::note_held(const Uuid& id, Table table) {
    const std::string key = share_key(table, id);
    auto& put = db_.stmt("INSERT OR IGNORE INTO sync_shares(peer, customer, held, prev_held, seq) VALUES (?, ?, 1, 1, 0)");
    put.bind(1, peer_);
    put.bind(2, key.data(), static_cast<int>(key.size()));
    put.exec();
}

bool PeerShare::entered_after(const Uuid& id, std::int64_t cursor, Table table) {
    const std::string key = share_key(table, id);
    auto& st = db_.stmt("SELECT 1 FROM sync_shares WHERE peer = ? AND customer = ? AND entered > ?");
    st.bind(1, peer_);
    st.bind(2, key.data(), static_cast<int>(key.size()));
    st.bind(3, cursor);
    const bool entered = st.executeStep();
    st.reset();
    return entered;
}

std::optional<Uuid> owning_customer(Database& db, int table, const Uuid& id, const Value* incoming_customer) {
    const SyncedTable* t = find_table(table);
    if (!t || t->customer_column.empty()) return std::nullopt;
    if (t->table == Table::customers) return id;
    if (incoming_customer)
        if (const auto* u = std::get_if<Uuid>(incoming_customer)) return *u;
    return db.id_at("SELECT " + t->customer_column + " FROM " + t->name + " WHERE id = ?", id);
}

std::optional<Uuid> share_owner(Database& db, int table, const Uuid& id) {
    auto owner = owning_customer(db, table, id, nullptr);
    if (!owner || (table != static_cast<int>(Table::customer_redirects) && table != static_cast<int>(Table::customer_merges)))
        return owner;
    return merge::follow(db, *owner, false).end;
}

std::vector<Uuid> records_under(Database& db, const SyncedTable& t, const Uuid& customer) {
    // Redirects into the customer, and into losers merged away into it (which
    // no longer exist here), to the end of every chain; merge records whose
    // survivor is one of those.
    static const std::string chain =
        "WITH RECURSIVE chain(id) AS (SELECT ?1 UNION SELECT r.id FROM customer_redirects r JOIN chain c "
        "ON r.survivor_id = c.id WHERE c.id = ?1 OR NOT EXISTS (SELECT 1 FROM customers WHERE id = c.id)) ";
    std::string sql;
    if (t.table == Table::customer_redirects) sql = chain + "SELECT id FROM chain WHERE id <> ?1";
    else if (t.table == Table::customer_merges)
        sql = chain + "SELECT m.id FROM customer_merges m WHERE m.survivor_id IN (SELECT id FROM chain WHERE id = ?1 OR "
                      "NOT EXISTS (SELECT 1 FROM customers WHERE customers.id = chain.id))";
    else sql = "SELECT id FROM " + t.name + " WHERE " + t.customer_column + " = ?1";
    auto& st = db.stmt(sql);
    st.bind(1, customer.data(), Uuid::size());
    std::vector<Uuid> ids;
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    return ids;
}

std::optional<Uuid> owning_lead(Database& db, int table, const Uuid& id, const Value* incoming_lead) {
    if (table == static_cast<int>(Table::leads)) return id;
    if (table != static_cast<int>(Table::lead_events)) return std::nullopt;
    if (incoming_lead)
        if (const auto* u = std::get_if<Uuid>(incoming_lead)) return *u;
    return db.id_at("SELECT lead_id FROM lead_events WHERE id = ?", id);
}

void forget_lead(Database& db, const Uuid& lead) {
    WriteScope w(db);
    auto& st = db.stmt("SELECT id FROM lead_events WHERE lead_id = ?");
    st.bind(1, lead.data(), Uuid::size());
    std::vector<Uuid> events;
    while (st.executeStep()) events.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    for (const auto& e : events) forget_record(db, Table::lead_events, e);
    forget_record(db, Table::leads, lead);
    w.commit();
}

bool forget_record(Database& db, Table table, const Uuid& id) {
    const SyncedTable& t = *find_table(static_cast<int>(table));
    // The first column of the first row of `sql` with the id bound.
    const auto rid_at = [&](const std::string& sql, const Uuid& key) -> std::optional<std::int64_t> {
        auto& st = db.stmt(sql);
        st.bind(1, key.data(), Uuid::size());
        std::optional<std::int64_t> rid;
        if (st.executeStep()) rid = st.getColumn(0).getInt64();
        st.reset();
        return rid;
    };
    if (!rid_at("SELECT 1 FROM " + t.name + " WHERE id = ?", id)) return false;
    WriteScope w(db);
    if (table == Table::interactions) {
        if (const auto rid = rid_at("SELECT rid FROM interactions WHERE id = ?", id)) search::before_change(db, search::Doc::interaction, *rid);
        w.count("interactions", -1);
    } else if (table == Table::contact_points) {  // part of its customer's search document
        if (const auto c = db.id_at("SELECT customer_id FROM contact_points WHERE id = ?", id))
            if (const auto rid = rid_at("SELECT rid FROM customers WHERE id = ?", *c)) search::before_change(db, search::Doc::customer, *rid);
    }
    w.drop_versions(table, id);
    auto& unmask = db.stmt("DELETE FROM sync_masked WHERE tbl = ? AND id = ?");  // sync/masked.hpp
    unmask.bind(1, static_cast<int>(table));
    unmask.bind(2, id.data(), Uuid::size());
    unmask.exec();
    auto& del = db.stmt("DELETE FROM " + t.name + " WHERE id = ?");
    del.bind(1, id.data(), Uuid::size());
    del.exec();
    w.commit();
    return true;
}

bool written_here_after(Database& db, Table table, const Uuid& id, std::int64_t after) {
    const auto versions = db.versions(table, id);
    if (!versions) return false;
    for (const auto& v : *versions)
        if (v.site == db.local_site() && v.seq > after) return true;
    return false;
}

bool unsent_merge_into(Database& db, const Uuid& customer, std::int64_t after) {
    const SyncedTable& redirects = *find_table(static_cast<int>(Table::customer_redirects));
    for (const auto& id : records_under(db, redirects, customer))
        if (written_here_after(db, Table::customer_redirects, id, after)) return true;
    return false;
}

void forget_dependents(Database& db, const Uuid& customer, std::optional<std::int64_t> unsent_after) {
    WriteScope w(db);
    const auto unsent = [&](Table table, const Uuid& id) {
        return unsent_after && table == Table::customer_redirects && written_here_after(db, table, id, *unsent_after);
    };
    // All of them first: the merge records under it are found through the
    // redirects, which go too.
    std::vector<std::pair<const SyncedTable*, Uuid>> gone;
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
        for (const auto& id : records_under(db, t, customer))
            if (!unsent(t.table, id)) gone.emplace_back(&t, id);
    }
    for (const auto& [t, id] : gone) forget_record(db, t->table, id);
    w.commit();
}

}  // namespace crmlite::sync
