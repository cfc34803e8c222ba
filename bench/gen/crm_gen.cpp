// crm-gen: deterministic, streaming generator of synthetic CRM data for crmlite's benchmarks and
// examples. See README.md in this folder for flags, formats and distributions.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <optional>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "customers.hpp"
#include "dates.hpp"
#include "interactions.hpp"
#include "output.hpp"
#include "rng.hpp"

namespace gen {
namespace {

struct Options {
    std::uint64_t customers = 1000;
    std::uint64_t seed = 42;
    std::filesystem::path out = ".";
    bool jsonl = false;
    double dup_rate = 0.05;
    int as_of_day = days_from_ymd(2026, 11, 1);
    bool strong_ids = true;
};

constexpr std::string_view kUsage =
    "usage: crm-gen [--customers N] [--seed S] [--out DIR] [--format csv|jsonl]\n"
    "               [--dup-rate F] [--as-of YYYY-MM-DD] [--no-strong-ids]\n"
    "Writes customers.csv|jsonl, interactions.jsonl, truth.csv and churners.csv into DIR.\n";

[[noreturn]] void fail_usage(std::string_view message) {
    std::fprintf(stderr, "crm-gen: %.*s\n%.*s", static_cast<int>(message.size()), message.data(),
                 static_cast<int>(kUsage.size()), kUsage.data());
    std::exit(2);
}

std::optional<std::uint64_t> parse_count(std::string_view s) {
    if (s.empty() || s.size() > 18) return std::nullopt;
    std::uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return std::nullopt;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v;
}

Options parse_args(int argc, char** argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            std::fwrite(kUsage.data(), 1, kUsage.size(), stdout);
            std::exit(0);
        }
        if (arg == "--no-strong-ids") {
            o.strong_ids = false;
            continue;
        }
        if (i + 1 >= argc) fail_usage("missing value for " + std::string(arg));
        const std::string_view value = argv[++i];
        if (arg == "--customers") {
            const auto n = parse_count(value);
            if (!n || *n == 0 || *n > 1'000'000'000) fail_usage("--customers wants a count from 1 to 1e9");
            o.customers = *n;
        } else if (arg == "--seed") {
            const auto n = parse_count(value);
            if (!n) fail_usage("--seed wants a non-negative integer");
            o.seed = *n;
        } else if (arg == "--out") {
            o.out = std::filesystem::path(std::string(value));
        } else if (arg == "--format") {
            if (value != "csv" && value != "jsonl") fail_usage("--format is csv or jsonl");
            o.jsonl = value == "jsonl";
        } else if (arg == "--dup-rate") {
            char* end = nullptr;
            const std::string text(value);
            o.dup_rate = std::strtod(text.c_str(), &end);
            if (end != text.c_str() + text.size() || !(o.dup_rate >= 0.0 && o.dup_rate <= 1.0))
                fail_usage("--dup-rate wants a fraction from 0 to 1");
        } else if (arg == "--as-of") {
            const auto day = parse_iso_date(value);
            if (!day) fail_usage("--as-of wants a date YYYY-MM-DD");
            o.as_of_day = *day;
        } else {
            fail_usage("unknown option " + std::string(arg));
        }
    }
    return o;
}

// A duplicate waiting for its place in the file: after original number `due`.
struct PendingDuplicate {
    std::uint64_t due;
    std::uint64_t entity;
    int copy;
    bool operator>(const PendingDuplicate& other) const {
        if (due != other.due) return due > other.due;
        if (entity != other.entity) return entity > other.entity;
        return copy > other.copy;
    }
};
using DuplicateQueue = std::priority_queue<PendingDuplicate, std::vector<PendingDuplicate>, std::greater<>>;

// Chosen entities get one duplicate (two for 15%), placed 1-50 records later (70%) or up to
// 5000 later; the queue therefore never holds more than a few hundred entries.
void plan_duplicates(const Options& o, std::uint64_t entity, DuplicateQueue& queue) {
    Rng rng(o.seed, Stream::DupPlan, entity);
    if (!rng.chance(o.dup_rate)) return;
    const int copies = rng.chance(0.15) ? 2 : 1;
    for (int copy = 1; copy <= copies; ++copy) {
        const auto delay = static_cast<std::uint64_t>(rng.chance(0.7) ? rng.range(1, 50) : rng.range(51, 5000));
        queue.push({entity + delay, entity, copy});
    }
}

class CustomerWriter {
public:
    CustomerWriter(const std::filesystem::path& path, bool jsonl) : out_(path), jsonl_(jsonl) {
        if (jsonl_) return;
        for (int c = 0; c < kColumnCount; ++c) {
            if (c > 0) out_.put(',');
            out_.put(kColumnNames[static_cast<std::size_t>(c)]);
        }
        out_.end_line();
    }
    void write(const CustomerRow& row) { jsonl_ ? write_json(row) : write_csv(row); }
    void close() { out_.close(); }
    std::uint64_t bytes() const { return out_.bytes_written(); }

private:
    void write_csv(const CustomerRow& row) {
        for (int c = 0; c < kColumnCount; ++c) {
            if (c > 0) out_.put(',');
            out_.csv_field(row.field[static_cast<std::size_t>(c)]);
        }
        out_.end_line();
    }
    // Same keys as the CSV columns; empty values are null, consent_marketing is the number 0/1.
    void write_json(const CustomerRow& row) {
        out_.put('{');
        for (int c = 0; c < kColumnCount; ++c) {
            const std::string& value = row.field[static_cast<std::size_t>(c)];
            out_.json_key(kColumnNames[static_cast<std::size_t>(c)], c == 0);
            if (value.empty())
                out_.put("null");
            else if (c == kColConsent)
                out_.put(value);
            else
                out_.json_string(value);
        }
        out_.put('}');
        out_.end_line();
    }

