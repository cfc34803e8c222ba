// crm-bench: measures crmlite beside raw SQLite on the same data, schema and
// indexes, in one run, and prints a JSON report and a markdown table.
//   crm-bench [--scale small|large] [--customers N] [--work DIR] [--json FILE]
// small: 10k customers (~100k interactions), the CI smoke test; large: 1M
// customers (~10M interactions), the scale our claims are made at.
#include <sys/utsname.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "child.hpp"
#include "crmlite/crmlite.h"
#include "latency.hpp"
#include "loaders.hpp"
#include "stats.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Args {
    std::string scale = "small";
    long customers = 0;
    std::string work;
    std::string json_out;
    int iterations = 0;
};

Args parse(int argc, char** argv) {
    Args a;
    for (int i = 1; i < argc; ++i) {
        const std::string k = argv[i];
        const auto val = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::fprintf(stderr, "crm-bench: %s needs a value\n", k.c_str());
                std::exit(2);
            }
            return argv[++i];
        };
        if (k == "--scale") a.scale = val();
        else if (k == "--customers") a.customers = std::stol(val());
        else if (k == "--work") a.work = val();
        else if (k == "--json") a.json_out = val();
        else if (k == "--iterations") a.iterations = std::stoi(val());
        else {
            std::fprintf(stderr, "usage: crm-bench [--scale small|large] [--customers N] [--work DIR] [--json FILE] [--iterations N]\n");
            std::exit(2);
        }
    }
    if (a.scale != "small" && a.scale != "large") {
        std::fprintf(stderr, "crm-bench: --scale is small or large\n");
        std::exit(2);
    }
    if (a.customers == 0) a.customers = a.scale == "small" ? 10000 : 1000000;
    if (a.iterations == 0) a.iterations = a.scale == "small" ? 300 : 1000;
    if (a.work.empty()) a.work = (fs::temp_directory_path() / ("crm-bench-" + a.scale)).string();
    return a;
}

std::string machine() {
    utsname u{};
    uname(&u);
    std::string cpu = "unknown cpu";
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);)
        if (line.rfind("model name", 0) == 0) {
            cpu = line.substr(line.find(':') + 2);
            break;
        }
    return cpu + ", " + std::to_string(std::thread::hardware_concurrency()) + " cores, " + u.sysname + " " + u.release;
}

double ratio(double a, double b) { return b > 0 ? a / b : 0; }

}  // namespace

int main(int argc, char** argv) {
    const Args args = parse(argc, argv);
    fs::create_directories(args.work);
    const std::string data = args.work + "/data";
    json report = {{"scale", args.scale}, {"customers", args.customers}, {"machine", machine()},
                   {"crmlite", crm_version()}, {"sqlite", bench::sqlite_version()}};

    if (!fs::exists(data + "/customers.csv") || !fs::exists(data + "/.n" + std::to_string(args.customers))) {
        fs::remove_all(data);
        const std::string cmd = std::string(CRM_GEN_PATH) + " --customers " + std::to_string(args.customers) +
                                " --seed 42 --out " + data;
        std::fprintf(stderr, "bench: generating data: %s\n", cmd.c_str());
        if (std::system(cmd.c_str()) != 0) return 1;
        std::ofstream(data + "/.n" + std::to_string(args.customers)) << "ok";
    }

    const std::string crm_db = args.work + "/crmlite.db", raw_db = args.work + "/raw.db", full_db = args.work + "/raw_full.db";
    std::fprintf(stderr, "bench: crmlite import\n");
    const json ours = bench::run_in_child("crmlite import", [&] { return bench::import_crmlite(crm_db, data); });
    std::fprintf(stderr, "bench: raw SQLite loader\n");
    const json raw = bench::run_in_child("raw import", [&] { return bench::import_raw(raw_db, data, false); });
    std::fprintf(stderr, "bench: raw SQLite loader + derived columns + change capture\n");
    const json full = bench::run_in_child("raw+ import", [&] { return bench::import_raw(full_db, data, true); });
    report["import"] = {{"crmlite", ours}, {"raw", raw}, {"raw_plus_normalise_and_capture", full}};
    for (const auto* j : {&ours, &raw, &full})
        if (j->contains("error")) {
            std::cerr << "bench: failed: " << j->dump() << "\n";
            return 1;
        }
    std::fprintf(stderr, "bench: latencies\n");
    const json lat = bench::run_in_child("latency", [&] {
        json out = json::array();
        for (const auto& f : bench::run_latency(crm_db, args.iterations))
            out.push_back({{"name", f.name}, {"p50_us", f.p50}, {"p99_us", f.p99}, {"baseline_p50_us", f.base_p50},
                           {"baseline_p99_us", f.base_p99}, {"n", f.n}});
        return json{{"figures", out}};
    });
    if (lat.contains("error")) {
        std::cerr << "bench: failed: " << lat.dump() << "\n";
        return 1;
    }
    report["latency"] = lat;

    // Markdown table on stdout.
    std::printf("\n## crm-bench %s: %ld customers, %s\n\n", args.scale.c_str(), args.customers,
                report["machine"].get<std::string>().c_str());
    std::printf("| figure | crmlite | baseline (raw SQLite) | ratio |\n|---|---:|---:|---:|\n");
    for (const char* what : {"customers", "interactions"}) {
        const double a = ours[what]["rows_per_s"], b = raw[what]["rows_per_s"], c = full[what]["rows_per_s"];
        std::printf("| import %s, rows/s | %.0f | %.0f | %.2fx |\n", what, a, b, ratio(a, b));
        std::printf("| import %s, rows/s vs raw + normalise + capture | %.0f | %.0f | %.2fx |\n", what, a, c, ratio(a, c));
    }
    std::printf("| peak RSS during import, MiB | %.1f | %.1f | %.2fx |\n", ours["peak_rss_mib"].get<double>(),
                raw["peak_rss_mib"].get<double>(), ratio(ours["peak_rss_mib"], raw["peak_rss_mib"]));
    std::printf("| file bytes per customer | %.0f | %.0f | %.2fx |\n", ours["bytes_per_customer"].get<double>(),
                raw["bytes_per_customer"].get<double>(), ratio(ours["bytes_per_customer"], raw["bytes_per_customer"]));
    for (const auto& f : lat["figures"]) {
        std::printf("| %s, p50 / p99 µs | %.0f / %.0f | %.0f / %.0f | %.2fx / %.2fx |\n",
                    f["name"].get<std::string>().c_str(), f["p50_us"].get<double>(), f["p99_us"].get<double>(),
                    f["baseline_p50_us"].get<double>(), f["baseline_p99_us"].get<double>(),
                    ratio(f["p50_us"], f["baseline_p50_us"]), ratio(f["p99_us"], f["baseline_p99_us"]));
    }
    std::printf("| latency peak RSS, MiB | %.1f | | |\n", lat["peak_rss_mib"].get<double>());
    if (!args.json_out.empty()) std::ofstream(args.json_out) << report.dump(2) << "\n";
    else std::cout << "\n" << report.dump(2) << "\n";
    return 0;
}
