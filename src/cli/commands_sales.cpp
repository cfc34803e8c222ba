// Sales and marketing at the command line: pipelines, opportunities, leads,
// assignment rules, campaigns and the reports as tables (--json: the library's
// JSON). Amounts go in and out in major units by string arithmetic (money.hpp).
#include <iostream>
#include <map>

#include "commands.hpp"
#include "money.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

std::string str_of(const Json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return "";
    if (j[key].is_string()) return j[key].get<std::string>();
    return j[key].dump();
}

std::string money(const Json& j, const char* amount_key, const std::string& currency) {
    if (!j.contains(amount_key) || j[amount_key].is_null()) return "";
    if (currency.empty()) return std::to_string(j[amount_key].get<std::int64_t>());
    return format_amount(j[amount_key].get<std::int64_t>(), currency);
}

std::string percent(const Json& v) {
    if (v.is_null()) return "-";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", v.get<double>() * 100.0);
    return buf;
}

// --amount (major units, needs --currency) or --amount-minor into record["amount_minor"].
void read_amount(const Args& a, Json& record, const char* key = "amount_minor") {
    if (auto c = a.get("currency")) record["currency"] = currency_code(*c);
    if (a.has("amount") && a.has("amount-minor")) throw UsageError("give --amount or --amount-minor, not both");
    if (auto amount = a.get("amount")) {
        if (!record.contains("currency")) throw UsageError("--amount needs --currency (its decimals depend on it)");
        record[key] = parse_amount(*amount, record["currency"].get<std::string>());
    }
    if (auto minor = a.integer("amount-minor", 0, INT64_MAX)) record[key] = *minor;
}

// A stage named in the opportunity's pipeline (by name or id).
std::string stage_by_name(crm::Database& db, const std::string& name, const std::string& pipeline_id) {
    std::string found;
    for (const auto& p : Json::parse(db.pipelines())) {
        if (!pipeline_id.empty() && p["id"] != pipeline_id) continue;
        for (const auto& s : p["stages"])
            if (s["name"] == name || s["id"] == name) {
                if (!found.empty() && found != s["id"]) throw UsageError("stage \"" + name + "\" is in several pipelines: give --pipeline");
                found = s["id"];
            }
    }
    if (found.empty()) throw UsageError("no stage named \"" + name + "\"");
    return found;
}

void print_or_json(Context& ctx, const std::string& json, const std::string& text) {
    if (ctx.json) print_json(json);
    else std::cout << text << "\n";
}

// ---------------------------------------------------------------- pipeline

int run_pipeline(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    if (auto name = a.get("create")) {
        Json stages = Json::array();
        for (const auto& spec : a.all("stage")) {
            const auto colon = spec.rfind(':');
            if (colon == std::string::npos) throw UsageError("--stage: expected NAME:PROBABILITY, e.g. Proposal:50");
            Json s = {{"name", spec.substr(0, colon)}};
            try {
                s["probability"] = std::stoi(spec.substr(colon + 1));
            } catch (const std::exception&) {
                throw UsageError("--stage: \"" + spec.substr(colon + 1) + "\" is not a percentage");
            }
            stages.push_back(s);
        }
        auto db = ctx.open(Access::write);
        const std::string p = db.create_pipeline(Json{{"name", *name}, {"stages", stages}}.dump());
        if (ctx.json) {
            print_json(p);
            return kOk;
        }
        std::cout << Json::parse(p)["id"].get<std::string>() << "\n";
        return kOk;
    }
    auto db = ctx.open(Access::read);
    const std::string list = db.pipelines();
    if (ctx.json) {
        print_json(list);
        return kOk;
    }
    for (const auto& p : Json::parse(list)) {
        std::cout << clean(p["name"].get<std::string>()) << "  " << p["id"].get<std::string>() << "\n";
        Table t;
        t.column("#", 0, true).column("STAGE", 24).column("PROB", 0, true).column("OUTCOME").column("ID");
        for (const auto& s : p["stages"])
            t.row({std::to_string(s["position"].get<int>()), s["name"], std::to_string(s["probability"].get<int>()) + "%",
                   s["outcome"], s["id"]});
        t.print(std::cout, 2);
    }
    return kOk;
}

