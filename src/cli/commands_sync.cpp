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

// "owner=alice,region=华东" -> share entries on both option objects.
void add_shares(const std::vector<std::string>& specs, crm::SyncOptions& a, crm::SyncOptions& b) {
    for (const auto& spec : specs) {
        std::size_t start = 0;
        while (start <= spec.size()) {
            const auto comma = spec.find(',', start);
            const std::string item = spec.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
            const auto eq = item.find('=');
            if (eq == std::string::npos) throw UsageError("--share: expected FIELD=VALUE (owner, region or tag), got \"" + item + "\"");
            a.share(item.substr(0, eq), item.substr(eq + 1));
            b.share(item.substr(0, eq), item.substr(eq + 1));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
}

// Sends everything `to` does not hold yet from `from`, page by page. With
// `pull`, `from` serves `to` as a known peer (filtered by its share); with
// `scope`, `to` applies within the sender's write scope.
Json one_way(crm::Database& from, crm::Database& to, const crm::SyncOptions& pull, const crm::SyncOptions* scope) {
    std::int64_t since = to.sync_received(site_of(from));
    Json total = {{"pages", 0}, {"records", 0}, {"fields_applied", 0}, {"deleted", 0}, {"evicted", 0}, {"conflicts", 0},
                  {"dropped", Json::array()}, {"refused", Json::array()}};
    for (;;) {
        const auto page = from.sync_changes_for(since, 5000, pull);
        const Json r = Json::parse(to.sync_apply(page.blob, scope));
        total["pages"] = total["pages"].get<int>() + 1;
        for (const char* k : {"records", "fields_applied", "deleted", "evicted", "conflicts"})
            total[k] = total[k].get<std::int64_t>() + r[k].get<std::int64_t>();
        for (const auto& d : r["dropped"]) total["dropped"].push_back(d);
        for (const auto& d : r["refused"]) total["refused"].push_back(d);
        since = page.cursor;
        if (!page.more) break;
    }
    return total;
}

// crm sync snapshot HUB NEW [--share ...]: a new device's file from the hub's.
int run_snapshot(Context& ctx) {
    const auto files = ctx.operands(2);
    crm::Options o;
    o.create(false);
    crm::Database hub(files[0], o);
    crm::SyncOptions share, unused;
    add_shares(ctx.args.all("share"), share, unused);
    const std::string report = hub.sync_snapshot(files[1], ctx.args.has("share") ? &share : nullptr);
    if (ctx.json) {
        print_json(report);
    } else {
        const Json r = Json::parse(report);
        std::cout << "wrote " << files[1] << ": " << r["customers"] << " customers, " << r["bytes"] << " bytes; site "
                  << r["site_id"].get<std::string>() << ", syncs on with " << files[0] << " from " << r["cursor"] << "\n";
    }
    return kOk;
}

// crm sync rebaseline DEVICE HUB NEW [--share ...]: a stale device starts over
// from the hub's file, keeping the work the hub never received.
int run_rebaseline(Context& ctx) {
    const auto files = ctx.operands(3);
    crm::Options o;
    o.create(false);
    crm::Database device(files[0], o), hub(files[1], o);
    crm::SyncOptions share, unused;
    add_shares(ctx.args.all("share"), share, unused);
    const std::string report = device.sync_rebaseline(hub, files[2], ctx.args.has("share") ? &share : nullptr);
    if (ctx.json) {
        print_json(report);
    } else {
        const Json r = Json::parse(report);
        const Json& c = r["carried"];
        std::cout << "wrote " << files[2] << ": " << r["customers"] << " customers from " << files[1] << ", and "
                  << c["records"] << " records of " << files[0] << "'s unsynced work (" << c["fields_applied"]
                  << " fields applied, " << c["deleted"] << " deletes, " << c["conflicts"] << " conflicts); "
                  << r["dropped"].size() << " edits of records deleted at the hub dropped\n";
        for (const auto& d : r["dropped"])
            std::cout << "  dropped " << d["table"].get<std::string>() << " " << d["id"].get<std::string>() << ": "
                      << d["reason"].get<std::string>() << "\n";
        std::cout << "replace " << files[0] << " with " << files[2] << ", then sync it with " << files[1] << "\n";
    }
    return kOk;
}

int run_sync(Context& ctx) {
    if (!ctx.args.positionals.empty() && ctx.args.positionals.front() == "snapshot") return run_snapshot(ctx);
    if (!ctx.args.positionals.empty() && ctx.args.positionals.front() == "rebaseline") return run_rebaseline(ctx);
    const std::string other = ctx.operands(1)[0];
    if (ctx.db_path() == "dump") {  // crm sync dump FILE
        print_json(crm::Database::sync_dump(read_file(other)));
        return kOk;
    }
    if (ctx.db_path() == "gc") {  // crm sync gc DB --retention-days N
        const auto days = ctx.args.integer("retention-days", 0, 36500).value_or(30);
        crm::Options o;
        o.create(false);
        crm::Database db(other, o);
        const std::string report = db.sync_gc(days * 86400000LL);
        if (ctx.json) print_json(report);
        else {
            const Json r = Json::parse(report);
            std::cout << "dropped " << r["tombstones_dropped"] << " tombstones; " << r["active_peers"] << " active peers, "
                      << r["stale_peers"] << " must re-baseline\n";
        }
        return kOk;
    }
    auto a = ctx.open(Access::write);
    crm::Options o;
    o.create(false);
    crm::Database b(other, o);
    // PEER_DB acts as the hub: A pushes within its share (the hub checks it) and pulls only its share.
    crm::SyncOptions pull, scope;
    pull.peer(site_of(a));
    add_shares(ctx.args.all("share"), pull, scope);
    const bool filtered = ctx.args.has("share");
    crm::SyncOptions to_hub;
    to_hub.peer(site_of(b));
    const Json there = one_way(a, b, to_hub, filtered ? &scope : nullptr), back = one_way(b, a, pull, nullptr);
    if (ctx.json) {
        print_json(Json{{"sent", there}, {"received", back}}.dump());
    } else {
        std::cout << "sent " << there["records"] << " records (" << there["fields_applied"] << " fields applied, "
                  << there["deleted"] << " deletes), received " << back["records"] << " records ("
                  << back["fields_applied"] << " fields applied, " << back["deleted"] << " deletes)\n";
        for (const auto& d : there["dropped"]) std::cout << "dropped on " << other << ": " << d.dump() << "\n";
        for (const auto& d : back["dropped"]) std::cout << "dropped on " << ctx.db_path() << ": " << d.dump() << "\n";
        for (const auto& d : there["refused"]) std::cout << "refused by " << other << ": " << d.dump() << "\n";
        if (back["evicted"].get<int>() > 0)
            std::cout << back["evicted"] << " customers left the share and were removed from " << ctx.db_path() << "\n";
        const auto conflicts = there["conflicts"].get<int>() + back["conflicts"].get<int>();
        if (conflicts > 0) std::cout << conflicts << " concurrent edits overwrote a value (crm conflicts shows them)\n";
    }
    return kOk;
}

int run_conflicts(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::read);
    const auto limit = ctx.args.integer("limit", 1, 1000000).value_or(50);
    const std::string report = db.sync_conflicts(ctx.args.get("id").value_or(""), limit);
    if (ctx.json) {
        print_json(report);
        return kOk;
    }
    const Json log = Json::parse(report);
    if (log.empty()) std::cout << "no conflicts\n";
    for (const auto& e : log)
        std::cout << e["table"].get<std::string>() << " " << e["id"].get<std::string>() << " " << e["field"].get<std::string>()
                  << ": " << e["lost"]["value"].dump() << " lost to " << e["kept"]["value"].dump() << " ("
                  << e["reason"].get<std::string>() << ")\n";
    return kOk;
}

int run_changes(Context& ctx) {
    const std::string file = ctx.operands(1)[0];
    const std::int64_t since = std::stoll(ctx.args.get("since").value_or("0"));
    auto db = ctx.open(Access::read);
    crm::SyncOptions opts;
    if (ctx.args.has("no-audit")) opts.audit(false);
    const auto page = db.sync_changes_for(since, 1000000, opts);
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
    return {"sync", "PEER_DB",
            "sync two database files both ways (or: crm sync dump CHANGESET | crm sync gc DB | crm sync snapshot HUB NEW"
            " | crm sync rebaseline DEVICE HUB NEW)",
            {{"share", 0, "FIELD=VALUE", true,
              "the first file is a device holding only this share of PEER_DB (the hub): owner=, region= or tag="},
             {"retention-days", 0, "DAYS", false, "crm sync gc: peers not seen for longer must re-baseline (default 30)"}},
            "Each side receives what it does not hold yet of the other's changes; a sync that stops\n"
            "half-way resumes where it stopped. Edits merge per field (the later write wins; a value\n"
            "overwritten by a concurrent edit goes to the conflict log); deleted customers stay deleted.\n"
            "With --share the hub sends only the device's share (a customer reassigned away is removed\n"
            "from the device) and refuses the device's changes outside it.\n"
            "`crm sync dump FILE` prints a changeset file as JSON; `crm sync gc DB` drops the tombstones\n"
            "every peer has seen. `crm sync snapshot HUB NEW` writes a new device's file from the hub's\n"
            "(with --share, that share only) without replaying history; NEW then syncs with HUB.\n"
            "`crm sync rebaseline DEVICE HUB NEW` is for a device HUB no longer accepts (it was away longer\n"
            "than the retention): NEW is a snapshot of HUB with DEVICE's unsynced work carried into it\n"
            "(edits of records HUB deleted meanwhile are dropped and listed); put NEW in DEVICE's place.\n"
            "\nExamples:\n  crm sync phone.db hub.db --share owner=alice\n  crm sync dump changes.bin\n"
            "  crm sync gc hub.db --retention-days 90\n  crm sync snapshot hub.db new-phone.db --share owner=alice\n"
            "  crm sync rebaseline phone.db hub.db phone-new.db --share owner=alice\n",
            run_sync};
}

Command conflicts_command() {
    return {"conflicts", "", "list values overwritten by concurrent edits (newest first)",
            {{"id", 0, "ID", false, "only this record's"}, {"limit", 0, "N", false, "at most N entries (default 50)"}},
            "\nExample:\n  crm conflicts hub.db --id 01a2...\n", run_conflicts};
}

Command changes_command() {
    return {"changes", "FILE", "write the changes after --since to a changeset file",
            {{"since", 0, "SEQ", false, "the cursor printed by the previous `crm changes` (default 0: everything)"},
             {"no-audit", 0, "", false, "leave this file's audit log entries out (by default they travel to the hub)"}},
            "The file carries this database's own audit log entries (ids only) unless --no-audit.\n"
            "\nExample:\n  crm changes phone.db out.bin --since 1200\n", run_changes};
}

Command apply_command() {
    return {"apply", "FILE", "apply a changeset file made by `crm changes` on another replica", {},
            "Applying the same file twice changes nothing the second time.\n"
            "\nExample:\n  crm apply hub.db out.bin\n", run_apply};
}

}  // namespace crmcli
