// RFM: scoring methods, the default 125-cell segment table (every segment
// reachable), tiers, snapshots and movement, incremental refresh equal to a
// full recompute, and an independent SQL computation of every customer's
// scores and segment.
#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>
#include <string>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "rfm/rfm.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
namespace rfm = crmlite::rfm;
namespace customers = crmlite::customers;
namespace interactions = crmlite::interactions;

namespace {

constexpr std::int64_t kDay = 86400000;
const std::int64_t kAsOf = crmlite::parse_instant("2026-06-30T12:00:00Z", "t");

Uuid person(crmlite::Database& db, const std::string& name) {
    return customers::create(db, Json{{"kind", "person"}, {"display_name", name}});
}

void order(crmlite::Database& db, const Uuid& c, std::int64_t at, std::int64_t amount, const std::string& kind = "order",
           const std::string& status = "", const std::string& currency = "CNY") {
    Json j = {{"customer_id", c.str()}, {"kind", kind}, {"occurred_at", crmlite::format_instant(at)},
              {"amount_minor", amount}, {"currency", currency}};
    if (!status.empty()) j["status"] = status;
    interactions::add(db, j);
}

struct Scores {
    std::int64_t rec = -1, freq = 0, mon = 0;
    int r = 0, f = 0, m = 0;
    std::string segment, tier;
    bool operator==(const Scores&) const = default;
};

std::map<std::string, Scores> current(crmlite::Database& db) {
    std::map<std::string, Scores> out;
    SQLite::Statement st(db.sql(),
                         "SELECT c.customer_id, (SELECT value FROM rfm_state WHERE key = 'as_of_day') - c.last_day, c.frequency, "
                         "c.monetary, coalesce(c.r, 0), coalesce(c.f, 0), coalesce(c.m, 0), c.segment, c.tier FROM rfm_current c");
    while (st.executeStep()) {
        Scores s;
        s.rec = st.getColumn(1).isNull() ? -1 : st.getColumn(1).getInt64();
        s.freq = st.getColumn(2).getInt64();
        s.mon = st.getColumn(3).getInt64();
        s.r = st.getColumn(4).getInt(), s.f = st.getColumn(5).getInt(), s.m = st.getColumn(6).getInt();
        s.segment = st.getColumn(7).getString();
        s.tier = st.getColumn(8).getString();
        out[Uuid::from_blob(st.getColumn(0).getBlob(), 16).str()] = s;
    }
    return out;
}

// The default segment table transcribed independently as one SQL CASE over r, f, m.
const char* kSegmentCase =
    "CASE "
    " WHEN r = 5 AND f = 1 THEN 'New Customers'"
    " WHEN r = 5 AND f IN (2, 3) THEN 'Potential Loyalist'"
    " WHEN r = 5 AND m >= 3 THEN 'Champions'"
    " WHEN r = 5 THEN 'Loyal'"
    " WHEN r = 4 AND f = 1 THEN 'Promising'"
    " WHEN r = 4 AND f = 2 THEN 'Potential Loyalist'"
    " WHEN r = 4 AND f = 3 THEN 'Loyal'"
    " WHEN r = 4 AND m >= 4 THEN 'Champions'"
    " WHEN r = 4 THEN 'Loyal'"
    " WHEN r = 3 AND f = 1 THEN 'About To Sleep'"
    " WHEN r = 3 AND f IN (2, 3) THEN 'Need Attention'"
    " WHEN r = 3 THEN 'Loyal'"
    " WHEN r = 2 AND f = 1 THEN 'Hibernating'"
    " WHEN r = 2 AND f = 2 THEN 'About To Sleep'"
    " WHEN r = 1 AND f = 1 THEN 'Lost'"
    " WHEN r = 1 AND f = 2 THEN 'Hibernating'"
    " WHEN f = 3 THEN 'At Risk'"
    " WHEN m >= 4 THEN 'Cannot Lose Them'"
    " ELSE 'At Risk' END";

// RFM straight from the interactions in one SQL statement (UTC database, so a
// local day is occurred_at / 86400000), for the given scoring method: a refund
// is a "refund" or an order with status "refunded" (its absolute amount is
// subtracted); cancelled ones count for nothing; USD sums convert at 7.25.
std::map<std::string, Scores> independent(crmlite::Database& db, const std::string& method, std::int64_t window_days) {
    const std::int64_t as_of_day = kAsOf / kDay;
    const auto scored = [&](const std::string& order) {
        if (method == "ntile") return "NTILE(5) OVER (ORDER BY " + order + ", customer_id)";
        if (method == "quantile") return "(1 + 5 * (RANK() OVER (ORDER BY " + order + ") - 1) / (SELECT count(*) FROM buyers))";
        return "(1 + 5 * (DENSE_RANK() OVER (ORDER BY " + order + ") - 1) / (SELECT count(DISTINCT " +
               order.substr(0, order.find(' ')) + ") FROM buyers))";
    };
    const std::string sql =
        "WITH rows AS (SELECT customer_id, currency, amount_minor, occurred_at, (kind = 'refund' OR status IS 'refunded') AS refund"
        "  FROM interactions WHERE kind IN ('order', 'refund') AND coalesce(status, '') NOT IN ('cancelled', 'canceled')"
        "  AND occurred_at > " + std::to_string(window_days ? kAsOf - window_days * kDay : INT64_MIN) +
        "  AND occurred_at <= " + std::to_string(kAsOf) + "),"
        " per_currency AS (SELECT customer_id, currency, sum(NOT refund) AS freq,"
        "  sum(CASE WHEN refund THEN -abs(coalesce(amount_minor, 0)) ELSE coalesce(amount_minor, 0) END) AS mon,"
        "  max(CASE WHEN NOT refund THEN occurred_at END) AS last FROM rows GROUP BY customer_id, currency),"
        " agg AS (SELECT customer_id, sum(freq) AS freq,"
        "  sum(CASE currency WHEN 'USD' THEN CAST(round(mon * 7.25) AS INTEGER) ELSE mon END) AS mon,"
        "  max(last) AS last FROM per_currency GROUP BY customer_id),"
        " buyers AS (SELECT customer_id, freq, mon, " + std::to_string(as_of_day) + " - last / 86400000 AS rec FROM agg WHERE freq > 0),"
        " scored AS (SELECT customer_id, rec, freq, mon, " + scored("rec DESC") + " AS r, " + scored("freq ASC") + " AS f, " +
        scored("mon ASC") + " AS m, ROW_NUMBER() OVER (ORDER BY mon DESC, customer_id) AS pos FROM buyers)"
        " SELECT hex(c.id), coalesce(s.rec, -1), coalesce(s.freq, 0), coalesce(s.mon, a.mon, 0), coalesce(s.r, 0), coalesce(s.f, 0),"
        "  coalesce(s.m, 0), s.pos, (SELECT count(*) FROM buyers) FROM customers c LEFT JOIN scored s ON s.customer_id = c.id"
        "  LEFT JOIN agg a ON a.customer_id = c.id";
    std::map<std::string, Scores> out;
    SQLite::Statement st(db.sql(), sql);
    while (st.executeStep()) {
        Scores s;
        s.rec = st.getColumn(1).getInt64();
        s.freq = st.getColumn(2).getInt64();
        s.mon = st.getColumn(3).getInt64();
        s.r = st.getColumn(4).getInt(), s.f = st.getColumn(5).getInt(), s.m = st.getColumn(6).getInt();
        if (s.r) {
            SQLite::Statement seg(db.sql(), std::string("SELECT ") + kSegmentCase + " FROM (SELECT ? AS r, ? AS f, ? AS m)");
            seg.bind(1, s.r), seg.bind(2, s.f), seg.bind(3, s.m);
            seg.executeStep();
            s.segment = seg.getColumn(0).getString();
            const double n = static_cast<double>(st.getColumn(8).getInt64());
            const auto pos = st.getColumn(7).getInt64();
            s.tier = pos <= static_cast<std::int64_t>(n * 0.1 + 0.5) ? "core" : pos <= static_cast<std::int64_t>(n * 0.4 + 0.5) ? "potential" : "base";
        } else {
            s.segment = "No Purchases";
            s.tier = "base";
        }
        std::string hex = st.getColumn(0).getString();
        for (auto& ch : hex) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        const std::string id = hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" + hex.substr(20);
        out[id] = s;
    }
    return out;
}

// A few hundred customers with ties, refunds, cancelled orders, old orders
// outside the window and customers who never bought; with `mixed`, also
// orders refunded by status (negative amounts, as shops export them) and
// orders in USD.
void populate(crmlite::Database& db, std::uint32_t seed, int n, bool mixed = false) {
    std::mt19937 rng(seed);
    db.begin();
    for (int i = 0; i < n; ++i) {
        const Uuid c = person(db, "客户 " + std::to_string(i));
        const int orders = static_cast<int>(rng() % 7);  // 0..6
        for (int k = 0; k < orders; ++k) {
            const std::int64_t at = kAsOf - static_cast<std::int64_t>(rng() % 500) * kDay - static_cast<std::int64_t>(rng() % kDay);
            const std::int64_t amount = static_cast<std::int64_t>(rng() % 5 + 1) * 1000;  // many ties
            const int what = static_cast<int>(rng() % 10);
            if (mixed && what == 2) order(db, c, at, -amount, "order", "refunded");
            else if (mixed && what == 3) order(db, c, at, amount + static_cast<std::int64_t>(rng() % 7), "order", "paid", "USD");
            else order(db, c, at, amount, what == 0 ? "refund" : "order", what == 1 ? "cancelled" : "");
        }
        if (rng() % 5 == 0) order(db, c, kAsOf + 2 * kDay, 999);  // after the as-of times used: never counts
    }
    db.commit();
}

}  // namespace

