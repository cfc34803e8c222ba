// Customer value and lifecycle: rfm, tasks, followup, stage, tagrule, churn,
// report. Each is a thin layer over the C++ wrapper (crmlite_value.h).
#include <iostream>

#include "commands.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

std::string text(const Json& j, const char* key) {
    if (!j.contains(key) || j[key].is_null()) return "";
    return j[key].is_string() ? j[key].get<std::string>() : j[key].dump();
}

// ---------------------------------------------------------------- rfm

int run_rfm(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    if (a.has("default-table")) {
        const Json t = Json::parse(crm::Database::rfm_default_segments());
        if (ctx.json) return print_json(t.dump()), kOk;
        Table table;
        table.column("RFM").column("SEGMENT");
        for (const auto& [cell, seg] : t.items()) table.row({cell, seg.get<std::string>()});
        table.print(std::cout);
        return kOk;
    }
    if (auto c = a.get("customer")) {
        auto db = ctx.open(Access::read);
        const std::string out = db.rfm_customer(ctx.customer_id(db, *c));
        if (ctx.json) return print_json(out), kOk;
        const Json s = Json::parse(out);
        std::cout << "segment " << text(s, "segment") << ", tier " << text(s, "tier") << "; R " << text(s, "r") << " F " << text(s, "f")
                  << " M " << text(s, "m") << "; recency " << text(s, "recency_days") << " days, " << text(s, "frequency")
                  << " purchases, " << text(s, "monetary") << " " << text(s, "currency") << " (minor units), as of "
                  << short_time(text(s, "as_of")) << "\n";
        return kOk;
    }
    if (a.has("snapshots")) {
        auto db = ctx.open(Access::read);
        const std::string out = db.rfm_snapshots();
        if (ctx.json) return print_json(out), kOk;
        Table table;
        table.column("ID", 0, true).column("AS OF").column("CUSTOMERS", 0, true).column("BUYERS", 0, true);
        for (const auto& s : Json::parse(out))
            table.row({text(s, "id"), short_time(text(s, "as_of")), group_digits(s["customers"].get<long long>()),
                       group_digits(s["buyers"].get<long long>())});
        table.print(std::cout);
        return kOk;
    }
    if (a.has("movement")) {
        auto db = ctx.open(Access::read);
        const std::string out = db.rfm_movement(a.integer("from", 0, INT64_MAX).value_or(0), a.integer("to", 0, INT64_MAX).value_or(0));
        if (ctx.json) return print_json(out), kOk;
        const Json m = Json::parse(out);
        std::cout << "snapshot " << text(m, "from") << " -> " << text(m, "to") << ": " << text(m, "moved") << " moved, "
                  << text(m, "stayed") << " stayed, " << text(m, "entered") << " entered, " << text(m, "left") << " left\n";
        Table table;
        table.column("FROM").column("TO").column("CUSTOMERS", 0, true);
        for (const auto& c : m["matrix"]) table.row({text(c, "from"), text(c, "to"), group_digits(c["count"].get<long long>())});
        table.print(std::cout);
        return kOk;
    }
    Json params = json_object_option(a, "data");
    if (auto v = a.get("as-of")) params["as_of"] = *v;
    if (!params.contains("as_of")) throw UsageError("--as-of is required (RFM results are defined for an as-of time)");
    if (auto v = a.get("method")) params["method"] = *v;
    if (auto v = a.integer("window", 0, 36500)) params["window_days"] = *v;
    if (a.has("no-snapshot")) params["snapshot"] = false;
    auto db = ctx.open(Access::write);
    const std::string out = a.has("refresh") ? db.rfm_refresh(params.dump()) : db.rfm_compute(params.dump());
    if (ctx.json) return print_json(out), kOk;
    const Json s = Json::parse(out);
    std::cout << text(s, "mode") << " run as of " << short_time(text(s, "as_of")) << ": " << text(s, "customers") << " customers, "
              << text(s, "buyers") << " buyers" << (s["snapshot"].is_null() ? "" : ", snapshot " + text(s, "snapshot")) << "\n";
    Table table;
    table.column("SEGMENT").column("CUSTOMERS", 0, true);
    for (const auto& [name, n] : s["segments"].items()) table.row({name, group_digits(n.get<long long>())});
    table.print(std::cout);
    Table tiers;
    tiers.column("TIER").column("CUSTOMERS", 0, true);
    for (const auto& [name, n] : s["tiers"].items()) tiers.row({name, group_digits(n.get<long long>())});
    tiers.print(std::cout);
    return kOk;
}

