#include "merge/merge.hpp"

#include <algorithm>
#include <set>

#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/liveness.hpp"
#include "merge/redirects.hpp"
#include "sync/schema.hpp"

namespace crmlite::merge {

namespace {

// Sync field indexes of a merge record (append only).
enum : int { kSurvivor, kLosers, kSources, kBefore, kStatus };
constexpr std::uint64_t kAllMergeFields = (1u << 5) - 1;

const std::set<std::string> kRules = {"most_recent", "most_complete", "survivor", "manual"};

bool empty_value(const Json& v) {
    return v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
           (v.is_object() && v.empty());
}

std::size_t completeness(const Json& v) { return v.is_string() ? v.get_ref<const std::string&>().size() : dump(v).size(); }

int field_index_of(std::span<const FieldSpec> specs, const char* name) {
    for (std::size_t i = 0; i < specs.size(); ++i)
        if (std::string(specs[i].column) == name) return static_cast<int>(i);
    throw Error(CRM_ERROR, std::string("merge: no field ") + name);
}

std::vector<Uuid> ids_where(Database& db, const std::string& sql, const Uuid& customer) {
    auto& st = db.stmt(sql);
    st.bind(1, customer.data(), Uuid::size());
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    return out;
}

// Moves a child record to the survivor: its customer_id column and that
// field's version, carried (redirects.hpp) so every replica that re-points the
// same record itself (merge/forward.cpp) gives it the same version.
void repoint(WriteScope& w, Table table, const char* sql_table, int field, const Uuid& id, const Uuid& survivor,
             std::int64_t merged_hlc) {
    Database& db = w.db();
    auto versions = db.versions(table, id).value_or(std::vector<FieldVersion>{});
    auto it = std::find_if(versions.begin(), versions.end(), [&](const FieldVersion& v) { return v.field == field; });
    const std::int64_t old_stamp = it == versions.end() ? 0 : it->stamp;
    const std::int64_t site = it == versions.end() ? 1 : it->site;
    // Its base is the merge's stamp: what marks it as moved by this merge (merge/undo.hpp).
    const FieldVersion nv{field, carried_stamp(old_stamp, merged_hlc), site, w.seq(), merged_hlc};
    if (it == versions.end()) versions.push_back(nv);
    else *it = nv;
    auto& up = db.stmt(std::string("UPDATE ") + sql_table + " SET customer_id = ? WHERE id = ?");
    up.bind(1, survivor.data(), Uuid::size());
    up.bind(2, id.data(), Uuid::size());
    up.exec();
    w.observe(nv.stamp, INT64_MAX / 4);
    w.put_versions(table, id, versions);
}

struct Plan {
    std::string rule = "most_recent";
    std::map<std::string, std::string> field_rules;
    std::map<std::string, Uuid> choose;
};

Plan parse_options(const Json& options, const std::vector<Uuid>& members) {
    Plan p;
    if (options.is_null()) return p;
    if (!options.is_object()) invalid("options", "expected an object");
    for (const auto& [k, v] : options.items())
        if (k != "rule" && k != "fields" && k != "choose") invalid("options." + k, "unknown option");
    const auto rule_of = [](const Json& v, const std::string& field) {
        if (!v.is_string() || !kRules.count(v.get<std::string>()))
            invalid(field, "expected most_recent, most_complete, survivor or manual");
        return v.get<std::string>();
    };
    if (options.contains("rule")) {
        p.rule = rule_of(options["rule"], "options.rule");
        if (p.rule == "manual") invalid("options.rule", "manual is chosen per field (options.choose)");
    }
    const auto known_field = [](const std::string& name, const std::string& field) {
        for (const auto& f : customers::fields())
            if (name == f.json) return;
        invalid(field, "not a customer field");
    };
    if (options.contains("fields")) {
        if (!options["fields"].is_object()) invalid("options.fields", "expected an object {\"field\": \"rule\"}");
        for (const auto& [k, v] : options["fields"].items()) {
            known_field(k, "options.fields." + k);
            p.field_rules[k] = rule_of(v, "options.fields." + k);
        }
    }
    if (options.contains("choose")) {
        if (!options["choose"].is_object()) invalid("options.choose", "expected an object {\"field\": \"customer id\"}");
        for (const auto& [k, v] : options["choose"].items()) {
            const std::string field = "options.choose." + k;
            known_field(k, field);
            if (!v.is_string()) invalid(field, "expected a customer id");
            const Uuid id = Uuid::parse(v.get<std::string>(), field);
            if (std::find(members.begin(), members.end(), id) == members.end()) invalid(field, "not one of the merged customers");
            p.choose[k] = id;
            p.field_rules[k] = "manual";
        }
    }
    for (const auto& [k, r] : p.field_rules)
        if (r == "manual" && !p.choose.count(k)) invalid("options.fields." + k, "manual needs options.choose." + k);
    return p;
}

Json contact_list(const Json& records, const char* key) {
    Json out = Json::array();
    std::set<std::string> seen;
    bool first = true;
    for (const auto& rec : records) {
        for (const auto& cp : rec[key]) {
            if (!seen.insert(cp["normalized"].get<std::string>()).second) continue;
            Json item = {{"value", cp["value"]}, {"primary", first && cp["primary"].get<bool>()}};
            if (cp.contains("label")) item["label"] = cp["label"];
            out.push_back(std::move(item));
        }
        first = false;  // only the survivor's primary stays primary
    }
    return out;
}

Json load_merge(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT survivor_id, losers, sources, before, status, created_at FROM customer_merges WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) throw Error(CRM_ENOTFOUND, "merge: no merge " + id.str());
    Json out = {{"id", id.str()},
                {"survivor", Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()).str()},
                {"losers", Json::parse(st.getColumn(1).getString())},
                {"sources", Json::parse(st.getColumn(2).getString())},
                {"before", Json::parse(st.getColumn(3).getString())},
                {"status", st.getColumn(4).getString()},
                {"created_at", format_instant(st.getColumn(5).getInt64())}};
    st.reset();
    return out;
}

}  // namespace

