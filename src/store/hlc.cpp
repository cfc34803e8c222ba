#include "store/hlc.hpp"

namespace crmlite {

HybridClock::Stamp HybridClock::tick(std::int64_t now_ms) {
    const std::int64_t last_phys = physical(last_);
    if (now_ms > last_phys) {
        last_ = pack(now_ms, 0);
    } else if (counter(last_) < 0xFFFF) {
        last_ += 1;
    } else {
        // Counter exhausted within one millisecond: borrow the next millisecond.
        last_ = pack(last_phys + 1, 0);
    }
    return last_;
}

bool HybridClock::observe(Stamp remote, std::int64_t now_ms, std::int64_t max_skew_ms) {
    if (physical(remote) > now_ms + max_skew_ms) return false;
    if (remote > last_) last_ = remote;
    return true;
}

}  // namespace crmlite
