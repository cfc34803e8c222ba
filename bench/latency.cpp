// Single-call latencies through the C ABI, each beside a hand-written raw
// SQLite equivalent on the same file, schema and indexes (the baseline).
#include "latency.hpp"

#include <sqlite3.h>

#include <cstdio>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "crmlite/crmlite.h"
#include "search/match_query.hpp"
#include "search/tokenizer.hpp"
#include "checks.hpp"
#include "stats.hpp"

namespace bench {

namespace {

struct Stmt {
    sqlite3_stmt* s = nullptr;
    Stmt(sqlite3* db, const char* sql) { sq(sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr), db, sql); }
    ~Stmt() { sqlite3_finalize(s); }
    void run_all() {
        while (sqlite3_step(s) == SQLITE_ROW) {
        }
        sqlite3_reset(s);
    }
};

std::string hex_id(const void* blob) {
    static const char* d = "0123456789abcdef";
    const auto* b = static_cast<const unsigned char*>(blob);
    std::string s;
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(d[b[i] >> 4]);
        s.push_back(d[b[i] & 15]);
    }
    return s;
}

// Sample ids, Chinese 2-character name fragments, Latin prefixes and phone tails
// from the data itself, so every query has answers.
struct Probes {
    std::vector<std::string> ids;
    std::vector<std::vector<unsigned char>> id_blobs;
    std::vector<std::string> cjk, latin, phone_tails;
};

Probes sample(sqlite3* db, int n, std::mt19937_64& rng) {
    Probes p;
    Stmt st(db, "SELECT id, display_name FROM customers WHERE rid IN "
                "(SELECT rid FROM customers ORDER BY random() LIMIT ?)");
    sqlite3_bind_int(st.s, 1, n);
    while (sqlite3_step(st.s) == SQLITE_ROW) {
        const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(st.s, 0));
        p.ids.push_back(hex_id(blob));
        p.id_blobs.emplace_back(blob, blob + 16);
        const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(st.s, 1));
        if (name.size() >= 6 && static_cast<unsigned char>(name[0]) >= 0xE0) {
            // Last two CJK characters (3 bytes each): the given name, e.g. 小明.
            p.cjk.push_back(name.substr(name.size() - 6));
        } else if (name.size() >= 3 && std::isalpha(static_cast<unsigned char>(name[0]))) {
            p.latin.push_back(name.substr(0, 3));
        }
    }
    Stmt ph(db, "SELECT normalized FROM contact_points WHERE type = 'phone' ORDER BY random() LIMIT ?");
    sqlite3_bind_int(ph.s, 1, n);
    while (sqlite3_step(ph.s) == SQLITE_ROW) {
        const std::string v = reinterpret_cast<const char*>(sqlite3_column_text(ph.s, 0));
        if (v.size() >= 8) p.phone_tails.push_back(v.substr(v.size() - 4));
    }
    std::shuffle(p.phone_tails.begin(), p.phone_tails.end(), rng);
    return p;
}

LatencyFigure figure(const std::string& name, Samples& ours, Samples& base) {
    return {name, ours.percentile(50), ours.percentile(99), base.percentile(50), base.percentile(99), ours.size()};
}

template <typename F>
void cursor_drain(F open) {
    crm_cursor* c = nullptr;
    check(open(&c), "cursor");
    const char* row;
    while (crm_cursor_next(&row, c) == CRM_ROW) {
    }
    crm_cursor_free(c);
}

}  // namespace

