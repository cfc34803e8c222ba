// add, list, count, tag: customer records.
#include <iostream>

#include "commands.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

// ---------------------------------------------------------------- filters

// Filter options shared by list and count. Repeating a field filter means
// "any of"; repeating --tag means "all of" (the library's tags_all).
const std::vector<Option>& filter_options() {
    static const std::vector<Option> options = {
        {"stage", 0, "STAGE", true, "prospect, customer, repeat, loyal, at_risk or churned (repeat: any of)"},
        {"owner", 0, "OWNER", true, "owning user (repeat: any of)"},
        {"city", 0, "CITY", true, "city (repeat: any of)"},
        {"province", 0, "PROVINCE", true, "province (repeat: any of)"},
        {"source", 0, "SOURCE", true, "acquisition source (repeat: any of)"},
        {"kind", 0, "KIND", false, "person or company"},
        {"tag", 0, "PATH", true, "has this tag or one below it (repeat: all of)"},
        {"any-tag", 0, "PATH", true, "has at least one of these tags"},
        {"no-tag", 0, "PATH", true, "has none of these tags"},
        {"text", 0, "TEXT", false, "full-text match, as `crm search`"},
    };
    return options;
}

Json string_or_list(const std::vector<std::string>& values) {
    return values.size() == 1 ? Json(values.front()) : Json(values);
}

Json build_filter(const Args& args) {
    Json filter = Json::object();
    for (const char* key : {"stage", "owner", "city", "province", "source", "kind"})
        if (args.has(key)) filter[key] = string_or_list(args.all(key));
    if (args.has("tag")) filter["tags_all"] = args.all("tag");
    if (args.has("any-tag")) filter["tags_any"] = args.all("any-tag");
    if (args.has("no-tag")) filter["tags_none"] = args.all("no-tag");
    if (auto text = args.get("text")) filter["text"] = *text;
    return filter;
}

std::vector<Option> with(std::vector<Option> a, const std::vector<Option>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

// ---------------------------------------------------------------- add

// Text options of `add` and the customer field each one sets.
struct FieldFlag {
    std::string_view option, field, value_name, help;
};
constexpr FieldFlag kFieldFlags[] = {
    {"name", "display_name", "NAME", "display name (default: family + given name)"},
    {"given-name", "given_name", "NAME", "given name"},
    {"family-name", "family_name", "NAME", "family name"},
    {"kind", "kind", "KIND", "person (default) or company"},
    {"gender", "gender", "GENDER", "male, female, other or unknown"},
    {"birthday", "birthday", "DATE", "YYYY-MM-DD"},
    {"company", "company", "TEXT", "employer (free text)"},
    {"title", "title", "TEXT", "job title"},
    {"industry", "industry", "TEXT", "industry"},
    {"country", "country", "TEXT", "country"},
    {"province", "province", "TEXT", "province"},
    {"city", "city", "TEXT", "city"},
    {"address", "address", "TEXT", "street address"},
    {"postcode", "postcode", "TEXT", "postcode"},
    {"source", "source", "TEXT", "acquisition source"},
    {"stage", "stage", "STAGE", "prospect, customer, repeat, loyal, at_risk or churned"},
    {"owner", "owner", "OWNER", "owning user"},
    {"notes", "notes", "TEXT", "free-text notes (searchable)"},
};

std::vector<Option> add_options() {
    std::vector<Option> options;
    for (const auto& f : kFieldFlags) options.push_back({f.option, 0, f.value_name, false, f.help});
    options.push_back({"phone", 0, "PHONE", true, "phone number (repeatable; the first is primary)"});
    options.push_back({"email", 0, "EMAIL", true, "email address (repeatable)"});
    options.push_back({"tag", 0, "PATH", true, "tag path like VIP/金卡 (repeatable)"});
    options.push_back({"external", 0, "SYSTEM:ID", true, "id in an external system, e.g. erp:C0000001 (repeatable)"});
    options.push_back({"consent-marketing", 0, "", false, "the customer agreed to marketing"});
    options.push_back({"data", 0, "JSON", false, "the record as a JSON object (@FILE reads a file); flags override it"});
    return options;
}

int run_add(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    Json record = json_object_option(a, "data");
    for (const auto& f : kFieldFlags)
        if (auto v = a.get(f.option)) record[std::string(f.field)] = *v;
    // List flags add to what --data gave.
    for (const auto& [option, field] : {std::pair{"phone", "phones"}, {"email", "emails"}, {"tag", "tags"}}) {
        if (!a.has(option)) continue;
        Json& list = record[field];
        if (!list.is_array()) list = Json::array();
        for (const auto& v : a.all(option)) list.push_back(v);
    }
    for (const auto& ext : a.all("external")) {
        const auto colon = ext.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == ext.size())
            throw UsageError("--external: expected SYSTEM:ID, e.g. erp:C0000001, not \"" + ext + "\"");
        if (!record["external_ids"].is_object()) record["external_ids"] = Json::object();
        record["external_ids"][ext.substr(0, colon)] = ext.substr(colon + 1);
    }
    if (a.has("consent-marketing")) record["consent_marketing"] = true;
    if (record.empty()) throw UsageError("nothing to add: give at least --name (see crm help add)");

    auto db = ctx.open(Access::write);
    const std::string id = db.create_customer(record.dump());
    if (ctx.json) print_json(Json{{"id", id}}.dump());
    else std::cout << id << "\n";
    return kOk;
}

