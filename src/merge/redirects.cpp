#include "merge/redirects.hpp"

#include <set>

namespace crmlite::merge {

namespace {
// Sync field indexes of a redirect (append only).
enum : int { kRedirectSurvivor, kRedirectMergeId, kRedirectMergedHlc, kRedirectSeen };
constexpr std::uint64_t kAll = (1u << 4) - 1;

bool present(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT 1 FROM customers WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    const bool yes = st.executeStep();
    st.reset();
    return yes;
}

// The survivor a redirect row names, when its merge was not undone.
std::optional<Uuid> next_hop(Database& db, const Uuid& id) {
    auto& st = db.stmt(
        "SELECT r.survivor_id FROM customer_redirects r WHERE r.id = ? AND NOT EXISTS "
        "(SELECT 1 FROM customer_merges m WHERE m.id = r.merge_id AND m.status = 'undone')");
    st.bind(1, id.data(), Uuid::size());
    std::optional<Uuid> out;
    if (st.executeStep()) out = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    st.reset();
    return out;
}
}  // namespace

std::optional<Redirect> redirect_row(Database& db, const Uuid& loser) {
    auto& st = db.stmt("SELECT survivor_id, merge_id, merged_hlc, seen FROM customer_redirects WHERE id = ?");
    st.bind(1, loser.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    Redirect r;
    r.loser = loser;
    r.survivor = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    r.merge_id = Uuid::from_blob(st.getColumn(1).getBlob(), st.getColumn(1).getBytes());
    r.merged_hlc = st.getColumn(2).getInt64();
    r.seen = Json::parse(st.getColumn(3).getString(), nullptr, false);
    if (r.seen.is_discarded() || !r.seen.is_object()) r.seen = Json::object();
    st.reset();
    r.site = db.local_site();
    if (const auto versions = db.versions(Table::customer_redirects, loser))
        for (const auto& v : *versions)
            if (v.field == kRedirectMergedHlc) r.site = v.site;
    return r;
}

bool merge_undone(Database& db, const Uuid& merge_id) {
    auto& st = db.stmt("SELECT 1 FROM customer_merges WHERE id = ? AND status = 'undone'");
    st.bind(1, merge_id.data(), Uuid::size());
    const bool yes = st.executeStep();
    st.reset();
    return yes;
}

bool in_force(Database& db, const Redirect& r) {
    if (merge_undone(db, r.merge_id)) return false;
    // Does the chain from the survivor lead back to the loser? Then the loser
    // closes a cycle, and the cycle's smallest id keeps living.
    std::set<Uuid> cycle{r.loser};
    Uuid at = r.survivor;
    while (at != r.loser) {
        if (!cycle.insert(at).second) return true;  // a cycle the loser only leads into
        const auto next = next_hop(db, at);
        if (!next) return true;
        at = *next;
    }
    return *cycle.begin() != r.loser;
}

std::optional<Redirect> redirect_of(Database& db, const Uuid& loser) {
    auto r = redirect_row(db, loser);
    if (!r || !in_force(db, *r)) return std::nullopt;
    return r;
}

ChainEnd follow(Database& db, const Uuid& from, bool in_force_only, bool past_existing) {
    ChainEnd c{from};
    std::set<Uuid> visited{from};
    for (;;) {
        if (!past_existing && present(db, c.end)) return c;
        std::optional<Uuid> next;
        if (in_force_only) {
            if (const auto r = redirect_of(db, c.end)) next = r->survivor;
        } else {
            next = db.id_at("SELECT survivor_id FROM customer_redirects WHERE id = ?", c.end);
        }
        if (!next) return c;
        if (!visited.insert(*next).second) {
            c.closed = true;
            return c;
        }
        c.end = *next;
        ++c.hops;
    }
}

std::optional<Uuid> resolve(Database& db, const Uuid& id) {
    const ChainEnd c = follow(db, id, true);
    if (c.closed || !present(db, c.end)) return std::nullopt;
    return c.end;
}

void put_redirect(WriteScope& w, const Redirect& r) {
    auto& st = w.db().stmt(
        "INSERT INTO customer_redirects(id, survivor_id, merge_id, merged_hlc, seen, created_at) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(id) DO UPDATE SET survivor_id = excluded.survivor_id, merge_id = excluded.merge_id, "
        "merged_hlc = excluded.merged_hlc, seen = excluded.seen");
    st.bind(1, r.loser.data(), Uuid::size());
    st.bind(2, r.survivor.data(), Uuid::size());
    st.bind(3, r.merge_id.data(), Uuid::size());
    st.bind(4, r.merged_hlc);
    st.bind(5, dump(r.seen));
    st.bind(6, w.now());
    st.exec();
    w.record_change(Table::customer_redirects, r.loser, kAll);
}

}  // namespace crmlite::merge
