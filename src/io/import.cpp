// The import driver: picks the format, streams records, writes each through
// the customers / interactions API and keeps the report.
//
// Transactions: the whole import runs in ONE outer WriteScope, committed at the
// end, so a cancel (or a fatal error) rolls everything back. Each row's API call
// opens its own nested scope (a SAVEPOINT), so a bad row rolls back only itself
// and never leaves part of a record behind.
#include "io/import.hpp"

#include <cmath>
#include <optional>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "io/byte_source.hpp"
#include "io/csv_mapping.hpp"
#include "io/csv_reader.hpp"
#include "io/io_util.hpp"

namespace crmlite::io {

namespace {

enum class Format { csv, jsonl };

constexpr std::size_t kMaxListedErrors = 1000;
constexpr std::int64_t kIndexBatch = 20000;

Format pick_format(const ImportOptions& o, const std::string& path) {
    const std::string f = ascii_lower(o.format);
    if (f == "csv") return Format::csv;
    if (f == "jsonl" || f == "ndjson") return Format::jsonl;
    if (!f.empty()) invalid("format", "\"" + o.format + "\" is not one of: csv, jsonl");
    const std::string p = ascii_lower(path);
    const auto ends_with = [&](std::string_view ext) {
        return p.size() >= ext.size() && p.compare(p.size() - ext.size(), ext.size(), ext) == 0;
    };
    if (ends_with(".csv")) return Format::csv;
    if (ends_with(".jsonl") || ends_with(".ndjson")) return Format::jsonl;
    invalid("format", "cannot tell the format of \"" + path + "\" from its name (.csv, .jsonl, .ndjson); set it to csv or jsonl");
}

Records pick_records(const std::string& r) {
    if (r == "customers") return Records::customers;
    if (r == "interactions") return Records::interactions;
    invalid("records", "\"" + r + "\" is not one of: customers, interactions");
}

// Only bad input is a row's own fault; anything else (I/O, a full disk, a
// corrupt file) would fail every following row too, so it stops the import.
bool is_row_error(crm_status c) { return c == CRM_EINVAL || c == CRM_ENOTFOUND || c == CRM_EEXISTS; }

bool all_cells_empty(const CsvReader& row) {
    for (std::size_t i = 0; i < row.size(); ++i)
        if (!trim(row[i]).empty()) return false;
    return true;
}

class Importer {
public:
    Importer(Database& db, const ImportOptions& o, Records records, ByteSource& src)
        : db_(db), opt_(o), records_(records), src_(src),
          record_(records == Records::customers ? "customer" : "interaction") {}

    void csv();
    void jsonl();
    void finish() { report_progress(true); }

    Json report() const {
        return {{"rows", rows_},           {"inserted", inserted_}, {"updated", updated_},
                {"unchanged", unchanged_}, {"failed", failed_},     {"errors", errors_}};
    }

private:
    void write(Json& record, const RowKeys& keys, const std::optional<std::string>& id);
    void write_customer(Json& record, const RowKeys& keys, const std::optional<std::string>& id);
    void write_interaction(Json& record, const RowKeys& keys, const std::optional<std::string>& id);
    // Strips what export_file writes but the APIs refuse; returns the record's "id".
    std::optional<std::string> prepare_jsonl(Json& record, RowKeys& keys) const;
    [[noreturn]] void need_system(const char* key) const;

    void fail(std::int64_t line, std::string field, std::string reason);
    void fail(std::int64_t line, const std::string& message);
    void row_done() {
        if (rows_ % opt_.batch_size == 0) report_progress(false);
        // Index maintenance is queued to the end of the transaction; applying
        // it every few thousand rows keeps the queue's memory bounded and turns
        // each batch into one full-text segment.
        if (rows_ % kIndexBatch == 0) db_.flush_deferred();
    }
    void report_progress(bool at_end);

    template <class E>
    void count(E result) {
        if (result == E::inserted) ++inserted_;
        else if (result == E::updated) ++updated_;
        else ++unchanged_;
    }