// ---------------------------------------------------------------- opportunities

int run_opp(Context& ctx) {
    const std::string ref = ctx.operands(1)[0];
    const Args& a = ctx.args;
    Json record = json_object_option(a, "data");
    for (const auto& [option, field] : {std::pair{"name", "name"}, {"owner", "owner"}, {"team", "team"}, {"close", "expected_close"},
                                         {"notes", "notes"}, {"by", "by"}})
        if (auto v = a.get(option)) record[field] = *v;
    read_amount(a, record);
    auto db = ctx.open(Access::write);
    if (auto p = a.get("pipeline")) record["pipeline_id"] = *p;
    if (auto s = a.get("stage")) record["stage_id"] = stage_by_name(db, *s, a.get("pipeline").value_or(""));
    record["customer_id"] = ctx.customer_id(db, ref);
    const std::string id = db.add_opportunity(record.dump());
    print_or_json(ctx, Json{{"id", id}}.dump(), id);
    return kOk;
}

int run_opp_move(Context& ctx) {
    const std::string id = ctx.operands(1)[0];
    const Args& a = ctx.args;
    Json patch = json_object_option(a, "data");
    const int chosen = (a.has("stage") ? 1 : 0) + (a.has("won") ? 1 : 0) + (a.has("lost") ? 1 : 0) + (a.has("reopen") ? 1 : 0);
    if (chosen > 1) throw UsageError("give one of --stage, --won, --lost, --reopen");
    if (auto by = a.get("by")) patch["by"] = *by;
    auto db = ctx.open(Access::write);
    if (auto s = a.get("stage")) {
        const Json o = Json::parse(db.opportunity(id));
        patch["stage_id"] = stage_by_name(db, *s, o["pipeline_id"].get<std::string>());
    }
    if (a.has("won")) patch["status"] = "won";
    if (auto reason = a.get("lost")) {
        patch["status"] = "lost";
        patch["close_reason"] = *reason;
    }
    if (a.has("reopen")) patch["status"] = "open";
    read_amount(a, patch);
    if (auto c = a.get("close")) patch["expected_close"] = *c;
    db.update_opportunity(id, patch.dump());
    const std::string got = db.opportunity(id);
    const Json o = Json::parse(got);
    print_or_json(ctx, got, str_of(o["stage"], "name") + " (" + str_of(o, "status") + ")");
    return kOk;
}

int run_opps(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    Json filter = Json::object();
    for (const char* key : {"status", "owner", "team"})
        if (auto v = a.get(key)) filter[key] = *v;
    if (auto limit = a.integer("limit", 1, 10000)) filter["limit"] = *limit;
    auto db = ctx.open(Access::read);
    const Json list = Json::parse(db.opportunities(filter.dump()));
    if (ctx.json) {
        for (const auto& o : list) print_json_line(o.dump());
        return kOk;
    }
    Table t;
    t.column("NAME", 24).column("STAGE", 16).column("STATUS").column("AMOUNT", 0, true).column("CUR").column("CLOSE", 0, false, true)
        .column("OWNER", 12, false, true).column("ID");
    for (const auto& o : list) {
        const std::string cur = str_of(o, "currency");
        t.row({str_of(o, "name"), str_of(o, "stage"), str_of(o, "status"), money(o, "amount_minor", cur), cur,
               str_of(o, "expected_close"), str_of(o, "owner"), str_of(o, "id")});
    }
    if (t.empty()) std::cout << "no opportunities\n";
    else t.print(std::cout);
    return kOk;
}

// ---------------------------------------------------------------- leads

int run_lead(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    Json record = json_object_option(a, "data");
    for (const auto& [option, field] : {std::pair{"name", "name"}, {"company", "company"}, {"phone", "phone"}, {"email", "email"},
                                         {"source", "source"}, {"campaign", "campaign_id"}, {"owner", "owner"}, {"team", "team"},
                                         {"region", "region"}, {"notes", "notes"}, {"by", "by"}})
        if (auto v = a.get(option)) record[field] = *v;
    if (a.has("no-assign")) record["assign"] = false;
    auto db = ctx.open(Access::write);
    const std::string r = db.capture_lead(record.dump());
    const Json j = Json::parse(r);
    std::string text = j["id"].get<std::string>();
    if (!j["created"].get<bool>()) text += "  (captured again: existing lead)";
    if (j.contains("owner")) text += "  owner " + j["owner"].get<std::string>();
    if (j.contains("customer_id")) text += "  matches customer " + j["customer_id"].get<std::string>();
    print_or_json(ctx, r, text);
    return kOk;
}

