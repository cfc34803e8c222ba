// Suite "latency": single calls through the C ABI (create, update, 360 view,
// searches, filtered lists) on the imported database, p50 and p99, beside
// hand-written raw SQLite doing the same work on the same file.
#include "latency.hpp"
#include "suite.hpp"

namespace bench {
namespace {

const Register latency{{"latency", 20, [](const Context& c) {
                            Result r;
                            for (const auto& f : run_latency(c.crm_db, c.iterations)) {
                                r.figures.push_back({f.name + ", p50", "µs", f.p50, f.base_p50, false});
                                r.figures.push_back({f.name + ", p99", "µs", f.p99, f.base_p99, false});
                                r.details[f.name] = {{"samples", f.n}};
                            }
                            // Both sides run in this one process: one figure, no baseline.
                            r.details["note"] = "peak RSS of the latency process is in suites.latency.peak_rss_mib";
                            return r;
                        }}};

}  // namespace
}  // namespace bench