// ---------------------------------------------------------------- tasks

void print_tasks(const Json& list) {
    if (list.empty()) {
        std::cout << "nothing due\n";
        return;
    }
    Table table;
    table.column("DUE").column("KIND").column("ASSIGNEE").column("STATUS").column("TITLE", 40).column("ID");
    for (const auto& t : list)
        table.row({short_time(text(t, t.contains("effective_due") ? "effective_due" : "due_at")), text(t, "kind"), text(t, "assignee"),
                   text(t, "status") + (t.value("overdue", false) ? " (overdue)" : ""), text(t, "title"), text(t, "id")});
    table.print(std::cout);
}

int run_tasks(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    if (auto id = a.get("complete")) {
        auto db = ctx.open(Access::write);
        db.complete_task(*id, a.get("at").value_or(""));
        return kOk;
    }
    if (auto id = a.get("delete")) {
        auto db = ctx.open(Access::write);
        db.delete_task(*id);
        return kOk;
    }
    if (auto id = a.get("snooze")) {
        const auto until = a.get("until");
        if (!until) throw UsageError("--snooze needs --until TIME");
        auto db = ctx.open(Access::write);
        db.snooze_task(*id, *until);
        return kOk;
    }
    if (auto c = a.get("add")) {
        Json record = json_object_option(a, "data");
        if (auto k = a.get("kind")) record["kind"] = *k;
        if (auto d = a.get("due")) record["due_at"] = *d;
        if (auto w = a.get("assignee")) record["assignee"] = *w;
        if (auto t = a.get("title")) record["title"] = *t;
        auto db = ctx.open(Access::write);
        record["customer_id"] = ctx.customer_id(db, *c);
        const std::string id = db.create_task(record.dump());
        if (ctx.json) print_json(Json{{"id", id}}.dump());
        else std::cout << id << "\n";
        return kOk;
    }
    auto db = ctx.open(Access::read);
    const std::string out = a.has("customer") ? db.customer_tasks(ctx.customer_id(db, *a.get("customer")))
                                              : db.due_tasks(a.get("now").value_or(""), a.get("assignee").value_or(""));
    if (ctx.json) {
        for (const auto& t : Json::parse(out)) print_json_line(t.dump());
        return kOk;
    }
    print_tasks(Json::parse(out));
    return kOk;
}

// ---------------------------------------------------------------- followup

int run_followup(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    auto db = ctx.open(a.has("list") ? Access::read : Access::write);
    if (a.has("install-defaults")) {
        const std::string out = db.install_default_followup_rules();
        if (ctx.json) print_json(out);
        else std::cout << "installed the default follow-up rules\n";
    }
    if (auto name = a.get("add")) {
        Json rule = {{"name", *name}, {"definition", json_object_option(a, "data")}};
        const std::string id = db.save_followup_rule(rule.dump());
        if (ctx.json) print_json(Json{{"id", id}}.dump());
        else std::cout << id << "\n";
    }
    if (auto id = a.get("delete")) db.delete_followup_rule(*id);
    if (a.has("run")) {
        const std::string out = db.run_followup_rules(a.get("now").value_or(""));
        if (ctx.json) print_json(out);
        else std::cout << "created " << Json::parse(out)["created"].get<long long>() << " task(s)\n";
    }
    if (a.has("list")) {
        const Json rules = Json::parse(db.followup_rules());
        if (ctx.json) {
            for (const auto& r : rules) print_json_line(r.dump());
            return kOk;
        }
        Table table;
        table.column("NAME", 40).column("TRIGGER").column("ENABLED").column("ID");
        for (const auto& r : rules)
            table.row({text(r, "name"), text(r["definition"], "trigger"), r.value("enabled", false) ? "yes" : "no", text(r, "id")});
        table.print(std::cout);
    }
    return kOk;
}

