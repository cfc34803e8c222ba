// Suite "value": RFM and churn risk at the bench's scale, on a copy of the
// import suite's database (or, run alone with `--only value` and no such file,
// on a file the raw loader fills with the same customers and interactions:
// RFM and churn read only those two tables).
//
//   1. RFM full recompute (crmlite: aggregate, score, segment, tier, store the
//      current scores) beside ONE hand-written SQL statement that computes the
//      same scores, segments and tiers with window functions (NTILE, ties by
//      id) and stores them in a table of the same shape. Both results are
//      compared row by row: the suite fails if a single customer differs.
//   2. RFM incremental refresh after a day of new orders (1% of customers buy)
//      beside the full recompute and the SQL statement on the same data. Three
//      days in a row; each day the refresh must equal the full recompute.
//   3. Churn risk: ROC AUC of crmlite's score on a held-out period — scores as
//      of 180 days before the generator's as-of date, a customer churned when
//      no order follows in those 180 days — beside the AUC of plain recency
//      (days since the last order). The labels are checked against the
//      generator's own churners.csv.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "child.hpp"
#include "churn/churn.hpp"
#include "common/time.hpp"
#include "interactions/interactions.hpp"
#include "loaders.hpp"
#include "rfm/rfm.hpp"
#include "stats.hpp"
#include "store/database.hpp"
#include "suite.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bench {
namespace {

using crmlite::Database;
using crmlite::Json;
using crmlite::Uuid;

constexpr std::int64_t kDay = 86400000;
constexpr int kDays = 3;  // days of new orders, each refreshed

// This process's CPU time: the machine is shared, so wall times carry other
// people's load; both are kept.
double cpu_seconds() {
    timespec t{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

struct Times {
    std::vector<double> wall, cpu;
    template <typename F>
    void time(F&& f) {
        const double w0 = now_seconds(), c0 = cpu_seconds();
        f();
        wall.push_back(now_seconds() - w0);
        cpu.push_back(cpu_seconds() - c0);
    }
};

// Rough fixed rates (units of CNY per unit): the figures need a consistent
// conversion, not today's market.
Json rates_for(Database& db) {
    static const std::pair<const char*, double> known[] = {{"USD", 7.1}, {"EUR", 7.7}, {"GBP", 9.0}, {"JPY", 0.047}, {"HKD", 0.91},
                                                           {"SGD", 5.3}, {"AUD", 4.7}, {"CAD", 5.2}, {"KRW", 0.0052}, {"TWD", 0.22}};
    Json rates = Json::object();
    SQLite::Statement st(db.sql(), "SELECT DISTINCT currency FROM interactions WHERE kind = 'order' AND currency IS NOT NULL");
    while (st.executeStep()) {
        const std::string c = st.getColumn(0).getString();
        if (c == "CNY") continue;
        double r = 1.0;
        for (const auto& [k, v] : known)
            if (c == k) r = v;
        rates[c] = r;
    }
    return rates;
}

int decimals(const std::string& c) {
    for (const char* z : {"JPY", "KRW"})
        if (c == z) return 0;
    return 2;
}

// The default segment table as one CASE over r, f, m (docs/value.md).
const char* kSegmentCase =
    "CASE"
    " WHEN r = 5 AND f = 1 THEN 'New Customers' WHEN r = 5 AND f IN (2, 3) THEN 'Potential Loyalist'"
    " WHEN r = 5 AND m >= 3 THEN 'Champions' WHEN r = 5 THEN 'Loyal'"
    " WHEN r = 4 AND f = 1 THEN 'Promising' WHEN r = 4 AND f = 2 THEN 'Potential Loyalist' WHEN r = 4 AND f = 3 THEN 'Loyal'"
    " WHEN r = 4 AND m >= 4 THEN 'Champions' WHEN r = 4 THEN 'Loyal'"
    " WHEN r = 3 AND f = 1 THEN 'About To Sleep' WHEN r = 3 AND f IN (2, 3) THEN 'Need Attention' WHEN r = 3 THEN 'Loyal'"
    " WHEN r = 2 AND f = 1 THEN 'Hibernating' WHEN r = 2 AND f = 2 THEN 'About To Sleep'"
    " WHEN r = 1 AND f = 1 THEN 'Lost' WHEN r = 1 AND f = 2 THEN 'Hibernating'"
    " WHEN f = 3 THEN 'At Risk' WHEN m >= 4 THEN 'Cannot Lose Them' ELSE 'At Risk' END";

// The whole RFM as one INSERT ... SELECT into rfm_sql (the shape of
// rfm_current): the same purchase, refund and cancellation rules, per-currency
// sums converted with the same rates and rounding, UTC days (the bench's
// database zone), NTILE(5) with ties by id, tiers 10/30/60 by value.
std::string sql_rfm_statement(const Json& rates) {
    std::string rate_case = "CASE currency WHEN 'CNY' THEN mon";
    for (const auto& [c, r] : rates.items()) {
        char factor[64];
        std::snprintf(factor, sizeof factor, "%.17g", r.get<double>() * std::pow(10.0, 2 - decimals(c)));
        rate_case += " WHEN '" + c + "' THEN CAST(round(mon * " + factor + ") AS INTEGER)";
    }
    rate_case += " END";
    const std::string refund = "(kind = 'refund' OR status IS 'refunded')";
    return
        "INSERT INTO rfm_sql(customer_id, frequency, monetary, first_day, last_day, r, f, m, segment, tier)"
        " WITH per_cur AS (SELECT customer_id, coalesce(currency, '') AS currency, sum(NOT " + refund + ") AS freq,"
        "   sum(CASE WHEN " + refund + " THEN -abs(coalesce(amount_minor, 0)) ELSE coalesce(amount_minor, 0) END) AS mon,"
        "   min(CASE WHEN NOT " + refund + " THEN occurred_at END) AS first, max(CASE WHEN NOT " + refund + " THEN occurred_at END) AS last"
        "   FROM interactions WHERE kind IN ('order', 'refund') AND occurred_at > ?1 AND occurred_at <= ?2"
        "   AND coalesce(status, '') NOT IN ('cancelled', 'canceled') GROUP BY customer_id, 2),"
        " agg AS (SELECT customer_id, sum(freq) AS freq, sum(" + rate_case + ") AS mon,"
        "   min(first) / 86400000 AS first_day, max(last) / 86400000 AS last_day FROM per_cur GROUP BY customer_id),"
        " scored AS (SELECT customer_id, freq, mon, first_day, last_day,"
        "   NTILE(5) OVER (ORDER BY ?3 - last_day DESC, customer_id) AS r, NTILE(5) OVER (ORDER BY freq, customer_id) AS f,"
        "   NTILE(5) OVER (ORDER BY mon, customer_id) AS m, ROW_NUMBER() OVER (ORDER BY mon DESC, customer_id) AS pos,"
        "   count(*) OVER () AS n FROM agg WHERE freq > 0)"
        // Buyers, then everyone else, merged in id order (the table's key).
        // A LEFT JOIN of customers to `scored` instead makes SQLite scan that
        // CTE once per customer; window partitions over all customers cost
        // four sorts of every customer and insert out of key order.
        " SELECT customer_id, freq, mon, first_day, last_day, r, f, m, " + std::string(kSegmentCase) + ","
        "   CASE WHEN pos <= CAST(n * 0.1 + 0.5 AS INTEGER) THEN 'core' WHEN pos <= CAST(n * 0.4 + 0.5 AS INTEGER) THEN 'potential'"
        "   ELSE 'base' END FROM scored"
        " UNION ALL"
        " SELECT c.id, coalesce(a.freq, 0), coalesce(a.mon, 0), NULL, NULL, NULL, NULL, NULL, 'No Purchases', 'base'"
        "   FROM customers c LEFT JOIN agg a ON a.customer_id = c.id WHERE coalesce(a.freq, 0) = 0"
        " ORDER BY 1";
}

// One transaction: clear the table, the single statement, commit.
void sql_rfm(Database& db, const std::string& sql, std::int64_t as_of) {
    db.sql().exec("BEGIN IMMEDIATE");
    db.sql().exec("DELETE FROM rfm_sql");
    SQLite::Statement st(db.sql(), sql);
    st.bind(1, as_of - 365 * kDay);
    st.bind(2, as_of);
    st.bind(3, as_of / kDay);
    st.exec();
    db.sql().exec("COMMIT");
}

// Customers whose stored scores differ between crmlite's rfm_current and the SQL statement's rfm_sql.
std::int64_t sql_mismatches(Database& db) {
    return db.sql().execAndGet(
        "SELECT (SELECT count(*) FROM rfm_current c LEFT JOIN rfm_sql s ON s.customer_id = c.customer_id"
        "  WHERE s.customer_id IS NULL OR c.frequency IS NOT s.frequency OR c.monetary IS NOT s.monetary"
        "  OR c.first_day IS NOT s.first_day OR c.last_day IS NOT s.last_day OR c.r IS NOT s.r OR c.f IS NOT s.f"
        "  OR c.m IS NOT s.m OR c.segment IS NOT s.segment OR c.tier IS NOT s.tier)"
        " + (SELECT count(*) FROM rfm_sql s WHERE NOT EXISTS (SELECT 1 FROM rfm_current c WHERE c.customer_id = s.customer_id))")
        .getInt64();
}

// An order-independent digest of rfm_current (FNV-1a over its rows in id order).
std::uint64_t digest(Database& db) {
    std::uint64_t h = 1469598103934665603ULL;
    const auto mix = [&](const void* p, std::size_t n) {
        for (std::size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ULL;
    };
    SQLite::Statement st(db.sql(), "SELECT customer_id, frequency, monetary, last_day, r, f, m, segment, tier FROM rfm_current ORDER BY customer_id");
    while (st.executeStep()) {
        mix(st.getColumn(0).getBlob(), 16);
        for (int k = 1; k <= 6; ++k) {
            const std::int64_t v = st.getColumn(k).isNull() ? -1 : st.getColumn(k).getInt64();
            mix(&v, sizeof v);
        }
        for (int k = 7; k <= 8; ++k) {
            const std::string s = st.getColumn(k).getString();
            mix(s.data(), s.size() + 1);
        }
    }
    return h;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// Mann-Whitney AUC: the probability that a churner scores above a stayer (ties count half).
double auc(std::vector<std::pair<double, int>> v) {
    std::sort(v.begin(), v.end());
    double rank_sum = 0, pos = 0;
    std::size_t i = 0;
    while (i < v.size()) {
        std::size_t j = i;
        while (j < v.size() && v[j].first == v[i].first) ++j;
        const double avg = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
        for (std::size_t k = i; k < j; ++k)
            if (v[k].second) rank_sum += avg, ++pos;
        i = j;
    }
    const double neg = static_cast<double>(v.size()) - pos;
    if (pos == 0 || neg == 0) return 0.5;
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg);
}

// The database the suite works on: the import suite's file when there is one,
// else one filled by the raw loader (kept in the work directory for reruns).
std::pair<std::string, json> source_db(const Context& c) {
    if (fs::exists(c.crm_db)) return {c.crm_db, {{"loaded_by", "crmlite import (import suite)"}}};
    const std::string base = c.work + "/value_base_" + std::to_string(c.customers) + ".db";
    if (fs::exists(base + ".ok")) return {base, {{"loaded_by", "raw loader (lean, earlier run)"}}};
    std::fprintf(stderr, "bench: value: no imported database; loading %s with the raw loader (lean)\n", base.c_str());
    // In its own process: the loader's 2 GB page cache is not the suite's memory.
    const json r = run_in_child("value load", [&] { return import_raw(base, c.data, false, true); });
    if (r.contains("error")) throw std::runtime_error("value: loading " + base + ": " + r["error"].get<std::string>());
    std::ofstream(base + ".ok") << "ok";
    return {base, {{"loaded_by", "raw loader (lean: customers, external ids, interactions)"}, {"load", r}}};
}

void copy_db(const std::string& from, const std::string& to) {
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(to + suffix);
    fs::copy_file(from, to);
    if (fs::exists(from + "-wal")) fs::copy_file(from + "-wal", to + "-wal");
}

Result run(const Context& c) {
    auto [source, details] = source_db(c);
    const std::string path = c.work + "/value.db";
    copy_db(source, path);
    Database db(path, crmlite::OpenOptions{});
    if (db.timezone() != "UTC") throw std::runtime_error("value: the SQL baseline assumes a UTC database");
    // The generator's last day is 2026-11-01: as of its end.
    const std::int64_t as_of = crmlite::parse_instant("2026-11-02T00:00:00Z", "as_of");
    const Json rates = rates_for(db);
    const std::string sql = sql_rfm_statement(rates);
    db.sql().exec("CREATE TABLE IF NOT EXISTS rfm_sql(customer_id BLOB PRIMARY KEY, frequency INTEGER NOT NULL, monetary INTEGER NOT NULL,"
                  " first_day INTEGER, last_day INTEGER, r INTEGER, f INTEGER, m INTEGER, segment TEXT, tier TEXT) STRICT, WITHOUT ROWID");
    const auto params = [&](std::int64_t at, bool snapshot) {
        return crmlite::rfm::parse_params(Json{{"as_of", crmlite::format_instant(at)}, {"rates", rates}, {"snapshot", snapshot}});
    };
    details["customers"] = db.sql().execAndGet("SELECT count(*) FROM customers").getInt64();
    details["interactions"] = db.sql().execAndGet("SELECT count(*) FROM interactions").getInt64();

    // Day 0: a full recompute with a snapshot (what a first run does), then
    // the full recompute and the SQL statement timed on the same data.
    double t0 = now_seconds();
    const Json first = crmlite::rfm::compute(db, params(as_of, true));
    details["full_with_snapshot_s"] = now_seconds() - t0;
    details["buyers"] = first["buyers"];
    details["segments"] = first["segments"];
    details["tiers"] = first["tiers"];
    Times t_full, t_sql, t_refresh;
    t_full.time([&] { crmlite::rfm::compute(db, params(as_of, false)); });
    t_sql.time([&] { sql_rfm(db, sql, as_of); });
    if (const auto bad = sql_mismatches(db)) throw std::runtime_error("value: the SQL statement differs from crmlite for " + std::to_string(bad) + " customers");

    // Days 1..kDays: 1% of customers (at least 10) buy once; refresh, then
    // the full recompute and the SQL statement as of the end of that day.
    std::vector<Uuid> ids;
    {
        SQLite::Statement st(db.sql(), "SELECT id FROM customers");
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    }
    std::mt19937_64 rng(20261101);
    const std::size_t buyers = std::max<std::size_t>(10, ids.size() / 100);
    Json days = Json::array();
    for (int d = 1; d <= kDays; ++d) {
        const std::int64_t day_start = as_of + (d - 1) * kDay;
        db.begin();
        for (std::size_t k = 0; k < buyers; ++k) {
            const Uuid& who = ids[rng() % ids.size()];
            crmlite::interactions::add(db, Json{{"customer_id", who.str()}, {"kind", "order"},
                                                {"occurred_at", crmlite::format_instant(day_start + static_cast<std::int64_t>(rng() % kDay))},
                                                {"amount_minor", 1000 + static_cast<std::int64_t>(rng() % 100000)}, {"currency", "CNY"}});
        }
        db.commit();
        const std::int64_t at = as_of + d * kDay;
        Json inc;
        t_refresh.time([&] { inc = crmlite::rfm::refresh(db, params(at, false)); });
        if (inc["mode"] != "incremental") throw std::runtime_error("value: the refresh fell back to a full recompute");
        const std::uint64_t after_refresh = digest(db);
        Json full;
        t_full.time([&] { full = crmlite::rfm::compute(db, params(at, false)); });
        if (digest(db) != after_refresh || inc["segments"] != full["segments"] || inc["tiers"] != full["tiers"])
            throw std::runtime_error("value: the incremental refresh disagrees with the full recompute");
        t_sql.time([&] { sql_rfm(db, sql, at); });
        if (const auto bad = sql_mismatches(db)) throw std::runtime_error("value: the SQL statement differs from crmlite for " + std::to_string(bad) + " customers");
        days.push_back({{"orders", buyers}, {"refresh_recomputed", inc["recomputed"]}, {"refresh_written", inc["written"]},
                        {"refresh_s", t_refresh.wall.back()}, {"full_s", t_full.wall.back()}, {"sql_s", t_sql.wall.back()}});
    }
    details["days"] = days;
    details["full_s"] = t_full.wall;
    details["sql_s"] = t_sql.wall;
    details["refresh_s"] = t_refresh.wall;
    details["full_cpu_s"] = t_full.cpu;
    details["sql_cpu_s"] = t_sql.cpu;
    details["refresh_cpu_s"] = t_refresh.cpu;
    details["cpu_ratios"] = {{"full_vs_sql", median(t_full.cpu) / median(t_sql.cpu)},
                             {"refresh_vs_full", median(t_refresh.cpu) / median(t_full.cpu)},
                             {"refresh_vs_sql", median(t_refresh.cpu) / median(t_sql.cpu)}};
    details["sql_equal_rows"] = true;
    details["refresh_equal_full"] = true;

    // Churn: scores as of 180 days before as_of; churned = no order after that.
    const std::int64_t eval = as_of - 180 * kDay;
    std::unordered_set<std::string> gen_churners;
    {
        std::ifstream in(c.data + "/churners.csv");
        std::string line;
        std::getline(in, line);  // header
        while (std::getline(in, line))
            if (!line.empty()) gen_churners.insert(line);
    }
    struct Row {
        Uuid id;
        int churned;
        std::int64_t last;
        std::string external_id;
    };
    std::vector<Row> eligible;
    {
        SQLite::Statement st(db.sql(),
                             "SELECT i.customer_id, max(CASE WHEN i.occurred_at <= ?1 THEN i.occurred_at END) AS last_before,"
                             " max(i.occurred_at > ?1), (SELECT x.external_id FROM external_ids x WHERE x.customer_id = i.customer_id LIMIT 1)"
                             " FROM interactions i WHERE i.kind = 'order' AND i.occurred_at <= ?2"
                             " GROUP BY i.customer_id HAVING last_before IS NOT NULL");
        st.bind(1, eval);
        st.bind(2, as_of);
        while (st.executeStep())
            eligible.push_back({Uuid::from_blob(st.getColumn(0).getBlob(), 16), st.getColumn(2).getInt() ? 0 : 1, st.getColumn(1).getInt64(),
                                st.getColumn(3).isNull() ? "" : st.getColumn(3).getString()});
    }
    std::vector<std::pair<double, int>> ours, recency;
    const Json cp = {{"as_of", crmlite::format_instant(eval)}};
    std::size_t churned = 0, agree = 0;
    t0 = now_seconds();
    for (const auto& e : eligible) {
        ours.emplace_back(crmlite::churn::score(db, e.id, cp)["score"].get<double>(), e.churned);
        recency.emplace_back(static_cast<double>(eval - e.last), e.churned);
        churned += static_cast<std::size_t>(e.churned);
        agree += (gen_churners.count(e.external_id) > 0) == (e.churned == 1);
    }
    const double t_churn = now_seconds() - t0;
    details["churn"] = {{"as_of", crmlite::format_instant(eval)}, {"held_out_days", 180}, {"scored", eligible.size()},
                        {"churned", churned}, {"generator_churners", gen_churners.size()},
                        {"labels_agree_with_generator", eligible.empty() ? 0.0 : static_cast<double>(agree) / static_cast<double>(eligible.size())},
                        {"seconds", t_churn},
                        {"scores_per_s", t_churn > 0 ? static_cast<double>(eligible.size()) / t_churn : 0.0}};

    const double full = median(t_full.wall), plain = median(t_sql.wall), inc = median(t_refresh.wall);
    Figures f;
    f.push_back({"RFM full recompute (vs one SQL statement)", "s", full, plain, false});
    f.push_back({"RFM refresh after a day of orders (vs full recompute)", "s", inc, full, false});
    f.push_back({"RFM refresh after a day of orders (vs one SQL statement)", "s", inc, plain, false});
    f.push_back({"churn risk ROC AUC (vs days since last order)", "auc", auc(ours), auc(recency), true});
    return Result{f, details};
}

const Register value_suite{{"value", 40, run}};

}  // namespace
}  // namespace bench
