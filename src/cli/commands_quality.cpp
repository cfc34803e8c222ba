// quality, dupes, merge, validate, normalize: data quality (crmlite_quality.h).
#include <cstdio>
#include <iostream>

#include "commands.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

std::string percent(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f%%", v * 100);
    return buf;
}

std::string detector_options(const Args& a) {
    Json o = Json::object();
    for (const char* k : {"auto", "review"})
        if (auto v = a.get(k)) {
            char* end = nullptr;
            const double d = std::strtod(v->c_str(), &end);
            if (end == v->c_str() || *end != '\0' || d < 0 || d > 1) throw UsageError(std::string("--") + k + " wants a number from 0 to 1");
            o[std::string(k) + "_threshold"] = d;
        }
    return o.empty() ? std::string() : o.dump();
}

int run_quality(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::write);  // the detector refreshes its local key index
    Json o = Json::object();
    if (auto days = ctx.args.integer("stale-days", 1, 100000)) o["stale_days"] = *days;
    if (ctx.args.has("no-duplicates")) o["duplicates"] = false;
    const std::string text = db.quality_report(o.empty() ? "" : o.dump());
    if (ctx.json) {
        print_json(text);
        return kOk;
    }
    const Json r = Json::parse(text);
    std::cout << "customers: " << group_digits(r["customers"].get<long long>()) << "\n\n";
    Table kpis;
    kpis.column("KPI").column("VALUE", 0, true).column("TARGET").column("OK");
    for (const auto& k : r["kpis"])
        kpis.row({k["kpi"].get<std::string>(), percent(k["value"].get<double>()),
                  k["op"].get<std::string>() + " " + percent(k["target"].get<double>()),
                  k["ok"].get<bool>() ? "yes" : "NO"});
    kpis.print(std::cout);
    std::cout << "\nstale profiles (not updated in " << r["stale_days"].get<long long>()
              << " days): " << group_digits(r["stale_profiles"].get<long long>()) << "\n\n";
    Table fields;
    fields.column("FIELD").column("REQUIRED").column("MISSING", 0, true).column("MISSING %", 0, true).column("INVALID", 0, true);
    for (const auto& [name, f] : r["fields"].items())
        fields.row({name, f["required"].get<bool>() ? "yes" : "", group_digits(f["missing"].get<long long>()),
                    percent(f["missing_rate"].get<double>()), group_digits(f["invalid"].get<long long>())});
    fields.print(std::cout);
    return kOk;
}

int run_dupes(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::write);
    const std::string opts = detector_options(ctx.args);
    const Json r = Json::parse(db.find_duplicates(opts));
    if (ctx.json) {
        print_json(r.dump());
        return kOk;
    }
    std::size_t n = 0;
    for (const auto& c : r["clusters"]) {
        std::cout << "cluster " << ++n << ":\n";
        Table t;
        t.column("ID").column("NAME", 30);
        for (const auto& m : c["members"]) {
            const Json cust = Json::parse(db.customer(m.get<std::string>()));
            t.row({m.get<std::string>(), clean(cust.value("display_name", ""))});
        }
        t.print(std::cout, 2);
        for (const auto& p : c["pairs"]) {
            std::string why;
            for (const auto& e : p["evidence"])
                if (e["weight"].get<double>() > 0) why += (why.empty() ? "" : ", ") + e["feature"].get<std::string>();
            // The ends of the ids: their starts are the creation time, alike for records made together.
            const std::string a = p["a"].get<std::string>(), b = p["b"].get<std::string>();
            std::cout << "  ..." << a.substr(a.size() - 8) << " ~ ..." << b.substr(b.size() - 8)
                      << "  score " << p["score"].get<double>() << "  (" << why << ")\n";
        }
    }
    std::cout << n << " cluster(s), " << r["review"].size() << " pair(s) to review, duplicate rate "
              << percent(r["duplicate_rate"].get<double>()) << "\n";
    return kOk;
}

int run_merge(Context& ctx) {
    const auto ops = ctx.operands(2);
    auto db = ctx.open(Access::write);
    const std::string survivor = ctx.customer_id(db, ops[0]);
    const std::string loser = ctx.customer_id(db, ops[1]);
    Json o = Json::object();
    if (auto rule = ctx.args.get("rule")) o["rule"] = *rule;
    const Json m = Json::parse(db.merge_customers(survivor, Json::array({loser}).dump(), o.empty() ? "" : o.dump()));
    if (ctx.json) {
        print_json(m.dump());
        return kOk;
    }
    std::cout << "merged " << loser << " into " << survivor << " (merge " << m["id"].get<std::string>() << ")\n";
    Table t;
    t.column("FIELD").column("FROM").column("RULE");
    for (const auto& [field, src] : m["sources"].items())
        t.row({field, src["from"].get<std::string>() == survivor ? "survivor" : "merged", src["rule"].get<std::string>()});
    t.print(std::cout, 2);
    return kOk;
}