int run_leads(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    Json filter = Json::object();
    for (const char* key : {"status", "owner", "source"})
        if (auto v = a.get(key)) filter[key] = *v;
    if (auto limit = a.integer("limit", 1, 10000)) filter["limit"] = *limit;
    auto db = ctx.open(Access::read);
    const Json list = Json::parse(db.leads(filter.dump()));
    if (ctx.json) {
        for (const auto& l : list) print_json_line(l.dump());
        return kOk;
    }
    Table t;
    t.column("NAME", 20).column("COMPANY", 20, false, true).column("SOURCE", 12, false, true).column("STATUS").column("OWNER", 12, false, true)
        .column("CREATED").column("ID");
    for (const auto& l : list)
        t.row({str_of(l, "name"), str_of(l, "company"), str_of(l, "source"), str_of(l, "status"), str_of(l, "owner"),
               short_time(str_of(l, "created_at")), str_of(l, "id")});
    if (t.empty()) std::cout << "no leads\n";
    else t.print(std::cout);
    return kOk;
}

int run_lead_set(Context& ctx) {
    const std::string id = ctx.operands(1)[0];
    const Args& a = ctx.args;
    auto db = ctx.open(Access::write);
    if (a.has("assign") || a.has("owner")) {
        const std::string r = db.assign_lead(id, a.get("owner").value_or(""), a.get("by").value_or(""));
        if (!ctx.json) std::cout << "owner " << Json::parse(r)["owner"].get<std::string>() << "\n";
    }
    Json patch = json_object_option(a, "data");
    if (auto s = a.get("status")) patch["status"] = *s;
    if (auto by = a.get("by"); by && !patch.empty()) patch["by"] = *by;
    if (!patch.empty()) db.update_lead(id, patch.dump());
    if (a.has("convert")) {
        Json options = Json::object();
        if (auto by = a.get("by")) options["by"] = *by;
        Json opp = Json::object();
        read_amount(a, opp);
        if (auto n = a.get("opportunity")) opp["name"] = *n;
        if (!opp.empty()) options["opportunity"] = opp;
        const std::string r = db.convert_lead(id, options.dump());
        const Json j = Json::parse(r);
        if (ctx.json) print_json(r);
        else
            std::cout << "converted into customer " << j["customer_id"].get<std::string>()
                      << (j["created_customer"].get<bool>() ? " (new)" : " (existing)")
                      << (j.contains("opportunity_id") ? "  opportunity " + j["opportunity_id"].get<std::string>() : "") << "\n";
        return kOk;
    }
    const std::string got = db.lead(id);
    if (ctx.json) {
        print_json(got);
        return kOk;
    }
    const Json l = Json::parse(got);
    std::cout << clean(str_of(l, "name")) << "  " << str_of(l, "status") << "  owner " << str_of(l, "owner") << "\n";
    Table t;
    t.column("AT").column("EVENT").column("FROM", 20, false, true).column("TO", 36, false, true).column("BY", 12, false, true);
    for (const auto& e : l["events"])
        t.row({short_time(str_of(e, "at")), str_of(e, "kind"), str_of(e, "from"), str_of(e, "to"), str_of(e, "by")});
    t.print(std::cout, 2);
    return kOk;
}

