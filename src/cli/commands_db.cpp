// init, info, import, export: commands about the database file as a whole.
#include <csignal>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "table.hpp"

namespace crmcli {

namespace {

using Json = nlohmann::json;

void print_info(const std::string& path, const Json& info) {
    const auto n = [&](const char* key) { return info.contains(key) ? group_digits(info[key].get<long long>()) : ""; };
    print_fields(std::cout, {{"database", path},
                             {"site id", info.value("site_id", "")},
                             {"schema", info.contains("schema_version") ? std::to_string(info["schema_version"].get<int>()) : ""},
                             {"time zone", info.value("timezone", "")},
                             {"customers", n("customers")},
                             {"interactions", n("interactions")},
                             {"library", std::string(crm_version()) + " (ABI " + std::to_string(crm_abi_version()) + ")"}},
                 0);
}

int run_init(Context& ctx) {
    ctx.operands(0);
    // `init` means "a new, empty CRM": never adopt a file that is already there.
    std::error_code ec;
    if (std::filesystem::exists(ctx.db_path(), ec))
        throw Failure(ctx.db_path() + ": already exists (crm info shows what it holds)");
    crm::Options options;
    options.create(true);
    if (auto tz = ctx.args.get("timezone")) options.timezone(*tz);
    apply_key_from_env(options);  // $CRM_PASSPHRASE: a new encrypted file
    crm::Database db(ctx.db_path(), options);
    const std::string info = db.info();
    if (ctx.json) {
        print_json(info);
    } else {
        std::cout << "created " << ctx.db_path() << "\n";
        print_info(ctx.db_path(), Json::parse(info));
    }
    return kOk;
}

int run_info(Context& ctx) {
    ctx.operands(0);
    auto db = ctx.open(Access::read);
    const std::string info = db.info();
    if (ctx.json) print_json(info);
    else print_info(ctx.db_path(), Json::parse(info));
    return kOk;
}

// Ctrl-C during an import asks the library to cancel at the next progress
// call, which rolls the whole import back: no half-imported file.
volatile std::sig_atomic_t g_interrupted = 0;
void on_sigint(int) {
    g_interrupted = 1;
    std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C kills at once
}

int run_import(Context& ctx) {
    const std::string file = ctx.operands(1)[0];
    crm::ImportOptions options;
    if (auto v = ctx.args.get("records")) options.records(*v);
    if (auto v = ctx.args.get("format")) options.format(*v);
    if (auto v = ctx.args.get("system")) options.system(*v);
    if (auto v = ctx.args.get("map")) options.mapping(*v);
    if (auto v = ctx.args.integer("batch", 1, 1000000)) options.batch_size(static_cast<int>(*v));
    const bool show_progress = stderr_is_tty() && !ctx.args.has("quiet");
    options.progress([&](std::int64_t done, std::int64_t total) {
        if (show_progress) {
            std::cerr << "\r\x1b[Kimporting " << file << ": " << group_digits(static_cast<long long>(done)) << " rows";
            if (total > 0) std::cerr << " (" << std::min<std::int64_t>(100, done * 100 / total) << "%)";
            std::cerr << std::flush;
        }
        return g_interrupted == 0;
    });
    auto db = ctx.open(Access::write);
    g_interrupted = 0;
    const auto previous = std::signal(SIGINT, on_sigint);
    std::string report_text;
    try {
        report_text = db.import_file(file, options);
    } catch (const crm::Error& e) {
        std::signal(SIGINT, previous);
        if (show_progress) std::cerr << "\r\x1b[K";
        if (e.code() == CRM_ECANCELED && g_interrupted) throw Failure("import interrupted; nothing was imported", kInterrupted);
        throw;
    }
    std::signal(SIGINT, previous);
    if (show_progress) std::cerr << "\r\x1b[K" << std::flush;

    const Json report = Json::parse(report_text);
    const long long failed = report.value("failed", 0LL);
    if (ctx.json) {
        print_json(report_text);
    } else {
        const auto n = [&](const char* key) { return group_digits(report.value(key, 0LL)); };
        std::cout << file << ": " << n("rows") << " rows read: " << n("inserted") << " inserted, " << n("updated")
                  << " updated, " << n("unchanged") << " unchanged, " << n("failed") << " failed\n";
        const Json& errors = report.contains("errors") ? report["errors"] : Json::array();
        const std::size_t shown = std::min<std::size_t>(errors.size(), 10);
        if (shown > 0) {
            Table t;
            t.column("LINE", 0, true).column("FIELD", 30).column("REASON", 80);
            for (std::size_t i = 0; i < shown; ++i) {
                const Json& e = errors[i];
                t.row({e.contains("line") ? std::to_string(e["line"].get<long long>()) : "",
                       e.value("field", ""), e.value("reason", "")});
            }
            std::cout << "\n";
            t.print(std::cout);
            if (failed > static_cast<long long>(shown))
                std::cout << "(first " << shown << " of " << group_digits(failed)
                          << " errors; --json lists up to 1,000)\n";
        }
    }
    return failed > 0 && ctx.args.has("strict") ? kRowsFailed : kOk;
}

int run_export(Context& ctx) {
    const std::string file = ctx.operands(1)[0];
    const std::string records = ctx.args.get("records").value_or("customers");
    auto db = ctx.open(Access::read);
    const std::string report = db.export_file(records, file);
    if (ctx.json) print_json(report);
    else
        std::cout << "exported " << group_digits(Json::parse(report).value("rows", 0LL)) << " " << records << " to "
                  << file << "\n";
    return kOk;
}

}  // namespace

Command init_command() {
    return {"init", "", "create a new, empty database file",
            {{"timezone", 0, "TZ", false, "IANA time zone for day-based rules (default UTC), e.g. Asia/Shanghai"}},
            "Fails when the file already exists. Prints the new database's site id and schema version.\n"
            "\nExample:\n  crm init shop.db --timezone Asia/Shanghai\n",
            run_init};
}

Command info_command() {
    return {"info", "", "show facts about a database: site id, schema, time zone, counts", {}, "", run_info};
}

Command import_command() {
    return {"import", "FILE", "import customers or interactions from CSV or JSON Lines",
            {{"records", 0, "KIND", false, "customers (default) or interactions"},
             {"format", 0, "FORMAT", false, "csv or jsonl (default: from the file name)"},
             {"system", 0, "SYSTEM", false,
              "external system whose ids key the rows (e.g. erp): re-importing updates instead of duplicating"},
             {"map", 0, "JSON", false, "column mapping {\"<column>\":\"<field>\"}, e.g. '{\"姓名\":\"display_name\"}'"},
             {"batch", 0, "N", false, "rows between progress updates (default 5000)"},
             {"strict", 0, "", false, "exit with status 3 when any row was rejected"},
             {"quiet", 'q', "", false, "no progress line on stderr"}},
            "Bad rows are skipped and reported (line, field, reason); good rows land. The report\n"
            "shows the first 10 errors (--json: up to 1000). Exit status: 0 when the import ran\n"
            "(even with rejected rows, unless --strict), 3 with --strict and rejected rows, 1 when\n"
            "the import could not run at all (nothing is imported then). Ctrl-C cancels and rolls\n"
            "the whole import back (exit status 130). On a terminal a progress line is drawn on stderr.\n"
            "\nExamples:\n"
            "  crm import shop.db customers.csv --system erp\n"
            "  crm import shop.db interactions.jsonl --records interactions --system erp\n"
            "  crm import shop.db 客户.csv --map '{\"姓名\":\"display_name\",\"手机\":\"phone\"}'\n",
            run_import};
}

Command export_command() {
    return {"export", "FILE", "export customers or interactions as JSON Lines",
            {{"records", 0, "KIND", false, "customers (default) or interactions"}},
            "\nExample:\n  crm export shop.db customers.jsonl\n", run_export};
}

}  // namespace crmcli
