// log and search: interactions in, ranked hits out.
#include <iostream>
#include <map>

#include "commands.hpp"
#include "money.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------- log

// Text options of `log` and the interaction field each sets.
constexpr std::pair<std::string_view, std::string_view> kTextFlags[] = {
    {"kind", "kind"},       {"subject", "subject"}, {"body", "body"},     {"channel", "channel"},
    {"direction", "direction"}, {"status", "status"}, {"user", "user"}, {"at", "occurred_at"},
};

int run_log(Context& ctx) {
    const std::string ref = ctx.operands(1)[0];
    const Args& a = ctx.args;
    Json record = json_object_option(a, "data");
    for (const auto& [option, field] : kTextFlags)
        if (auto v = a.get(option)) record[std::string(field)] = *v;
    if (!record.contains("kind"))
        throw UsageError("--kind is required (call, email, visit, meeting, chat, note, order, ticket, survey, ...)");
    if (auto c = a.get("currency")) record["currency"] = currency_code(*c);
    if (a.has("amount") && a.has("amount-minor")) throw UsageError("give --amount or --amount-minor, not both");
    if (auto amount = a.get("amount")) {
        if (!record.contains("currency") || !record["currency"].is_string())
            throw UsageError("--amount needs --currency (its decimals depend on it)");
        record["amount_minor"] = parse_amount(*amount, record["currency"].get<std::string>());
    }
    if (auto minor = a.integer("amount-minor", INT64_MIN, INT64_MAX)) record["amount_minor"] = *minor;
    if (auto r = a.integer("rating", INT64_MIN, INT64_MAX)) record["rating"] = *r;  // the library checks 1..5
    if (auto n = a.integer("nps", INT64_MIN, INT64_MAX)) record["nps"] = *n;

    auto db = ctx.open(Access::write);
    record["customer_id"] = ctx.customer_id(db, ref);
    const std::string id = db.add_interaction(record.dump());
    if (ctx.json) print_json(Json{{"id", id}}.dump());
    else std::cout << id << "\n";
    return kOk;
}

// ---------------------------------------------------------------- search

int run_search(Context& ctx) {
    const std::string q = ctx.operands(1)[0];
    Json query = {{"q", q}};
    if (auto in = ctx.args.get("in")) query["in"] = *in;
    if (auto limit = ctx.args.integer("limit", 1, 1000)) query["limit"] = *limit;
    auto db = ctx.open(Access::read);
    auto cursor = db.search(query.dump());
    Table table;
    table.column("#", 0, true).column("TYPE").column("TITLE", 36).column("MATCH", 48).column("CUSTOMER");
    std::map<std::string, std::string> names;  // customer id -> display name, for interaction hits
    int rank = 0;
    while (auto row = cursor.next()) {
        if (ctx.json) {
            print_json_line(*row);
            continue;
        }
        const Json hit = Json::parse(*row);
        const std::string customer = hit.value("customer_id", "");
        std::string type = hit.value("type", ""), title = hit.value("title", "");
        if (type == "interaction") {
            type = hit.value("kind", type);
            auto [it, fresh] = names.try_emplace(customer);
            if (fresh) it->second = Json::parse(db.customer(customer)).value("display_name", "");
            title = it->second + ": " + title;
        }
        table.row({std::to_string(++rank), type, title, hit.value("snippet", ""), customer});
    }
    if (ctx.json) return kOk;
    if (table.empty()) std::cout << "no matches for " << clean(q) << "\n";
    else table.print(std::cout);
    return kOk;
}

}  // namespace

Command log_command() {
    return {"log", "ID", "log an interaction (call, order, ...) for a customer; prints its id",
            {{"kind", 0, "KIND", false, "call, email, visit, meeting, chat, note, order, ticket, survey, or your own"},
             {"subject", 0, "TEXT", false, "subject line (searchable)"},
             {"body", 0, "TEXT", false, "text (searchable)"},
             {"amount", 0, "DECIMAL", false, "amount in major units, e.g. 123.45 (needs --currency)"},
             {"amount-minor", 0, "N", false, "amount in minor units (fen, cents), e.g. 12345"},
             {"currency", 0, "CODE", false, "ISO-4217 code, e.g. CNY"},
             {"at", 0, "TIME", false, "when it happened, ISO-8601 (default now), e.g. 2025-11-02T09:30:00+08:00"},
             {"channel", 0, "TEXT", false, "channel, e.g. phone, wechat, store"},
             {"direction", 0, "DIR", false, "inbound or outbound"},
             {"status", 0, "TEXT", false, "status, e.g. open, paid"},
             {"user", 0, "USER", false, "the user who handled it"},
             {"rating", 0, "1-5", false, "survey rating"},
             {"nps", 0, "0-10", false, "net promoter score"},
             {"data", 0, "JSON", false, "the record as a JSON object (@FILE reads a file); flags override it"}},
            "ID is a customer id or SYSTEM:EXTERNAL_ID. --amount is converted to minor units by\n"
            "decimal string arithmetic (never floating point): 19.99 CNY is exactly 1999 fen; JPY\n"
            "has no decimals and KWD three.\n"
            "\nExamples:\n"
            "  crm log shop.db erp:C0000001 --kind call --subject '回访' --body '客户满意'\n"
            "  crm log shop.db erp:C0000001 --kind order --amount 1299.00 --currency CNY --at 2025-11-02\n",
            run_log};
}

Command search_command() {
    return {"search", "QUERY", "full-text search over customers and interactions",
            {{"in", 0, "WHERE", false, "customers, interactions or all (default)"},
             {"limit", 0, "N", false, "at most N hits, 1 to 1000 (default 20)"}},
            "Hits are ranked best first; the match is shown with [brackets]. Chinese substrings\n"
            "(小明), Latin word prefixes (joh), pinyin of Chinese names (wangxiaoming, wxm) and phone digit\n"
            "runs (5678) all match; several words (quote them as one argument) must all match.\n"
            "\nExamples:\n"
            "  crm search shop.db 小明\n"
            "  crm search shop.db '上海 VIP' --in customers --limit 5\n",
            run_search};
}

}  // namespace crmcli