Json merge(Database& db, const Uuid& survivor_in, const std::vector<Uuid>& losers, const Json& options) {
    if (losers.empty()) invalid("losers", "no customer to merge into the survivor");
    WriteScope w(db);
    // The merge record and the redirects get this operation's first change
    // sequence number, so no peer learns of a loser's delete before them.
    w.seq();
    const auto survivor_opt = resolve(db, survivor_in);
    if (!survivor_opt) throw Error(CRM_ENOTFOUND, "survivor: no customer " + survivor_in.str());
    const Uuid survivor = *survivor_opt;
    std::vector<Uuid> members{survivor};
    for (std::size_t i = 0; i < losers.size(); ++i) {
        const std::string field = "losers[" + std::to_string(i) + "]";
        if (!customers::exists(db, losers[i])) throw Error(CRM_ENOTFOUND, field + ": no customer " + losers[i].str());
        if (losers[i] == survivor) invalid(field, "is the survivor");
        if (std::find(members.begin(), members.end(), losers[i]) != members.end()) invalid(field, "listed twice");
        members.push_back(losers[i]);
    }
    const Plan plan = parse_options(options, members);

    // Every record as it was, and each field's version per record (for most_recent).
    Json before = Json::object();
    std::vector<Json> records;
    std::vector<std::vector<FieldVersion>> versions;
    for (const auto& id : members) {
        records.push_back(customers::get(db, id));
        before[id.str()] = records.back();
        versions.push_back(db.versions(Table::customers, id).value_or(std::vector<FieldVersion>{}));
    }
    const auto stamp_of = [&](std::size_t member, int field) -> std::int64_t {
        for (const auto& v : versions[member])
            if (v.field == field) return v.stamp;
        return 0;
    };

    // Survivorship, field by field.
    Json patch = Json::object(), sources = Json::object();
    const auto specs = customers::fields();
    for (std::size_t f = 0; f < specs.size(); ++f) {
        const std::string name = specs[f].json;
        if (name == "kind" || name == "company_id") continue;  // the survivor's own
        const auto r = plan.field_rules.find(name);
        const std::string rule = r == plan.field_rules.end() ? plan.rule : r->second;
        std::optional<std::size_t> pick;
        const auto value_at = [&](std::size_t m) { return records[m].contains(name) ? records[m][name] : Json(); };
        if (rule == "manual") {
            pick = static_cast<std::size_t>(std::find(members.begin(), members.end(), plan.choose.at(name)) - members.begin());
        } else if (rule == "survivor" && !empty_value(value_at(0))) {
            pick = 0;
        } else {
            for (std::size_t m = 0; m < members.size(); ++m) {
                if (empty_value(value_at(m))) continue;
                if (!pick) pick = m;
                else if (rule == "most_complete" ? completeness(value_at(m)) > completeness(value_at(*pick))
                                                 : stamp_of(m, static_cast<int>(f)) > stamp_of(*pick, static_cast<int>(f)))
                    pick = m;
            }
        }
        if (!pick) continue;
        sources[name] = {{"from", members[*pick].str()}, {"rule", rule}};
        if (value_at(*pick) != value_at(0)) patch[name] = value_at(*pick);
    }
    const Json all = records;
    patch["phones"] = contact_list(all, "phones");
    patch["emails"] = contact_list(all, "emails");
    Json tag_union = Json::array();
    for (std::size_t m = 1; m < records.size(); ++m)
        for (const auto& t : records[m]["tags"]) tag_union.push_back(t);
    patch["tags"] = tag_union;

    // What the merge has seen of each loser: field versions, contact points, tag assignments.
    std::vector<Json> seen(members.size());
    for (std::size_t m = 1; m < members.size(); ++m) {
        Json fields = Json::array();
        for (const auto& v : versions[m]) fields.push_back({v.field, v.stamp, db.site_of(v.site).str()});
        // Opportunities, their stage history and leads' links (redirects.hpp, kMovedToSurvivor).
        const auto sales_of = [&](const Uuid& customer) {
            Json ids = Json::array();
            for (const Table table : kMovedToSurvivor) {
                if (table == Table::interactions || table == Table::external_ids) continue;
                const sync::SyncedTable& t = *sync::find_table(static_cast<int>(table));
                for (const auto& id : ids_where(db, "SELECT id FROM " + t.name + " WHERE customer_id = ?", customer))
                    ids.push_back(id.str());
            }
            return ids;
        };
        const auto list = [&](const char* sql) {
            Json ids = Json::array();
            for (const auto& id : ids_where(db, sql, members[m])) ids.push_back(id.str());
            return ids;
        };
        // Contact points and tags: what an edit made elsewhere may add to; the
        // rest: what an undo moves back (merge/undo.hpp).
        seen[m] = {{"fields", fields},
                   {"points", list("SELECT id FROM contact_points WHERE customer_id = ?")},
                   {"tags", list("SELECT id FROM customer_tags WHERE customer_id = ?")},
                   {"interactions", list("SELECT id FROM interactions WHERE customer_id = ?")},
                   {"external_ids", list("SELECT id FROM external_ids WHERE customer_id = ?")},
                   {"sales", sales_of(members[m])},
                   {"members", list("SELECT id FROM customers WHERE company_id = ?")}};
    }

    customers::update(db, survivor, patch);
    // The merge's stamp: after its writes to the survivor, so an edit carried
    // over later (carried_stamp) wins over them.
    const std::int64_t merged_hlc = std::max<std::int64_t>(db.last_stamp(), w.stamp());
    const int interaction_customer = field_index_of(interactions::fields(), "customer_id");
    const bool survivor_is_company = records[0]["kind"] == "company";
    const Uuid merge_id = Uuid::v7();
    for (std::size_t m = 1; m < members.size(); ++m) {
        const Uuid& loser = members[m];
        for (const auto& id : ids_where(db, "SELECT id FROM interactions WHERE customer_id = ?", loser))
            repoint(w, Table::interactions, "interactions", interaction_customer, id, survivor, merged_hlc);
        for (const auto& id : ids_where(db, "SELECT id FROM external_ids WHERE customer_id = ?", loser))
            repoint(w, Table::external_ids, "external_ids", 2, id, survivor, merged_hlc);
        // Sales records (opportunities, their stage history, leads' links)
        // move too, before the loser's removal would take them along.
        for (const Table table : kMovedToSurvivor) {
            if (table == Table::interactions || table == Table::external_ids) continue;
            const sync::SyncedTable& t = *sync::find_table(static_cast<int>(table));
            for (const auto& id : ids_where(db, "SELECT id FROM " + t.name + " WHERE customer_id = ?", loser))
                repoint(w, table, t.name.c_str(), sync::column_index(t, "customer_id"), id, survivor, merged_hlc);
        }
        // Members of a merged company follow it to the survivor.
        for (const auto& person : ids_where(db, "SELECT id FROM customers WHERE company_id = ?", loser))
            if (person != survivor)
                customers::update(db, person, Json{{"company_id", survivor_is_company ? Json(survivor.str()) : Json()}});
        // The loser goes with a ghost, and the tombstone every replica that
        // sends it away writes (merge/liveness.hpp): an undo brings it back.
        remove_merged(w, loser, {merged_hlc, db.local_site()});  // its points and tag assignments too (copied above)
        put_redirect(w, {loser, survivor, merge_id, merged_hlc, db.local_site(), seen[m]});
    }

    Json loser_ids = Json::array();
    for (const auto& l : losers) loser_ids.push_back(l.str());
    auto& ins = db.stmt(
        "INSERT INTO customer_merges(id, survivor_id, losers, sources, before, status, created_at) VALUES (?, ?, ?, ?, ?, 'merged', ?)");
    ins.bind(1, merge_id.data(), Uuid::size());
    ins.bind(2, survivor.data(), Uuid::size());
    ins.bind(3, dump(loser_ids));
    ins.bind(4, dump(sources));
    ins.bind(5, dump(before));
    ins.bind(6, w.now());
    ins.exec();
    w.record_change(Table::customer_merges, merge_id, kAllMergeFields);
    Json out = load_merge(db, merge_id);
    w.commit();
    return out;
}

Json get_merge(Database& db, const Uuid& merge_id) { return load_merge(db, merge_id); }

Json merges_of(Database& db, const Uuid& survivor) {
    Json out = Json::array();
    for (const auto& id : ids_where(db, "SELECT id FROM customer_merges WHERE survivor_id = ? ORDER BY created_at DESC, id DESC", survivor))
        out.push_back(load_merge(db, id));
    return out;
}

}  // namespace crmlite::merge
