// Writes the changeset fuzzer's fixture and seed corpus:
//   changeset_seeds OUT
// makes OUT/fixture/local.db (the replica changeset_fuzz applies blobs to; pass
// it as CRMLITE_FUZZ_FIXTURE) and OUT/fixture/remote.db, and writes one file per
// seed input into OUT/corpus. OUT/fixture must not exist.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "fixture.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    namespace fs = std::filesystem;
    const fs::path out = argv[1];
    try {
        if (fs::exists(out / "fixture")) {
            std::fprintf(stderr, "%s exists; remove it first\n", (out / "fixture").c_str());
            return 2;
        }
        fs::create_directories(out / "fixture");
        fs::create_directories(out / "corpus");
        const auto seeds = crmlite::fuzz::build_fixture((out / "fixture" / "local.db").string(),
                                                        (out / "fixture" / "remote.db").string());
        std::size_t bytes = 0;
        for (const auto& s : seeds) {
            std::ofstream f(out / "corpus" / ("seed-" + s.name), std::ios::binary);
            f.write(s.input.data(), static_cast<std::streamsize>(s.input.size()));
            if (!f) throw std::runtime_error("cannot write seed " + s.name);
            bytes += s.input.size();
        }
        std::printf("changeset_seeds: %zu seeds (%zu bytes) in %s, fixture %s\n", seeds.size(), bytes,
                    (out / "corpus").c_str(), (out / "fixture" / "local.db").c_str());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "changeset_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