// ---------------------------------------------------------------- stage

int run_stage(Context& ctx) {
    const std::string ref = ctx.operands(1)[0];
    const Args& a = ctx.args;
    const bool writes = a.has("set") || a.has("apply");
    auto db = ctx.open(writes ? Access::write : Access::read);
    const std::string id = ctx.customer_id(db, ref);
    if (auto s = a.get("set")) db.set_stage(id, *s, "manual");
    if (a.has("suggest") || a.has("apply")) {
        Json params = json_object_option(a, "data");
        const auto as_of = a.get("as-of");
        if (!as_of) throw UsageError("--as-of is required with --suggest and --apply");
        params["as_of"] = *as_of;
        const std::string out = a.has("apply") ? db.apply_stage_rules(params.dump(), id) : db.suggest_stage(id, params.dump());
        if (ctx.json) print_json(out);
        else std::cout << Json::parse(out).dump() << "\n";
        return kOk;
    }
    const Json h = Json::parse(db.stage_history(id));
    if (ctx.json) {
        for (const auto& e : h) print_json_line(e.dump());
        return kOk;
    }
    Table table;
    table.column("AT").column("STAGE").column("PREVIOUS").column("SOURCE");
    for (const auto& e : h) table.row({short_time(text(e, "at")), text(e, "stage"), text(e, "previous"), text(e, "source")});
    if (table.empty()) std::cout << "no stage changes\n";
    else table.print(std::cout);
    return kOk;
}

// ---------------------------------------------------------------- tagrule

int run_tagrule(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    auto db = ctx.open(a.has("list") ? Access::read : Access::write);
    if (auto name = a.get("add")) {
        const auto tag = a.get("tag");
        if (!tag) throw UsageError("--add needs --tag PATH and --data CONDITION");
        const Json rule = {{"name", *name}, {"tag", *tag}, {"condition", json_object_option(a, "data")}};
        const std::string id = db.save_tag_rule(rule.dump());
        if (ctx.json) print_json(Json{{"id", id}}.dump());
        else std::cout << id << "\n";
    }
    if (auto id = a.get("delete")) db.delete_tag_rule(*id);
    if (a.has("apply") || a.has("refresh")) {
        const std::string now = a.get("now").value_or("");
        const std::string out = a.has("refresh") ? db.refresh_tag_rules(now) : db.apply_tag_rules(now);
        if (ctx.json) print_json(out);
        else {
            const Json r = Json::parse(out);
            std::cout << "evaluated " << text(r, "evaluated") << " customer(s): " << text(r, "added") << " tag(s) added, " << text(r, "removed")
                      << " removed\n";
        }
    }
    if (a.has("list")) {
        const Json rules = Json::parse(db.tag_rules());
        if (ctx.json) {
            for (const auto& r : rules) print_json_line(r.dump());
            return kOk;
        }
        Table table;
        table.column("NAME", 30).column("TAG").column("ENABLED").column("ID");
        for (const auto& r : rules) table.row({text(r, "name"), text(r, "tag"), r.value("enabled", false) ? "yes" : "no", text(r, "id")});
        table.print(std::cout);
    }
    return kOk;
}

// ---------------------------------------------------------------- churn

