// crm-bench: measures crmlite beside raw SQLite on the same data, schema and
// indexes, in one run, and prints a JSON report and a markdown table.
//   crm-bench [--scale small|large] [--customers N] [--work DIR] [--json FILE]
// small: 10k customers (~100k interactions), the CI smoke test; large: 1M
// customers (~10M interactions), the scale our claims are made at.
#include <sys/utsname.h>

#include <algorithm>
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
#include "loaders.hpp"
#include "suite.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Args {
    std::string scale = "small";
    long customers = 0;
    std::string work;
    std::string json_out;
    int iterations = 0;
    std::string only;  // run just this suite (its inputs from an earlier run in --work)
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
        else if (k == "--only") a.only = val();
        else {
            std::fprintf(stderr, "usage: crm-bench [--scale small|large] [--customers N] [--work DIR] [--json FILE] [--iterations N] [--only SUITE]\n");
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

// Whole numbers from 100 up, three significant digits below (0.146 s, 0.79 auc).
std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, v >= 100 || v <= -100 ? "%.0f" : "%.3g", v);
    return buf;
}

}  // namespace

namespace bench {
std::vector<Suite>& registry() {
    static std::vector<Suite> suites;
    return suites;
}
}  // namespace bench

int main(int argc, char** argv) {
    const Args args = parse(argc, argv);
    fs::create_directories(args.work);
    bench::Context ctx{args.scale, args.customers, args.work, args.work + "/data", args.work + "/crmlite.db",
                       args.iterations};
    json report = {{"scale", args.scale}, {"customers", args.customers}, {"machine", machine()},
                   {"crmlite", crm_version()}, {"sqlite", bench::sqlite_version()}};

    const std::string& data = ctx.data;
    if (!fs::exists(data + "/customers.csv") || !fs::exists(data + "/.n" + std::to_string(args.customers))) {
        fs::remove_all(data);
        const std::string cmd = std::string(CRM_GEN_PATH) + " --customers " + std::to_string(args.customers) +
                                " --seed 42 --out " + data;
        std::fprintf(stderr, "bench: generating data: %s\n", cmd.c_str());
        if (std::system(cmd.c_str()) != 0) return 1;
        std::ofstream(data + "/.n" + std::to_string(args.customers)) << "ok";
    }

    auto suites = bench::registry();
    std::stable_sort(suites.begin(), suites.end(), [](const auto& a, const auto& b) { return a.order < b.order; });
    json figures = json::array(), details = json::object();
    for (const auto& suite : suites) {
        if (!args.only.empty() && suite.name != args.only) continue;
        std::fprintf(stderr, "bench: %s\n", suite.name.c_str());
        const json r = bench::run_in_child(suite.name, [&] {
            const bench::Result res = suite.run(ctx);
            json fs = json::array();
            for (const auto& f : res.figures) fs.push_back(bench::to_json(f));
            return json{{"figures", fs}, {"details", res.details}};
        });
        if (r.contains("error")) {
            std::cerr << "bench: suite " << suite.name << " failed: " << r["error"].get<std::string>() << "\n";
            return 1;
        }
        for (auto f : r["figures"]) {
            f["suite"] = suite.name;
            figures.push_back(f);
        }
        details[suite.name] = r["details"];
        details[suite.name]["peak_rss_mib"] = r["peak_rss_mib"];
    }
    report["figures"] = figures;
    report["suites"] = details;

    // Markdown table on stdout. ratio = crmlite / baseline: above 1 is better
    // for rates (rows/s), below 1 is better for times, sizes and memory.
    std::printf("\n## crm-bench %s: %ld customers, %s\n\n", args.scale.c_str(), args.customers,
                report["machine"].get<std::string>().c_str());
    std::printf("| suite | figure | unit | crmlite | baseline | ratio |\n|---|---|---|---:|---:|---:|\n");
    for (const auto& f : figures) {
        std::printf("| %s | %s | %s%s | %s | %s | %.2fx |\n", f["suite"].get<std::string>().c_str(),
                    f["name"].get<std::string>().c_str(), f["unit"].get<std::string>().c_str(),
                    f["higher_is_better"].get<bool>() ? " (higher is better)" : "", number(f["crmlite"].get<double>()).c_str(),
                    number(f["baseline"].get<double>()).c_str(), f["ratio"].get<double>());
    }
    if (!args.json_out.empty()) std::ofstream(args.json_out) << report.dump(2) << "\n";
    else std::cout << "\n" << report.dump(2) << "\n";
    return 0;
}
