#include "pipeline/forecast.hpp"

#include <SQLiteCpp/Statement.h>

#include <map>
#include <set>
#include <tuple>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "pipeline/pipelines.hpp"
#include "rfm/days.hpp"

namespace crmlite::forecast {

namespace {

constexpr double kDayMs = 86400000.0;

// sum / 100 rounded half up (sums are never negative).
std::int64_t percent_of(std::int64_t sum_of_products) { return (sum_of_products + 50) / 100; }

std::optional<Uuid> pipeline_param(const Json& params, const char* what) {
    Input in(params, what);
    if (auto p = in.text("pipeline_id", 64)) return Uuid::parse(*p, in.field("pipeline_id"));
    return std::nullopt;
}

std::string period_of(const std::string& date, bool quarter) {
    if (date.empty()) return "unscheduled";
    if (!quarter) return date.substr(0, 7);
    const int month = std::stoi(date.substr(5, 2));
    return date.substr(0, 4) + "-Q" + std::to_string((month - 1) / 3 + 1);
}

struct Cell {
    std::int64_t open_count = 0, pipeline = 0, weighted_products = 0, won_count = 0, won = 0, lost_count = 0;
};

Json rate(std::int64_t num, std::int64_t den) {
    if (den == 0) return nullptr;
    return static_cast<double>(num) / static_cast<double>(den);
}

}  // namespace

Json by_stage(Database& db, const Json& params) {
    Input in(params, "pipeline report");
    in.allow_only({"pipeline_id"});
    access::require(db, access::kRead, "sales.report");
    const auto only = pipeline_param(params, "pipeline report");
    // A scoped principal's report counts the opportunities of its customers only.
    const std::string scope = access::customer_scope_sql(db, "opportunities.customer_id");
    Json pipelines = Json::array();
    for (const auto& p : pipeline::list(db)) {
        const Uuid pid = Uuid::parse(p["id"].get<std::string>(), "id");
        if (only && *only != pid) continue;
        Json stages = Json::array();
        for (const auto& s : pipeline::stages_of(db, pid)) {
            auto& st = db.stmt(
                "SELECT count(*), currency, sum(amount_minor) FROM opportunities WHERE stage_id = ? AND status = 'open'" + scope +
                " GROUP BY currency ORDER BY currency IS NULL, currency");
            st.bind(1, s.id.data(), Uuid::size());
            std::int64_t count = 0;
            Json amounts = Json::array();
            while (st.executeStep()) {
                count += st.getColumn(0).getInt64();
                if (st.getColumn(1).isNull()) continue;
                const std::int64_t sum = st.getColumn(2).getInt64();
                amounts.push_back({{"currency", st.getColumn(1).getString()},
                                   {"amount_minor", sum},
                                   {"weighted_minor", percent_of(sum * s.probability)}});
            }
            st.reset();
            stages.push_back({{"id", s.id.str()}, {"name", s.name}, {"position", s.position}, {"probability", s.probability},
                              {"outcome", s.outcome}, {"count", count}, {"amounts", std::move(amounts)}});
        }
        pipelines.push_back({{"id", pid.str()}, {"name", p["name"]}, {"stages", std::move(stages)}});
    }
    if (only && pipelines.empty()) throw Error(CRM_ENOTFOUND, "pipeline report.pipeline_id: no pipeline " + only->str());
    return {{"pipelines", std::move(pipelines)}};
}

Json forecast(Database& db, const Json& params) {
    Input in(params, "forecast");
    in.allow_only({"period", "group_by", "from", "to", "pipeline_id"});
    access::require(db, access::kRead, "sales.report");
    const bool quarter = in.choice("period", {"month", "quarter"}).value_or("month") == "quarter";
    const std::string group_by = in.choice("group_by", {"owner", "team", "none"}).value_or("none");
    const std::string from = in.date("from").value_or(""), to = in.date("to").value_or("");
    if (!from.empty() && !to.empty() && from > to) invalid("forecast.to", "before forecast.from");
    const auto only = pipeline_param(params, "forecast");
    const auto in_range = [&](const std::string& date) {
        if (date.empty()) return from.empty() && to.empty();
        return (from.empty() || date >= from) && (to.empty() || date <= to);
    };
    // (period, group, currency) -> cell; per currency the summary's inputs.
    std::map<std::tuple<std::string, std::string, std::string>, Cell> cells;
    struct Summary {
        std::int64_t won = 0, lost = 0, won_sum = 0, open = 0;
        double cycle_days = 0;
    };
    std::map<std::string, Summary> summary;
    // A deal closed at 23:30 on the 31st in Shanghai belongs to that month
    // there: close dates are calendar dates in the database's time zone.
    const LocalDays days(db.timezone());
    auto& st = db.stmt(
        "SELECT o.status, o.amount_minor, o.currency, o.expected_close, o.closed_at, o.created_at, o.owner, o.team, "
        "s.probability, o.pipeline_id FROM opportunities o JOIN pipeline_stages s ON s.id = o.stage_id WHERE 1" +
        access::customer_scope_sql(db, "o.customer_id"));
    while (st.executeStep()) {
        if (only && Uuid::from_blob(st.getColumn(9).getBlob(), 16) != *only) continue;
        const std::string status = st.getColumn(0).getString();
        const std::string currency = st.getColumn(2).isNull() ? "" : st.getColumn(2).getString();
        const std::int64_t amount = st.getColumn(1).isNull() ? 0 : st.getColumn(1).getInt64();
        const std::string group = group_by == "none" ? "" : (st.getColumn(group_by == "owner" ? 6 : 7).isNull() ? "" : st.getColumn(group_by == "owner" ? 6 : 7).getString());
        std::string date;
        if (status == "open") date = st.getColumn(3).isNull() ? "" : st.getColumn(3).getString();
        else if (!st.getColumn(4).isNull())
            date = format_instant(days.day(st.getColumn(4).getInt64()) * static_cast<std::int64_t>(kDayMs)).substr(0, 10);
        if (!in_range(date)) continue;
        Cell& c = cells[{period_of(date, quarter), group, currency}];
        Summary& s = summary[currency];
        if (status == "open") {
            ++c.open_count;
            c.pipeline += amount;
            c.weighted_products += amount * st.getColumn(8).getInt64();
            ++s.open;
        } else if (status == "won") {
            ++c.won_count;
            c.won += amount;
            ++s.won;
            s.won_sum += amount;
            if (!st.getColumn(4).isNull())
                s.cycle_days += static_cast<double>(st.getColumn(4).getInt64() - st.getColumn(5).getInt64()) / kDayMs;
        } else {
            ++c.lost_count;
            ++s.lost;
        }
    }
    st.reset();
    Json rows = Json::array();
    for (const auto& [key, c] : cells) {
        const auto& [period, group, currency] = key;
        Json r = {{"period", period}};
        if (group_by != "none") r[group_by] = group.empty() ? Json(nullptr) : Json(group);
        r["currency"] = currency.empty() ? Json(nullptr) : Json(currency);
        r["open_count"] = c.open_count;
        r["pipeline_minor"] = c.pipeline;
        r["weighted_minor"] = percent_of(c.weighted_products);
        r["won_count"] = c.won_count;
        r["won_minor"] = c.won;
        r["lost_count"] = c.lost_count;
        r["win_rate"] = rate(c.won_count, c.won_count + c.lost_count);
        rows.push_back(std::move(r));
    }
    Json sums = Json::array();
    for (const auto& [currency, s] : summary) {
        Json r = {{"currency", currency.empty() ? Json(nullptr) : Json(currency)}, {"won_count", s.won},
                  {"lost_count", s.lost}, {"open_count", s.open}, {"win_rate", rate(s.won, s.won + s.lost)}};
        r["avg_won_minor"] = s.won ? Json(s.won_sum / s.won) : Json(nullptr);
        r["avg_cycle_days"] = s.won ? Json(s.cycle_days / static_cast<double>(s.won)) : Json(nullptr);
        // Velocity: open deals x average won deal x win rate / average cycle length.
        if (s.won && s.cycle_days > 0)
            r["velocity_minor_per_day"] = static_cast<double>(s.open) * (static_cast<double>(s.won_sum) / static_cast<double>(s.won)) *
                                          (static_cast<double>(s.won) / static_cast<double>(s.won + s.lost)) /
                                          (s.cycle_days / static_cast<double>(s.won));
        else
            r["velocity_minor_per_day"] = nullptr;
        sums.push_back(std::move(r));
    }
    return {{"rows", std::move(rows)}, {"summary", std::move(sums)}};
}

Json stage_analytics(Database& db, const Json& params) {
    Input in(params, "stage report");
    in.allow_only({"pipeline_id"});
    access::require(db, access::kRead, "sales.report");
    const std::string scope = access::customer_scope_sql(db, "o.customer_id");
    auto only = pipeline_param(params, "stage report");
    if (!only) only = pipeline::sole_pipeline(db);
    if (!only) invalid("stage report.pipeline_id", "required (there is not exactly one pipeline)");
    const auto stages = pipeline::stages_of(db, *only);
    if (stages.empty()) throw Error(CRM_ENOTFOUND, "stage report.pipeline_id: no pipeline " + only->str());
    std::map<Uuid, const pipeline::Stage*> by_id;
    for (const auto& s : stages) by_id[s.id] = &s;
    struct Move {
        Uuid to;
        std::int64_t at;
    };
    std::map<Uuid, std::vector<Move>> moves;
    std::map<Uuid, std::tuple<std::string, std::int64_t, std::int64_t>> opps;  // status, created, closed
    {
        auto& st = db.stmt(
            "SELECT h.opportunity_id, h.to_stage_id, h.at FROM stage_history h JOIN opportunities o ON o.id = h.opportunity_id "
            "WHERE o.pipeline_id = ?" + scope + " ORDER BY h.opportunity_id, h.at, h.id");
        st.bind(1, only->data(), Uuid::size());
        while (st.executeStep())
            moves[Uuid::from_blob(st.getColumn(0).getBlob(), 16)].push_back(
                {Uuid::from_blob(st.getColumn(1).getBlob(), 16), st.getColumn(2).getInt64()});
        st.reset();
        auto& o = db.stmt("SELECT id, status, created_at, closed_at FROM opportunities o WHERE pipeline_id = ?" + scope);
        o.bind(1, only->data(), Uuid::size());
        while (o.executeStep())
            opps[Uuid::from_blob(o.getColumn(0).getBlob(), 16)] = {o.getColumn(1).getString(), o.getColumn(2).getInt64(),
                                                                   o.getColumn(3).isNull() ? 0 : o.getColumn(3).getInt64()};
        o.reset();
    }
    struct Acc {
        std::int64_t entered = 0, advanced = 0, won = 0, stays = 0;
        double stay_days = 0;
    };
    std::map<Uuid, Acc> acc;
    std::int64_t won = 0, lost = 0;
    double cycle = 0;
    for (const auto& [opp, list] : moves) {
        const auto o = opps.find(opp);
        const std::string status = o == opps.end() ? "" : std::get<0>(o->second);
        std::set<Uuid> entered;
        for (std::size_t i = 0; i < list.size(); ++i) {
            const auto it = by_id.find(list[i].to);
            if (it == by_id.end()) continue;
            if (entered.insert(list[i].to).second) {
                Acc& a = acc[list[i].to];
                ++a.entered;
                bool advanced = status == "won";
                for (std::size_t j = i + 1; j < list.size() && !advanced; ++j) {
                    const auto later = by_id.find(list[j].to);
                    advanced = later != by_id.end() && later->second->outcome != "lost" && later->second->position > it->second->position;
                }
                if (advanced) ++a.advanced;
                if (status == "won") ++a.won;
            }
            if (i + 1 < list.size()) {
                Acc& a = acc[list[i].to];
                ++a.stays;
                a.stay_days += static_cast<double>(list[i + 1].at - list[i].at) / kDayMs;
            }
        }
        if (status == "won") {
            ++won;
            cycle += static_cast<double>(std::get<2>(o->second) - std::get<1>(o->second)) / kDayMs;
        } else if (status == "lost") {
            ++lost;
        }
    }
    Json rows = Json::array();
    for (const auto& s : stages) {
        const Acc& a = acc[s.id];
        rows.push_back({{"id", s.id.str()}, {"name", s.name}, {"outcome", s.outcome}, {"entered", a.entered},
                        {"advanced", a.advanced}, {"conversion_rate", rate(a.advanced, a.entered)}, {"won", a.won},
                        {"avg_days_in_stage", a.stays ? Json(a.stay_days / static_cast<double>(a.stays)) : Json(nullptr)}});
    }
    return {{"pipeline_id", only->str()}, {"stages", std::move(rows)}, {"won", won}, {"lost", lost},
            {"win_rate", rate(won, won + lost)}, {"avg_cycle_days", won ? Json(cycle / static_cast<double>(won)) : Json(nullptr)}};
}

}  // namespace crmlite::forecast