int run_lead_rule(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    for (const char* action : {"pause", "resume", "delete"}) {
        const auto id = a.get(action);
        if (!id) continue;
        auto db = ctx.open(Access::write);
        if (std::string_view(action) == "delete") db.delete_assignment_rule(*id);
        else db.update_assignment_rule(*id, Json{{"active", std::string_view(action) == "resume"}}.dump());
        print_or_json(ctx, Json{{"id", *id}, {"action", action}}.dump(), std::string(action) + "d rule " + *id);
        return kOk;
    }
    if (!a.has("kind")) {
        auto db = ctx.open(Access::read);
        const std::string rules = db.assignment_rules();
        if (ctx.json) {
            print_json(rules);
            return kOk;
        }
        Table t;
        t.column("#", 0, true).column("NAME", 20).column("KIND").column("MEMBERS", 40).column("REGION", 12, false, true)
            .column("SOURCE", 12, false, true).column("ACTIVE").column("ID");
        for (const auto& r : Json::parse(rules)) {
            std::string members;
            for (const auto& m : r["members"]) members += (members.empty() ? "" : ", ") + m.get<std::string>();
            t.row({str_of(r, "priority"), str_of(r, "name"), str_of(r, "kind"), members, str_of(r, "region"), str_of(r, "source"),
                   r.value("active", false) ? "yes" : "no", str_of(r, "id")});
        }
        if (t.empty()) std::cout << "no assignment rules\n";
        else t.print(std::cout);
        return kOk;
    }
    Json rule = {{"kind", *a.get("kind")}, {"members", a.all("member")}};
    rule["name"] = a.get("name").value_or(*a.get("kind"));
    for (const char* key : {"team", "region", "source"})
        if (auto v = a.get(key)) rule[key] = *v;
    if (auto p = a.integer("priority", -1000000, 1000000)) rule["priority"] = *p;
    auto db = ctx.open(Access::write);
    const std::string id = db.add_assignment_rule(rule.dump());
    print_or_json(ctx, Json{{"id", id}}.dump(), id);
    return kOk;
}

// ---------------------------------------------------------------- campaigns

void print_audience(const Json& r) {
    std::cout << "matched   " << r["matched"] << "\nincluded  " << r["included"] << "\ncontrol   " << r["control"] << "\n";
    for (const auto& [reason, n] : r["excluded"].items())
        if (n.get<std::int64_t>() > 0) std::cout << "excluded  " << n << "  (" << reason << ")\n";
    if (r.contains("frozen_at")) std::cout << "frozen    " << short_time(r["frozen_at"].get<std::string>()) << "\n";
}

int run_campaign(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    Json record = json_object_option(a, "data");
    for (const auto& [option, field] : {std::pair{"name", "name"}, {"channel", "channel"}, {"mode", "audience_mode"},
                                         {"starts", "starts_at"}, {"ends", "ends_at"}})
        if (auto v = a.get(option)) record[field] = *v;
    if (a.has("filter")) record["audience"] = json_object_option(a, "filter");
    read_amount(a, record, "cost_minor");
    if (auto d = a.integer("window-days", INT64_MIN, INT64_MAX)) record["attribution_days"] = *d;
    if (auto c = a.integer("control-pct", INT64_MIN, INT64_MAX)) record["control_pct"] = *c;
    auto db = ctx.open(Access::write);
    const std::string id = db.create_campaign(record.dump());
    print_or_json(ctx, Json{{"id", id}}.dump(), id);
    return kOk;
}

int run_audience(Context& ctx) {
    const std::string id = ctx.operands(1)[0];
    auto db = ctx.open(ctx.args.has("freeze") ? Access::write : Access::read);
    const std::string r = db.campaign_audience(id, ctx.args.has("freeze"));
    if (ctx.json) print_json(r);
    else print_audience(Json::parse(r));
    return kOk;
}

int run_member(Context& ctx) {
    const auto ops = ctx.operands(3);
    auto db = ctx.open(Access::write);
    std::int64_t at = 0;
    if (auto when = ctx.args.integer("at-ms", 0, INT64_MAX)) at = *when;
    db.set_member_status(ops[0], ctx.customer_id(db, ops[1]), ops[2], at);
    print_or_json(ctx, Json{{"status", ops[2]}}.dump(), ops[2]);
    return kOk;
}

// ---------------------------------------------------------------- deletes