int run_churn(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    Json params = json_object_option(a, "data");
    const auto as_of = a.get("as-of");
    if (!as_of) throw UsageError("--as-of is required");
    params["as_of"] = *as_of;
    if (auto t = a.get("threshold")) params["threshold"] = std::stod(*t);
    if (auto l = a.integer("limit", 1, 1000000)) params["limit"] = *l;
    auto db = ctx.open(Access::read);
    if (auto c = a.get("customer")) {
        params.erase("threshold");
        params.erase("limit");
        const std::string out = db.churn_score(ctx.customer_id(db, *c), params.dump());
        if (ctx.json) return print_json(out), kOk;
        const Json s = Json::parse(out);
        std::cout << "churn risk " << text(s, "score") << "\n";
        for (const auto& r : s["reasons"]) std::cout << "  " << text(r, "code") << " (+" << text(r, "weight") << "): " << text(r, "detail") << "\n";
        return kOk;
    }
    const std::string out = db.at_risk(params.dump());
    if (ctx.json) return print_json(out), kOk;
    const Json r = Json::parse(out);
    Table table;
    table.column("SCORE", 0, true).column("CUSTOMER", 30).column("REASONS", 60).column("ID");
    for (const auto& c : r["customers"]) {
        std::string why;
        for (const auto& x : c["reasons"]) why += (why.empty() ? "" : "; ") + text(x, "detail");
        table.row({text(c, "score"), text(c, "display_name"), why, text(c, "customer_id")});
    }
    std::cout << text(r, "count") << " customer(s) at or above " << text(r, "threshold") << "\n";
    table.print(std::cout);
    return kOk;
}

// ---------------------------------------------------------------- report

int run_report(Context& ctx) {
    const std::string name = ctx.operands(1)[0];
    const Json params = json_object_option(ctx.args, "data");
    auto db = ctx.open(Access::read);
    const std::string out = db.value_report(name, params.dump());
    if (ctx.json) return print_json(out), kOk;
    const Json r = Json::parse(out);
    if (name == "segments") {
        for (const char* part : {"segments", "tiers"}) {
            Table table;
            table.column(part == std::string("segments") ? "SEGMENT" : "TIER").column("CUSTOMERS", 0, true).column("SHARE", 0, true)
                .column("REVENUE", 0, true).column("REVENUE SHARE", 0, true);
            for (const auto& s : r[part])
                table.row({text(s, "name"), group_digits(s["customers"].get<long long>()), text(s, "customer_share"),
                           group_digits(s["revenue"].get<long long>()), text(s, "revenue_share")});
            table.print(std::cout);
        }
        return kOk;
    }
    std::cout << r.dump(2) << "\n";  // the other reports are small objects
    return kOk;
}

}  // namespace

Command rfm_command() {
    return {"rfm", "", "compute RFM scores, segments and value tiers; show snapshots and movement",
            {{"as-of", 0, "TIME", false, "as-of time (required to compute)"},
             {"method", 0, "METHOD", false, "ntile (default), quantile or rank_bins"},
             {"window", 0, "DAYS", false, "look-back window in days (default 365; 0 = all history)"},
             {"refresh", 0, "", false, "incremental refresh instead of a full recompute"},
             {"no-snapshot", 0, "", false, "do not store a dated snapshot"},
             {"data", 0, "JSON", false, "more parameters (rates, kinds, segments, tiers), inline or @FILE"},
             {"customer", 0, "ID", false, "show one customer's current scores"},
             {"snapshots", 0, "", false, "list stored snapshots"},
             {"movement", 0, "", false, "segment transitions between two snapshots (--from, --to; default the two latest)"},
             {"from", 0, "SNAPSHOT", false, "with --movement"},
             {"to", 0, "SNAPSHOT", false, "with --movement"},
             {"default-table", 0, "", false, "print the default 125-cell segment table"}},
            "Examples:\n  crm rfm shop.db --as-of 2026-06-30\n  crm rfm shop.db --as-of 2026-07-01 --refresh\n"
            "  crm rfm shop.db --data '{\"as_of\":\"2026-06-30\",\"rates\":{\"USD\":7.1}}'\n  crm rfm shop.db --movement\n",
            run_rfm};
}

