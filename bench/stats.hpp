// Latency samples and their percentiles, and peak memory of a process.
#pragma once

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

namespace bench {

class Samples {
public:
    void add(double micros) { v_.push_back(micros); }
    // Nearest-rank percentile (p in 0..100) in microseconds.
    double percentile(double p) {
        if (v_.empty()) return 0;
        std::sort(v_.begin(), v_.end());
        const auto rank = static_cast<std::size_t>(p / 100.0 * static_cast<double>(v_.size() - 1) + 0.5);
        return v_[std::min(rank, v_.size() - 1)];
    }
    std::size_t size() const { return v_.size(); }

private:
    std::vector<double> v_;
};

inline double now_seconds() {
    using namespace std::chrono;
    return duration<double>(steady_clock::now().time_since_epoch()).count();
}

// Times one call in microseconds.
template <typename F>
double time_us(F&& f) {
    const double t0 = now_seconds();
    f();
    return (now_seconds() - t0) * 1e6;
}

// Peak resident set of this process in MiB.
inline double peak_rss_mib() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;
}

}  // namespace bench