int run_sales_delete(Context& ctx) {
    const auto ops = ctx.operands(2);
    const std::string& kind = ops[0];
    const std::string& id = ops[1];
    if (kind != "lead" && kind != "opp" && kind != "campaign" && kind != "pipeline")
        throw UsageError("KIND: \"" + kind + "\" is not one of lead, opp, campaign, pipeline");
    auto db = ctx.open(Access::write);
    if (kind == "lead") db.delete_lead(id);
    else if (kind == "opp") db.delete_opportunity(id);
    else if (kind == "campaign") db.delete_campaign(id);
    else db.delete_pipeline(id);
    print_or_json(ctx, Json{{"deleted", id}, {"kind", kind}}.dump(), "deleted " + kind + " " + id);
    return kOk;
}

// ---------------------------------------------------------------- reports

int run_report(Context& ctx) {
    const std::string kind = ctx.operands(1)[0];
    const Args& a = ctx.args;
    Json params = Json::object();
    if (auto v = a.get("period")) params["period"] = *v;
    if (auto v = a.get("group-by")) params["group_by"] = *v;
    if (auto v = a.get("from")) params["from"] = *v;
    if (auto v = a.get("to")) params["to"] = *v;
    if (auto v = a.get("pipeline")) params["pipeline_id"] = *v;
    if (auto v = a.get("by")) params["by"] = *v;
    if (auto v = a.get("campaign")) params["campaign_id"] = *v;
    auto db = ctx.open(Access::read);
    const std::string text = db.sales_report(kind, params.empty() ? "" : params.dump());
    if (ctx.json) {
        print_json(text);
        return kOk;
    }
    const Json r = Json::parse(text);
    if (kind == "pipeline") {
        for (const auto& p : r["pipelines"]) {
            std::cout << clean(p["name"].get<std::string>()) << "\n";
            Table t;
            t.column("STAGE", 24).column("PROB", 0, true).column("OPEN", 0, true).column("CUR").column("AMOUNT", 0, true).column("WEIGHTED", 0, true);
            for (const auto& s : p["stages"]) {
                if (s["amounts"].empty()) {
                    t.row({s["name"], std::to_string(s["probability"].get<int>()) + "%", std::to_string(s["count"].get<int>()), "", "", ""});
                    continue;
                }
                for (const auto& m : s["amounts"]) {
                    const std::string cur = m["currency"];
                    t.row({s["name"], std::to_string(s["probability"].get<int>()) + "%", std::to_string(s["count"].get<int>()), cur,
                           money(m, "amount_minor", cur), money(m, "weighted_minor", cur)});
                }
            }
            t.print(std::cout, 2);
        }
    } else if (kind == "forecast") {
        Table t;
        const std::string group = a.get("group-by").value_or("none");
        t.column("PERIOD");
        if (group != "none") t.column(group == "owner" ? "OWNER" : "TEAM", 16);
        t.column("CUR").column("OPEN", 0, true).column("PIPELINE", 0, true).column("WEIGHTED", 0, true).column("WON", 0, true)
            .column("WON AMOUNT", 0, true).column("LOST", 0, true).column("WIN RATE", 0, true);
        for (const auto& row : r["rows"]) {
            const std::string cur = str_of(row, "currency");
            std::vector<std::string> cells = {str_of(row, "period")};
            if (group != "none") cells.push_back(str_of(row, group.c_str()));
            for (auto& c : std::vector<std::string>{cur, str_of(row, "open_count"), money(row, "pipeline_minor", cur),
                                                    money(row, "weighted_minor", cur), str_of(row, "won_count"),
                                                    money(row, "won_minor", cur), str_of(row, "lost_count"), percent(row["win_rate"])})
                cells.push_back(std::move(c));
            t.row(std::move(cells));
        }
        if (t.empty()) std::cout << "no opportunities\n";
        else t.print(std::cout);
        for (const auto& s : r["summary"]) {
            const std::string cur = str_of(s, "currency");
            std::cout << "\n" << (cur.empty() ? "(no currency)" : cur) << ": win rate " << percent(s["win_rate"]);
            if (!s["avg_cycle_days"].is_null()) std::cout << ", cycle " << static_cast<int>(s["avg_cycle_days"].get<double>() + 0.5) << " days";
            if (!s["velocity_minor_per_day"].is_null() && !cur.empty())
                std::cout << ", velocity " << format_amount(static_cast<std::int64_t>(s["velocity_minor_per_day"].get<double>()), cur) << " per day";
            std::cout << "\n";
        }
    } else if (kind == "stages") {
        Table t;
        t.column("STAGE", 24).column("ENTERED", 0, true).column("ADVANCED", 0, true).column("CONVERSION", 0, true).column("AVG DAYS", 0, true);
        for (const auto& s : r["stages"]) {
            char days[32] = "-";
            if (!s["avg_days_in_stage"].is_null()) std::snprintf(days, sizeof days, "%.1f", s["avg_days_in_stage"].get<double>());
            t.row({s["name"], str_of(s, "entered"), str_of(s, "advanced"), percent(s["conversion_rate"]), days});
        }
        t.print(std::cout);
        std::cout << "\nwon " << r["won"] << ", lost " << r["lost"] << ", win rate " << percent(r["win_rate"]) << "\n";
    } else if (kind == "funnel") {
        Table t;
        t.column(r["by"].get<std::string>() == "campaign" ? "CAMPAIGN" : r["by"].get<std::string>() == "owner" ? "OWNER" : "SOURCE", 36)
            .column("TOTAL", 0, true).column("NEW", 0, true).column("CONTACTED", 0, true).column("QUALIFIED", 0, true)
            .column("DISQUALIFIED", 0, true).column("CONVERTED", 0, true).column("RATE", 0, true);
        for (const auto& row : r["rows"])
            t.row({row["key"].is_null() ? "(none)" : row["key"].get<std::string>(), str_of(row, "total"), str_of(row, "new"),
                   str_of(row, "contacted"), str_of(row, "qualified"), str_of(row, "disqualified"), str_of(row, "converted"),
                   percent(row["conversion_rate"])});
        if (t.empty()) std::cout << "no leads\n";
        else t.print(std::cout);
    } else {  // campaigns
        Table t;
        t.column("CAMPAIGN", 24).column("MEMBERS", 0, true).column("CONTACTED", 0, true).column("CONVERTED", 0, true).column("RATE", 0, true)
            .column("REVENUE", 0, false).column("COST", 0, true).column("ROI", 0, true).column("CONTROL RATE", 0, true, true);
        for (const auto& c : r["campaigns"]) {
            std::string revenue;
            for (const auto& m : c["revenue"])
                revenue += (revenue.empty() ? "" : " + ") + format_amount(m["amount_minor"].get<std::int64_t>(), m["currency"].get<std::string>()) + " " +
                           m["currency"].get<std::string>();
            const std::string cur = str_of(c, "currency");
            t.row({str_of(c, "name"), str_of(c, "members"), str_of(c, "contacted"), str_of(c, "converted"), percent(c["conversion_rate"]),
                   revenue, money(c, "cost_minor", cur), c.contains("roi") ? percent(c["roi"]) : "-",
                   c["control"].get<std::int64_t>() ? percent(c["control_conversion_rate"]) : ""});
        }
        if (t.empty()) std::cout << "no campaigns\n";
        else t.print(std::cout);
    }
    return kOk;
}

