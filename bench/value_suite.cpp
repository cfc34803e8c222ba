// Suite "value": RFM and churn risk on the imported database (a copy).
//   1. RFM full recompute (crmlite: aggregate, score, store current scores
//      and a snapshot) beside one hand-written SQL query that computes the
//      same scores with NTILE window functions (baseline);
//   2. RFM incremental refresh after a day of new orders (1% of customers
//      buy) beside a full recompute of the same day (baseline); both must give
//      the same segment counts;
//   3. churn risk: ROC AUC of crmlite's score on a held-out period — scores
//      as of 180 days before the generator's as-of date, a customer churned
//      when no order follows in those 180 days — beside the AUC of plain
//      recency (days since the last order) as the baseline.
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "churn/churn.hpp"
#include "common/time.hpp"
#include "interactions/interactions.hpp"
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

// The whole RFM in one SQL statement (UTC days, NTILE with ties by id, the
// same refund handling), read to the end: the baseline for a full recompute.
std::int64_t sql_rfm(Database& db, std::int64_t as_of, const Json& rates) {
    std::string rate_case = "CASE currency WHEN 'CNY' THEN 1.0";
    for (const auto& [c, r] : rates.items()) rate_case += " WHEN '" + c + "' THEN " + std::to_string(r.get<double>());
    rate_case += " ELSE 1.0 END";
    const std::string sql =
        "WITH per_cur AS (SELECT customer_id, currency, sum(status IS NOT 'refunded') AS freq,"
        " sum(CASE WHEN status = 'refunded' THEN -abs(coalesce(amount_minor, 0)) ELSE coalesce(amount_minor, 0) END) AS mon,"
        " max(CASE WHEN status IS NOT 'refunded' THEN occurred_at END) AS last FROM interactions"
        " WHERE kind = 'order' AND coalesce(status, '') NOT IN ('cancelled', 'canceled') AND occurred_at > ?1 AND occurred_at <= ?2"
        " GROUP BY customer_id, currency),"
        " agg AS (SELECT customer_id, sum(freq) AS freq, sum(round(mon * " + rate_case + ")) AS mon, max(last) AS last FROM per_cur GROUP BY customer_id),"
        " buyers AS (SELECT customer_id, freq, mon, ?3 - last / 86400000 AS rec FROM agg WHERE freq > 0),"
        " scored AS (SELECT customer_id, NTILE(5) OVER (ORDER BY rec DESC, customer_id) AS r, NTILE(5) OVER (ORDER BY freq, customer_id) AS f,"
        " NTILE(5) OVER (ORDER BY mon, customer_id) AS m, ROW_NUMBER() OVER (ORDER BY mon DESC, customer_id) AS pos FROM buyers)"
        " SELECT c.id, s.r, s.f, s.m, s.pos FROM customers c LEFT JOIN scored s ON s.customer_id = c.id";
    SQLite::Statement st(db.sql(), sql);
    st.bind(1, as_of - 365 * kDay);
    st.bind(2, as_of);
    st.bind(3, as_of / kDay);
    std::int64_t rows = 0;
    while (st.executeStep()) rows += st.getColumn(1).isNull() ? 0 : 1;
    return rows;
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

Result run(const Context& c) {
    if (!fs::exists(c.crm_db)) throw std::runtime_error("value: needs the import suite's database " + c.crm_db);
    const std::string path = c.work + "/value.db";
    fs::copy_file(c.crm_db, path, fs::copy_options::overwrite_existing);
    if (fs::exists(c.crm_db + "-wal")) fs::copy_file(c.crm_db + "-wal", path + "-wal", fs::copy_options::overwrite_existing);
    Database db(path, crmlite::OpenOptions{});
    const std::int64_t as_of = crmlite::parse_instant("2026-11-01T00:00:00Z", "as_of");
    const Json rates = rates_for(db);
    Json params = {{"as_of", crmlite::format_instant(as_of)}, {"rates", rates}};
    json details;

    // 1. full recompute vs one SQL query.
    double t0 = now_seconds();
    const Json full = crmlite::rfm::compute(db, crmlite::rfm::parse_params(params));
    const double t_full = now_seconds() - t0;
    t0 = now_seconds();
    const std::int64_t sql_buyers = sql_rfm(db, as_of, rates);
    const double t_sql = now_seconds() - t0;
    details["customers"] = full["customers"];
    details["buyers"] = full["buyers"];
    details["sql_buyers"] = sql_buyers;
    details["segments"] = full["segments"];
    details["tiers"] = full["tiers"];

    // 2. a day of orders: 1% of customers (at least 10) buy once.
    std::vector<Uuid> ids;
    {
        SQLite::Statement st(db.sql(), "SELECT id FROM customers");
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    }
    std::mt19937_64 rng(20261101);
    const std::size_t buyers = std::max<std::size_t>(10, ids.size() / 100);
    db.begin();
    for (std::size_t k = 0; k < buyers && !ids.empty(); ++k) {
        const Uuid& who = ids[rng() % ids.size()];
        crmlite::interactions::add(db, Json{{"customer_id", who.str()}, {"kind", "order"},
                                            {"occurred_at", crmlite::format_instant(as_of + kDay / 2 + static_cast<std::int64_t>(k))},
                                            {"amount_minor", 1000 + static_cast<std::int64_t>(rng() % 100000)}, {"currency", "CNY"}});
    }
    db.commit();
    params["as_of"] = crmlite::format_instant(as_of + kDay);
    t0 = now_seconds();
    const Json inc = crmlite::rfm::refresh(db, crmlite::rfm::parse_params(params));
    const double t_refresh = now_seconds() - t0;
    t0 = now_seconds();
    const Json again = crmlite::rfm::compute(db, crmlite::rfm::parse_params(params));
    const double t_full2 = now_seconds() - t0;
    if (inc["segments"] != again["segments"] || inc["tiers"] != again["tiers"])
        throw std::runtime_error("value: the incremental refresh disagrees with the full recompute");
    details["day_of_orders"] = buyers;
    details["refresh_mode"] = inc["mode"];
    details["refresh_recomputed"] = inc["recomputed"];
    details["refresh_written"] = inc["written"];

    // 3. churn AUC on a held-out period.
    const std::int64_t eval = as_of - 180 * kDay;
    std::vector<std::pair<Uuid, std::pair<int, std::int64_t>>> eligible;  // id, (churned, last order day before eval)
    {
        SQLite::Statement st(db.sql(),
                             "SELECT customer_id, max(CASE WHEN occurred_at <= ?1 THEN occurred_at END) AS last_before, "
                             "max(occurred_at > ?1) FROM interactions WHERE kind = 'order' AND occurred_at <= ?2 "
                             "GROUP BY customer_id HAVING last_before IS NOT NULL");
        st.bind(1, eval);
        st.bind(2, as_of);
        while (st.executeStep())
            eligible.push_back({Uuid::from_blob(st.getColumn(0).getBlob(), 16),
                                {st.getColumn(2).getInt() ? 0 : 1, st.getColumn(1).getInt64()}});
    }
    std::vector<std::pair<double, int>> ours, recency;
    const Json cp = {{"as_of", crmlite::format_instant(eval)}};
    t0 = now_seconds();
    for (const auto& [id, lab] : eligible) {
        ours.emplace_back(crmlite::churn::score(db, id, cp)["score"].get<double>(), lab.first);
        recency.emplace_back(static_cast<double>(eval - lab.second), lab.first);
    }
    const double t_churn = now_seconds() - t0;
    std::size_t churned = 0;
    for (const auto& e : eligible) churned += static_cast<std::size_t>(e.second.first);
    details["churn_scored"] = eligible.size();
    details["churn_churned"] = churned;
    details["churn_seconds"] = t_churn;

    Figures f;
    f.push_back({"RFM full recompute (SQL: one NTILE query)", "s", t_full, t_sql, false});
    f.push_back({"RFM refresh after a day of orders (vs full recompute)", "s", t_refresh, t_full2, false});
    f.push_back({"churn risk ROC AUC (vs days since last order)", "auc", auc(ours), auc(recency), true});
    return Result{f, details};
}

const Register value_suite{{"value", 40, run}};

}  // namespace
}  // namespace bench
