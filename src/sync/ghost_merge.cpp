#include "sync/ghost_merge.hpp"

#include <algorithm>
#include <string>

#include "sync/pseudo_fields.hpp"

namespace crmlite::sync {

bool merge_ghost_fields(WriteScope& w, Ghost& g, const SyncedTable& t, const Changeset& cs, const RecordChange& rc) {
    Database& db = w.db();
    bool changed = false;
    const auto set_value = [&g](const std::string& name, const Value& v) {
        for (auto& [n, x] : g.values)
            if (n == name) {
                x = v;
                return;
            }
        g.values.emplace_back(name, v);
    };
    for (const auto& f : rc.fields) {
        const std::string& name = cs.names[f.name];
        if (name == kCreatedAt) {
            const Value* here = g.value(kCreatedAt);
            const auto* ms = std::get_if<std::int64_t>(&f.value);
            const auto* old = here ? std::get_if<std::int64_t>(here) : nullptr;
            if (ms && (!old || *ms < *old)) {
                set_value(kCreatedAt, *ms);
                changed = true;
            }
            continue;
        }
        const int c = column_index(t, name);
        if (c < 0) continue;
        const Uuid& site = cs.sites[f.site];
        auto it = std::find_if(g.versions.begin(), g.versions.end(), [c](const FieldVersion& v) { return v.field == c; });
        if (it != g.versions.end()) {
            if (f.hlc != it->stamp) {
                if (f.hlc < it->stamp) continue;
            } else {
                const Uuid here_site = db.site_of(it->site);
                if (site != here_site) {
                    if (site < here_site) continue;
                } else {
                    // The same write carried twice, or two writes of one clock:
                    // the larger base, then the larger value (as the engine's merge).
                    const Value* was = g.value(name);
                    const Value here = was ? *was : Value{};
                    if (f.base != it->base ? f.base < it->base : f.value < here) continue;
                    if (f.base == it->base && was && f.value == *was) continue;
                }
            }
        }
        const FieldVersion nv{c, f.hlc, db.site_index(site), w.seq(), f.base};
        if (it != g.versions.end()) *it = nv;
        else g.versions.push_back(nv);
        set_value(name, f.value);
        changed = true;
    }
    return changed;
}

void save_learnt_ghost(WriteScope& w, Table table, const Uuid& id, const Ghost& g) {
    Database& db = w.db();
    save_ghost(db, table, id, g);
    auto& touch = db.stmt("UPDATE sync_tombstones SET seq = ? WHERE tbl = ? AND id = ?");
    touch.bind(1, w.seq());
    touch.bind(2, static_cast<int>(table));
    touch.bind(3, id.data(), Uuid::size());
    touch.exec();
}

}  // namespace crmlite::sync
