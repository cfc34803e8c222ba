#include "loaders.hpp"

#include <sqlite3.h>

#include <filesystem>
#include <algorithm>
#include <cstring>
#include <random>
#include <stdexcept>
#include <unordered_map>

#include "common/text.hpp"
#include "common/time.hpp"
#include "crmlite/crmlite.h"
#include "customers/contact_points.hpp"
#include "io/byte_source.hpp"
#include "io/csv_reader.hpp"
#include "search/tokenizer.hpp"
#include "checks.hpp"
#include "stats.hpp"
#include "store/versions.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace bench {

namespace {

double file_bytes(const std::string& path) {
    double n = 0;
    for (const char* suffix : {"", "-wal"}) {
        std::error_code ec;
        const auto s = fs::file_size(path + suffix, ec);
        if (!ec) n += static_cast<double>(s);
    }
    return n;
}

json import_one(crm_db* db, const std::string& path, const char* records) {
    crm_import_options* o = nullptr;
    check(crm_import_options_new(&o), "options");
    check(crm_import_options_set_records(o, records), "records");
    check(crm_import_options_set_system(o, "erp"), "system");
    check(crm_import_options_set_batch_size(o, 50000), "batch");
    char* report = nullptr;
    const double t0 = now_seconds();
    const crm_status st = crm_import_file(&report, db, path.c_str(), o);
    const double secs = now_seconds() - t0;
    crm_import_options_free(o);
    check(st, "import");
    const json r = json::parse(report);
    crm_free(report);
    const double rows = r["rows"].get<double>();
    return {{"rows", rows}, {"failed", r["failed"]}, {"seconds", secs}, {"rows_per_s", rows / secs}};
}

class Stmt {
public:
    Stmt(sqlite3* db, const char* sql) : db_(db) {
        sq(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s_, nullptr), db, sql);
    }
    ~Stmt() { sqlite3_finalize(s_); }
    Stmt& text(int i, const std::string& v) {
        if (v.empty()) sqlite3_bind_null(s_, i);
        else sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& blob(int i, const void* p, int n) {
        sqlite3_bind_blob(s_, i, p, n, SQLITE_TRANSIENT);
        return *this;
    }
    Stmt& i64(int i, sqlite3_int64 v) {
        sqlite3_bind_int64(s_, i, v);
        return *this;
    }
    Stmt& null(int i) {
        sqlite3_bind_null(s_, i);
        return *this;
    }
    void exec() {
        sq(sqlite3_step(s_), db_, sqlite3_sql(s_));
        sqlite3_reset(s_);
    }
    sqlite3_stmt* get() { return s_; }

private:
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
};

struct Id {
    unsigned char b[16];
};

// Split "a;b" into non-empty parts.
std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.size()) {
        const auto p = s.find(';', start);
        const std::string part = s.substr(start, p == std::string::npos ? std::string::npos : p - start);
        if (!part.empty()) out.push_back(part);
        if (p == std::string::npos) break;
        start = p + 1;
    }
    return out;
}

class RawLoader {
public:
    RawLoader(sqlite3* db, bool extras, bool lean = false)
        : db_(db), extras_(extras), lean_(lean), rng_(42),
          cust_(db, "INSERT INTO customers(id, kind, display_name, given_name, family_name, gender, birthday, company, "
                    "province, city, address, postcode, source, stage, owner, consent_marketing, consent_data_sharing, "
                    "national_id, notes, created_at, updated_at, name_pinyin, sort_key) "
                    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,?,?,?,?,?,?)"),
          cp_(db, "INSERT OR IGNORE INTO contact_points(id, customer_id, type, value, normalized, is_primary, created_at) "
                  "VALUES (?,?,?,?,?,?,?)"),
          ext_(db, "INSERT INTO external_ids(system, external_id, id, customer_id) VALUES ('erp', ?, ?, ?)"),
          tag_(db, "INSERT OR IGNORE INTO tags(id, path, name, parent_id, kind, level, created_at) VALUES (?,?,?,?,'basic',?,0)"),
          ctag_(db, "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id, source, created_at) VALUES (?,?,'manual',0)"),
          fts_(db, "INSERT INTO customer_fts(rowid, name, pinyin, company, phones, emails, notes) VALUES (?,?,?,?,?,?,?)"),
          find_(db, "SELECT customer_id FROM external_ids WHERE system = 'erp' AND external_id = ?"),
          inter_(db, "INSERT INTO interactions(id, customer_id, kind, channel, direction, occurred_at, subject, body, "
                     "user_id, status, amount_minor, currency, rating, nps, items, created_at, updated_at) "
                     "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"),
          vers_{Stmt(db, kVersionsInRow[0]), Stmt(db, kVersionsInRow[1]), Stmt(db, kVersionsInRow[2]),
                Stmt(db, kVersionsInRow[3]), Stmt(db, kVersionsInRow[4]), Stmt(db, kVersionsInRow[5])} {}

