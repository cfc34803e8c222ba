#include "sales_reports/reports.hpp"

#include <SQLiteCpp/Statement.h>

#include <map>

#include "access/access.hpp"
#include "campaigns/campaigns.hpp"
#include "common/error.hpp"
#include "pipeline/forecast.hpp"

namespace crmlite::sales_reports {

Json lead_funnel(Database& db, const Json& params) {
    Input in(params, "funnel");
    in.allow_only({"by"});
    const std::string by = in.choice("by", {"source", "campaign", "owner"}).value_or("source");
    const std::string column = by == "campaign" ? "campaign_id" : by;
    access::require(db, access::kRead, "sales.report");
    // A scoped principal's funnel counts the leads in its scope only.
    SQLite::Statement st(db.sql(), "SELECT " + column + ", status, count(*) FROM leads WHERE 1" + access::scope_sql(db, "leads") +
                                       " GROUP BY 1, 2 ORDER BY 1, 2");
    std::map<std::string, std::map<std::string, std::int64_t>> rows;
    while (st.executeStep()) {
        std::string key;
        if (!st.getColumn(0).isNull())
            key = by == "campaign" ? Uuid::from_blob(st.getColumn(0).getBlob(), 16).str() : st.getColumn(0).getString();
        rows[key][st.getColumn(1).getString()] += st.getColumn(2).getInt64();
    }
    Json out = Json::array();
    for (const auto& [key, counts] : rows) {
        Json r = {{"key", key.empty() ? Json(nullptr) : Json(key)}};
        std::int64_t total = 0;
        for (const char* s : {"new", "contacted", "qualified", "disqualified", "converted"}) {
            const auto it = counts.find(s);
            r[s] = it == counts.end() ? 0 : it->second;
            total += r[s].get<std::int64_t>();
        }
        r["total"] = total;
        r["conversion_rate"] = total ? Json(static_cast<double>(r["converted"].get<std::int64_t>()) / static_cast<double>(total)) : Json(nullptr);
        out.push_back(std::move(r));
    }
    return {{"by", by}, {"rows", std::move(out)}};
}

Json report(Database& db, const std::string& kind, const Json& params) {
    if (kind == "pipeline") return forecast::by_stage(db, params);
    if (kind == "forecast") return forecast::forecast(db, params);
    if (kind == "stages") return forecast::stage_analytics(db, params);
    if (kind == "funnel") return lead_funnel(db, params);
    if (kind == "campaigns") {
        access::require(db, access::kRead, "sales.report");
        Input in(params, "campaigns report");
        in.allow_only({"campaign_id"});
        Json rows = Json::array();
        if (auto id = in.text("campaign_id", 64)) {
            rows.push_back(campaigns::results(db, Uuid::parse(*id, "campaigns report.campaign_id")));
        } else {
            for (const auto& c : campaigns::list(db))
                rows.push_back(campaigns::results(db, Uuid::parse(c["id"].get<std::string>(), "id")));
        }
        return {{"campaigns", std::move(rows)}};
    }
    invalid("kind", "\"" + kind + "\" is not a sales report (pipeline, forecast, stages, funnel, campaigns)");
}

}  // namespace crmlite::sales_reports
