// crm user / role / whoami / audit / subject: principals, roles, the audit log
// and data subject rights (docs/privacy.md). Every command accepts --as USER
// (or $CRM_AS) like the others, and then runs with that user's permissions.
#include <iostream>

#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

int run_user(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::write);
    if (ctx.args.has("put")) {
        db.put_user(json_object_option(ctx.args, "put").dump());
        if (!ctx.json) std::cout << "saved\n";
        return kOk;
    }
    const std::string users = db.users();
    if (ctx.json) {
        for (const auto& u : Json::parse(users)) print_json_line(u.dump());
        return kOk;
    }
    for (const auto& u : Json::parse(users))
        std::cout << u["name"].get<std::string>() << "  " << u["role"].get<std::string>() << "  "
                  << u.value("team", std::string("-")) << (u["active"].get<bool>() ? "" : "  (inactive)") << "\n";
    return kOk;
}

int run_role(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::write);
    if (ctx.args.has("put")) {
        db.put_role(json_object_option(ctx.args, "put").dump());
        if (!ctx.json) std::cout << "saved\n";
        return kOk;
    }
    for (const auto& r : Json::parse(db.roles())) {
        if (ctx.json) {
            print_json_line(r.dump());
            continue;
        }
        std::string perms;
        for (const auto& p : r["permissions"]) perms += (perms.empty() ? "" : ",") + p.get<std::string>();
        std::cout << r["name"].get<std::string>() << "  scope " << r["scope"].get<std::string>() << "  " << perms << "\n";
    }
    return kOk;
}

int run_whoami(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::read);
    const Json me = Json::parse(db.whoami());
    if (ctx.json) print_json(me.dump());
    else if (me["principal"].is_null()) std::cout << "system (no principal): every permission, every customer\n";
    else std::cout << me["principal"].get<std::string>() << " (role " << me["role"].get<std::string>() << ", scope "
                   << me["scope"].get<std::string>() << ")\n";
    return kOk;
}

int run_audit(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::write);
    if (ctx.args.has("verify")) {
        const std::string report = db.audit_verify();
        const Json r = Json::parse(report);
        if (ctx.json) print_json(report);
        else if (r["ok"].get<bool>()) std::cout << "audit log intact: " << r["entries"] << " entries, " << r["sites"] << " site(s)\n";
        else
            for (const auto& p : r["problems"])
                std::cout << "site " << p["site"].get<std::string>() << " entry " << p["n"] << ": " << p["reason"].get<std::string>() << "\n";
        return r["ok"].get<bool>() ? kOk : kError;
    }
    Json q = Json::object();
    for (const char* k : {"principal", "action", "outcome", "since", "until"})
        if (auto v = ctx.args.get(k)) q[k] = *v;
    if (auto v = ctx.args.get("record")) q["record_id"] = ctx.customer_id(db, *v);
    q["limit"] = ctx.args.integer("limit", 1, 10000).value_or(50);
    for (auto& row : db.audit(q.dump())) {
        if (ctx.json) {
            print_json_line(row);
            continue;
        }
        const Json e = Json::parse(row);
        std::cout << short_time(e["at"].get<std::string>()) << "  " << e["principal"].get<std::string>() << "  "
                  << e["action"].get<std::string>() << (e["outcome"] == "ok" ? "" : "  DENIED")
                  << (e.contains("record_id") ? "  " + e["record_id"].get<std::string>() : "") << "\n";
    }
    return kOk;
}

int run_subject(Context& ctx) {
    const auto ops = ctx.operands(1);
    auto db = ctx.open(Access::write);
    const std::string id = ctx.customer_id(db, ops[0]);
    if (ctx.args.has("erase")) {
        const std::string report = db.subject_erase(id);
        if (ctx.json) {
            print_json(report);
        } else {
            const Json r = Json::parse(report);
            std::cout << "erased " << id << ": " << r["records"] << " records; index rewrite "
                      << r["fts_rewrite_ms"].get<double>() << " ms, checkpoint " << r["checkpoint_ms"].get<double>() << " ms"
                      << (r["checkpoint_complete"].get<bool>() ? "" : " (incomplete: another connection is reading; run again)")
                      << "\n";
        }
        return kOk;
    }
    print_json(db.subject_export(id));
    return kOk;
}

}  // namespace

Command user_command() {
    return {"user", "", "list the users of the file, or create/replace one with --put",
            {{"put", 0, "JSON", false, "{\"name\",\"role\",\"team\"?,\"display_name\"?,\"active\"?} (needs manage_users)"}},
            "A user's name is what customers' \"owner\" holds. Roles: admin, manager, sales, service, analyst,\n"
            "read-only, or a custom one (crm role).\n"
            "\nExample:\n  crm user crm.db --put '{\"name\":\"alice\",\"role\":\"sales\",\"team\":\"east\"}'\n",
            run_user};
}

Command role_command() {
    return {"role", "", "list the roles, or create/replace a custom role with --put",
            {{"put", 0, "JSON", false, "{\"name\",\"permissions\":[...],\"scope\":\"own\"|\"team\"|\"all\"}"}},
            "Permissions: read, create, update, delete, export, merge, manage_rules, manage_users, unmask, audit, erase.\n"
            "\nExample:\n  crm role crm.db --put '{\"name\":\"field\",\"permissions\":[\"read\",\"update\"],\"scope\":\"own\"}'\n",
            run_role};
}

Command whoami_command() {
    return {"whoami", "", "the principal the command runs as (--as USER or $CRM_AS)", {},
            "\nExample:\n  crm whoami crm.db --as alice\n", run_whoami};
}

Command audit_command() {
    return {"audit", "", "list audit log entries (newest first), or check its hash chains with --verify",
            {{"verify", 0, "", false, "check every site's chain; exit status 1 when tampered with"},
             {"principal", 0, "USER", false, "only this user's entries"},
             {"action", 0, "ACTION", false, "only this action (customer.read, login, export, ...)"},
             {"outcome", 0, "ok|denied", false, "only allowed or only denied calls"},
             {"record", 0, "ID", false, "only entries about this record"},
             {"since", 0, "TIME", false, "entries at or after TIME (ISO-8601)"},
             {"until", 0, "TIME", false, "entries before TIME"},
             {"limit", 0, "N", false, "at most N entries (default 50)"}},
            "Needs the audit permission.\n\nExample:\n  crm audit crm.db --as root --principal alice --outcome denied\n",
            run_audit};
}

Command subject_command() {
    return {"subject", "CUSTOMER", "print everything held about one person as JSON, or erase the person with --erase",
            {{"erase", 0, "", false, "erase the person from the whole file (tombstone that syncs; needs erase and delete)"}},
            "CUSTOMER is an id or SYSTEM:EXTERNAL_ID.\n"
            "\nExamples:\n  crm subject crm.db erp:C0001 --as root > person.json\n  crm subject crm.db erp:C0001 --as root --erase\n",
            run_subject};
}

}  // namespace crmcli