TEST_CASE("the default segment table maps all 125 cells and every segment owns a cell", "[rfm]") {
    const Json t = rfm::default_table();
    REQUIRE(t.size() == 125);
    std::set<std::string> used;
    for (const auto& [cell, seg] : t.items()) used.insert(seg.get<std::string>());
    const auto& names = rfm::default_segment_names();
    CHECK(used == std::set<std::string>(names.begin(), names.end()));
    CHECK(names.size() == 11);
}

TEST_CASE("every default segment is reached by real data", "[rfm]") {
    // 125 customers, one per (r, f, m) cell: 25 share each recency, frequency
    // and monetary value, so equal-size quintiles put each in its cell.
    TempDb t;
    std::map<std::string, std::string> cell_of;
    t->begin();
    for (int r = 1; r <= 5; ++r)
        for (int f = 1; f <= 5; ++f)
            for (int m = 1; m <= 5; ++m) {
                const Uuid c = person(*t, "c" + std::to_string(r) + std::to_string(f) + std::to_string(m));
                const std::int64_t last = kAsOf - (6 - r) * 10 * kDay;
                for (int k = 0; k < f; ++k) order(*t, c, last - k * kDay, k == 0 ? m * 100000 : 0);
                cell_of[c.str()] = std::to_string(r) + std::to_string(f) + std::to_string(m);
            }
    t->commit();
    const std::string method = GENERATE(as<std::string>{}, "ntile", "quantile", "rank_bins");
    const Json summary = rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}, {"method", method}}));
    CHECK(summary["buyers"] == 125);
    const Json table = rfm::default_table();
    std::set<std::string> segments;
    for (const auto& [id, cell] : cell_of) {
        const Json s = rfm::customer(*t, Uuid::parse(id, "id"));
        CHECK(std::to_string(s["r"].get<int>()) + std::to_string(s["f"].get<int>()) + std::to_string(s["m"].get<int>()) == cell);
        CHECK(s["segment"] == table[cell]);
        segments.insert(s["segment"].get<std::string>());
    }
    CHECK(segments.size() == 11);
    for (const auto& name : rfm::default_segment_names()) CHECK(summary["segments"][name].get<int>() > 0);
}

