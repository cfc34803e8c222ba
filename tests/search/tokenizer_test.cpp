// Behaviour of the "crm" FTS5 tokenizer and build_match_expression, asserted end to end through
// SQLite: real FTS5 tables, real MATCH queries, real highlight()/snippet().
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "search/match_query.hpp"
#include "search/tokenizer.hpp"

using crmlite::search::build_match_expression;
using crmlite::search::register_tokenizer;

namespace {

// An in-memory database with table t(body) using the tokenizer under test.
class Fts {
public:
    Fts() {
        REQUIRE(sqlite3_open(":memory:", &db_) == SQLITE_OK);
        register_tokenizer(db_);
        exec("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='crm')");
    }
    ~Fts() { sqlite3_close(db_); }
    Fts(const Fts&) = delete;
    Fts& operator=(const Fts&) = delete;

    sqlite3* db() { return db_; }

    void exec(const std::string& sql) {
        char* err = nullptr;
        const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
        const std::string msg = err ? err : "";
        sqlite3_free(err);
        INFO(sql << " -> " << msg);
        REQUIRE(rc == SQLITE_OK);
    }

    void add(sqlite3_int64 rowid, const std::string& body) {
        sqlite3_stmt* st = prepare("INSERT INTO t(rowid, body) VALUES (?1, ?2)");
        sqlite3_bind_int64(st, 1, rowid);
        sqlite3_bind_text(st, 2, body.data(), static_cast<int>(body.size()), SQLITE_TRANSIENT);
        const int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        REQUIRE(rc == SQLITE_DONE);
    }

    // Rowids matching the user's text, through build_match_expression, in rowid order.
    std::vector<sqlite3_int64> search(const std::string& user_text) {
        return column_ints("SELECT rowid FROM t WHERE t MATCH ?1 ORDER BY rowid",
                           build_match_expression(user_text));
    }

    // One text value of `sql` with ?1 bound to MATCH expression for user_text.
    std::string text_of(const std::string& sql, const std::string& user_text) {
        sqlite3_stmt* st = prepare(sql);
        const std::string expr = build_match_expression(user_text);
        sqlite3_bind_text(st, 1, expr.data(), static_cast<int>(expr.size()), SQLITE_TRANSIENT);
        std::string out;
        if (sqlite3_step(st) == SQLITE_ROW) {
            const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
            out = p ? p : "";
        }
        sqlite3_finalize(st);
        return out;
    }

private:
    sqlite3_stmt* prepare(const std::string& sql) {
        sqlite3_stmt* st = nullptr;
        INFO(sql << " -> " << sqlite3_errmsg(db_));
        REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
        return st;
    }

    std::vector<sqlite3_int64> column_ints(const std::string& sql, const std::string& expr) {
        sqlite3_stmt* st = prepare(sql);
        sqlite3_bind_text(st, 1, expr.data(), static_cast<int>(expr.size()), SQLITE_TRANSIENT);
        std::vector<sqlite3_int64> ids;
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) ids.push_back(sqlite3_column_int64(st, 0));
        const std::string err = sqlite3_errmsg(db_);
        sqlite3_finalize(st);
        INFO("MATCH " << expr << " -> " << err);
        REQUIRE(rc == SQLITE_DONE);
        return ids;
    }

    sqlite3* db_ = nullptr;
};

using Ids = std::vector<sqlite3_int64>;

}  // namespace

TEST_CASE("a two-character Chinese query finds a name containing it", "[search]") {
    Fts f;
    f.add(1, "王小明");
    f.add(2, "李小红");
    f.add(3, "小王");
    CHECK(f.search("小明") == Ids{1});
    CHECK(f.search("王小明") == Ids{1});
    CHECK(f.search("小") == Ids{1, 2, 3});
}

TEST_CASE("a single Chinese character finds every document containing it and no other",
          "[search]") {
    Fts f;
    f.add(1, "王小明");
    f.add(2, "客户 老王 来电");
    f.add(3, "李四");
    f.add(4, "Wang Xiaoming");
    f.add(5, "王");
    CHECK(f.search("王") == Ids{1, 2, 5});
}

TEST_CASE("a Chinese phrase matches only its characters in that order", "[search]") {
    Fts f;
    f.add(1, "王明小");
    f.add(2, "王小明");
    f.add(3, "王 小明");  // a separator breaks the bigram 王小
    CHECK(f.search("王小明") == Ids{2});
    CHECK(f.search("王小") == Ids{2});
    CHECK(f.search("明小") == Ids{1});
}

