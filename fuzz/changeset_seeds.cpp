// Writes the changeset fuzzer's fixture and seed corpus:
//   changeset_seeds OUT
// makes OUT/fixture/local.db (the replica changeset_fuzz applies blobs to; pass
// it as CRMLITE_FUZZ_FIXTURE) and OUT/fixture/remote.db, and writes one file per
// seed input into OUT/corpus. OUT/fixture must not exist.
#include <cstdio>
#include <filesystem>

#include "fixture.hpp"
#include "seeds_main.hpp"

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    namespace fuzz = crmlite::fuzz;
    return fuzz::seeds_main(
        argc, argv, "changeset_seeds", "fixture", "corpus", [](const fs::path& fixture, const fs::path& corpus) {
            const auto seeds = fuzz::build_fixture((fixture / "local.db").string(), (fixture / "remote.db").string());
            std::size_t bytes = 0;
            for (const auto& s : seeds) {
                fuzz::write_seed(corpus, s.name, s.input);
                bytes += s.input.size();
            }
            std::printf("changeset_seeds: %zu seeds (%zu bytes) in %s, fixture %s\n", seeds.size(), bytes,
                        corpus.c_str(), (fixture / "local.db").c_str());
        });
}