const Option kAmount{"amount", 0, "DECIMAL", false, "amount in major units, e.g. 1299.00 (needs --currency)"};
const Option kAmountMinor{"amount-minor", 0, "N", false, "amount in minor units"};
const Option kCurrency{"currency", 0, "CODE", false, "ISO-4217 code, e.g. CNY"};
const Option kData{"data", 0, "JSON", false, "the record as a JSON object (@FILE reads a file); flags override it"};
const Option kBy{"by", 0, "USER", false, "who did it (kept in the history)"};

}  // namespace

Command pipeline_command() {
    return {"pipeline", "", "list the sales pipelines and their stages, or create one",
            {{"create", 0, "NAME", false, "create a pipeline with this name"},
             {"stage", 0, "NAME:PROB", true, "an open stage and its win probability in percent, in order"}},
            "Won (100 %) and Lost (0 %) stages are added to a new pipeline.\n"
            "\nExamples:\n  crm pipeline shop.db --create 标准 --stage 线索:10 --stage 方案:50 --stage 谈判:80\n  crm pipeline shop.db\n",
            run_pipeline};
}

Command opp_command() {
    return {"opp", "CUSTOMER", "add an opportunity for a customer; prints its id",
            {{"name", 0, "TEXT", false, "what is being sold"}, kAmount, kAmountMinor, kCurrency,
             {"close", 0, "DATE", false, "expected close date, YYYY-MM-DD"},
             {"stage", 0, "STAGE", false, "stage name or id (default: the first open stage)"},
             {"pipeline", 0, "ID", false, "pipeline id (needed when there are several)"},
             {"owner", 0, "USER", false, "owner"}, {"team", 0, "TEAM", false, "team"}, {"notes", 0, "TEXT", false, "notes"}, kBy, kData},
            "CUSTOMER is a customer id or SYSTEM:EXTERNAL_ID. Line items go in --data as\n"
            "{\"items\":[{\"name\":..,\"quantity\":..,\"unit_price_minor\":..}]}.\n"
            "\nExample:\n  crm opp shop.db erp:C0000001 --name '龙井 2027' --amount 12000 --currency CNY --close 2026-12-20\n",
            run_opp};
}