std::vector<LatencyFigure> run_latency(const std::string& db_path, int iterations) {
    std::mt19937_64 rng(7);
    crm_db* db = nullptr;
    check(crm_open(&db, db_path.c_str(), nullptr), "open");
    sqlite3* raw = nullptr;
    sq(sqlite3_open_v2(db_path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr), raw, "open raw");
    crmlite::search::register_tokenizer(raw);
    // The same durability as crmlite's connections (WAL + synchronous=NORMAL).
    sqlite3_exec(raw, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
    const Probes p = sample(raw, iterations, rng);
    std::vector<LatencyFigure> out;

    {  // create: one customer with a phone per call, each its own transaction
        Samples ours, base;
        Stmt ins(raw, "INSERT INTO customers(id, kind, display_name, consent_marketing, consent_data_sharing, "
                      "created_at, updated_at) VALUES (randomblob(16), 'person', ?, 0, 0, 0, 0)");
        Stmt cp(raw, "INSERT INTO contact_points(id, customer_id, type, value, normalized, is_primary, created_at) "
                     "SELECT randomblob(16), id, 'phone', ?, ?, 1, 0 FROM customers WHERE rid = ?");
        Stmt fts(raw, "INSERT INTO customer_fts(rowid, name, pinyin, company, phones, emails, notes) "
                      "VALUES (?, ?, '', '', ?, '', '')");
        for (int i = 0; i < iterations; ++i) {
            const std::string phone = "1390000" + std::to_string(1000 + i);
            const std::string json = "{\"display_name\":\"测试客户" + std::to_string(i) + "\",\"phones\":[\"" + phone + "\"]}";
            ours.add(time_us([&] {
                char* id = nullptr;
                check(crm_customer_create(&id, db, json.c_str()), "create");
                crm_free(id);
            }));
            const std::string name = "基准客户" + std::to_string(i);
            base.add(time_us([&] {
                sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
                sqlite3_bind_text(ins.s, 1, name.c_str(), -1, SQLITE_TRANSIENT);
                sq(sqlite3_step(ins.s), raw, "insert");
                sqlite3_reset(ins.s);
                const auto rid = sqlite3_last_insert_rowid(raw);
                sqlite3_bind_text(cp.s, 1, phone.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(cp.s, 2, ("+86" + phone).c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(cp.s, 3, rid);
                sq(sqlite3_step(cp.s), raw, "insert cp");
                sqlite3_reset(cp.s);
                sqlite3_bind_int64(fts.s, 1, rid);
                sqlite3_bind_text(fts.s, 2, name.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_text(fts.s, 3, ("86" + phone).c_str(), -1, SQLITE_TRANSIENT);
                sq(sqlite3_step(fts.s), raw, "insert fts");
                sqlite3_reset(fts.s);
                sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
            }));
        }
        out.push_back(figure("create customer (one call, one transaction)", ours, base));
    }
    {  // update one field
        Samples ours, base;
        Stmt up(raw, "UPDATE customers SET title = ?, updated_at = ? WHERE id = ?");
        for (std::size_t i = 0; i < p.ids.size(); ++i) {
            const std::string json = "{\"title\":\"经理" + std::to_string(i) + "\"}";
            ours.add(time_us([&] { check(crm_customer_update(db, p.ids[i].c_str(), json.c_str()), "update"); }));
            const std::string title = "主管" + std::to_string(i);
            base.add(time_us([&] {
                sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
                sqlite3_bind_text(up.s, 1, title.c_str(), -1, SQLITE_TRANSIENT);
                sqlite3_bind_int64(up.s, 2, static_cast<sqlite3_int64>(i));
                sqlite3_bind_blob(up.s, 3, p.id_blobs[i].data(), 16, SQLITE_STATIC);
                sq(sqlite3_step(up.s), raw, "update");
                sqlite3_reset(up.s);
                sqlite3_exec(raw, "COMMIT", nullptr, nullptr, nullptr);
            }));
        }
        out.push_back(figure("update one field", ours, base));
    }
    {  // 360 view
        Samples ours, base;
        Stmt q1(raw, "SELECT * FROM customers WHERE id = ?");
        Stmt q2(raw, "SELECT * FROM contact_points WHERE customer_id = ?");
        Stmt q3(raw, "SELECT t.path FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = ?");
        Stmt q4(raw, "SELECT * FROM interactions WHERE customer_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 10");
        Stmt q5(raw, "SELECT currency, count(*), sum(amount_minor) FROM interactions WHERE customer_id = ? AND +"
                     "kind = 'order' GROUP BY currency");
        Stmt q6(raw, "SELECT kind, count(*) FROM interactions WHERE customer_id = ? GROUP BY kind");
        for (std::size_t i = 0; i < p.ids.size(); ++i) {
            ours.add(time_us([&] {
                char* v = nullptr;
                check(crm_customer_view(&v, db, p.ids[i].c_str()), "view");
                crm_free(v);
            }));
            base.add(time_us([&] {
                for (Stmt* s : {&q1, &q2, &q3, &q4, &q5, &q6}) {
                    sqlite3_bind_blob(s->s, 1, p.id_blobs[i].data(), 16, SQLITE_STATIC);
                    s->run_all();
                }
            }));
        }
        out.push_back(figure("360 view read", ours, base));
    }
    // Search: the same MATCH expression through the raw FTS table is the baseline.
    Stmt fts(raw, "SELECT c.id, c.display_name, snippet(customer_fts, -1, '[', ']', '…', 12) FROM customer_fts "
                  "JOIN customers c ON c.rid = customer_fts.rowid WHERE customer_fts MATCH ? "
                  "ORDER BY bm25(customer_fts) LIMIT 20");
    const auto search_fig = [&](const std::string& name, const std::vector<std::string>& terms) {
        Samples ours, base;
        for (const auto& t : terms) {
            const std::string json = "{\"q\":\"" + t + "\",\"in\":\"customers\",\"limit\":20}";
            ours.add(time_us([&] { cursor_drain([&](crm_cursor** c) { return crm_search(c, db, json.c_str()); }); }));
            const std::string match = crmlite::search::build_match_expression(t);
            base.add(time_us([&] {
                sqlite3_bind_text(fts.s, 1, match.c_str(), -1, SQLITE_TRANSIENT);
                fts.run_all();
            }));
        }
        if (ours.size()) out.push_back(figure(name, ours, base));
    };
    search_fig("search Chinese 2-char substring", p.cjk);
    search_fig("search Latin 3-letter prefix", p.latin);
    search_fig("search phone last 4 digits", p.phone_tails);

    {  // filter: first page of a stage + owner list sorted by pinyin name
        Samples ours, base;
        Stmt q(raw, "SELECT id, display_name FROM customers WHERE stage = ? AND owner = ? ORDER BY sort_key, id LIMIT 50");
        const char* stages[] = {"prospect", "customer", "repeat", "loyal", "at_risk", "churned"};
        for (int i = 0; i < iterations; ++i) {
            char owner[8];
            std::snprintf(owner, sizeof owner, "u%02d", 1 + i % 20);
            const char* stage = stages[i % 6];
            const std::string json = std::string("{\"filter\":{\"stage\":\"") + stage + "\",\"owner\":\"" + owner +
                                     "\"},\"sort\":\"name\",\"limit\":50}";
            ours.add(time_us([&] { cursor_drain([&](crm_cursor** c) { return crm_customer_query(c, db, json.c_str()); }); }));
            base.add(time_us([&] {
                sqlite3_bind_text(q.s, 1, stage, -1, SQLITE_STATIC);
                sqlite3_bind_text(q.s, 2, owner, -1, SQLITE_STATIC);
                q.run_all();
            }));
        }
        out.push_back(figure("filter stage+owner, first page of 50 by name", ours, base));
    }
    sqlite3_close_v2(raw);
    crm_close(db);
    return out;
}

}  // namespace bench
