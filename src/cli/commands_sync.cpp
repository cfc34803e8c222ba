// crm sync: two database files sync directly (both ways, resuming where the
// last sync stopped); crm changes / crm apply: changesets through files, for
// devices that meet a hub by other means; crm sync dump: a changeset as JSON.
#include <fstream>
#include <iostream>
#include <iterator>

#include <nlohmann/json.hpp>

#include "commands.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot read " + path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string site_of(crm::Database& db) { return Json::parse(db.info()).at("site_id").get<std::string>(); }

// Sends everything `to` does not hold yet from `from`, page by page.
Json one_way(crm::Database& from, crm::Database& to) {
    std::int64_t since = to.sync_received(site_of(from));
    Json total = {{"pages", 0}, {"records", 0}, {"fields_applied", 0}, {"deleted", 0}, {"dropped", Json::array()}};
    for (;;) {
        const auto page = from.sync_changes(since, 5000);
        const Json r = Json::parse(to.sync_apply(page.blob));
        total["pages"] = total["pages"].get<int>() + 1;
        for (const char* k : {"records", "fields_applied", "deleted"})
            total[k] = total[k].get<std::int64_t>() + r[k].get<std::int64_t>();
        for (const auto& d : r["dropped"]) total["dropped"].push_back(d);
        since = page.cursor;
        if (!page.more) break;
    }
    return total;
}

int run_sync(Context& ctx) {
    const std::string other = ctx.operands(1)[0];
    if (ctx.db_path() == "dump") {  // crm sync dump FILE
        print_json(crm::Database::sync_dump(read_file(other)));
        return kOk;
    }
    auto a = ctx.open(Access::write);
    crm::Options o;
    o.create(false);
    crm::Database b(other, o);
    const Json there = one_way(a, b), back = one_way(b, a);
    if (ctx.json) {
        print_json(Json{{"sent", there}, {"received", back}}.dump());
    } else {
        std::cout << "sent " << there["records"] << " records (" << there["fields_applied"] << " fields applied, "
                  << there["deleted"] << " deletes), received " << back["records"] << " records ("
                  << back["fields_applied"] << " fields applied, " << back["deleted"] << " deletes)\n";
        for (const auto& d : there["dropped"]) std::cout << "dropped on " << other << ": " << d.dump() << "\n";
        for (const auto& d : back["dropped"]) std::cout << "dropped on " << ctx.db_path() << ": " << d.dump() << "\n";
    }
    return kOk;
}

int run_changes(Context& ctx) {
    const std::string file = ctx.operands(1)[0];
    const std::int64_t since = std::stoll(ctx.args.get("since").value_or("0"));
    auto db = ctx.open(Access::read);
    const auto page = db.sync_changes(since, 1000000);
    std::ofstream(file, std::ios::binary) << page.blob;
    if (ctx.json) print_json(Json{{"bytes", page.blob.size()}, {"cursor", page.cursor}, {"more", page.more}}.dump());
    else std::cout << "wrote " << page.blob.size() << " bytes to " << file << "; next --since " << page.cursor << "\n";
    return kOk;
}

int run_apply(Context& ctx) {
    const std::string file = ctx.operands(1)[0];
    auto db = ctx.open(Access::write);
    const std::string report = db.sync_apply(read_file(file));
    if (ctx.json) {
        print_json(report);
    } else {
        const Json r = Json::parse(report);
        std::cout << "applied " << r["records"] << " records from " << r["sender"].get<std::string>() << ": "
                  << r["fields_applied"] << " fields applied, " << r["fields_superseded"] << " superseded, "
                  << r["deleted"] << " deletes, " << r["dropped"].size() << " dropped\n";
    }
    return kOk;
}

}  // namespace

Command sync_command() {
    return {"sync", "PEER_DB", "sync two database files both ways (or: crm sync dump CHANGESET)", {},
            "Each side receives what it does not hold yet of the other's changes; a sync that stops\n"
            "half-way resumes where it stopped. Edits merge per field (the later write wins);\n"
            "deleted customers stay deleted. `crm sync dump FILE` prints a changeset file as JSON.\n"
            "\nExamples:\n  crm sync phone.db hub.db\n  crm sync dump changes.bin\n",
            run_sync};
}

Command changes_command() {
    return {"changes", "FILE", "write the changes after --since to a changeset file",
            {{"since", 0, "SEQ", false, "the cursor printed by the previous `crm changes` (default 0: everything)"}},
            "\nExample:\n  crm changes phone.db out.bin --since 1200\n", run_changes};
}

Command apply_command() {
    return {"apply", "FILE", "apply a changeset file made by `crm changes` on another replica", {},
            "Applying the same file twice changes nothing the second time.\n"
            "\nExample:\n  crm apply hub.db out.bin\n", run_apply};
}

}  // namespace crmcli
