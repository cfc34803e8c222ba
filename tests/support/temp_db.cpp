#include "support/temp_db.hpp"

#include <cstdlib>
#include <random>

namespace crmlite::testing {

TempDir::TempDir() {
    std::random_device rd;
    const auto base = std::filesystem::temp_directory_path();
    for (;;) {
        dir_ = base / ("crmlite-test-" + std::to_string(rd()));
        if (std::filesystem::create_directory(dir_)) break;
    }
}

TempDir::~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::int64_t scalar(Database& db, const std::string& sql) { return db.sql().execAndGet(sql).getInt64(); }

std::string sample_data(const std::string& name) {
    const char* env = std::getenv("CRMLITE_SOURCE_DIR");
    const std::string root = env ? env : CRMLITE_SOURCE_DIR;
    return root + "/examples/data/" + name;
}

}  // namespace crmlite::testing
