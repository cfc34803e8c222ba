// Writes the encrypted-page fuzzer's fixture and seed corpus:
//   crypt_seeds OUT
// makes OUT/crypt-fixture/ (pass it as CRMLITE_FUZZ_CRYPT_FIXTURE) and writes
// one file per seed input into OUT/crypt-corpus. OUT/crypt-fixture must not exist.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "crypt_fixture.hpp"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    namespace fs = std::filesystem;
    const fs::path out = argv[1];
    try {
        if (fs::exists(out / "crypt-fixture")) {
            std::fprintf(stderr, "%s exists; remove it first\n", (out / "crypt-fixture").c_str());
            return 2;
        }
        fs::create_directories(out / "crypt-fixture");
        fs::create_directories(out / "crypt-corpus");
        const auto fixture = crmlite::fuzz::build_crypt_fixture((out / "crypt-fixture").string());
        crmlite::fuzz::save_crypt_fixture(fixture, (out / "crypt-fixture").string());
        const auto seeds = crmlite::fuzz::crypt_seeds();
        for (const auto& [name, input] : seeds) {
            std::ofstream f(out / "crypt-corpus" / ("seed-" + name), std::ios::binary);
            f.write(input.data(), static_cast<std::streamsize>(input.size()));
            if (!f) throw std::runtime_error("cannot write seed " + name);
        }
        std::printf("crypt_seeds: %zu seeds in %s, fixture %s (database %zu bytes, WAL %zu bytes)\n", seeds.size(),
                    (out / "crypt-corpus").c_str(), (out / "crypt-fixture").c_str(), fixture.main_db.size(),
                    fixture.wal_log.size());
    } catch (const std::exception& e) {
        std::fprintf(stderr, "crypt_seeds: %s\n", e.what());
        return 1;
    }
    return 0;
}
