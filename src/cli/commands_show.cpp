// show: one customer's 360-degree view as readable sections (or the raw JSON).
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "money.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;
using Fields = std::vector<std::pair<std::string, std::string>>;

std::string str(const Json& obj, const char* key) {
    if (!obj.is_object() || !obj.contains(key)) return {};
    const Json& v = obj[key];
    if (v.is_string()) return v.get<std::string>();
    if (v.is_null()) return {};
    return v.dump();
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (const auto& p : parts) {
        if (p.empty()) continue;
        if (!out.empty()) out += sep;
        out += p;
    }
    return out;
}

// A national id is shown as ****1234: enough to check it, not enough to leak
// it from a screen or a terminal log. --json gives the stored value.
std::string masked(const std::string& id) {
    if (id.size() <= 4) return std::string(id.size(), '*');
    return std::string(id.size() - 4, '*') + id.substr(id.size() - 4);
}

std::string money(const Json& obj, const char* amount_key = "amount_minor") {
    if (!obj.contains(amount_key) || !obj[amount_key].is_number_integer()) return {};
    const std::string currency = str(obj, "currency");
    return currency + " " + format_amount(obj[amount_key].get<std::int64_t>(), currency);
}

// Country, region, province, city, from large to small; a municipality is its
// own province (上海市 上海市), so a part equal to the one before is dropped.
std::string location(const Json& p) {
    std::vector<std::string> parts;
    for (const char* key : {"country", "region", "province", "city"}) {
        const std::string v = str(p, key);
        if (!v.empty() && (parts.empty() || parts.back() != v)) parts.push_back(v);
    }
    return join(parts, " ");
}

void heading(std::string_view title) { std::cout << "\n" << title << "\n"; }

void print_profile(const Json& view) {
    const Json& p = view["profile"];
    // Title line: the name, then what kind of customer at which stage.
    std::cout << clean(str(p, "display_name")) << " (" << join({str(p, "kind"), str(p, "stage")}, ", ") << ")\n";
    std::vector<std::string> external;
    if (p.contains("external_ids"))
        for (const auto& [system, ext] : p["external_ids"].items()) external.push_back(system + ":" + ext.get<std::string>());
    std::string company = str(p, "company");
    if (view.contains("company")) company = join({str(view["company"], "display_name"), company}, " / ");
    std::string consent;
    if (p.contains("consent_marketing") || p.contains("consent_data_sharing"))
        consent = std::string("marketing ") + (p.value("consent_marketing", false) ? "yes" : "no") +
                  ", data sharing " + (p.value("consent_data_sharing", false) ? "yes" : "no");
    print_fields(std::cout, {
        {"id", str(p, "id")},
        {"external", join(external, ", ")},
        {"owner", str(p, "owner")},
        {"source", str(p, "source")},
        {"family name", str(p, "family_name")},
        {"given name", str(p, "given_name")},
        {"gender", str(p, "gender")},
        {"birthday", str(p, "birthday")},
        {"company", company},
        {"title", join({str(p, "title"), str(p, "industry")}, ", ")},
        {"location", location(p)},
        {"address", join({str(p, "address"), str(p, "postcode")}, "  ")},
        {"national id", p.contains("national_id") ? masked(str(p, "national_id")) : ""},
        {"consent", consent},
        {"created", short_time(str(p, "created_at"))},
        {"updated", short_time(str(p, "updated_at"))},
    });
}

void print_contacts(const Json& p) {
    Fields fields;
    for (const char* type : {"phones", "emails"}) {
        if (!p.contains(type)) continue;
        for (const auto& cp : p[type]) {
            std::vector<std::string> notes = {str(cp, "label")};
            if (cp.value("primary", false)) notes.emplace_back("primary");
            std::string value = str(cp, "value");
            if (const std::string n = join(notes, ", "); !n.empty()) value += "  (" + n + ")";
            fields.emplace_back(type[0] == 'p' ? "phone" : "email", value);
        }
    }
    if (fields.empty()) return;
    heading("Contact");
    print_fields(std::cout, fields);
}

