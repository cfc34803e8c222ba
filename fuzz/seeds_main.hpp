// The frame both seed generators share (changeset_seeds, crypt_seeds):
//   TOOL OUT
// refuses an existing OUT/FIXTURE, makes it and OUT/CORPUS, then lets the
// generator fill them; a failure is printed as "TOOL: what" (exit 1).
#pragma once

#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>

namespace crmlite::fuzz {

// Writes one seed input as CORPUS/seed-NAME.
inline void write_seed(const std::filesystem::path& corpus, const std::string& name, const std::string& input) {
    std::ofstream f(corpus / ("seed-" + name), std::ios::binary);
    f.write(input.data(), static_cast<std::streamsize>(input.size()));
    if (!f) throw std::runtime_error("cannot write seed " + name);
}

// main() of a seed generator: `fill(fixture_dir, corpus_dir)` makes the
// fixture and writes the seeds (write_seed).
inline int seeds_main(int argc, char** argv, const char* tool, const char* fixture, const char* corpus,
                      const std::function<void(const std::filesystem::path&, const std::filesystem::path&)>& fill) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
        return 2;
    }
    namespace fs = std::filesystem;
    const fs::path out = argv[1];
    try {
        if (fs::exists(out / fixture)) {
            std::fprintf(stderr, "%s exists; remove it first\n", (out / fixture).c_str());
            return 2;
        }
        fs::create_directories(out / fixture);
        fs::create_directories(out / corpus);
        fill(out / fixture, out / corpus);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s\n", tool, e.what());
        return 1;
    }
    return 0;
}

}  // namespace crmlite::fuzz