    Id new_id() {
        Id id;
        const auto a = rng_(), b = rng_();
        std::memcpy(id.b, &a, 8);
        std::memcpy(id.b + 8, &b, 8);
        return id;
    }

    // Ascending in creation order, as crmlite's own UUIDv7 customer ids are:
    // a big-endian counter, then random bytes.
    Id ordered_id() {
        Id id = new_id();
        const std::uint64_t n = ++ordered_;
        for (int i = 0; i < 8; ++i) id.b[i] = static_cast<unsigned char>(n >> (56 - 8 * i));
        return id;
    }

    // Change capture as crmlite records it: the packed versions in the row
    // just inserted (schema 17), written as crmlite does, by a second statement.
    // (A tag assignment is keyed by its customer and tag: `tag` is the tag.)
    void capture(int table, const Id& id, int fields, const Id* tag = nullptr) {
        if (!extras_) return;
        std::vector<crmlite::FieldVersion> v;
        for (int f = 0; f < fields; ++f) v.push_back({f, stamp_, 1, 1});
        const std::string packed = crmlite::encode_versions(v, stamp_, 1);
        auto& st = vers_[table - 1];
        st.i64(1, stamp_).blob(2, packed.data(), static_cast<int>(packed.size())).blob(3, id.b, 16);
        if (tag) st.blob(4, tag->b, 16);
        st.exec();
        ++stamp_;
    }

    Id tag_id(const std::string& path) {
        auto it = tags_.find(path);
        if (it != tags_.end()) return it->second;
        const auto slash = path.rfind('/');
        Id parent{};
        const bool has_parent = slash != std::string::npos;
        if (has_parent) parent = tag_id(path.substr(0, slash));
        const Id id = new_id();
        tag_.blob(1, id.b, 16).text(2, path).text(3, has_parent ? path.substr(slash + 1) : path);
        if (has_parent) tag_.blob(4, parent.b, 16);
        else tag_.null(4);
        tag_.i64(5, static_cast<sqlite3_int64>(std::count(path.begin(), path.end(), '/')) + 1).exec();
        capture(4, id, 5);
        tags_.emplace(path, id);
        return id;
    }