// ---------------------------------------------------------------- list

int run_list(Context& ctx) {
    ctx.operands(0);
    const Args& a = ctx.args;
    const std::int64_t limit = a.integer("limit", 1, 10000).value_or(50);
    Json query = {{"filter", build_filter(a)}, {"order", a.has("desc") ? "desc" : "asc"}};
    if (auto sort = a.get("sort")) query["sort"] = *sort;
    if (auto after = a.get("after")) query["after"] = *after;
    // Ask for one row more than shown: it tells whether a next page exists,
    // so the last page prints no token. (10000 is the library's cap.)
    query["limit"] = std::min<std::int64_t>(limit + 1, 10000);

    auto db = ctx.open(Access::read);
    auto cursor = db.query_customers(query.dump());
    Table table;
    table.column("NAME", 24)
        .column("STAGE", 0, false, true)
        .column("OWNER", 12, false, true)
        .column("CITY", 12, false, true)
        .column("PHONE", 16, false, true)
        .column("EMAIL", 28, false, true)
        .column("ID");
    std::int64_t shown = 0;
    std::optional<std::string> next;
    bool more = false;
    while (auto row = cursor.next()) {
        if (shown == limit) {  // the extra row: a next page exists
            more = true;
            break;
        }
        if (++shown == limit) next = cursor.token();  // resumes after the last shown row
        if (ctx.json) {
            print_json_line(*row);
            continue;
        }
        const Json r = Json::parse(*row);
        table.row({r.value("display_name", ""), r.value("stage", ""), r.value("owner", ""), r.value("city", ""),
                   r.value("phone", ""), r.value("email", ""), r.value("id", "")});
    }
    // At the library's cap there is no row to peek at: offer the token anyway.
    if (shown == 10000) more = true;
    if (!more) next.reset();
    if (ctx.json) {
        // Rows always carry "id"; this trailing line never does.
        if (next) print_json_line(Json{{"next", *next}}.dump());
        return kOk;
    }
    if (table.empty()) {
        std::cout << "no customers" << (a.has("after") ? " after this token" : build_filter(a).empty() ? "" : " match") << "\n";
        return kOk;
    }
    table.print(std::cout);
    if (next) std::cout << "\nnext page: --after " << *next << "\n";
    return kOk;
}

// ---------------------------------------------------------------- count

int run_count(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::read);
    const std::int64_t n = db.count_customers(build_filter(ctx.args).dump());
    if (ctx.json) print_json(Json{{"count", n}}.dump());
    else std::cout << n << "\n";  // a bare number, for $(crm count ...)
    return kOk;
}

