#include "search/customer_index.hpp"

#include "store/database.hpp"

namespace crmlite::search {

void unindex_customer(Database& db, std::int64_t rid) {
    auto& st = db.stmt(
        "INSERT INTO customer_fts(customer_fts, rowid, name, pinyin, company, phones, emails, notes) "
        "SELECT 'delete', rid, name, pinyin, company, phones, emails, notes FROM customer_search_doc WHERE rid = ?");
    st.bind(1, rid);
    st.exec();
}

void index_customer(Database& db, std::int64_t rid) {
    auto& st = db.stmt(
        "INSERT INTO customer_fts(rowid, name, pinyin, company, phones, emails, notes) "
        "SELECT rid, name, pinyin, company, phones, emails, notes FROM customer_search_doc WHERE rid = ?");
    st.bind(1, rid);
    st.exec();
}

}  // namespace crmlite::search