TEST_CASE("RFM equals an independent SQL computation for every customer", "[rfm]") {
    TempDb t;
    populate(*t, 20261123, 400, true);
    const std::string method = GENERATE(as<std::string>{}, "ntile", "quantile", "rank_bins");
    const std::int64_t window = GENERATE(as<std::int64_t>{}, 365, 0);
    INFO("method " << method << ", window " << window);
    rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}, {"method", method}, {"window_days", window},
                                            {"rates", {{"USD", 7.25}}}}));
    const auto mine = current(*t);
    const auto theirs = independent(*t, method, window);
    REQUIRE(mine.size() == 400);
    REQUIRE(theirs.size() == 400);
    int buyers = 0;
    for (const auto& [id, s] : theirs) {
        INFO("customer " << id);
        REQUIRE(mine.count(id));
        const Scores& m = mine.at(id);
        CHECK(m.rec == s.rec);
        CHECK(m.freq == s.freq);
        CHECK(m.mon == s.mon);
        CHECK(m.r == s.r);
        CHECK(m.f == s.f);
        CHECK(m.m == s.m);
        CHECK(m.segment == s.segment);
        CHECK(m.tier == s.tier);
        buyers += s.r > 0;
    }
    CHECK(buyers > 250);  // the data really exercises scoring
    // ... and every rule the comparison is about.
    const auto count = [&](const char* where) { return t->sql().execAndGet(std::string("SELECT count(*) FROM interactions WHERE ") + where).getInt(); };
    CHECK(count("kind = 'refund'") > 20);
    CHECK(count("status = 'refunded' AND amount_minor < 0") > 20);
    CHECK(count("status = 'cancelled'") > 20);
    CHECK(count("currency = 'USD'") > 20);
}

