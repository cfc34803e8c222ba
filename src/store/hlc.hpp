// Hybrid logical clock (Kulkarni et al.): 48 bits of physical milliseconds and
// 16 bits of logical counter packed in one int64, so clocks compare as integers.
// The site that made a change is kept beside the clock, not inside it; ties
// between equal clocks are broken by site id.
//
// Invariants: tick() never returns a value <= any value it returned or observed
// before (monotone across restarts because the last value is persisted in the
// file); observe() bounds how far a remote clock may pull us into the future.
#pragma once

#include <cstdint>

namespace crmlite {

class HybridClock {
public:
    using Stamp = std::int64_t;
    static constexpr int kCounterBits = 16;

    static Stamp pack(std::int64_t physical_ms, std::uint32_t counter) {
        return (physical_ms << kCounterBits) | static_cast<Stamp>(counter & 0xFFFF);
    }
    static std::int64_t physical(Stamp s) { return s >> kCounterBits; }
    static std::uint32_t counter(Stamp s) { return static_cast<std::uint32_t>(s & 0xFFFF); }

    // Restores the last stamp persisted in the file.
    void restore(Stamp last) {
        if (last > last_) last_ = last;
    }
    Stamp last() const { return last_; }

    // A stamp for a local event happening at wall time `now_ms`.
    Stamp tick(std::int64_t now_ms);

    // Merges a remote stamp. Returns false (and leaves the clock alone) when the
    // remote physical time is more than `max_skew_ms` ahead of `now_ms`.
    bool observe(Stamp remote, std::int64_t now_ms, std::int64_t max_skew_ms);

private:
    Stamp last_ = 0;
};

}  // namespace crmlite
