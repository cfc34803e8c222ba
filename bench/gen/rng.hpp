// Deterministic random numbers for crm-gen: splitmix64 for seeding, xoshiro256** for streams.
// Every record draws from its own stream, seeded from (run seed, stream tag, index), so the
// output does not depend on the order in which records are produced.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

namespace gen {

inline std::uint64_t splitmix64(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Stream tags: one per kind of decision, so adding draws to one kind never shifts another.
enum class Stream : std::uint64_t {
    Identity = 1,     // who an entity is (name, phone, email, address, ids)
    DupPlan = 2,      // whether an entity gets duplicates and where they go
    Perturb = 3,      // how a duplicate differs from its original
    Record = 4,       // per-record fields (source, stage, owner, notes, tags)
    Interactions = 5  // a record's interaction history
};

inline std::uint64_t derive_seed(std::uint64_t seed, Stream stream, std::uint64_t index) {
    std::uint64_t s = seed;
    s = splitmix64(s) ^ static_cast<std::uint64_t>(stream);
    s = splitmix64(s) ^ index;
    return splitmix64(s);
}

class Rng {
public:
    explicit Rng(std::uint64_t seed) {
        for (auto& word : s_) word = splitmix64(seed);
    }
    Rng(std::uint64_t seed, Stream stream, std::uint64_t index) : Rng(derive_seed(seed, stream, index)) {}

    std::uint64_t next() {
        const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const std::uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }

    // Uniform in [0, n) for n < 2^32 (multiply-shift; the bias is far below anything measurable).
    std::uint32_t below(std::uint32_t n) { return static_cast<std::uint32_t>(((next() >> 32) * n) >> 32); }
    // Uniform in [lo, hi], both inclusive.
    std::int64_t range(std::int64_t lo, std::int64_t hi) {
        return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    // Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    bool chance(double p) { return uniform() < p; }
    char digit() { return static_cast<char>('0' + below(10)); }

    // Standard normal (Box-Muller, one value per call).
    double normal() {
        const double u1 = 1.0 - uniform();  // (0, 1]
        const double u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    double lognormal(double median, double sigma) { return median * std::exp(sigma * normal()); }

    // Lomax (Pareto type II): support [0, inf), mean scale/(shape-1), tail ~ x^-shape.
    double lomax(double scale, double shape) { return scale * (std::pow(1.0 - uniform(), -1.0 / shape) - 1.0); }

    template <class T, std::size_t N>
    const T& pick(const T (&table)[N]) {
        return table[below(N)];
    }

    template <class T>
    const T& pick(std::span<const T> table) {
        return table[below(static_cast<std::uint32_t>(table.size()))];
    }

    // Index into a table of rows carrying weights, chosen via `weight_of(row)`.
    template <class Table, class WeightOf>
    std::size_t pick_index_weighted(const Table& table, WeightOf weight_of) {
        long total = 0;
        for (const auto& row : table) total += weight_of(row);
        long x = static_cast<long>(next() % static_cast<std::uint64_t>(total));
        std::size_t i = 0;
        for (const auto& row : table) {
            x -= weight_of(row);
            if (x < 0) return i;
            ++i;
        }
        return i - 1;
    }
    template <class Table>
    std::size_t pick_index_weighted(const Table& table) {
        return pick_index_weighted(table, [](const auto& row) { return static_cast<long>(row.weight); });
    }
    template <class Table>
    const auto& pick_weighted(const Table& table) {
        return *(std::begin(table) + static_cast<std::ptrdiff_t>(pick_index_weighted(table)));
    }

private:
    static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    std::uint64_t s_[4];
};

}  // namespace gen
