// Suite "quality": the duplicate detector measured against the generator's
// truth (truth.csv: the entity behind every customer row), beside the baseline
// every mainstream CRM except one uses: exact-key matching (the same phone,
// e-mail or national id), computed in the same run on the same file.
//   1. with strong identifiers (the generator's default data set: national ids,
//      duplicates that may keep their e-mail);
//   2. without them (--no-strong-ids: no national id, no duplicate keeps its
//      original's e-mail), where names, dates and addresses must carry the match.
// Figures: pairwise precision, recall and F1 after transitive closure, B-cubed
// F1, and records per second of a full detection run. Each data set is
// imported into its own file (customers only), so the import suite's file is
// left untouched.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include "checks.hpp"
#include "child.hpp"
#include "crmlite/crmlite.h"
#include "dedup/dedup.hpp"
#include "stats.hpp"
#include "store/database.hpp"
#include "suite.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bench {
namespace {

using crmlite::Database;
using crmlite::Uuid;

// Cluster label per record (external id): records with the same label are
// one entity (truth) or one predicted cluster.
using Labels = std::unordered_map<std::string, std::string>;

Labels read_truth(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read " + path);
    Labels out;
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        const auto comma = line.find(',');
        if (comma == std::string::npos) continue;
        out[line.substr(0, comma)] = line.substr(comma + 1);
    }
    return out;
}

struct Scores {
    double precision = 0, recall = 0, f1 = 0, b3_precision = 0, b3_recall = 0, b3_f1 = 0;
    long predicted_pairs = 0, true_pairs = 0;
};

Scores evaluate(const Labels& truth, const Labels& predicted) {
    std::unordered_map<std::string, std::vector<std::string>> t_groups, p_groups;
    for (const auto& [rec, e] : truth) t_groups[e].push_back(rec);
    for (const auto& [rec, c] : predicted) p_groups[c].push_back(rec);
    const auto pred_of = [&](const std::string& r) {
        auto it = predicted.find(r);
        return it == predicted.end() ? "self:" + r : it->second;
    };
    Scores s;
    long tp = 0;
    for (const auto& [_, g] : t_groups) s.true_pairs += static_cast<long>(g.size() * (g.size() - 1) / 2);
    for (const auto& [_, g] : p_groups) {
        s.predicted_pairs += static_cast<long>(g.size() * (g.size() - 1) / 2);
        for (std::size_t i = 0; i < g.size(); ++i)
            for (std::size_t j = i + 1; j < g.size(); ++j) {
                auto a = truth.find(g[i]), b = truth.find(g[j]);
                if (a != truth.end() && b != truth.end() && a->second == b->second) ++tp;
            }
    }
    s.precision = s.predicted_pairs ? static_cast<double>(tp) / static_cast<double>(s.predicted_pairs) : 1.0;
    s.recall = s.true_pairs ? static_cast<double>(tp) / static_cast<double>(s.true_pairs) : 1.0;
    s.f1 = s.precision + s.recall > 0 ? 2 * s.precision * s.recall / (s.precision + s.recall) : 0;
    // B-cubed over every record (a record in no predicted cluster is its own).
    double bp = 0, br = 0;
    for (const auto& [rec, e] : truth) {
        const std::string c = pred_of(rec);
        const auto& tg = t_groups[e];
        long overlap = 0, csize = 1;
        if (c.rfind("self:", 0) == 0) {
            overlap = 1;
        } else {
            const auto& pg = p_groups[c];
            csize = static_cast<long>(pg.size());
            for (const auto& o : pg) {
                auto it = truth.find(o);
                if (it != truth.end() && it->second == e) ++overlap;
            }
        }
        bp += static_cast<double>(overlap) / static_cast<double>(csize);
        br += static_cast<double>(overlap) / static_cast<double>(tg.size());
    }
    const double n = static_cast<double>(truth.size());
    s.b3_precision = bp / n;
    s.b3_recall = br / n;
    s.b3_f1 = 2 * s.b3_precision * s.b3_recall / (s.b3_precision + s.b3_recall);
    return s;
}

std::unordered_map<std::string, std::string> external_ids(Database& db) {
    std::unordered_map<std::string, std::string> out;  // customer id -> external id
    SQLite::Statement st(db.sql(), "SELECT customer_id, external_id FROM external_ids WHERE system = 'erp'");
    while (st.executeStep())
        out[Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()).str()] = st.getColumn(1).getString();
    return out;
}

// The baseline: union of records sharing an exact phone, e-mail (case-blind)
// or national id.
Labels exact_keys(Database& db, const std::unordered_map<std::string, std::string>& ext) {
    std::unordered_map<std::string, std::string> parent;
    const std::function<std::string(const std::string&)> root = [&](const std::string& x) -> std::string {
        auto it = parent.find(x);
        if (it == parent.end() || it->second == x) return x;
        return parent[x] = root(it->second);
    };
    std::unordered_map<std::string, std::string> first_of_key;
    SQLite::Statement st(db.sql(),
                         "SELECT type || ':' || lower(normalized), customer_id FROM contact_points "
                         "UNION ALL SELECT 'n:' || upper(national_id), id FROM customers WHERE national_id IS NOT NULL");
    while (st.executeStep()) {
        const std::string key = st.getColumn(0).getString();
        const std::string id = Uuid::from_blob(st.getColumn(1).getBlob(), st.getColumn(1).getBytes()).str();
        auto [it, fresh] = first_of_key.emplace(key, id);
        if (fresh) continue;
        parent.emplace(id, id);
        parent.emplace(it->second, it->second);
        const std::string a = root(id), b = root(it->second);
        if (a != b) parent[a] = b;
    }
    Labels out;
    for (const auto& [id, _] : parent) out[ext.at(id)] = root(id);
    return out;
}

