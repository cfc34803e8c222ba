#include "search/index_queue.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "store/database.hpp"

namespace crmlite::search {

namespace {

// The index is written with single-row INSERT ... VALUES only. An INSERT ...
// SELECT into FTS5 inside a transaction opens a statement journal, and FTS5
// answers the statement savepoint by flushing its pending terms into a new
// segment: one segment per statement, the very cost this queue exists to avoid.
struct DocSql {
    const char* current;  // the record's searchable values now, by rid
    const char* remove;   // FTS 'delete' of exactly those values
    const char* insert;   // index those values
    int columns;
};

constexpr std::array<DocSql, 2> kDocs = {{
    {"SELECT name, pinyin, company, phones, emails, notes FROM customer_search_doc WHERE rid = ?",
     "INSERT INTO customer_fts(customer_fts, rowid, name, pinyin, company, phones, emails, notes) "
     "VALUES ('delete', ?, ?, ?, ?, ?, ?, ?)",
     "INSERT INTO customer_fts(rowid, name, pinyin, company, phones, emails, notes) VALUES (?, ?, ?, ?, ?, ?, ?)",
     6},
    {"SELECT coalesce(subject, ''), coalesce(body, '') FROM interactions WHERE rid = ?",
     "INSERT INTO interaction_fts(interaction_fts, rowid, subject, body) VALUES ('delete', ?, ?, ?)",
     "INSERT INTO interaction_fts(rowid, subject, body) VALUES (?, ?, ?)",
     2},
}};

// What the index holds for a queued rid: nothing (a record inserted since the
// last flush), or the values it was indexed with.
using Indexed = std::optional<std::vector<std::string>>;

class IndexQueue final : public DeferredWork {
public:
    static std::unique_ptr<DeferredWork> make() { return std::make_unique<IndexQueue>(); }

    void before_change(Database& db, Doc doc, std::int64_t rid) {
        auto& pending = pending_[static_cast<int>(doc)];
        if (pending.count(rid)) return;  // the index still holds what was captured first
        pending.emplace(rid, current(db, kDocs[static_cast<std::size_t>(doc)], rid));
    }

    void after_insert(Doc doc, std::int64_t rid) { pending_[static_cast<int>(doc)].try_emplace(rid); }

    void flush(Database& db) override {
        for (std::size_t d = 0; d < kDocs.size(); ++d) {
            if (pending_[d].empty()) continue;
            // Taken out first: if a statement fails the transaction is rolled
            // back by the caller, and nothing stale is left queued.
            auto pending = std::move(pending_[d]);
            pending_[d].clear();
            std::vector<std::int64_t> rids;
            rids.reserve(pending.size());
            for (const auto& entry : pending) rids.push_back(entry.first);
            std::sort(rids.begin(), rids.end());  // b-tree order: fewer page visits
            const DocSql& sql = kDocs[d];
            for (const auto rid : rids) {
                const Indexed& old = pending[rid];
                if (old) {
                    auto& del = db.stmt(sql.remove);
                    del.bind(1, rid);
                    for (int c = 0; c < sql.columns; ++c) del.bind(c + 2, (*old)[static_cast<std::size_t>(c)]);
                    del.exec();
                }
                const Indexed now = current(db, sql, rid);
                if (!now) continue;  // deleted
                auto& ins = db.stmt(sql.insert);
                ins.bind(1, rid);
                for (int c = 0; c < sql.columns; ++c) ins.bind(c + 2, (*now)[static_cast<std::size_t>(c)]);
                ins.exec();
            }
        }
    }

    void discard() noexcept override {
        for (auto& p : pending_) p.clear();
    }

private:
    static Indexed current(Database& db, const DocSql& sql, std::int64_t rid) {
        auto& st = db.stmt(sql.current);
        st.bind(1, rid);
        Indexed values;
        if (st.executeStep()) {
            values.emplace();
            for (int c = 0; c < sql.columns; ++c) values->push_back(st.getColumn(c).getString());
        }
        st.reset();
        return values;
    }

    std::array<std::unordered_map<std::int64_t, Indexed>, 2> pending_;
};

IndexQueue& queue(Database& db) { return static_cast<IndexQueue&>(db.deferred("search.index", &IndexQueue::make)); }

}  // namespace

void before_change(Database& db, Doc doc, std::int64_t rid) { queue(db).before_change(db, doc, rid); }

void after_insert(Database& db, Doc doc, std::int64_t rid) { queue(db).after_insert(doc, rid); }

void flush(Database& db) { queue(db).flush(db); }

}  // namespace crmlite::search
