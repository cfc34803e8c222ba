// Benchmark suites: every figure crm-bench prints is crmlite beside a baseline
// measured in the same run. A capability adds its own figures by registering a
// suite in its own file (bench/<capability>_suite.cpp), e.g.
//
//   static const bench::Register rfm{{"rfm", 30, [](const bench::Context& c) {
//       bench::Figures f;
//       f.push_back({"RFM full recompute", "s", ours_seconds, sql_seconds, false});
//       return bench::Result{f, {}};
//   }}};
//
// Suites run in `order` (import first: it builds the database the others
// read), each in a child process so its peak resident memory is its own.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace bench {

struct Context {
    std::string scale;   // "small" | "large"
    long customers = 0;  // generated entities
    std::string work;    // scratch directory
    std::string data;    // generator output (customers.csv, interactions.jsonl, truth.csv, churners.csv)
    std::string crm_db;  // the crmlite database the import suite built
    int iterations = 0;  // samples per latency figure
};

struct Figure {
    std::string name;
    std::string unit;
    double crmlite = 0;
    double baseline = 0;
    bool higher_is_better = false;
};
using Figures = std::vector<Figure>;

struct Result {
    Figures figures;
    nlohmann::json details;  // anything else worth keeping in the JSON report
};

struct Suite {
    std::string name;
    int order = 0;
    std::function<Result(const Context&)> run;
};

std::vector<Suite>& registry();

struct Register {
    explicit Register(Suite s) { registry().push_back(std::move(s)); }
};

inline nlohmann::json to_json(const Figure& f) {
    return {{"name", f.name},         {"unit", f.unit}, {"crmlite", f.crmlite}, {"baseline", f.baseline},
            {"ratio", f.baseline > 0 ? f.crmlite / f.baseline : 0.0}, {"higher_is_better", f.higher_is_better}};
}

}  // namespace bench