    Database& db_;
    const ImportOptions& opt_;
    Records records_;
    ByteSource& src_;
    std::string record_;
    std::int64_t rows_ = 0, inserted_ = 0, updated_ = 0, unchanged_ = 0, failed_ = 0;
    Json errors_ = Json::array();
};

void Importer::csv() {
    CsvReader reader(src_);
    if (!reader.next()) return;  // an empty file: nothing to import
    if (!reader.error().empty()) invalid("csv", "line 1 (the header): " + reader.error());
    std::vector<std::string> header;
    for (std::size_t i = 0; i < reader.size(); ++i) header.push_back(reader[i]);
    const CsvPlan plan(records_, header, opt_.mapping, !opt_.system.empty());

    Json record;
    RowKeys keys;
    while (reader.next()) {
        // Spreadsheets pad the end of a sheet with rows like ",,,,": no data, no row.
        if (reader.error().empty() && all_cells_empty(reader)) continue;
        ++rows_;
        try {
            if (!reader.error().empty()) {
                fail(reader.line(), "", reader.error());
            } else if (reader.size() != plan.width()) {
                fail(reader.line(), "",
                     "expected " + std::to_string(plan.width()) + " cells as in the header, found " +
                         std::to_string(reader.size()));
            } else {
                plan.build(reader, record, keys);
                write(record, keys, std::nullopt);
            }
        } catch (const Error& e) {
            if (!is_row_error(e.code())) throw;
            fail(reader.line(), e.what());
        }
        row_done();
    }
}

void Importer::jsonl() {
    LineReader lines(src_);
    std::string line;
    Json record;
    RowKeys keys;
    while (lines.next(line)) {
        ++rows_;
        try {
            if (lines.too_long()) {
                fail(lines.line(), "", "longer than 16 MiB");
            } else if (!utf8_valid(line)) {
                fail(lines.line(), "", "not valid UTF-8 (is the file GBK or Latin-1? save it as UTF-8)");
            } else {
                bool parsed = true;
                try {
                    record = Json::parse(line);
                } catch (const Json::parse_error& e) {
                    parsed = false;
                    fail(lines.line(), "", json_error_reason(e));
                }
                if (parsed && !record.is_object()) {
                    fail(lines.line(), "", "expected a JSON object");
                } else if (parsed) {
                    const auto id = prepare_jsonl(record, keys);
                    write(record, keys, id);
                }
            }
        } catch (const Error& e) {
            if (!is_row_error(e.code())) throw;
            fail(lines.line(), e.what());
        }
        row_done();
    }
}

std::optional<std::string> Importer::prepare_jsonl(Json& record, RowKeys& keys) const {
    keys.clear();
    const auto take_key = [&](const char* name, std::string& into) {
        const auto it = record.find(name);
        if (it == record.end()) return;
        if (!it->is_string() || it->get_ref<const std::string&>().empty())
            invalid(record_ + "." + name, "expected a non-empty string");
        into = it->get<std::string>();
        record.erase(it);
    };
    take_key("external_id", keys.external_id);
    if (records_ == Records::interactions) take_key("customer_external_id", keys.customer_external_id);
    std::optional<std::string> id;
    if (const auto it = record.find("id"); it != record.end()) {
        if (!it->is_string()) invalid(record_ + ".id", "expected an id string");
        id = it->get<std::string>();
        record.erase(it);
    }
    // Read-only keys of an exported record: the library sets them.
    record.erase("created_at");
    record.erase("updated_at");
    if (records_ == Records::customers) {
        for (const char* list : {"phones", "emails"}) {
            const auto it = record.find(list);
            if (it == record.end() || !it->is_array()) continue;
            for (auto& point : *it)
                if (point.is_object())
                    for (const char* derived : {"normalized", "phone_type", "valid"}) point.erase(derived);
        }
        // An exported customer carries its ids under "external_ids": with a
        // system set, that one keys the upsert, so re-importing an export is idempotent.
        if (!opt_.system.empty() && keys.external_id.empty()) {
            const auto ext = record.find("external_ids");
            if (ext != record.end() && ext->is_object()) {
                const auto mine = ext->find(opt_.system);
                if (mine != ext->end() && mine->is_string()) keys.external_id = mine->get<std::string>();
            }
        }
    }
    return id;
}

void Importer::need_system(const char* key) const {
    invalid(record_ + "." + key, "set a system (crm_import_options_set_system) to key the upsert");
}

void Importer::write(Json& record, const RowKeys& keys, const std::optional<std::string>& id) {
    if (records_ == Records::customers) write_customer(record, keys, id);
    else write_interaction(record, keys, id);
}

void Importer::write_customer(Json& record, const RowKeys& keys, const std::optional<std::string>& id) {
    if (!keys.external_id.empty()) {
        if (opt_.system.empty()) need_system("external_id");
        count(customers::upsert_external(db_, opt_.system, keys.external_id, record));
        return;
    }
    // An exported customer re-imported into the same database updates itself.
    // (Elsewhere the id is unknown and the customer is created with a new id.)
    if (id) {
        const Uuid existing = Uuid::parse(*id, "customer.id");
        if (customers::exists(db_, existing)) {
            ++(customers::update(db_, existing, record) ? updated_ : unchanged_);
            return;
        }
    }
    customers::create(db_, record);
    ++inserted_;
}

void Importer::write_interaction(Json& record, const RowKeys& keys, const std::optional<std::string>& id) {
    if (!keys.customer_external_id.empty()) {
        if (opt_.system.empty()) need_system("customer_external_id");
        if (record.contains("customer_id"))
            invalid("interaction.customer_external_id", "give customer_id or customer_external_id, not both");
        const auto customer = customers::find_external(db_, opt_.system, keys.customer_external_id);
        if (!customer)
            throw Error(CRM_ENOTFOUND, "interaction.customer_external_id: no customer has " + opt_.system + " id \"" +
                                           keys.customer_external_id + "\"");
        record["customer_id"] = customer->str();
    }
    if (!keys.external_id.empty()) {
        if (opt_.system.empty()) need_system("external_id");
        count(interactions::upsert(db_, interactions::id_for_external(opt_.system, keys.external_id), record));
    } else if (id) {
        // Interactions may be created with a given id: an exported interaction
        // comes back as itself, wherever it is imported.
        count(interactions::upsert(db_, Uuid::parse(*id, "interaction.id"), record));
    } else {
        interactions::add(db_, record);
        ++inserted_;
    }
}

void Importer::fail(std::int64_t line, std::string field, std::string reason) {
    ++failed_;
    if (errors_.size() >= kMaxListedErrors) return;
    errors_.push_back({{"line", line}, {"field", std::move(field)}, {"reason", std::move(reason)}});
}

// API messages start with the field they blame ("customer.birthday: not a date").
void Importer::fail(std::int64_t line, const std::string& message) {
    const auto sep = message.find(": ");
    if (sep == std::string::npos || message.find_first_of(" \"") < sep) return fail(line, "", message);
    fail(line, message.substr(0, sep), message.substr(sep + 2));
}

void Importer::report_progress(bool at_end) {
    if (!opt_.progress) return;
    std::int64_t total = rows_;
    if (!at_end) {
        // Rows so far scaled by the share of the file read: rough, but it moves
        // smoothly and needs no second pass over the file.
        const std::int64_t read = src_.offset(), size = src_.size();
        total = read > 0 && size > 0
                    ? std::max(rows_, static_cast<std::int64_t>(std::llround(static_cast<double>(rows_) *
                                                                               static_cast<double>(size) /
                                                                               static_cast<double>(read))))
                    : -1;
    }
    if (!opt_.progress(rows_, total))
        throw Error(CRM_ECANCELED, "import: cancelled by the progress callback; nothing was imported");
}

}  // namespace

Json import_file(Database& db, const std::string& path, const ImportOptions& options) {
    const Format format = pick_format(options, path);
    const Records records = pick_records(options.records);
    if (options.batch_size < 1 || options.batch_size > 1000000)
        invalid("batch_size", "must be between 1 and 1000000");
    if (options.system.size() > 64) invalid("system", "longer than 64 bytes");
    ByteSource src(path);
    const BulkLoadJournal bulk(db);
    // One scope for everything: rows commit as savepoints inside it, and its
    // destruction on a cancel or a fatal error rolls the whole import back.
    WriteScope all(db);
    Importer importer(db, options, records, src);
    if (format == Format::csv) importer.csv();
    else importer.jsonl();
    importer.finish();
    all.commit();
    return importer.report();
}

}  // namespace crmlite::io
