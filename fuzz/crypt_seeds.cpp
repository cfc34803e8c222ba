// Writes the encrypted-page fuzzer's fixture and seed corpus:
//   crypt_seeds OUT
// makes OUT/crypt-fixture/ (pass it as CRMLITE_FUZZ_CRYPT_FIXTURE) and writes
// one file per seed input into OUT/crypt-corpus. OUT/crypt-fixture must not exist.
#include <cstdio>
#include <filesystem>

#include "crypt_fixture.hpp"
#include "seeds_main.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    namespace fuzz = crmlite::fuzz;
    return fuzz::seeds_main(
        argc, argv, "crypt_seeds", "crypt-fixture", "crypt-corpus", [](const fs::path& dir, const fs::path& corpus) {
            const auto fixture = fuzz::build_crypt_fixture(dir.string());
            fuzz::save_crypt_fixture(fixture, dir.string());
            const auto seeds = fuzz::crypt_seeds();
            for (const auto& [name, input] : seeds) fuzz::write_seed(corpus, name, input);
            std::printf("crypt_seeds: %zu seeds in %s, fixture %s (database %zu bytes, WAL %zu bytes)\n", seeds.size(),
                        corpus.c_str(), dir.c_str(), fixture.main_db.size(), fixture.wal_log.size());
        });
}
