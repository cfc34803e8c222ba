#include "store/schema_template.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <sqlite3.h>

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "search/tokenizer.hpp"
#include "store/migrations.hpp"

namespace crmlite {

namespace {

struct TemplateCell {
    int type = SQLITE_NULL;
    std::int64_t integer = 0;
    double real = 0;
    std::string bytes;  // text or blob
};

struct SeedRows {
    std::string insert;  // INSERT INTO "t" VALUES (?, ...)
    std::vector<std::vector<TemplateCell>> rows;
};

struct Template {
    std::vector<std::string> tables;   // CREATE TABLE / CREATE VIRTUAL TABLE, in creation order
    std::vector<std::string> indexes;  // CREATE INDEX, in creation order
    std::vector<SeedRows> seeds;
    std::vector<std::string> rest;  // CREATE VIEW / TRIGGER, in creation order
    int version = 0;
};

std::string quoted(const std::string& name) {
    std::string out = "\"";
    for (const char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

TemplateCell read_cell(const SQLite::Column& c) {
    TemplateCell v;
    v.type = c.getType();
    if (v.type == SQLITE_INTEGER) v.integer = c.getInt64();
    else if (v.type == SQLITE_FLOAT) v.real = c.getDouble();
    else if (v.type == SQLITE_TEXT || v.type == SQLITE_BLOB)
        v.bytes.assign(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
    return v;
}

void bind_cell(SQLite::Statement& st, int i, const TemplateCell& v) {
    switch (v.type) {
        case SQLITE_INTEGER: st.bind(i, static_cast<std::int64_t>(v.integer)); break;
        case SQLITE_FLOAT: st.bind(i, v.real); break;
        case SQLITE_TEXT: st.bind(i, v.bytes); break;
        case SQLITE_BLOB: st.bind(i, v.bytes.data(), static_cast<int>(v.bytes.size())); break;
        default: st.bind(i); break;
    }
}

Template build_template() {
    SQLite::Database db(":memory:", SQLite::OPEN_READWRITE);
    search::register_tokenizer(db.getHandle());
    db.exec("BEGIN");
    run_migrations(db, 0);
    db.exec("COMMIT");

    Template t;
    t.version = db.execAndGet("PRAGMA user_version").getInt();
    // Tables a virtual table makes for itself (FTS5's data, index, config...)
    // come back when the virtual table is created; rowid tables are told
    // apart because a seed row's rowid is copied too.
    std::set<std::string> shadow, virtual_tables, without_rowid;
    {
        SQLite::Statement s(db, "SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'");
        while (s.executeStep()) {
            const std::string name = s.getColumn(0).getString(), type = s.getColumn(1).getString();
            if (type == "shadow") shadow.insert(name);
            if (type == "virtual") virtual_tables.insert(name);
            if (s.getColumn(2).getInt() != 0) without_rowid.insert(name);
        }
    }
    std::vector<std::string> ordinary;
    SQLite::Statement s(db,
                        "SELECT type, name, sql FROM sqlite_schema WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite\\_%' "
                        "ESCAPE '\\' ORDER BY rowid");
    while (s.executeStep()) {
        const std::string type = s.getColumn(0).getString(), name = s.getColumn(1).getString();
        const std::string sql = s.getColumn(2).getString();
        if (type == "table") {
            if (shadow.count(name) != 0) continue;
            t.tables.push_back(sql);
            if (virtual_tables.count(name) == 0) ordinary.push_back(name);
        } else if (type == "index") {
            t.indexes.push_back(sql);
        } else {
            t.rest.push_back(sql);
        }
    }
    for (const auto& name : ordinary) {
        // The stored columns (generated ones are computed again), and the
        // rowid of a rowid table unless a column is its alias (INTEGER PRIMARY KEY).
        std::vector<std::string> columns;
        int key_columns = 0;
        bool integer_key = false;
        SQLite::Statement info(db, "SELECT name, hidden, pk, upper(type) FROM pragma_table_xinfo(?)");
        info.bind(1, name);
        while (info.executeStep()) {
            if (info.getColumn(2).getInt() > 0) {
                ++key_columns;
                integer_key = info.getColumn(3).getString() == "INTEGER";
            }
            if (info.getColumn(1).getInt() == 0) columns.push_back(quoted(info.getColumn(0).getString()));
        }
        if (without_rowid.count(name) == 0 && !(key_columns == 1 && integer_key)) columns.insert(columns.begin(), "rowid");
        std::string list;
        for (const auto& c : columns) list += (list.empty() ? "" : ", ") + c;
        SQLite::Statement rows(db, "SELECT " + list + " FROM " + quoted(name));
        SeedRows seed;
        while (rows.executeStep()) {
            std::vector<TemplateCell> row;
            for (int i = 0; i < rows.getColumnCount(); ++i) row.push_back(read_cell(rows.getColumn(i)));
            seed.rows.push_back(std::move(row));
        }
        if (seed.rows.empty()) continue;
        seed.insert = "INSERT INTO " + quoted(name) + "(" + list + ") VALUES (?";
        for (std::size_t i = 1; i < columns.size(); ++i) seed.insert += ", ?";
        seed.insert += ")";
        t.seeds.push_back(std::move(seed));
    }
    return t;
}

const Template& latest_template() {
    // Function-local statics are initialised once, even with threads; a failed
    // build throws to its caller and is retried by the next one.
    static const Template t = build_template();
    return t;
}

}  // namespace

void run_migrations(SQLite::Database& db, int from) {
    for (const auto& m : migrations()) {
        if (m.version <= from) continue;
        if (*m.sql) db.exec(m.sql);
        if (m.rewrite) m.rewrite(db);
        db.exec("PRAGMA user_version = " + std::to_string(m.version));
    }
}

void prepare_latest_schema() { (void)latest_template(); }

void install_latest_schema(SQLite::Database& db) {
    const Template& t = latest_template();
    for (const auto& sql : t.tables) db.exec(sql);
    for (const auto& sql : t.indexes) db.exec(sql);  // before the rows: a foreign key may need a unique index
    // A seed row may name a parent seeded after it: checked at commit.
    db.exec("PRAGMA defer_foreign_keys = ON");
    for (const auto& seed : t.seeds) {
        SQLite::Statement ins(db, seed.insert);
        for (const auto& row : seed.rows) {
            for (std::size_t i = 0; i < row.size(); ++i) bind_cell(ins, static_cast<int>(i) + 1, row[i]);
            ins.exec();
            ins.reset();
        }
    }
    for (const auto& sql : t.rest) db.exec(sql);
    db.exec("PRAGMA user_version = " + std::to_string(t.version));
}

}  // namespace crmlite