TEST_CASE("Latin words match by prefix and regardless of case", "[search]") {
    Fts f;
    f.add(1, "Mr Johnson");
    f.add(2, "john");
    f.add(3, "Jane Doe");
    CHECK(f.search("joh") == Ids{1, 2});
    CHECK(f.search("JOHN") == Ids{1, 2});
    CHECK(f.search("johnson") == Ids{1});
    CHECK(f.search("ohn").empty());  // prefixes, not infixes, for words
}

TEST_CASE("full-width letters and digits match their ASCII forms both ways", "[search]") {
    Fts f;
    f.add(1, "abc");
    f.add(2, "ＡＢＣ１２３");
    f.add(3, "xyz");
    CHECK(f.search("ＡＢＣ") == Ids{1, 2});
    CHECK(f.search("abc123") == Ids{2});
    CHECK(f.search("ａｂｃ") == Ids{1, 2});
}

TEST_CASE("accents on Latin letters are ignored", "[search]") {
    Fts f;
    f.add(1, "José Núñez");
    f.add(2, "Jose\xCC\x81 decomposed");  // "José" in NFD: e + U+0301
    f.add(3, "Nguyễn Đặng");
    f.add(4, "Joseph");
    CHECK(f.search("jose") == Ids{1, 2, 4});
    CHECK(f.search("josé nunez") == Ids{1});
    CHECK(f.search("JOSÉ") == Ids{1, 2, 4});
    CHECK(f.search("nguyen dang") == Ids{3});
}

TEST_CASE("any 3+ digit part of a phone number finds it by prefix", "[search]") {
    Fts f;
    f.add(1, "8613812345678");
    f.add(2, "8613900001111");
    f.add(3, "order 5678");
    CHECK(f.search("5678") == Ids{1, 3});
    CHECK(f.search("1234") == Ids{1});
    CHECK(f.search("13812345678") == Ids{1});
    CHECK(f.search("8613812345678") == Ids{1});
    CHECK(f.search("0000") == Ids{2});
}

TEST_CASE("whitespace-separated chunks must all match", "[search]") {
    Fts f;
    f.add(1, "8613812345678");
    f.add(2, "8613800000000");
    f.add(3, "8613900005678");
    CHECK(f.search("138 5678") == Ids{1});
    CHECK(f.search("138\xE3\x80\x80" "5678") == Ids{1});  // U+3000 ideographic space
    CHECK(f.search("王 joh").empty());
}

TEST_CASE("a Latin run followed by Chinese splits at the script change", "[search]") {
    Fts f;
    f.add(1, "ABC公司");
    f.add(2, "ABCD");
    CHECK(f.search("abc") == Ids{1, 2});
    CHECK(f.search("公司") == Ids{1});
    CHECK(f.search("ABC公司") == Ids{1});
    CHECK(f.search("ABC公") == Ids{1});
    CHECK(f.search("C公").empty());  // words match whole or by prefix, not by suffix
}

TEST_CASE("highlight and snippet mark exactly the matched Chinese characters", "[search]") {
    Fts f;
    f.add(1, "客户王小明来自北京");
    CHECK(f.text_of("SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1", "小明") ==
          "客户王[小明]来自北京");
    CHECK(f.text_of("SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1", "王") ==
          "客户[王]小明来自北京");
    CHECK(f.text_of("SELECT highlight(t, 0, '[', ']') FROM t WHERE t MATCH ?1", "北京 王小明") ==
          "客户[王小明]来自[北京]");
    CHECK(f.text_of("SELECT snippet(t, 0, '[', ']', '…', 4) FROM t WHERE t MATCH ?1", "来自") ==
          "…明[来自]北…");
}

TEST_CASE("highlight uses byte offsets of the original text for normalised Latin words",
          "[search]") {
    Fts f;
    f.add(1, "Dr. José ＡＢＣ-Johnson");
    CHECK(f.text_of("SELECT highlight(t, 0, '<', '>') FROM t WHERE t MATCH ?1", "jose abc joh") ==
          "Dr. <José> <ＡＢＣ>-<Johnson>");
}

TEST_CASE("text with nothing searchable builds an empty expression", "[search]") {
    CHECK(build_match_expression("").empty());
    CHECK(build_match_expression("   ").empty());
    CHECK(build_match_expression("-- @ . + !?").empty());
    CHECK(build_match_expression("。、「」").empty());
    CHECK(build_match_expression("\xFF\xFE\x80").empty());
}

