#include "merge/undo.hpp"

#include <algorithm>
#include <set>
#include <tuple>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/liveness.hpp"
#include "merge/merge.hpp"
#include "merge/redirects.hpp"
#include "sync/engine.hpp"
#include "sync/schema.hpp"
#include "tags/tags.hpp"

namespace crmlite::merge {

namespace {

constexpr int kUndoMergeStatus = 4;       // customer_merges' sync field index of status
constexpr int kExternalCustomer = 2;  // external_ids' sync field index of customer_id

[[noreturn]] void impossible(const std::string& what) { throw Error(CRM_ECONFLICT, "undo: " + what); }

int interaction_customer_field() {
    const auto specs = interactions::fields();
    for (std::size_t i = 0; i < specs.size(); ++i)
        if (std::string(specs[i].column) == "customer_id") return static_cast<int>(i);
    throw Error(CRM_ERROR, "undo: interactions have no customer_id field");
}

std::optional<FieldVersion> version_of(Database& db, Table table, const Uuid& id, int field) {
    if (const auto versions = db.versions(table, id))
        for (const auto& v : *versions)
            if (v.field == field) return v;
    return std::nullopt;
}

// Every field of the record was written at or before `stamp`.
bool untouched_since(Database& db, Table table, const Uuid& id, std::int64_t stamp) {
    const auto versions = db.versions(table, id);
    if (!versions) return false;
    return std::all_of(versions->begin(), versions->end(), [&](const FieldVersion& v) { return v.stamp <= stamp; });
}

std::optional<Uuid> owner_of(Database& db, const std::string& table, const Uuid& id) {
    auto& st = db.stmt("SELECT customer_id FROM " + table + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    std::optional<Uuid> out;
    if (st.executeStep()) out = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    st.reset();
    return out;
}

std::vector<Uuid> ids_of(const Json& list) {
    std::vector<Uuid> out;
    if (list.is_array())
        for (const auto& v : list)
            if (Uuid id; v.is_string() && Uuid::try_parse(v.get<std::string>(), id)) out.push_back(id);
    return out;
}

// Records on the survivor whose owner field the merge (or a change carried
// over through it later) wrote: the version's base is the merge's stamp.
std::vector<Uuid> carried_to(Database& db, Table table, const std::string& sql_table, int field, const Uuid& survivor,
                             std::int64_t merged_hlc) {
    std::vector<Uuid> out;
    auto& st = db.stmt("SELECT id FROM " + sql_table + " WHERE customer_id = ?");
    st.bind(1, survivor.data(), Uuid::size());
    std::vector<Uuid> all;
    while (st.executeStep()) all.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    for (const auto& id : all)
        if (const auto v = version_of(db, table, id, field); v && v->base == merged_hlc && v->stamp > merged_hlc) out.push_back(id);
    return out;
}

std::set<std::string> normalized_of(const Json& record, const char* key) {
    std::set<std::string> out;
    if (record.contains(key))
        for (const auto& p : record[key])
            if (p.contains("normalized") && p["normalized"].is_string()) out.insert(p["normalized"].get<std::string>());
    return out;
}

std::set<std::string> tags_of(const Json& record) {
    std::set<std::string> out;
    if (record.contains("tags"))
        for (const auto& t : record["tags"])
            if (t.is_string()) out.insert(t.get<std::string>());
    return out;
}

struct Undo {
    WriteScope& w;
    Database& db;
    Uuid merge_id, survivor;
    std::vector<Uuid> losers;
    std::vector<Redirect> redirects;
    Json before;
    Json kept = Json::array();

    void keep(const std::string& record, const std::string& reason) { kept.push_back({{"record", record}, {"reason", reason}}); }

    void check() {
        if (!customers::exists(db, survivor)) {
            if (const auto r = redirect_of(db, survivor))
                impossible("survivor: customer " + survivor.str() + " was merged into " + r->survivor.str() +
                           " since (merge " + r->merge_id.str() + "); undo that merge first");
            impossible("survivor: customer " + survivor.str() + " was deleted since the merge");
        }
        for (std::size_t i = 0; i < losers.size(); ++i) {
            const std::string field = "losers[" + std::to_string(i) + "]: customer " + losers[i].str();
            const auto r = redirect_row(db, losers[i]);
            if (!r) impossible(field + " has no redirect");
            if (r->merge_id != merge_id) impossible(field + " was merged again since (merge " + r->merge_id.str() + ")");
            if (customers::exists(db, losers[i]))
                impossible(field + " lives again: a concurrent merge of the survivor into it won (the smaller id survives)");
            if (!merged_away(db, losers[i])) {
                if (customer_tombstone(db, losers[i])) impossible(field + " was deleted since the merge (a delete is final)");
                impossible(field + " is no longer kept (its tombstone was collected)");
            }
            redirects.push_back(*r);
        }
    }

    // The interactions and external ids the merge moved went back with their
    // loser (merge/liveness.hpp, move_back); what stayed elsewhere is reported.
    // Persons of a merged company go back to it.
    void report_children() {
        std::set<Uuid> recorded;
        for (const auto& r : redirects)
            for (const auto& [list, sql_table, what] : {std::tuple{"interactions", "interactions", "interaction"},
                                                        std::tuple{"external_ids", "external_ids", "external id"}})
                for (const auto& id : ids_of(r.seen.value(list, Json::array()))) {
                    recorded.insert(id);
                    const auto owner = owner_of(db, sql_table, id);
                    const std::string name = std::string(what) + " " + id.str();
                    if (!owner) keep(name, "deleted since the merge");
                    else if (*owner != r.loser) keep(name, "moved to customer " + owner->str() + " since the merge");
                }
        if (losers.size() > 1) {
            const int interaction_field = interaction_customer_field();
            for (const auto& [table, sql_table, field, what] :
                 {std::tuple{Table::interactions, "interactions", interaction_field, "interaction"},
                  std::tuple{Table::external_ids, "external_ids", kExternalCustomer, "external id"}})
                for (const auto& id : carried_to(db, table, sql_table, field, survivor, redirects[0].merged_hlc))
                    if (!recorded.count(id))
                        keep(std::string(what) + " " + id.str(),
                             "carried over from one of the merged customers after the merge; left on the survivor");
        }
        for (const auto& r : redirects)
            for (const auto& person : ids_of(r.seen.value("members", Json::array()))) {
                if (!customers::exists(db, person)) continue;
                auto& st = db.stmt("SELECT company_id FROM customers WHERE id = ?");
                st.bind(1, person.data(), Uuid::size());
                std::optional<Uuid> company;
                if (st.executeStep() && !st.getColumn(0).isNull())
                    company = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
                st.reset();
                if (company == survivor) customers::update(db, person, Json{{"company_id", r.loser.str()}});
                else if (company != r.loser) keep("customer " + person.str(), "its company changed since the merge");
            }
    }

    // The survivor keeps only the phones, e-mails and tags it had, and what
    // was changed since.
    void restore_points_and_tags() {
        const Json& s_before = before[survivor.str()];
        std::set<std::string> from_losers, tags_from_losers;
        for (const auto& l : losers) {
            // The loser's own came back with it (merge/liveness.hpp, bring_back).
            const Json& b = before[l.str()];
            for (const char* key : {"phones", "emails"})
                for (const auto& n : normalized_of(b, key)) from_losers.insert(n);
            for (const auto& t : tags_of(b)) tags_from_losers.insert(t);
        }
        const auto s_points = normalized_of(s_before, "phones");
        const auto s_mails = normalized_of(s_before, "emails");
        const std::int64_t merged = redirects[0].merged_hlc;
        for (const char* type : {"phone", "email"}) {
            const auto& had = std::string(type) == "phone" ? s_points : s_mails;
            auto& st = db.stmt(
                "SELECT id, label, value, normalized, is_primary FROM contact_points WHERE customer_id = ? AND type = ? "
                "ORDER BY is_primary DESC, id");
            st.bind(1, survivor.data(), Uuid::size());
            st.bind(2, type);
            Json wanted = Json::array();
            bool dropped = false;
            std::vector<std::tuple<Uuid, std::string, Json>> rows;  // id, normalized, item
            while (st.executeStep()) {
                Json item = {{"value", st.getColumn(2).getString()}, {"primary", st.getColumn(4).getInt() != 0}};
                if (!st.getColumn(1).isNull()) item["label"] = st.getColumn(1).getString();
                rows.emplace_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()),
                                  st.getColumn(3).getString(), std::move(item));
            }
            st.reset();
            for (auto& [id, normalized, item] : rows) {
                const bool only_from_losers = from_losers.count(normalized) && !had.count(normalized);
                if (only_from_losers && untouched_since(db, Table::contact_points, id, merged)) {
                    dropped = true;
                    continue;
                }
                if (only_from_losers)
                    keep(std::string(type) + " " + normalized, "changed on the survivor since the merge; kept there");
                wanted.push_back(std::move(item));
            }
            if (dropped) customers::update(db, survivor, Json{{std::string(type) + "s", wanted}});
        }
        const auto s_tags = tags_of(s_before);
        for (const auto& path : tags_from_losers) {
            if (s_tags.count(path)) continue;
            const std::string canonical = tags::canonical_path(path, "tags");
            const Uuid assignment = tags::assignment_id(survivor, tags::id_of_path(canonical));
            if (!db.versions(Table::customer_tags, assignment)) continue;
            if (untouched_since(db, Table::customer_tags, assignment, merged)) tags::unassign(w, survivor, canonical);
            else keep("tag " + path, "assigned to the survivor again since the merge; kept there");
        }
    }