int run_unmerge(Context& ctx) {
    const auto ops = ctx.operands(1);
    auto db = ctx.open(Access::write);
    const Json m = Json::parse(db.undo_merge(ops[0]));
    if (ctx.json) {
        print_json(m.dump());
        return kOk;
    }
    std::cout << "undid merge " << m["id"].get<std::string>() << ":";
    for (const auto& l : m["losers"]) std::cout << " " << l.get<std::string>();
    std::cout << " back beside " << m["survivor"].get<std::string>() << "\n";
    for (const auto& k : m["kept"])
        std::cout << "  kept  " << k["record"].get<std::string>() << ": " << clean(k["reason"].get<std::string>()) << "\n";
    return kOk;
}

int run_validate(Context& ctx) {
    const auto ops = ctx.operands(1);
    auto db = ctx.open(Access::read);
    const std::string id = ctx.customer_id(db, ops[0]);
    const Json v = Json::parse(db.validate_customer(id));
    if (ctx.json) {
        print_json(v.dump());
        return kOk;
    }
    std::cout << "completeness " << percent(v["completeness"].get<double>()) << "\n";
    for (const auto& m : v["missing"]) std::cout << "  missing  " << m.get<std::string>() << "\n";
    for (const auto& b : v["invalid"])
        std::cout << "  invalid  " << b["field"].get<std::string>() << ": " << clean(b["reason"].get<std::string>()) << "\n";
    return kOk;
}

int run_normalize(Context& ctx) {
    const auto ops = ctx.operands(2);
    auto db = ctx.open(Access::read);
    print_json(db.quality_normalize(ops[0], ops[1]));
    return kOk;
}

}  // namespace

Command quality_command() {
    return {"quality", "", "the data-quality report: completeness, missing and invalid values, duplicates, stale profiles",
            {{"stale-days", 0, "N", false, "a profile not updated in N days is stale (default 180)"},
             {"no-duplicates", 0, "", false, "skip the duplicate detector"}},
            "Prints the handbook KPIs (duplicate rate <= 5%, missing rate <= 8%, accuracy >= 95%,\n"
            "completeness >= 95%) and, per field, missing and invalid values.\n"
            "\nExample:\n  crm quality shop.db --stale-days 365\n",
            run_quality};
}

Command dupes_command() {
    return {"dupes", "", "find clusters of duplicate customers, with the evidence of each pair",
            {{"auto", 0, "SCORE", false, "score at or above which a pair is a duplicate (default 0.9)"},
             {"review", 0, "SCORE", false, "score at or above which a pair is worth a review (default 0.6)"}},
            "Example:\n  crm dupes shop.db --auto 0.92\n", run_dupes};
}

Command merge_command() {
    return {"merge", "SURVIVOR LOSER", "merge a duplicate customer into another",
            {{"rule", 0, "RULE", false, "most_recent (default), most_complete or survivor"}},
            "The loser's phones, e-mails, tags, external ids and interactions move to the\n"
            "survivor; the loser's id keeps reading as the survivor. Ids may be SYSTEM:EXTERNAL_ID.\n"
            "\nExample:\n  crm merge shop.db erp:C0000001 erp:C0000456\n",
            run_merge};
}

Command unmerge_command() {
    return {"unmerge", "MERGE_ID", "undo a merge: the merged customers come back as they were",
            {},
            "Each merged customer comes back under its own id with its fields, phones, e-mails,\n"
            "tags, external ids and interactions; the survivor gets back what the merge changed.\n"
            "What was edited since the merge stays as it is (listed as kept). The undo syncs\n"
            "like any other change. Refused, naming the cause, when a later change made it\n"
            "impossible (the survivor deleted or merged away since, a merged customer deleted).\n"
            "The merge id is printed by `crm merge` (\"id\" with --json).\n"
            "\nExample:\n  crm unmerge shop.db 01936f0e-7c1a-7000-8000-0123456789ab\n",
            run_unmerge};
}

Command validate_command() {
    return {"validate", "ID", "check a customer against the field rules (completeness, missing, invalid)", {},
            "Example:\n  crm validate shop.db erp:C0000001\n", run_validate};
}

Command normalize_command() {
    return {"normalize", "KIND VALUE", "show the normal form of a phone, email, text, name, province or city", {},
            "Example:\n  crm normalize shop.db phone \"０２１-6123 4567\"\n", run_normalize};
}

}  // namespace crmcli