TEST_CASE("expressions quote every chunk and prefix only unfinished Latin words or numbers",
          "[search]") {
    CHECK(build_match_expression("john") == "\"john\"*");
    CHECK(build_match_expression("john doe") == "\"john\"* AND \"doe\"*");
    CHECK(build_match_expression("王小明") == "\"王小明\"");
    CHECK(build_match_expression("john.") == "\"john.\"");
    CHECK(build_match_expression("138") == "\"138\"*");
    CHECK(build_match_expression("OR NEAR") == "\"OR\"* AND \"NEAR\"*");
    CHECK(build_match_expression(" -- a ") == "\"a\"*");
}

TEST_CASE("a double quote in the query is escaped and matched as a separator", "[search]") {
    CHECK(build_match_expression("a\"b") == "\"a\"\"b\"*");
    CHECK(build_match_expression("\"john\"") == "\"\"\"john\"\"\"");
    Fts f;
    f.add(1, "say \"hello world\"");
    f.add(2, "hello there");
    CHECK(f.search("\"hello") == Ids{1, 2});
    CHECK(f.search("\"hello world\"") == Ids{1});
    CHECK(f.search("body:hello") == Ids{});  // not a column filter: the phrase "body hello"
}

TEST_CASE("invalid UTF-8 never crashes and acts as a separator", "[search]") {
    Fts f;
    f.add(1, std::string("abc\xFF" "def\xC3"));
    f.add(2, std::string("\xE7\x8E\x8B\xE5\xB0" "x\xF4\x90\x80\x80\xED\xA0\x80王"));
    f.add(3, std::string("\xC0\xAF\xE0\x80\xAF"));  // overlong forms only
    CHECK(f.search("def") == Ids{1});
    CHECK(f.search(std::string("abc\x80" "def")) == Ids{1});
    CHECK(f.search("王") == Ids{2});
    CHECK(f.search("x") == Ids{2});
    for (int b = 0x80; b <= 0xFF; ++b) {  // every lone high byte, in query and document
        const std::string bad = std::string("q") + static_cast<char>(b) + "\xE4";
        CHECK_NOTHROW(build_match_expression(bad));
        f.add(100 + b, bad);
    }
    CHECK(f.search("q").size() == 128);
}

TEST_CASE("empty, huge and overlong input is indexed without trouble", "[search]") {
    Fts f;
    f.add(1, "");
    const std::string long_word(1000, 'a');
    f.add(2, long_word + " tail");
    std::string long_accented;
    for (int k = 0; k < 300; ++k) long_accented += "é";
    f.add(3, long_accented);
    std::string big;
    for (int k = 0; k < 20000; ++k) big += "王小明 Johnson 8613812345678 ";
    f.add(4, big);
    const std::string digits(500, '7');
    f.add(5, digits);
    CHECK(f.search(long_word) == Ids{2});  // both sides truncate to 64 bytes
    CHECK(f.search("tail") == Ids{2});
    CHECK(f.search(std::string(64, 'e')) == Ids{3});
    CHECK(f.search("小明") == Ids{4});
    CHECK(f.search("777") == Ids{5});
}

TEST_CASE("Japanese and Korean are matched as CJK substrings", "[search]") {
    Fts f;
    f.add(1, "山田タロウ");
    f.add(2, "ｶﾞｽ会社");  // half-width katakana with a separate voiced mark
    f.add(3, "김철수");
    CHECK(f.search("タロウ") == Ids{1});
    CHECK(f.search("ガス") == Ids{2});
    CHECK(f.search("철수") == Ids{3});
}

TEST_CASE("registering the tokenizer twice is harmless", "[search]") {
    Fts f;
    register_tokenizer(f.db());
    register_tokenizer(f.db());
    f.add(1, "王小明");
    CHECK(f.search("小明") == Ids{1});
    CHECK_THROWS_AS(register_tokenizer(nullptr), crmlite::Error);
}

TEST_CASE("the tokenizer rejects unknown options", "[search]") {
    Fts f;
    char* err = nullptr;
    const int rc = sqlite3_exec(f.db(), "CREATE VIRTUAL TABLE u USING fts5(b, tokenize='crm x')",
                                nullptr, nullptr, &err);
    sqlite3_free(err);
    CHECK(rc != SQLITE_OK);
}