void print_orders(const Json& view) {
    if (!view.contains("order_totals") || view["order_totals"].empty()) return;
    heading("Orders");
    Table t;
    t.column("TOTAL", 0, true).column("ORDERS", 0, true).column("LAST ORDER");
    for (const auto& o : view["order_totals"])
        t.row({money(o), group_digits(o.value("orders", 0LL)), short_time(str(o, "last_order_at"))});
    t.print(std::cout, 2);
}

void print_interactions(const Json& view) {
    const Json counts = view.value("interaction_counts", Json::object());
    long long total = 0;
    std::vector<std::string> per_kind;
    for (const auto& [kind, n] : counts.items()) {
        total += n.get<long long>();
        per_kind.push_back(kind + " " + group_digits(n.get<long long>()));
    }
    heading("Interactions");
    if (total == 0) {
        std::cout << "  none yet\n";
        return;
    }
    std::cout << "  " << group_digits(total) << " in all: " << join(per_kind, ", ") << "; first "
              << short_time(str(view, "first_interaction_at")) << ", last " << short_time(str(view, "last_interaction_at"))
              << "\n\n";
    Table t;
    t.column("WHEN (UTC)").column("KIND").column("SUBJECT", 48).column("AMOUNT", 0, true, true);
    for (const auto& i : view["latest_interactions"]) {
        std::string what = str(i, "subject");
        if (what.empty()) what = str(i, "body");
        t.row({short_time(str(i, "occurred_at")), join({str(i, "kind"), str(i, "direction")}, " "), what, money(i)});
    }
    t.print(std::cout, 2);
}

int run_show(Context& ctx) {
    const auto external = ctx.args.get("external");
    const auto ops = ctx.operands(external ? 0 : 1);
    if (external && external->find(':') == std::string::npos)
        throw UsageError("--external: expected SYSTEM:ID, e.g. erp:C0000001");
    auto db = ctx.open(Access::read);
    const std::string id = ctx.customer_id(db, external ? *external : ops[0]);
    const std::string view_text = db.view(id);
    if (ctx.json) {
        print_json(view_text);
        return kOk;
    }
    const Json view = Json::parse(view_text);
    print_profile(view);
    print_contacts(view["profile"]);
    if (view.contains("tags") && !view["tags"].empty()) {
        heading("Tags");
        std::vector<std::string> tags;
        for (const auto& t : view["tags"]) tags.push_back(t.get<std::string>());
        std::cout << "  " << clean(join(tags, ", ")) << "\n";
    }
    print_orders(view);
    print_interactions(view);
    const Json& p = view["profile"];
    if (p.contains("notes")) {
        heading("Notes");
        std::cout << "  " << fit(clean(str(p, "notes")), 400) << "\n";
    }
    if (p.contains("custom") && p["custom"].is_object() && !p["custom"].empty()) {
        heading("Custom fields");
        Fields fields;
        for (const auto& [k, v] : p["custom"].items()) fields.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
        print_fields(std::cout, fields);
    }
    return kOk;
}

}  // namespace

Command show_command() {
    return {"show", "ID", "show a customer's 360-degree view",
            {{"external", 0, "SYSTEM:ID", false, "find the customer by an external id instead of ID"}},
            "ID is a customer id or SYSTEM:EXTERNAL_ID. Sections: profile, contact, tags, order\n"
            "totals per currency, interaction counts and the 10 latest interactions, notes. The\n"
            "national id is masked (****1234); --json prints the full view as the library returns it.\n"
            "\nExamples:\n"
            "  crm show shop.db --external erp:C0000001\n"
            "  crm show shop.db 0193a5c4-7e1f-7c3a-9b2d-4f6e8a1b2c3d --json\n",
            run_show};
}

}  // namespace crmcli
