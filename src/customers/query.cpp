#include "customers/query.hpp"

#include <SQLiteCpp/Statement.h>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "customers/customers.hpp"
#include "search/index_queue.hpp"
#include "search/match_query.hpp"
#include "tags/tags.hpp"

namespace crmlite::customers {

namespace {

struct Compiled {
    std::string where;  // " AND ..." clauses over alias c
    std::vector<Value> binds;
};

void add_clause(Compiled& c, const std::string& clause) { c.where += " AND " + clause; }

std::vector<std::string> string_list(const Json& v, const std::string& field) {
    std::vector<std::string> out;
    if (v.is_string()) {
        out.push_back(v.get<std::string>());
    } else if (v.is_array() && !v.empty()) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (!v[i].is_string()) invalid(field + "[" + std::to_string(i) + "]", "expected a string");
            out.push_back(v[i].get<std::string>());
        }
    } else {
        invalid(field, "expected a string or a non-empty array of strings");
    }
    return out;
}

// "col = ?" or "col IN (?, ?, ...)".
void equals_any(Compiled& c, const char* column, const std::vector<std::string>& values) {
    std::string clause = std::string("c.") + column;
    if (values.size() == 1) {
        clause += " = ?";
    } else {
        clause += " IN (";
        for (std::size_t i = 0; i < values.size(); ++i) clause += i ? ", ?" : "?";
        clause += ")";
    }
    add_clause(c, clause);
    for (const auto& v : values) c.binds.push_back(v);
}

// A tag filter matches the tag itself and every tag below it in the hierarchy.
std::string tag_set_sql(Compiled& c, const std::vector<std::string>& paths, const std::string& field) {
    std::string sql = "SELECT id FROM tags WHERE ";
    for (std::size_t i = 0; i < paths.size(); ++i) {
        const std::string canonical = tags::canonical_path(paths[i], field + "[" + std::to_string(i) + "]");
        sql += std::string(i ? " OR " : "") + "path = ? OR (path >= ? AND path < ?)";
        c.binds.push_back(canonical);
        c.binds.push_back(canonical + "/");
        c.binds.push_back(canonical + "0");  // '0' follows '/' in byte order
    }
    return sql;
}

Compiled compile_filter(const Json& filter) {
    if (!filter.is_object()) invalid("filter", "expected a JSON object");
    Compiled c;
    for (const auto& [key, value] : filter.items()) {
        const std::string field = "filter." + key;
        if (key == "kind" || key == "stage" || key == "owner" || key == "region" || key == "province" ||
            key == "country" || key == "city" || key == "source") {
            equals_any(c, key.c_str(), string_list(value, field));
        } else if (key == "company_id") {
            if (!value.is_string()) invalid(field, "expected a customer id");
            add_clause(c, "c.company_id = ?");
            c.binds.push_back(Uuid::parse(value.get<std::string>(), field));
        } else if (key == "consent_marketing") {
            if (!value.is_boolean()) invalid(field, "expected true or false");
            add_clause(c, "c.consent_marketing = ?");
            c.binds.push_back(std::int64_t{value.get<bool>() ? 1 : 0});
        } else if (key == "tags_all") {
            for (const auto& p : string_list(value, field)) {
                add_clause(c, "EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = c.id AND ct.tag_id IN (" +
                                  tag_set_sql(c, {p}, field) + "))");
            }
        } else if (key == "tags_any" || key == "tags_none") {
            const std::string set = tag_set_sql(c, string_list(value, field), field);
            add_clause(c, std::string(key == "tags_none" ? "NOT " : "") +
                              "EXISTS (SELECT 1 FROM customer_tags ct WHERE ct.customer_id = c.id AND ct.tag_id IN (" +
                              set + "))");
        } else if (key == "created_after" || key == "created_before" || key == "updated_after" ||
                   key == "updated_before") {
            if (!value.is_string()) invalid(field, "expected an ISO-8601 time");
            const std::int64_t t = parse_instant(value.get<std::string>(), field);
            const bool created = key.rfind("created", 0) == 0;
            const bool after = key.find("after") != std::string::npos;
            add_clause(c, std::string("c.") + (created ? "created_at" : "updated_at") + (after ? " >= ?" : " < ?"));
            c.binds.push_back(t);
        } else if (key == "custom") {
            if (!value.is_object() || value.empty()) invalid(field, "expected an object {\"key\": value}");
            for (const auto& [ck, cv] : value.items()) {
                const std::string cfield = field + "." + ck;
                std::string path = "$.\"";
                for (const char ch : ck) {
                    if (ch == '"' || ch == '\\') invalid(cfield, "custom field names cannot contain quotes or backslashes");
                    path.push_back(ch);
                }
                path += "\"";
                if (cv.is_string()) {
                    add_clause(c, "json_extract(c.custom, ?) = ?");
                    c.binds.push_back(path);
                    c.binds.push_back(cv.get<std::string>());
                } else if (cv.is_boolean() || cv.is_number_integer()) {
                    add_clause(c, "json_extract(c.custom, ?) = ?");
                    c.binds.push_back(path);
                    c.binds.push_back(cv.is_boolean() ? std::int64_t{cv.get<bool>()} : cv.get<std::int64_t>());
                } else if (cv.is_null()) {
                    add_clause(c, "json_type(c.custom, ?) IS NULL");
                    c.binds.push_back(path);
                } else {
                    invalid(cfield, "expected a string, an integer, a boolean or null");
                }
            }
        } else if (key == "text") {
            if (!value.is_string()) invalid(field, "expected a string");
            const std::string match = search::build_match_expression(value.get<std::string>());
            if (match.empty()) invalid(field, "nothing searchable in \"" + value.get<std::string>() + "\"");
            add_clause(c, "c.rid IN (SELECT rowid FROM customer_fts WHERE customer_fts MATCH ?)");
            c.binds.push_back(match);
        } else {
            invalid(field, "unknown filter key");
        }
    }
    return c;
}