TEST_CASE("the three scoring methods differ on ties as documented", "[rfm]") {
    // Ten customers, values 1,1,1,1,1,1,2,3,4,5 (goodness ascending).
    std::vector<std::int64_t> g = {1, 1, 1, 1, 1, 1, 2, 3, 4, 5};
    std::vector<Uuid> ids;
    for (int i = 0; i < 10; ++i) ids.push_back(Uuid::v8("test", std::to_string(i)));
    const auto nt = rfm::score(g, ids, rfm::Method::ntile);
    const auto q = rfm::score(g, ids, rfm::Method::quantile);
    const auto rb = rfm::score(g, ids, rfm::Method::rank_bins);
    // ntile: equal buckets of 2, ties split by id -> the six 1s get 1,1,2,2,3,3.
    std::multiset<int> tied(nt.begin(), nt.begin() + 6);
    CHECK(tied == std::multiset<int>{1, 1, 2, 2, 3, 3});
    CHECK(std::vector<int>(nt.begin() + 6, nt.end()) == std::vector<int>{4, 4, 5, 5});
    // quantile: ties stay together: six 1s all score 1; 2 -> 1+5*6/10=4, 3 -> 4, 4 -> 5, 5 -> 5.
    CHECK(q == std::vector<int>{1, 1, 1, 1, 1, 1, 4, 4, 5, 5});
    // rank bins: 5 distinct values -> dense ranks 1..5 -> scores 1..5.
    CHECK(rb == std::vector<int>{1, 1, 1, 1, 1, 1, 2, 3, 4, 5});
}

TEST_CASE("currencies convert to the base currency with the application's rates", "[rfm]") {
    TempDb t;
    const Uuid a = person(*t, "Ann"), b = person(*t, "Bo");
    order(*t, a, kAsOf - kDay, 10000, "order", "", "USD");   // 100.00 USD
    order(*t, a, kAsOf - kDay, 5000, "order", "", "JPY");    // 5000 JPY (no decimals)
    order(*t, b, kAsOf - kDay, 12345);                        // 123.45 CNY
    const Json base = {{"as_of", crmlite::format_instant(kAsOf)}};
    CHECK_CRM_ERROR(rfm::compute(*t, rfm::parse_params(base)), CRM_EINVAL, "rfm.rates: no exchange rate for");
    Json p = base;
    p["rates"] = {{"USD", 7.0}, {"JPY", 0.05}};
    rfm::compute(*t, rfm::parse_params(p));
    CHECK(rfm::customer(*t, a)["monetary"] == 70000 + 25000);  // 700.00 + 250.00 CNY in fen
    CHECK(rfm::customer(*t, b)["monetary"] == 12345);
    CHECK(rfm::customer(*t, a)["currency"] == "CNY");
}

TEST_CASE("recency counts local calendar days in the database time zone", "[rfm]") {
    TempDb t;
    crmlite::OpenOptions o;
    o.timezone = "Asia/Shanghai";
    t.reopen(o);
    REQUIRE(t->timezone() == "Asia/Shanghai");
    const Uuid c = person(*t, "王小明");
    // 2026-06-29 23:30 in Shanghai (15:30 UTC); as-of 2026-06-30 00:30 Shanghai (16:30 UTC): one day, one hour apart.
    order(*t, c, crmlite::parse_instant("2026-06-29T15:30:00Z", "t"), 100);
    rfm::compute(*t, rfm::parse_params(Json{{"as_of", "2026-06-29T16:30:00Z"}}));
    CHECK(rfm::customer(*t, c)["recency_days"] == 1);
}