Command opp_move_command() {
    return {"opp-move", "ID", "move an opportunity to a stage, win, lose or reopen it",
            {{"stage", 0, "STAGE", false, "stage name or id"}, {"won", 0, "", false, "closed won"},
             {"lost", 0, "REASON", false, "closed lost, with the reason"}, {"reopen", 0, "", false, "back to the first open stage"},
             kAmount, kAmountMinor, kCurrency, {"close", 0, "DATE", false, "expected close date"}, kBy, kData},
            "Every stage change is kept in the stage history (crm opp-move --json shows it).\n", run_opp_move};
}

Command opps_command() {
    return {"opps", "", "list opportunities",
            {{"status", 0, "STATUS", false, "open, won or lost"}, {"owner", 0, "USER", false, "owner"},
             {"team", 0, "TEAM", false, "team"}, {"limit", 0, "N", false, "at most N (default 100)"}},
            "", run_opps};
}

Command lead_command() {
    return {"lead", "", "capture a lead (matched by phone/email, assigned by the rules); prints its id",
            {{"name", 0, "TEXT", false, "the person's name (required)"}, {"company", 0, "TEXT", false, "company"},
             {"phone", 0, "PHONE", false, "phone"}, {"email", 0, "EMAIL", false, "email"}, {"source", 0, "SOURCE", false, "web, fair, ..."},
             {"campaign", 0, "ID", false, "campaign id"}, {"owner", 0, "USER", false, "owner (else the rules choose)"},
             {"team", 0, "TEAM", false, "team"}, {"region", 0, "REGION", false, "region (territory rules)"},
             {"notes", 0, "TEXT", false, "notes"}, {"no-assign", 0, "", false, "do not apply the assignment rules"}, kBy, kData},
            "An open lead with the same normalised phone or email is captured again instead of\n"
            "duplicated; a customer with that phone or email is linked.\n"
            "\nExample:\n  crm lead shop.db --name 陈静 --phone 13900001111 --source trade_fair --region 华东\n",
            run_lead};
}

Command leads_command() {
    return {"leads", "", "list leads, newest first",
            {{"status", 0, "STATUS", false, "new, contacted, qualified, disqualified, converted"},
             {"owner", 0, "USER", false, "owner"}, {"source", 0, "SOURCE", false, "source"}, {"limit", 0, "N", false, "at most N (default 100)"}},
            "", run_leads};
}

Command lead_set_command() {
    return {"lead-set", "ID", "show a lead's history, or change its status, owner, or convert it",
            {{"status", 0, "STATUS", false, "new, contacted, qualified, disqualified"},
             {"owner", 0, "USER", false, "reassign to this owner"}, {"assign", 0, "", false, "reassign by the rules"},
             {"convert", 0, "", false, "convert into a customer"},
             {"opportunity", 0, "NAME", false, "with --convert: also open an opportunity"}, kAmount, kAmountMinor, kCurrency, kBy, kData},
            "\nExamples:\n  crm lead-set shop.db ID --status qualified --by alice\n"
            "  crm lead-set shop.db ID --convert --amount 5000 --currency CNY\n",
            run_lead_set};
}