struct SortKey {
    const char* column;
    enum { blob, text, integer } type;
};

SortKey sort_key_for(const std::string& sort) {
    if (sort == "name") return {"sort_key", SortKey::blob};
    if (sort == "name_codepoint") return {"display_name", SortKey::text};
    if (sort == "created_at") return {"created_at", SortKey::integer};
    if (sort == "updated_at") return {"updated_at", SortKey::integer};
    invalid("query.sort", "\"" + sort + "\" is not one of: name, name_codepoint, created_at, updated_at");
}

class QueryCursor : public Cursor {
public:
    QueryCursor(Database& db, const Json& q) : db_(db) {
        Input in(q, "query");
        in.allow_only({"filter", "sort", "order", "limit", "after", "full"});
        const Compiled filter = q.contains("filter") ? compile_filter(q["filter"]) : Compiled{};
        search::flush(db);  // a "text" filter sees this transaction's own writes
        key_ = sort_key_for(in.text("sort", 32).value_or("name"));
        const bool desc = in.choice("order", {"asc", "desc"}).value_or("asc") == "desc";
        const std::int64_t limit = in.integer("limit", 1, 10000).value_or(50);
        full_ = in.boolean("full").value_or(false);
        const std::string col = std::string("c.") + key_.column;
        std::string sql =
            "SELECT c.id, " + col + ", c.kind, c.display_name, c.stage, c.owner, c.city, c.company, "
            "(SELECT value FROM contact_points p WHERE p.customer_id = c.id AND p.type = 'phone' ORDER BY is_primary DESC LIMIT 1), "
            "(SELECT value FROM contact_points p WHERE p.customer_id = c.id AND p.type = 'email' ORDER BY is_primary DESC LIMIT 1), "
            "c.updated_at FROM customers c WHERE 1" + filter.where + access::scope_sql(db, "c");
        std::vector<Value> binds = filter.binds;
        if (auto after = in.text("after", 2000)) {
            const auto parts = parse_token(*after, 2, "query.after");
            if (parts[1].size() != 16) invalid("query.after", "not a token returned by this query");
            sql += " AND (" + col + ", c.id) " + (desc ? "<" : ">") + " (?, ?)";
            if (key_.type == SortKey::integer) binds.push_back(token_int(parts[0], "query.after"));
            else binds.push_back(parts[0]);
            blob_after_ = key_.type == SortKey::blob;
            binds.push_back(Uuid::from_blob(parts[1].data(), 16));
        }
        const char* dir = desc ? " DESC" : " ASC";
        sql += " ORDER BY " + col + dir + ", c.id" + dir + " LIMIT ?";
        binds.push_back(limit);
        st_ = std::make_unique<SQLite::Statement>(db.sql(), sql);
        for (std::size_t i = 0; i < binds.size(); ++i) {
            const int idx = static_cast<int>(i) + 1;
            // The sort_key of a token is a BLOB, not text: bind it as such.
            if (blob_after_ && i == filter.binds.size()) {
                const auto& s = std::get<std::string>(binds[i]);
                st_->bind(idx, s.data(), static_cast<int>(s.size()));
            } else {
                bind_value(*st_, idx, binds[i]);
            }
        }
    }

    bool next(std::string& row) override {
        if (!st_->executeStep()) return false;
        const auto id_col = st_->getColumn(0);
        const Uuid id = Uuid::from_blob(id_col.getBlob(), id_col.getBytes());
        last_id_.assign(static_cast<const char*>(id_col.getBlob()), 16);
        const auto sort_col = st_->getColumn(1);
        if (key_.type == SortKey::integer) last_sort_ = std::to_string(sort_col.getInt64());
        else last_sort_.assign(static_cast<const char*>(sort_col.getBlob()), static_cast<std::size_t>(sort_col.getBytes()));
        if (full_) {
            row = dump(customers::get(db_, id));
            return true;
        }
        Json r = {{"id", id.str()}, {"kind", st_->getColumn(2).getString()}, {"display_name", st_->getColumn(3).getString()}};
        const char* names[] = {"stage", "owner", "city", "company", "phone", "email"};
        for (int i = 0; i < 6; ++i)
            if (!st_->getColumn(4 + i).isNull()) r[names[i]] = st_->getColumn(4 + i).getString();
        r["updated_at"] = format_instant(st_->getColumn(10).getInt64());
        access::mask_customer(db_, r);
        row = dump(r);
        return true;
    }

    std::optional<std::string> token() const override {
        if (last_id_.empty()) return std::nullopt;
        return make_token({last_sort_, last_id_});
    }

private:
    Database& db_;
    SortKey key_{};
    bool full_ = false;
    bool blob_after_ = false;
    std::unique_ptr<SQLite::Statement> st_;
    std::string last_sort_, last_id_;
};

}  // namespace

std::unique_ptr<Cursor> query(Database& db, const Json& q) { return std::make_unique<QueryCursor>(db, q); }

std::int64_t count(Database& db, const Json& filter) {
    if (!filter.is_object()) invalid("filter", "expected a JSON object");
    const std::string scope = access::scope_sql(db, "c");
    if (filter.empty() && scope.empty()) return db.counter("customers");
    const Compiled c = compile_filter(filter);
    search::flush(db);
    SQLite::Statement st(db.sql(), "SELECT count(*) FROM customers c WHERE 1" + c.where + scope);
    for (std::size_t i = 0; i < c.binds.size(); ++i) bind_value(st, static_cast<int>(i) + 1, c.binds[i]);
    st.executeStep();
    return st.getColumn(0).getInt64();
}

}  // namespace crmlite::customers
