// Test support: a fresh database in a temporary directory (a real file, not
// :memory:, so WAL and reopen behave as for users), removed afterwards.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "store/database.hpp"

namespace crmlite::testing {

class TempDir {
public:
    TempDir();
    ~TempDir();
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

private:
    std::filesystem::path dir_;
};

// A temp dir holding "crm.db", opened with default options.
struct TempDb {
    TempDir dir;
    std::string file = dir.path("crm.db");
    std::unique_ptr<Database> db = std::make_unique<Database>(file, OpenOptions{});
    Database& operator*() { return *db; }
    Database* operator->() { return db.get(); }
    void reopen(const OpenOptions& o = {}) {
        db.reset();
        db = std::make_unique<Database>(file, o);
    }
};

// The first column of the first row `sql` returns, as an integer.
std::int64_t scalar(Database& db, const std::string& sql);

// The bundled sample data directory (examples/data).
std::string sample_data(const std::string& name);

}  // namespace crmlite::testing