json measure(const std::string& db_path) {
    Database db(db_path, crmlite::OpenOptions{});
    const auto ext = external_ids(db);
    const Labels truth = read_truth(fs::path(db_path).parent_path().string() + "/truth.csv");
    double t0 = now_seconds();
    const json found = crmlite::dedup::find(db, crmlite::dedup::Options{});
    const double ours_s = now_seconds() - t0;
    Labels predicted;
    int n = 0;
    for (const auto& c : found["clusters"]) {
        ++n;
        for (const auto& m : c["members"]) predicted[ext.at(m.get<std::string>())] = "c" + std::to_string(n);
    }
    t0 = now_seconds();
    const Labels baseline = exact_keys(db, ext);
    const double base_s = now_seconds() - t0;
    const Scores a = evaluate(truth, predicted), b = evaluate(truth, baseline);
    const auto js = [](const Scores& s) {
        return json{{"precision", s.precision}, {"recall", s.recall}, {"f1", s.f1}, {"b3_precision", s.b3_precision},
                    {"b3_recall", s.b3_recall}, {"b3_f1", s.b3_f1}, {"predicted_pairs", s.predicted_pairs},
                    {"true_pairs", s.true_pairs}};
    };
    return {{"records", static_cast<double>(ext.size())}, {"ours", js(a)}, {"baseline", js(b)},
            {"ours_seconds", ours_s}, {"baseline_seconds", base_s}, {"compared_pairs", found["compared_pairs"]},
            {"review_pairs", found["review"].size()}, {"peak_rss_mib", peak_rss_mib()}};
}

json checked(const json& j) {
    if (j.contains("error")) throw std::runtime_error(j["error"].get<std::string>());
    return j;
}

// Generates (once) and imports (customers only) one data set; returns the file.
std::string prepare(const Context& c, const std::string& name, const std::string& gen_flags) {
    const std::string dir = c.work + "/quality-" + name;
    const std::string db = dir + "/crmlite.db";
    const std::string stamp = dir + "/.n" + std::to_string(c.customers);
    if (!fs::exists(stamp)) {
        fs::remove_all(dir);
        const std::string cmd = std::string(CRM_GEN_PATH) + " --customers " + std::to_string(c.customers) +
                                " --seed 42 " + gen_flags + " --out " + dir;
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("crm-gen failed: " + cmd);
        crm_db* h = nullptr;
        check(crm_open(&h, db.c_str(), nullptr), "open");
        crm_import_options* o = nullptr;
        check(crm_import_options_new(&o), "options");
        check(crm_import_options_set_records(o, "customers"), "records");
        check(crm_import_options_set_system(o, "erp"), "system");
        char* report = nullptr;
        const crm_status st = crm_import_file(&report, h, (dir + "/customers.csv").c_str(), o);
        crm_import_options_free(o);
        crm_free(report);
        crm_close(h);
        check(st, "import");
        std::ofstream(stamp) << "ok";
    }
    return db;
}

Result run_quality(const Context& c) {
    Result r;
    // CRM_BENCH_QUALITY_SETS=strong (or no-strong-ids): one data set only,
    // for a large run where each costs an import and a full detection.
    const char* only = std::getenv("CRM_BENCH_QUALITY_SETS");
    for (const auto& [name, flags] : {std::pair<std::string, std::string>{"strong", ""}, {"no-strong-ids", "--no-strong-ids"}}) {
        if (only && *only && ("," + std::string(only) + ",").find("," + name + ",") == std::string::npos) continue;
        const std::string db = prepare(c, name, flags);
        const json m = checked(run_in_child("dedup " + name, [&] { return measure(db); }));
        const json& o = m["ours"];
        const json& b = m["baseline"];
        const std::string tag = " (" + name + ")";
        r.figures.push_back({"dedup pairwise F1" + tag, "", o["f1"], b["f1"], true});
        r.figures.push_back({"dedup pairwise precision" + tag, "", o["precision"], b["precision"], true});
        r.figures.push_back({"dedup pairwise recall" + tag, "", o["recall"], b["recall"], true});
        r.figures.push_back({"dedup B-cubed F1" + tag, "", o["b3_f1"], b["b3_f1"], true});
        r.figures.push_back({"dedup full run" + tag, "records/s", m["records"].get<double>() / m["ours_seconds"].get<double>(),
                             m["records"].get<double>() / m["baseline_seconds"].get<double>(), true});
        r.details[name] = m;
    }
    return r;
}

const Register quality{{"quality", 60, run_quality}};

}  // namespace
}  // namespace bench
