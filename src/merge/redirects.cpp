#include "merge/redirects.hpp"

#include <set>

namespace crmlite::merge {

namespace {
// Sync field indexes of a redirect (append only).
enum : int { kRedirectSurvivor, kRedirectMergeId, kRedirectMergedHlc, kRedirectSeen };
constexpr std::uint64_t kAll = (1u << 4) - 1;
}  // namespace

std::optional<Redirect> redirect_of(Database& db, const Uuid& loser) {
    auto& st = db.stmt("SELECT survivor_id, merge_id, merged_hlc, seen FROM customer_redirects WHERE id = ?");
    st.bind(1, loser.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    Redirect r;
    r.loser = loser;
    r.survivor = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    r.merge_id = Uuid::from_blob(st.getColumn(1).getBlob(), st.getColumn(1).getBytes());
    r.merged_hlc = st.getColumn(2).getInt64();
    r.seen = Json::parse(st.getColumn(3).getString(), nullptr, false);
    if (r.seen.is_discarded()) r.seen = Json::object();
    st.reset();
    return r;
}

std::optional<Uuid> resolve(Database& db, const Uuid& id) {
    Uuid at = id;
    std::set<Uuid> visited;
    for (;;) {
        auto& st = db.stmt("SELECT 1 FROM customers WHERE id = ?");
        st.bind(1, at.data(), Uuid::size());
        const bool present = st.executeStep();
        st.reset();
        if (present) return at;
        if (!visited.insert(at).second) return std::nullopt;  // a cycle of redirects: nothing lives there
        auto r = redirect_of(db, at);
        if (!r) return std::nullopt;
        at = r->survivor;
    }
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