Command tasks_command() {
    return {"tasks", "", "list due tasks (reminders); add, complete or snooze one",
            {{"now", 0, "TIME", false, "list what is due at TIME (default now)"},
             {"assignee", 0, "NAME", false, "only this assignee's tasks (or the new task's assignee)"},
             {"customer", 0, "ID", false, "every task of one customer"},
             {"add", 0, "CUSTOMER", false, "create a task for CUSTOMER (--kind, --due, --title, --assignee, --data)"},
             {"kind", 0, "KIND", false, "with --add"},
             {"due", 0, "TIME", false, "with --add"},
             {"title", 0, "TEXT", false, "with --add"},
             {"data", 0, "JSON", false, "with --add: more fields"},
             {"complete", 0, "ID", false, "mark a task done (--at TIME, default now)"},
             {"at", 0, "TIME", false, "with --complete"},
             {"delete", 0, "ID", false, "delete a task (the delete syncs)"},
             {"snooze", 0, "ID", false, "hide a task until --until TIME"},
             {"until", 0, "TIME", false, "with --snooze"}},
            "Examples:\n  crm tasks shop.db --assignee li\n  crm tasks shop.db --add erp:C1 --kind call --due 2026-07-02T09:00:00+08:00\n",
            run_tasks};
}

Command followup_command() {
    return {"followup", "", "follow-up rules that create tasks",
            {{"install-defaults", 0, "", false, "install the handbook's three rules"},
             {"add", 0, "NAME", false, "save a rule named NAME whose definition is --data"},
             {"data", 0, "JSON", false, "a rule definition {\"trigger\": ...}"},
             {"delete", 0, "ID", false, "delete a rule"},
             {"run", 0, "", false, "run every enabled rule (--now TIME, default now)"},
             {"now", 0, "TIME", false, "with --run"},
             {"list", 0, "", false, "list the rules"}},
            "Example:\n  crm followup shop.db --install-defaults --run\n", run_followup};
}

Command stage_command() {
    return {"stage", "ID", "a customer's lifecycle stage: history, set, suggest, apply rules",
            {{"set", 0, "STAGE", false, "set the stage manually (overrides rules; 'auto' releases)"},
             {"suggest", 0, "", false, "the stage the rules suggest (--as-of)"},
             {"apply", 0, "", false, "let the rules set the stage unless set manually (--as-of)"},
             {"as-of", 0, "TIME", false, "with --suggest/--apply"},
             {"data", 0, "JSON", false, "rule parameters (at_risk_days, churned_days, loyal_purchases)"}},
            "Without options: the stage history.\n", run_stage};
}

Command tagrule_command() {
    return {"tagrule", "", "dynamic tag rules: add, list, delete, apply",
            {{"add", 0, "NAME", false, "save a rule NAME assigning --tag when --data (a condition) holds"},
             {"tag", 0, "PATH", false, "with --add"},
             {"data", 0, "JSON", false, "with --add: the condition"},
             {"delete", 0, "ID", false, "delete a rule"},
             {"apply", 0, "", false, "re-evaluate every customer"},
             {"refresh", 0, "", false, "re-evaluate customers whose data changed"},
             {"now", 0, "TIME", false, "with --apply/--refresh (default now)"},
             {"list", 0, "", false, "list the rules"}},
            "Example:\n  crm tagrule shop.db --add big --tag 价值/大客户 --data '{\"agg\":\"sum\",\"kind\":\"order\",\"op\":\"gt\",\"value\":500000}' --apply\n",
            run_tagrule};
}

Command churn_command() {
    return {"churn", "", "churn risk: customers at risk, or one customer's score with reasons",
            {{"as-of", 0, "TIME", false, "as-of time (required)"},
             {"threshold", 0, "SCORE", false, "list customers at or above (default 0.3)"},
             {"limit", 0, "N", false, "at most N customers (default 100)"},
             {"customer", 0, "ID", false, "one customer's score and reasons"},
             {"data", 0, "JSON", false, "more parameters (kinds, default_interval_days)"}},
            "", run_churn};
}

Command report_command() {
    return {"report", "NAME", "value reports: segments, transitions, funnel, followup, repeat_rate, aov, clv",
            {{"data", 0, "JSON", false, "report parameters"}}, "", run_report};
}

}  // namespace crmcli