    // The survivor's fields the merge changed get their earlier values.
    void restore_survivor_fields() {
        const Json& s_before = before[survivor.str()];
        const Json now = customers::get(db, survivor);
        const auto specs = customers::fields();
        const auto versions = db.versions(Table::customers, survivor).value_or(std::vector<FieldVersion>{});
        Json patch = Json::object();
        for (std::size_t f = 0; f < specs.size(); ++f) {
            const std::string name = specs[f].json;
            if (name == "kind" || name == "company_id") continue;
            const Json was = s_before.contains(name) ? s_before[name] : Json();
            const Json is = now.contains(name) ? now[name] : Json();
            if (was == is) continue;
            const auto v = std::find_if(versions.begin(), versions.end(), [&](const FieldVersion& x) { return x.field == static_cast<int>(f); });
            if (v != versions.end() && v->stamp > redirects[0].merged_hlc) {
                keep("customer " + survivor.str() + " field " + name, "edited since the merge; kept");
                continue;
            }
            patch[name] = was;
        }
        if (!patch.empty()) customers::update(db, survivor, patch);
    }
};

}  // namespace

Json undo(Database& db, const Uuid& merge_id) {
    WriteScope w(db);
    w.seq();  // the merge record's change goes first (merge.cpp does the same)
    const Json m = get_merge(db, merge_id);
    if (m["status"] == "undone") impossible("merge " + merge_id.str() + " was already undone");
    Undo u{w, db, merge_id, Uuid::parse(m["survivor"].get<std::string>(), "survivor"), ids_of(m["losers"]), {}, m["before"]};
    u.check();

    // The fact that syncs: the merge is undone, its redirects out of force.
    auto& up = db.stmt("UPDATE customer_merges SET status = 'undone' WHERE id = ?");
    up.bind(1, merge_id.data(), Uuid::size());
    up.exec();
    w.record_change(Table::customer_merges, merge_id, std::uint64_t{1} << kUndoMergeStatus);
    // The losers come back from their ghosts, as on every replica that learns of it.
    sync::Changeset like;
    like.fingerprint = sync::fingerprint();
    settle(w, like, u.losers, [&w](const sync::Changeset& cs) { sync::apply_records(w, cs); });
    for (std::size_t i = 0; i < u.losers.size(); ++i)
        if (!customers::exists(db, u.losers[i]))
            throw Error(CRM_ERROR, "undo: losers[" + std::to_string(i) + "]: customer " + u.losers[i].str() + " did not come back");
    if (!customers::exists(db, u.survivor)) {
        u.keep("customer " + u.survivor.str(), "merged into one of the losers by a concurrent merge this undo brings back into force");
    } else {
        u.report_children();
        u.restore_points_and_tags();
        u.restore_survivor_fields();
    }
    Json out = get_merge(db, merge_id);
    out["kept"] = u.kept;
    w.commit();
    return out;
}

}  // namespace crmlite::merge
