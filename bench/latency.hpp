#pragma once

#include <string>
#include <vector>

namespace bench {

// One latency figure: crmlite's p50/p99 beside the raw SQLite baseline's, in µs.
struct LatencyFigure {
    std::string name;
    double p50, p99, base_p50, base_p99;
    std::size_t n;
};

std::vector<LatencyFigure> run_latency(const std::string& db_path, int iterations);

}  // namespace bench