Command lead_rule_command() {
    return {"lead-rule", "", "list the lead assignment rules, add one (--kind), pause, resume or delete one",
            {{"kind", 0, "KIND", false, "round_robin, territory or load"}, {"name", 0, "TEXT", false, "rule name"},
             {"member", 0, "USER", true, "an owner taking part, in turn order"}, {"team", 0, "TEAM", false, "team set on the lead"},
             {"region", 0, "REGION", false, "only leads of this region (required for territory)"},
             {"source", 0, "SOURCE", false, "only leads of this source"}, {"priority", 0, "N", false, "lower first (default 100)"},
             {"pause", 0, "ID", false, "pause a rule (it assigns no lead until resumed)"},
             {"resume", 0, "ID", false, "resume a paused rule"}, {"delete", 0, "ID", false, "delete a rule"}},
            "\nExample:\n  crm lead-rule shop.db --kind round_robin --member alice --member bob --team east\n"
            "  crm lead-rule shop.db --pause RULE_ID\n", run_lead_rule};
}

Command campaign_command() {
    return {"campaign", "", "create a campaign; prints its id",
            {{"name", 0, "TEXT", false, "name"}, {"channel", 0, "CHANNEL", false, "email, sms, ... (email/sms need an address/phone)"},
             {"filter", 0, "JSON", false, "the audience: a customer filter as in crm list --json (@FILE)"},
             {"mode", 0, "MODE", false, "frozen (default) or dynamic"}, {"starts", 0, "TIME", false, "start"}, {"ends", 0, "TIME", false, "end"},
             kAmount, kAmountMinor, kCurrency, {"window-days", 0, "N", false, "attribution window after contact (default 30)"},
             {"control-pct", 0, "N", false, "percent held out as a control group (0-50)"}, kData},
            "--amount is the campaign's cost. Only customers with marketing consent are members.\n"
            "\nExample:\n  crm campaign shop.db --name 春茶 --channel sms --filter '{\"tags_any\":[\"VIP\"]}' --amount 800 --currency CNY\n",
            run_campaign};
}

Command audience_command() {
    return {"audience", "CAMPAIGN", "count a campaign's audience (excluded customers with the reason); --freeze snapshots it",
            {{"freeze", 0, "", false, "make the members now (frozen campaigns)"}}, "", run_audience};
}

Command member_command() {
    return {"member", "CAMPAIGN CUSTOMER STATUS", "record a campaign member's status (targeted, sent, opened, responded, converted)",
            {{"at-ms", 0, "MS", false, "when, in UTC milliseconds (default now)"}}, "", run_member};
}

Command sales_delete_command() {
    return {"sales-delete", "KIND ID", "delete a lead, opportunity (opp), campaign or pipeline",
            {},
            "The delete syncs as a tombstone and wins over edits made elsewhere meanwhile.\n"
            "A lead goes with its events, an opportunity with its stage history, a campaign\n"
            "with its members; records that named it lose the link. A pipeline can be\n"
            "deleted only when no opportunity uses it (archive it otherwise). Needs the\n"
            "delete permission (--as) and, for leads and opportunities, the record in scope.\n"
            "\nExample:\n  crm sales-delete shop.db opp 0190b3c2-...\n",
            run_sales_delete};
}

Command sales_report_command() {
    return {"sales-report", "KIND", "sales reports: pipeline, forecast, stages, funnel, campaigns",
            {{"period", 0, "PERIOD", false, "forecast: month or quarter"},
             {"group-by", 0, "WHAT", false, "forecast: owner, team or none"},
             {"from", 0, "DATE", false, "forecast: from this date"}, {"to", 0, "DATE", false, "forecast: up to this date"},
             {"pipeline", 0, "ID", false, "pipeline, forecast, stages: one pipeline"},
             {"by", 0, "WHAT", false, "funnel: source, campaign or owner"}, {"campaign", 0, "ID", false, "campaigns: one campaign"}},
            "\nExamples:\n  crm sales-report shop.db forecast --period quarter --group-by owner\n  crm sales-report shop.db funnel --by source\n",
            run_report};
}

}  // namespace crmcli