TEST_CASE("bad RFM parameters are refused naming the field", "[rfm]") {
    const auto bad = [](Json j, const char* needle) {
        if (!j.contains("as_of")) j["as_of"] = "2026-06-30";
        CHECK_CRM_ERROR(rfm::parse_params(j), CRM_EINVAL, needle);
    };
    CHECK_CRM_ERROR(rfm::parse_params(Json::object()), CRM_EINVAL, "rfm.as_of");
    bad({{"method", "median"}}, "rfm.method");
    bad({{"window_days", -1}}, "rfm.window_days");
    bad({{"purchase_kinds", Json::array()}}, "rfm.purchase_kinds");
    bad({{"refund_kinds", {"order"}}}, "rfm.refund_kinds");
    bad({{"rates", {{"usd", 7}}}}, "rfm.rates.usd");
    bad({{"rates", {{"USD", -1}}}}, "rfm.rates.USD");
    bad({{"tiers", {{"core", 0.8}, {"potential", 0.5}}}}, "rfm.tiers");
    bad({{"tiers", {{"gold", 0.1}}}}, "rfm.tiers.gold");
    bad({{"segments", {{"table", {{"555", "Top"}}}}}}, "rfm.segments.table");
    bad({{"segments", {{"rules", {{{"segment", "Top"}, {"r", {4, 5}}}}}}}}, "matches no rule");
    bad({{"segments", {{"rules", {{{"segment", "Top"}, {"x", 1}}}}}}}, "rfm.segments.rules[0].x");
    bad({{"colour", 1}}, "colour");
}

TEST_CASE("an application's own segment rules and table replace the default", "[rfm]") {
    TempDb t;
    populate(*t, 7, 120);
    const Json rules = {{"rules", {{{"segment", "Best"}, {"r", {4, 5}}, {"f", {4, 5}}}, {{"segment", "Recent"}, {"r", 5}}, {{"segment", "Rest"}}}}};
    rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}, {"segments", rules}}));
    for (const auto& [id, s] : current(*t)) {
        if (!s.r) continue;
        const std::string want = s.r >= 4 && s.f >= 4 ? "Best" : s.r == 5 ? "Recent" : "Rest";
        CHECK(s.segment == want);
    }
    Json table = Json::object();
    const Json cells = rfm::default_table();
    for (const auto& [cell, seg] : cells.items()) table[cell] = cell[0] == '5' ? "五" : "other";
    rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}, {"segments", {{"table", table}}}}));
    for (const auto& [id, s] : current(*t))
        if (s.r) CHECK(s.segment == (s.r == 5 ? "五" : "other"));
}

TEST_CASE("tiers split buyers 10/30/60 by value, configurable", "[rfm]") {
    TempDb t;
    t->begin();
    for (int i = 1; i <= 20; ++i) order(*t, person(*t, "c" + std::to_string(i)), kAsOf - kDay, i * 100);
    person(*t, "never bought");
    t->commit();
    Json s = rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}}));
    CHECK(s["tiers"]["core"] == 2);
    CHECK(s["tiers"]["potential"] == 6);
    CHECK(s["tiers"]["base"] == 13);  // 12 buyers + the one without purchases
    CHECK(s["segments"]["No Purchases"] == 1);
    s = rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}, {"tiers", {{"core", 0.25}, {"potential", 0.25}}}}));
    CHECK(s["tiers"]["core"] == 5);
    CHECK(s["tiers"]["potential"] == 5);
}