// ---------------------------------------------------------------- tag

int run_tag(Context& ctx) {
    const Args& a = ctx.args;
    if (a.has("list")) {
        if (a.has("remove")) throw UsageError("--list and --remove do not go together");
        ctx.operands(0);
        auto db = ctx.open(Access::read);
        const Json tags = Json::parse(db.tags());
        if (ctx.json) {
            for (const auto& t : tags) print_json_line(t.dump());
            return kOk;
        }
        if (tags.empty()) {
            std::cout << "no tags\n";
            return kOk;
        }
        Table table;
        table.column("TAG").column("KIND").column("CUSTOMERS", 0, true);
        for (const auto& t : tags)
            table.row({t.value("path", ""), t.value("kind", ""),
                       t.contains("count") ? group_digits(t["count"].get<long long>()) : ""});
        table.print(std::cout);
        return kOk;
    }
    const auto ops = ctx.operands(2);
    auto db = ctx.open(Access::write);
    const std::string id = ctx.customer_id(db, ops[0]);
    const bool remove = a.has("remove");
    if (remove) db.untag(id, ops[1]);
    else db.tag(id, ops[1]);
    if (ctx.json) {
        print_json(Json{{"customer_id", id}, {"tag", ops[1]}, {"action", remove ? "removed" : "added"}}.dump());
    } else {
        const std::string name = Json::parse(db.customer(id)).value("display_name", id);
        std::cout << (remove ? "removed tag " : "tagged ") << clean(name) << (remove ? ": " : " with ")
                  << clean(ops[1]) << "\n";
    }
    return kOk;
}

}  // namespace

Command add_command() {
    return {"add", "", "add a customer; prints the new id", add_options(),
            "Fields come from the flags, or from --data with the record as JSON (see\n"
            "docs/records.md); flags override --data, and --phone/--email/--tag add to its lists.\n"
            "\nExamples:\n"
            "  crm add shop.db --name 王小明 --phone 13812345678 --city 上海 --tag VIP/金卡\n"
            "  crm add shop.db --data '{\"display_name\":\"ACME Ltd\",\"kind\":\"company\"}'\n",
            run_add};
}

Command list_command() {
    return {"list", "", "list customers as a table, page by page",
            with({{"sort", 0, "KEY", false, "name (default; Chinese by pinyin), name_codepoint, created_at or updated_at"},
                  {"desc", 0, "", false, "descending order"},
                  {"limit", 0, "N", false, "rows per page, 1 to 10000 (default 50)"},
                  {"after", 0, "TOKEN", false, "the next page: the token printed under the previous one"}},
                 filter_options()),
            "Filters combine with AND. When more rows follow, the table ends with\n"
            "\"next page: --after TOKEN\"; with --json, rows are JSON Lines and a last line\n"
            "{\"next\":\"TOKEN\"} appears instead (rows always have \"id\", that line never does).\n"
            "\nExamples:\n"
            "  crm list shop.db --stage customer --stage repeat --city 上海\n"
            "  crm list shop.db --tag VIP --no-tag 流失预警 --sort updated_at --desc --limit 20\n",
            run_list};
}

Command count_command() {
    return {"count", "", "count customers (with the same filters as list)", filter_options(),
            "Prints a bare number.\n\nExample:\n  crm count shop.db --stage customer --tag VIP\n", run_count};
}

Command tag_command() {
    return {"tag", "ID PATH", "tag or untag a customer, or list the tags",
            {{"remove", 0, "", false, "remove the tag from the customer instead"},
             {"list", 0, "", false, "list every tag with its customer count (no ID PATH then)"}},
            "ID is a customer id or SYSTEM:EXTERNAL_ID. PATH has up to three levels separated\n"
            "by '/'; a missing tag is created when tagging.\n"
            "\nExamples:\n"
            "  crm tag shop.db erp:C0000001 VIP/金卡\n"
            "  crm tag shop.db --remove erp:C0000001 VIP/金卡\n"
            "  crm tag shop.db --list\n",
            run_tag};
}

}  // namespace crmcli