    OutFile out_;
    bool jsonl_;
};

struct Totals {
    std::uint64_t rows = 0, duplicates = 0, interactions = 0, churners = 0;
};

int run(const Options& o) {
    const auto started = std::chrono::steady_clock::now();
    std::filesystem::create_directories(o.out);
    CustomerWriter customers(o.out / (o.jsonl ? "customers.jsonl" : "customers.csv"), o.jsonl);
    OutFile interactions_file(o.out / "interactions.jsonl");
    OutFile truth(o.out / "truth.csv");
    OutFile churners(o.out / "churners.csv");
    truth.put("external_id,entity_id");
    truth.end_line();
    churners.put("external_id");
    churners.end_line();

    CustomerMaker maker(o.seed, o.strong_ids);
    InteractionWriter interactions(o.seed, o.as_of_day, interactions_file);
    CustomerRow row;
    Totals totals;

    const auto emit = [&](std::uint64_t entity, int copy) {
        ++totals.rows;
        if (copy > 0) ++totals.duplicates;
        const RecordTraits traits = maker.make(entity, copy, row);
        std::string& external_id = row.field[kColExternalId];
        external_id.assign("C");
        const std::string number = std::to_string(totals.rows);
        if (number.size() < 7) external_id.append(7 - number.size(), '0');
        external_id.append(number);
        customers.write(row);
        truth.put(external_id);
        truth.put(',');
        truth.put_id('E', entity + 1, 7);
        truth.end_line();
        const auto result = interactions.write(entity * 4 + static_cast<std::uint64_t>(copy), external_id, traits);
        totals.interactions += result.written;
        if (result.churner) {
            ++totals.churners;
            churners.put(external_id);
            churners.end_line();
        }
    };

    DuplicateQueue pending;
    for (std::uint64_t entity = 0; entity < o.customers; ++entity) {
        emit(entity, 0);
        plan_duplicates(o, entity, pending);
        while (!pending.empty() && pending.top().due <= entity) {
            emit(pending.top().entity, pending.top().copy);
            pending.pop();
        }
    }
    for (; !pending.empty(); pending.pop()) emit(pending.top().entity, pending.top().copy);

    customers.close();
    interactions_file.close();
    truth.close();
    churners.close();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::fprintf(stderr,
                 "crm-gen: %llu customers (%llu entities + %llu duplicates), %llu interactions, %llu churners "
                 "in %.2f s -> %s\n",
                 static_cast<unsigned long long>(totals.rows), static_cast<unsigned long long>(o.customers),
                 static_cast<unsigned long long>(totals.duplicates),
                 static_cast<unsigned long long>(totals.interactions), static_cast<unsigned long long>(totals.churners),
                 seconds, o.out.string().c_str());
    return 0;
}

}  // namespace
}  // namespace gen

int main(int argc, char** argv) {
    try {
        return gen::run(gen::parse_args(argc, argv));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "crm-gen: %s\n", e.what());
        return 1;
    }
}