TEST_CASE("incremental refresh after a day of orders equals a full recompute", "[rfm]") {
    TempDb t;
    populate(*t, 99, 300);
    Json p = {{"as_of", crmlite::format_instant(kAsOf)}};
    const Json first = rfm::compute(*t, rfm::parse_params(p));
    CHECK(first["mode"] == "full");
    // A day later: new orders for some customers, a new customer, an edited order.
    std::vector<Uuid> ids;
    {
        SQLite::Statement st(t->sql(), "SELECT id FROM customers ORDER BY id LIMIT 40");
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
    }
    for (std::size_t i = 0; i < ids.size(); i += 3) order(*t, ids[i], kAsOf + kDay / 2, 7777);
    order(*t, person(*t, "新客户"), kAsOf + kDay / 3, 100);
    const std::string edited = t->sql().execAndGet("SELECT lower(hex(id)) FROM interactions WHERE kind = 'order' LIMIT 1").getString();
    const std::string eid = edited.substr(0, 8) + "-" + edited.substr(8, 4) + "-" + edited.substr(12, 4) + "-" + edited.substr(16, 4) + "-" + edited.substr(20);
    interactions::update(*t, Uuid::parse(eid, "id"), Json{{"amount_minor", 123456}});
    p["as_of"] = crmlite::format_instant(kAsOf + kDay);
    const Json inc = rfm::refresh(*t, rfm::parse_params(p));
    CHECK(inc["mode"] == "incremental");
    CHECK(inc["recomputed"].get<int>() < 40);
    const auto after_refresh = current(*t);
    const Json full = rfm::compute(*t, rfm::parse_params(p));
    CHECK(after_refresh == current(*t));
    CHECK(inc["segments"] == full["segments"]);
    CHECK(inc["tiers"] == full["tiers"]);
    SECTION("a deleted interaction makes the refresh recompute everything") {
        interactions::remove(*t, Uuid::parse(eid, "id"));
        CHECK(rfm::refresh(*t, rfm::parse_params(p))["mode"] == "full");
    }
    SECTION("a refresh with another segment map or tier shares rewrites what they change") {
        p["segments"] = {{"rules", {{{"segment", "Recent"}, {"r", {4, 5}}}, {{"segment", "Other"}}}}};
        p["tiers"] = {{"core", 0.25}, {"potential", 0.25}};
        const Json again = rfm::refresh(*t, rfm::parse_params(p));
        CHECK(again["mode"] == "incremental");
        CHECK(again["recomputed"] == 0);
        const auto refreshed = current(*t);
        const Json full2 = rfm::compute(*t, rfm::parse_params(p));
        CHECK(refreshed == current(*t));
        CHECK(again["segments"] == full2["segments"]);
        CHECK(again["tiers"] == full2["tiers"]);
        for (const auto& [id, s] : refreshed) CHECK(s.segment == (s.r == 0 ? "No Purchases" : s.r >= 4 ? "Recent" : "Other"));
    }
    SECTION("other aggregate parameters make the refresh recompute everything") {
        p["window_days"] = 30;
        CHECK(rfm::refresh(*t, rfm::parse_params(p))["mode"] == "full");
    }
}

TEST_CASE("snapshots keep history and report movement between segments", "[rfm]") {
    TempDb t;
    const Uuid a = person(*t, "a"), b = person(*t, "b");
    order(*t, a, kAsOf - kDay, 100);
    const Json s1 = rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}}));
    order(*t, b, kAsOf + kDay / 2, 100);
    const Json s2 = rfm::refresh(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf + kDay)}}));
    CHECK(rfm::snapshots(*t).size() == 2);
    CHECK(rfm::snapshots(*t)[0]["id"] == s2["snapshot"]);
    const Json mv = rfm::movement(*t, 0, 0);
    CHECK(mv["from"] == s1["snapshot"]);
    CHECK(mv["moved"].get<int>() >= 1);  // b: No Purchases -> a segment (a may move too: scores are relative)
    CHECK(mv["moved"].get<int>() + mv["stayed"].get<int>() == 2);
    bool found = false;
    for (const auto& cell : mv["matrix"])
        if (cell["from"] == "No Purchases" && cell["to"] != "No Purchases") found = cell["count"] == 1;
    CHECK(found);
    CHECK_CRM_ERROR(rfm::movement(*t, 999, 0), CRM_ENOTFOUND, "from");
    const Json no_snap = rfm::compute(*t, rfm::parse_params(Json{{"as_of", crmlite::format_instant(kAsOf)}, {"snapshot", false}}));
    CHECK(no_snap["snapshot"].is_null());
    CHECK(rfm::snapshots(*t).size() == 2);
}

TEST_CASE("the same data and as-of time give the same results", "[rfm]") {
    TempDb a, b;
    populate(*a, 5, 150);
    populate(*b, 5, 150);  // same amounts and dates, different ids
    const Json p = {{"as_of", crmlite::format_instant(kAsOf)}};
    const Json ra = rfm::compute(*a, rfm::parse_params(p));
    CHECK(rfm::compute(*a, rfm::parse_params(p))["segments"] == ra["segments"]);
    const Json rb = rfm::compute(*b, rfm::parse_params(p));
    CHECK(ra["buyers"] == rb["buyers"]);
}
