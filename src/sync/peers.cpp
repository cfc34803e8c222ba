#include "sync/peers.hpp"

#include "common/error.hpp"
#include "store/ghosts.hpp"
#include "sync/share.hpp"

namespace crmlite::sync {

namespace {

constexpr std::int64_t kStale = -1;  // acked_through of a peer that must re-baseline

std::int64_t horizon(Database& db) {
    auto& st = db.stmt("SELECT value FROM crm_meta WHERE key = 'sync_gc_horizon'");
    const std::int64_t h = st.executeStep() ? st.getColumn(0).getInt64() : 0;
    st.reset();
    return h;
}

std::optional<std::int64_t> acked(Database& db, const Uuid& peer) {
    auto& st = db.stmt("SELECT acked_through FROM sync_peers WHERE site = ?");
    st.bind(1, peer.data(), Uuid::size());
    std::optional<std::int64_t> out;
    if (st.executeStep()) out = st.getColumn(0).getInt64();
    st.reset();
    return out;
}

[[noreturn]] void stale(const std::string& why) {
    throw Error(CRM_ESTALE, "sync: " + why +
                                "; this replica's deleted records may have been forgotten since, so the peer must "
                                "re-baseline (start a new file from a full snapshot, changes since 0)");
}

}  // namespace

std::int64_t received_from(Database& db, const Uuid& peer) {
    auto& st = db.stmt("SELECT received_through FROM sync_peers WHERE site = ?");
    st.bind(1, peer.data(), Uuid::size());
    const std::int64_t v = st.executeStep() ? st.getColumn(0).getInt64() : 0;
    st.reset();
    return v;
}

void note_pull(Database& db, const Uuid& peer, std::int64_t since, std::int64_t now_ms) {
    auto& st = db.stmt(
        "INSERT INTO sync_peers(site, received_through, acked_through, last_seen) VALUES (?1, 0, ?2, ?3) "
        "ON CONFLICT(site) DO UPDATE SET acked_through = max(acked_through, ?2), last_seen = max(last_seen, ?3) "
        "WHERE acked_through <> -1");
    st.bind(1, peer.data(), Uuid::size());
    st.bind(2, since);
    st.bind(3, now_ms);
    st.exec();
}

void note_push(Database& db, const Uuid& peer, std::int64_t now_ms) {
    auto& st = db.stmt(
        "INSERT INTO sync_peers(site, received_through, last_seen) VALUES (?1, 0, ?2) "
        "ON CONFLICT(site) DO UPDATE SET last_seen = max(last_seen, ?2)");
    st.bind(1, peer.data(), Uuid::size());
    st.bind(2, now_ms);
    st.exec();
}

void check_pull(Database& db, const Uuid* peer, std::int64_t since) {
    if (peer && acked(db, *peer) == kStale) stale("peer " + peer->str() + " was away longer than the retention horizon");
    if (since > 0 && since < horizon(db))
        stale("cursor " + std::to_string(since) + " lies before the tombstone horizon " + std::to_string(horizon(db)));
}

void check_push(Database& db, const Uuid& sender) {
    if (acked(db, sender) == kStale) stale("peer " + sender.str() + " was away longer than the retention horizon");
}

Json collect_garbage(Database& db, std::int64_t retention_ms, std::int64_t now_ms) {
    if (retention_ms < 0) invalid("retention_ms", "must be >= 0");
    WriteScope w(db);
    const std::int64_t cutoff = now_ms - retention_ms;
    auto& mark = db.stmt("UPDATE sync_peers SET acked_through = -1 WHERE last_seen < ? AND acked_through <> -1");
    mark.bind(1, cutoff);
    const int newly_stale = mark.exec();
    auto& low = db.stmt("SELECT count(*), min(acked_through) FROM sync_peers WHERE acked_through <> -1");
    low.executeStep();
    const std::int64_t active = low.getColumn(0).getInt64();
    // No active peer: nobody can still need a tombstone (a new peer starts from a snapshot).
    std::int64_t h = active ? low.getColumn(1).getInt64() : INT64_MAX;
    low.reset();
    auto& max_seq = db.stmt("SELECT coalesce(max(seq), 0) FROM sync_tombstones WHERE seq <= ?");
    max_seq.bind(1, h);
    max_seq.executeStep();
    const std::int64_t through = max_seq.getColumn(0).getInt64();
    max_seq.reset();
    auto& drop = db.stmt("DELETE FROM sync_tombstones WHERE seq <= ?");
    drop.bind(1, through);
    const int dropped = drop.exec();
    drop_orphan_ghosts(db);  // a ghost lives as long as its tombstone
    const int shares_pruned = prune_shares(db);
    if (through > horizon(db)) {
        auto& put = db.stmt("INSERT OR REPLACE INTO crm_meta(key, value) VALUES ('sync_gc_horizon', ?)");
        put.bind(1, through);
        put.exec();
    }
    auto& n_stale = db.stmt("SELECT count(*) FROM sync_peers WHERE acked_through = -1");
    n_stale.executeStep();
    const std::int64_t stale_peers = n_stale.getColumn(0).getInt64();
    n_stale.reset();
    w.commit();
    return {{"tombstones_dropped", dropped}, {"horizon", horizon(db)}, {"active_peers", active},
            {"stale_peers", stale_peers}, {"newly_stale", newly_stale}, {"share_rows_pruned", shares_pruned}};
}

}  // namespace crmlite::sync