    std::int64_t load_customers(const std::string& path) {
        crmlite::io::ByteSource src(path);
        crmlite::io::CsvReader csv(src);
        if (!csv.next()) return 0;
        std::unordered_map<std::string, std::size_t> col;
        for (std::size_t i = 0; i < csv.size(); ++i) col[csv[i]] = i;
        const auto c = [&](const char* name) -> const std::string& {
            static const std::string empty;
            auto it = col.find(name);
            return it == col.end() || it->second >= csv.size() ? empty : csv[it->second];
        };
        std::int64_t rows = 0;
        while (csv.next()) {
            ++rows;
            const Id id = lean_ ? ordered_id() : new_id();
            std::string name = c("display_name");
            std::string pinyin, sort_key;
            if (extras_) {
                pinyin = crmlite::text::pinyin_search_forms(name);
                sort_key = crmlite::text::name_sort_key(name);
            }
            cust_.blob(1, id.b, 16).text(2, c("kind").empty() ? "person" : c("kind")).text(3, name)
                .text(4, c("given_name")).text(5, c("family_name")).text(6, c("gender")).text(7, c("birthday"))
                .text(8, c("company")).text(9, c("province")).text(10, c("city")).text(11, c("address"))
                .text(12, c("postcode")).text(13, c("source")).text(14, c("stage")).text(15, c("owner"))
                .i64(16, c("consent_marketing") == "1").text(17, c("national_id")).text(18, c("notes"))
                .i64(19, 0).i64(20, 0).text(21, pinyin);
            if (extras_) cust_.blob(22, sort_key.data(), static_cast<int>(sort_key.size()));
            else cust_.null(22);
            cust_.exec();
            const auto rid = sqlite3_last_insert_rowid(db_);
            capture(1, id, 20);
            if (lean_) {  // the customer and its external id only
                const Id xid = ordered_id();
                ext_.text(1, c("external_id")).blob(2, xid.b, 16).blob(3, id.b, 16).exec();
                continue;
            }
            std::string phones, emails;
            bool primary = true;
            for (const char* k : {"phone", "phone2"}) {
                for (const auto& v : split(c(k))) {
                    std::string norm = v;
                    if (extras_) {
                        try {
                            norm = crmlite::customers::normalize_phone(v, "phone");
                        } catch (...) {
                        }
                    }
                    const Id pid = new_id();
                    cp_.blob(1, pid.b, 16).blob(2, id.b, 16).text(3, "phone").text(4, v).text(5, norm).i64(6, primary).i64(7, 0).exec();
                    capture(2, pid, 6);
                    primary = false;
                    phones += crmlite::text::digits_only(norm) + " ";
                }
            }
            for (const auto& v : split(c("email"))) {
                const Id eid = new_id();
                cp_.blob(1, eid.b, 16).blob(2, id.b, 16).text(3, "email").text(4, v).text(5, v).i64(6, 1).i64(7, 0).exec();
                capture(2, eid, 6);
                emails += v + " ";
            }
            const Id xid = new_id();
            ext_.text(1, c("external_id")).blob(2, xid.b, 16).blob(3, id.b, 16).exec();
            capture(6, xid, 3);
            for (const auto& t : split(c("tags"))) {
                const Id tid = tag_id(t);
                ctag_.blob(1, id.b, 16).blob(2, tid.b, 16).exec();
                capture(5, id, 3, &tid);
            }
            fts_.i64(1, rid).text(2, name).text(3, pinyin).text(4, c("company")).text(5, phones).text(6, emails)
                .text(7, c("notes")).exec();
            // The FTS insert cannot bind NULL for content columns that the view renders as ''.
        }
        return rows;
    }

    std::int64_t load_interactions(const std::string& path) {
        crmlite::io::ByteSource src(path);
        std::string line;
        std::int64_t rows = 0;
        for (;;) {
            line.clear();
            int ch;
            while ((ch = src.get()) >= 0 && ch != '\n') line.push_back(static_cast<char>(ch));
            if (line.empty() && ch < 0) break;
            if (line.empty()) continue;
            ++rows;
            const json j = json::parse(line);
            find_.text(1, j.value("customer_external_id", ""));
            if (sqlite3_step(find_.get()) != SQLITE_ROW) {
                sqlite3_reset(find_.get());
                continue;
            }
            Id cid;
            std::memcpy(cid.b, sqlite3_column_blob(find_.get(), 0), 16);
            sqlite3_reset(find_.get());
            const Id id = new_id();
            const auto s = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : std::string(); };
            inter_.blob(1, id.b, 16).blob(2, cid.b, 16).text(3, s("kind")).text(4, s("channel")).text(5, s("direction"))
                .i64(6, crmlite::parse_instant(s("occurred_at"), "occurred_at")).text(7, s("subject")).text(8, s("body")).text(9, s("user")).text(10, s("status"));
            if (j.contains("amount_minor")) inter_.i64(11, j["amount_minor"].get<std::int64_t>());
            else inter_.null(11);
            inter_.text(12, s("currency"));
            if (j.contains("rating")) inter_.i64(13, j["rating"].get<std::int64_t>());
            else inter_.null(13);
            if (j.contains("nps")) inter_.i64(14, j["nps"].get<std::int64_t>());
            else inter_.null(14);
            inter_.text(15, j.contains("items") ? j["items"].dump() : std::string());
            inter_.i64(16, 0).i64(17, 0).exec();
            capture(3, id, 12);
        }
        return rows;
    }

