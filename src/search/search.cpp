#include "search/search.hpp"

#include <algorithm>
#include <vector>

#include "access/access.hpp"
#include "common/error.hpp"
#include "search/index_queue.hpp"
#include "search/match_query.hpp"

namespace crmlite::search {

namespace {

struct Hit {
    double rank;
    Json row;
};

// Column weights: a hit in the name outranks the same hit in the notes.
// The principal's scope (src/access) is a condition over `c` before the LIMIT.
std::string customer_sql(const std::string& scope) {
    return "SELECT c.id, c.display_name, snippet(customer_fts, -1, '[', ']', '…', 12), "
           "bm25(customer_fts, 10.0, 6.0, 3.0, 4.0, 4.0, 1.0) AS rank "
           "FROM customer_fts JOIN customers c ON c.rid = customer_fts.rowid "
           "WHERE customer_fts MATCH ?" + scope + " ORDER BY rank LIMIT ?";
}
std::string interaction_sql(const std::string& scope) {
    return "SELECT i.id, i.customer_id, i.kind, coalesce(i.subject, ''), snippet(interaction_fts, -1, '[', ']', '…', 12), "
           "bm25(interaction_fts, 3.0, 1.0) AS rank "
           "FROM interaction_fts JOIN interactions i ON i.rid = interaction_fts.rowid " +
           std::string(scope.empty() ? "" : "JOIN customers c ON c.id = i.customer_id ") +
           "WHERE interaction_fts MATCH ?" + scope + " ORDER BY rank LIMIT ?";
}

class HitCursor : public Cursor {
public:
    explicit HitCursor(std::vector<Hit> hits) : hits_(std::move(hits)) {}
    bool next(std::string& row) override {
        if (pos_ >= hits_.size()) return false;
        row = dump(hits_[pos_++].row);
        return true;
    }
    // Search results are ranked, not keyset-ordered: no resume token.
    std::optional<std::string> token() const override { return std::nullopt; }

private:
    std::vector<Hit> hits_;
    std::size_t pos_ = 0;
};

}  // namespace

std::unique_ptr<Cursor> run(Database& db, const Json& query) {
    Input in(query, "search");
    in.allow_only({"q", "in", "limit"});
    const std::string q = in.required_text("q", 500);
    const std::string scope = in.choice("in", {"customers", "interactions", "all"}).value_or("all");
    const std::int64_t limit = in.integer("limit", 1, 1000).value_or(20);
    access::require(db, access::kRead, "search");
    const std::string match = build_match_expression(q);
    std::vector<Hit> hits;
    if (match.empty()) return std::make_unique<HitCursor>(std::move(hits));
    flush(db);  // this transaction's own writes are searchable too
    if (scope != "interactions") {
        auto& st = db.stmt(customer_sql(access::scope_sql(db, "c")));
        st.bind(1, match);
        st.bind(2, limit);
        while (st.executeStep()) {
            const std::string id = Uuid::from_blob(st.getColumn(0).getBlob(), 16).str();
            const double rank = st.getColumn(3).getDouble();
            hits.push_back({rank, {{"type", "customer"}, {"id", id}, {"customer_id", id},
                                   {"title", st.getColumn(1).getString()}, {"snippet", access::mask_text(db, st.getColumn(2).getString())},
                                   {"rank", rank}}});
        }
    }
    if (scope != "customers") {
        auto& st = db.stmt(interaction_sql(access::scope_sql(db, "c")));
        st.bind(1, match);
        st.bind(2, limit);
        while (st.executeStep()) {
            const double rank = st.getColumn(5).getDouble();
            std::string title = st.getColumn(3).getString();
            if (title.empty()) title = st.getColumn(2).getString();
            hits.push_back({rank, {{"type", "interaction"},
                                   {"id", Uuid::from_blob(st.getColumn(0).getBlob(), 16).str()},
                                   {"customer_id", Uuid::from_blob(st.getColumn(1).getBlob(), 16).str()},
                                   {"kind", st.getColumn(2).getString()},
                                   {"title", title}, {"snippet", access::mask_text(db, st.getColumn(4).getString())}, {"rank", rank}}});
        }
    }
    std::stable_sort(hits.begin(), hits.end(), [](const Hit& a, const Hit& b) { return a.rank < b.rank; });
    if (hits.size() > static_cast<std::size_t>(limit)) hits.resize(static_cast<std::size_t>(limit));
    return std::make_unique<HitCursor>(std::move(hits));
}

}  // namespace crmlite::search
