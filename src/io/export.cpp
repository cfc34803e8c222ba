// Export to JSON Lines: one record per line, rendered exactly as the get() calls
// render it, so an export re-imports (import strips the read-only keys).
#include <SQLiteCpp/Statement.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#if !defined(_WIN32)
#include <unistd.h>
#endif

#include "access/access.hpp"
#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "io/import.hpp"

namespace crmlite::io {

namespace {

// Writes to "<path>.tmp" and renames it over `path` only when everything was
// written: a failed export never leaves a truncated file where a good one was.
class AtomicFile {
public:
    explicit AtomicFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
        file_ = std::fopen(tmp_.c_str(), "wb");
        if (!file_) throw Error(CRM_EIO, tmp_ + ": cannot create: " + std::strerror(errno));
        std::setvbuf(file_, nullptr, _IOFBF, 1 << 16);
    }
    ~AtomicFile() {
        if (!file_) return;
        std::fclose(file_);
        std::remove(tmp_.c_str());
    }
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const std::string& s) {
        if (std::fwrite(s.data(), 1, s.size(), file_) != s.size()) fail("write");
    }

    void commit() {
        if (std::fflush(file_) != 0) fail("write");
#if !defined(_WIN32)
        // The rename must not reach the disk before the data does.
        if (::fsync(::fileno(file_)) != 0) fail("sync");
#endif
        const int rc = std::fclose(file_);
        file_ = nullptr;
        if (rc != 0) {
            std::remove(tmp_.c_str());
            throw Error(CRM_EIO, tmp_ + ": write failed: " + std::strerror(errno));
        }
        std::error_code ec;
        std::filesystem::rename(tmp_, path_, ec);
        if (ec) {
            std::remove(tmp_.c_str());
            throw Error(CRM_EIO, path_ + ": cannot replace: " + ec.message());
        }
    }

private:
    [[noreturn]] void fail(const char* what) {
        throw Error(CRM_EIO, tmp_ + ": " + what + " failed: " + std::strerror(errno));
    }

    std::string path_, tmp_;
    std::FILE* file_ = nullptr;
};

}  // namespace

Json export_file(Database& db, const std::string& records, const std::string& path) {
    const bool customers = records == "customers";
    if (!customers && records != "interactions")
        invalid("records", "\"" + records + "\" is not one of: customers, interactions");
    access::require(db, access::kExport, "export");
    AtomicFile out(path);
    // Streams ids in insertion order; each record is rendered by its module.
    // While this statement is active the connection keeps one read snapshot, so
    // the export is consistent even if another connection writes meanwhile.
    // (Its own statement, not the shared cache: get() runs queries of its own.)
    // A principal exports only its scope (src/access).
    const std::string scope = access::scope_sql(db, "c");
    SQLite::Statement ids(db.sql(), customers ? "SELECT id FROM customers c WHERE 1" + scope + " ORDER BY rid"
                                              : scope.empty() ? std::string("SELECT id FROM interactions ORDER BY rid")
                                                              : "SELECT i.id FROM interactions i JOIN customers c ON "
                                                                "c.id = i.customer_id WHERE 1" + scope + " ORDER BY i.rid");
    std::int64_t rows = 0;
    std::string line;
    while (ids.executeStep()) {
        const auto col = ids.getColumn(0);
        const Uuid id = Uuid::from_blob(col.getBlob(), col.getBytes());
        line = dump(customers ? customers::get(db, id) : interactions::get(db, id));
        line.push_back('\n');
        out.write(line);
        ++rows;
    }
    ids.reset();
    out.commit();
    access::audit_always(db, "export", nullptr, std::nullopt, {{"records", records}, {"rows", rows}});
    return {{"rows", rows}};
}

}  // namespace crmlite::io