private:
    sqlite3* db_;
    bool extras_, lean_;
    std::mt19937_64 rng_;
    std::uint64_t ordered_ = 0;
    std::int64_t stamp_ = 1 << 20;
    std::unordered_map<std::string, Id> tags_;
    // Tables 1-6 (customers, contact_points, interactions, tags, customer_tags, external_ids).
    static constexpr const char* kVersionsInRow[6] = {
        "UPDATE customers SET sync_hlc = ?1, sync_seq = 1, sync_vers = ?2 WHERE id = ?3",
        "UPDATE contact_points SET sync_hlc = ?1, sync_seq = 1, sync_vers = ?2 WHERE id = ?3",
        "UPDATE interactions SET sync_hlc = ?1, sync_seq = 1, sync_vers = ?2 WHERE id = ?3",
        "UPDATE tags SET sync_hlc = ?1, sync_seq = 1, sync_vers = ?2 WHERE id = ?3",
        "UPDATE customer_tags SET sync_hlc = ?1, sync_seq = 1, sync_vers = ?2 WHERE customer_id = ?3 AND tag_id = ?4",
        "UPDATE external_ids SET sync_hlc = ?1, sync_seq = 1, sync_vers = ?2 WHERE id = ?3"};
    Stmt cust_, cp_, ext_, tag_, ctag_, fts_, find_, inter_;
    Stmt vers_[6];
};

}  // namespace

std::string sqlite_version() { return sqlite3_libversion(); }

json import_crmlite(const std::string& db_path, const std::string& data_dir) {
    fs::remove(db_path);
    fs::remove(db_path + "-wal");
    crm_db* db = nullptr;
    check(crm_open(&db, db_path.c_str(), nullptr), "open");
    json out;
    out["customers"] = import_one(db, data_dir + "/customers.csv", "customers");
    out["interactions"] = import_one(db, data_dir + "/interactions.jsonl", "interactions");
    crm_close(db);
    out["bytes_per_customer"] = file_bytes(db_path) / out["customers"]["rows"].get<double>();
    return out;
}

json import_raw(const std::string& db_path, const std::string& data_dir, bool extras) { return import_raw(db_path, data_dir, extras, false); }

json import_raw(const std::string& db_path, const std::string& data_dir, bool extras, bool lean) {
    fs::remove(db_path);
    fs::remove(db_path + "-wal");
    {  // the same schema, made by crmlite itself
        crm_db* db = nullptr;
        check(crm_open(&db, db_path.c_str(), nullptr), "open");
        crm_close(db);
    }
    sqlite3* db = nullptr;
    sq(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), db, "open raw");
    crmlite::search::register_tokenizer(db);
    sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; PRAGMA cache_size=-32768", nullptr, nullptr, nullptr);
    // Lean: a data set for other suites, not a timed baseline; a big page cache
    // for the random interaction ids.
    if (lean) sqlite3_exec(db, "PRAGMA cache_size=-2000000", nullptr, nullptr, nullptr);
    // The same bulk-load journal crmlite's import uses (store/database.hpp,
    // BulkLoadJournal): one big transaction in WAL mode slows down as the WAL grows.
    sq(sqlite3_exec(db, "PRAGMA journal_mode=TRUNCATE", nullptr, nullptr, nullptr), db, "journal");
    json out;
    {
        RawLoader loader(db, extras, lean);
        for (const char* what : {"customers", "interactions"}) {
            const double t0 = now_seconds();
            sqlite3_exec(db, "BEGIN", nullptr, nullptr, nullptr);
            const auto rows = std::string(what) == "customers" ? loader.load_customers(data_dir + "/customers.csv")
                                                               : loader.load_interactions(data_dir + "/interactions.jsonl");
            sq(sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr), db, "commit");
            const double secs = now_seconds() - t0;
            out[what] = {{"rows", rows}, {"seconds", secs}, {"rows_per_s", static_cast<double>(rows) / secs}};
        }
    }
    sq(sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr), db, "journal");
    sqlite3_close_v2(db);
    out["bytes_per_customer"] = file_bytes(db_path) / out["customers"]["rows"].get<double>();
    return out;
}

}  // namespace bench
