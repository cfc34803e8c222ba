#include "reports/reports.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "common/error.hpp"
#include "common/time.hpp"
#include "rfm/rfm.hpp"
#include "rfm/state.hpp"

namespace crmlite::reports {

namespace {

double share(std::int64_t part, std::int64_t whole) { return whole ? std::round(1e6 * static_cast<double>(part) / static_cast<double>(whole)) / 1e6 : 0.0; }

void require_rfm(Database& db) {
    if (!rfm::state_int(db, "as_of")) throw Error(CRM_ENOTFOUND, "report: no RFM run yet (call crm_rfm_compute first)");
}

std::string base_currency(Database& db) {
    const auto p = rfm::state_text(db, "params");
    return p ? Json::parse(*p).value("base_currency", "") : "";
}

Json grouped(Database& db, const char* column) {
    std::int64_t customers = 0, revenue = 0;
    std::vector<std::tuple<std::string, std::int64_t, std::int64_t, std::int64_t>> rows;
    auto& st = db.stmt(std::string("SELECT ") + column + ", count(*), sum(monetary), sum(frequency) FROM rfm_current GROUP BY 1 ORDER BY 1");
    while (st.executeStep()) {
        rows.emplace_back(st.getColumn(0).getString(), st.getColumn(1).getInt64(), st.getColumn(2).getInt64(), st.getColumn(3).getInt64());
        customers += st.getColumn(1).getInt64();
        revenue += st.getColumn(2).getInt64();
    }
    st.reset();
    Json out = Json::array();
    for (const auto& [name, n, rev, orders] : rows)
        out.push_back({{"name", name}, {"customers", n}, {"revenue", rev}, {"orders", orders}, {"customer_share", share(n, customers)},
                       {"revenue_share", share(rev, revenue)}});
    return out;
}

Json segments(Database& db) {
    require_rfm(db);
    return {{"as_of", format_instant(*rfm::state_int(db, "as_of"))}, {"currency", base_currency(db)},
            {"segments", grouped(db, "segment")}, {"tiers", grouped(db, "tier")}};
}

Json funnel(Database& db) {
    static const char* stages[] = {"prospect", "customer", "repeat", "loyal", "at_risk", "churned"};
    Json out = Json::array();
    for (const char* s : stages) {
        auto& now = db.stmt("SELECT count(*) FROM customers WHERE stage = ?");
        now.bind(1, s);
        now.executeStep();
        const auto current = now.getColumn(0).getInt64();
        now.reset();
        auto& ever = db.stmt("SELECT count(DISTINCT customer_id) FROM lifecycle_history WHERE stage = ?");
        ever.bind(1, s);
        ever.executeStep();
        const auto reached = ever.getColumn(0).getInt64();
        ever.reset();
        out.push_back({{"stage", s}, {"customers", current}, {"ever_reached", reached}});
    }
    const auto none = db.sql().execAndGet("SELECT count(*) FROM customers WHERE stage IS NULL").getInt64();
    return {{"stages", out}, {"no_stage", none}};
}

Json followup(Database& db, const Json& p) {
    Input in(p, "report");
    in.allow_only({"from", "to", "now"});
    const std::int64_t from = in.instant("from").value_or(INT64_MIN), to = in.instant("to").value_or(INT64_MAX);
    const std::int64_t now = in.instant("now").value_or(now_ms());
    auto& st = db.stmt(
        "SELECT count(*), coalesce(sum(status = 'done'), 0), coalesce(sum(status = 'done' AND completed_at <= due_at), 0), "
        "coalesce(sum(status IN ('open', 'snoozed') AND due_at < ?3), 0) FROM tasks WHERE due_at >= ?1 AND due_at <= ?2 AND status <> 'cancelled'");
    st.bind(1, from);
    st.bind(2, to);
    st.bind(3, now);
    st.executeStep();
    const auto total = st.getColumn(0).getInt64(), done = st.getColumn(1).getInt64(), on_time = st.getColumn(2).getInt64(),
               overdue = st.getColumn(3).getInt64();
    st.reset();
    // On-time rate: tasks done by their due time among tasks that are done or already overdue.
    return {{"tasks", total}, {"done", done}, {"done_on_time", on_time}, {"overdue_open", overdue},
            {"on_time_rate", share(on_time, done + overdue)}};
}

Json repeat_rate(Database& db) {
    require_rfm(db);
    auto& st = db.stmt("SELECT coalesce(sum(frequency > 0), 0), coalesce(sum(frequency > 1), 0) FROM rfm_current");
    st.executeStep();
    const auto buyers = st.getColumn(0).getInt64(), repeat = st.getColumn(1).getInt64();
    st.reset();
    return {{"buyers", buyers}, {"repeat_buyers", repeat}, {"repeat_rate", share(repeat, buyers)}};
}

Json aov(Database& db) {
    require_rfm(db);
    Json segs = Json::array();
    std::int64_t revenue = 0, orders = 0;
    auto& st = db.stmt("SELECT segment, sum(monetary), sum(frequency) FROM rfm_current WHERE frequency > 0 GROUP BY 1 ORDER BY 1");
    while (st.executeStep()) {
        const auto rev = st.getColumn(1).getInt64(), n = st.getColumn(2).getInt64();
        revenue += rev, orders += n;
        segs.push_back({{"segment", st.getColumn(0).getString()}, {"orders", n}, {"revenue", rev}, {"aov", n ? rev / n : 0}});
    }
    st.reset();
    return {{"currency", base_currency(db)}, {"orders", orders}, {"revenue", revenue}, {"aov", orders ? revenue / orders : 0}, {"segments", segs}};
}

// CLV = annual value x margin x r / (1 + d - r): annual value from the RFM
// window's revenue, r the retention (default: the repeat purchase rate),
// d the discount rate. A simple, documented estimate, not a forecast model.
Json clv(Database& db, const Json& p) {
    require_rfm(db);
    Input in(p, "report");
    in.allow_only({"margin", "discount_rate", "retention", "customer_id", "limit"});
    const auto num = [&](const char* key, double fallback, double lo, double hi) {
        if (!p.contains(key) || p.at(key).is_null()) return fallback;
        if (!p.at(key).is_number() || p.at(key).get<double>() < lo || p.at(key).get<double>() > hi)
            invalid(std::string("report.") + key, "expected a number from " + std::to_string(lo).substr(0, 4) + " to " + std::to_string(hi).substr(0, 4));
        return p.at(key).get<double>();
    };
    const double margin = num("margin", 1.0, 0, 1), d = num("discount_rate", 0.1, 0, 1);
    const double r = num("retention", repeat_rate(db)["repeat_rate"].get<double>(), 0, 0.99);
    const Json params = Json::parse(*rfm::state_text(db, "params"));
    std::int64_t window = params.value("window_days", std::int64_t{365});
    if (window == 0) window = 365;
    const double factor = (365.0 / static_cast<double>(window)) * margin * r / (1.0 + d - r);
    const auto value = [&](std::int64_t monetary) { return std::llround(static_cast<double>(monetary) * factor); };
    Json out = {{"currency", base_currency(db)}, {"margin", margin}, {"discount_rate", d}, {"retention", r}};
    if (const auto c = in.text("customer_id", 36)) {
        const Uuid id = Uuid::parse(*c, "report.customer_id");
        auto& st = db.stmt("SELECT monetary, segment FROM rfm_current WHERE customer_id = ?");
        st.bind(1, id.data(), Uuid::size());
        if (!st.executeStep()) throw Error(CRM_ENOTFOUND, "report.customer_id: no RFM scores for customer " + id.str());
        out["customer"] = {{"customer_id", id.str()}, {"segment", st.getColumn(1).getString()}, {"clv", value(st.getColumn(0).getInt64())}};
        st.reset();
    }
    Json segs = Json::array();
    auto& st = db.stmt("SELECT segment, count(*), sum(monetary) FROM rfm_current GROUP BY 1 ORDER BY 1");
    while (st.executeStep()) {
        const std::int64_t n = st.getColumn(1).getInt64();
        const std::int64_t total = value(st.getColumn(2).getInt64());
        segs.push_back({{"segment", st.getColumn(0).getString()}, {"customers", n}, {"clv_total", total}, {"clv_average", n ? total / n : 0}});
    }
    st.reset();
    out["segments"] = segs;
    const std::int64_t limit = in.integer("limit", 0, 10000).value_or(10);
    Json top = Json::array();
    auto& t = db.stmt("SELECT customer_id, monetary, segment FROM rfm_current ORDER BY monetary DESC, customer_id LIMIT ?");
    t.bind(1, limit);
    while (t.executeStep())
        top.push_back({{"customer_id", Uuid::from_blob(t.getColumn(0).getBlob(), 16).str()}, {"segment", t.getColumn(2).getString()},
                       {"clv", value(t.getColumn(1).getInt64())}});
    t.reset();
    out["top"] = top;
    return out;
}

}  // namespace

Json run(Database& db, const std::string& name, const Json& params) {
    if (name == "segments") return segments(db);
    if (name == "transitions") {
        Input in(params, "report");
        in.allow_only({"from", "to"});
        return rfm::movement(db, in.integer("from", 0, INT64_MAX).value_or(0), in.integer("to", 0, INT64_MAX).value_or(0));
    }
    if (name == "funnel") return funnel(db);
    if (name == "followup") return followup(db, params);
    if (name == "repeat_rate") return repeat_rate(db);
    if (name == "aov") return aov(db);
    if (name == "clv") return clv(db, params);
    invalid("report", "unknown report \"" + name + "\" (segments, transitions, funnel, followup, repeat_rate, aov, clv)");
}

}  // namespace crmlite::reports
