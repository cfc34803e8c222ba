// The streaming CSV reader and JSON Lines framing, on in-memory input and on
// real files large enough to cross the read buffer's boundaries.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "io/byte_source.hpp"
#include "io/csv_reader.hpp"
#include "support/temp_db.hpp"

using crmlite::io::ByteSource;
using crmlite::io::CsvReader;
using crmlite::io::LineReader;

namespace {

struct Record {
    std::int64_t line;
    std::vector<std::string> cells;
    std::string error;
};

std::vector<Record> read_all(ByteSource src) {
    CsvReader reader(src);
    std::vector<Record> out;
    while (reader.next()) {
        Record r{reader.line(), {}, reader.error()};
        for (std::size_t i = 0; i < reader.size(); ++i) r.cells.push_back(reader[i]);
        out.push_back(std::move(r));
    }
    return out;
}

std::vector<Record> read_all(const std::string& text) { return read_all(ByteSource::from_string(text)); }

using Cells = std::vector<std::string>;

}  // namespace

TEST_CASE("csv: quoted cells keep delimiters, doubled quotes and line breaks", "[io]") {
    const auto rows = read_all(
        "name,notes,city\n"
        "\"Wang, Xiaoming\",\"said \"\"call me\"\" twice\",Beijing\n"
        "Li,\"line one\nline two\nline three\",Shanghai\n"
        "Zhao,,\"\"\n");
    REQUIRE(rows.size() == 4);
    CHECK(rows[1].cells == Cells{"Wang, Xiaoming", "said \"call me\" twice", "Beijing"});
    CHECK(rows[2].cells == Cells{"Li", "line one\nline two\nline three", "Shanghai"});
    CHECK(rows[3].cells == Cells{"Zhao", "", ""});
    // Each record reports the line it starts on, counting the lines inside quotes.
    CHECK(rows[0].line == 1);
    CHECK(rows[1].line == 2);
    CHECK(rows[2].line == 3);
    CHECK(rows[3].line == 6);
    for (const auto& r : rows) CHECK(r.error.empty());
}

TEST_CASE("csv: CRLF records, a BOM, blank and trailing empty lines", "[io]") {
    const auto rows = read_all("\xEF\xBB\xBF" "a,b\r\n1,\"x\r\ny\"\r\n\r\n2,z\r\n\r\n");
    REQUIRE(rows.size() == 3);
    CHECK(rows[0].cells == Cells{"a", "b"});  // no BOM glued to the first header
    CHECK(rows[1].cells == Cells{"1", "x\r\ny"});
    CHECK(rows[2].cells == Cells{"2", "z"});
    CHECK(rows[2].line == 5);
    // No final line break at all is fine too.
    const auto last = read_all("a,b\n1,2");
    REQUIRE(last.size() == 2);
    CHECK(last[1].cells == Cells{"1", "2"});
    // An empty last cell is still a cell.
    CHECK(read_all("a,b\n1,\n")[1].cells == Cells{"1", ""});
}

TEST_CASE("csv: ragged rows come back as they are for the caller to judge", "[io]") {
    const auto rows = read_all("a,b,c\n1,2\n1,2,3,4\n1,2,3\n");
    REQUIRE(rows.size() == 4);
    CHECK(rows[1].cells.size() == 2);
    CHECK(rows[2].cells.size() == 4);
    CHECK(rows[3].cells == Cells{"1", "2", "3"});
}

TEST_CASE("csv: malformed quoting flags that record only", "[io]") {
    SECTION("text after a closing quote") {
        const auto rows = read_all("a,b\n\"ab\"cd,2\nok,3\n");
        REQUIRE(rows.size() == 3);
        CHECK(rows[1].error.find("text after the closing quote") != std::string::npos);
        CHECK(rows[1].cells.size() == 2);  // the rest of the record is still read in step
        CHECK(rows[2].cells == Cells{"ok", "3"});
        CHECK(rows[2].error.empty());
    }
    SECTION("a bare quote inside an unquoted cell is just a character") {
        const auto rows = read_all("a,b\n5\" disk,2\n");
        CHECK(rows[1].cells == Cells{"5\" disk", "2"});
        CHECK(rows[1].error.empty());
    }
    SECTION("a quote left open at the end of the file") {
        const auto rows = read_all("a,b\n1,\"never closed\n2,3\n");
        REQUIRE(rows.size() == 2);
        CHECK(rows[1].error.find("not closed") != std::string::npos);
    }
}

TEST_CASE("csv: records crossing read-buffer boundaries in a large file", "[io]") {
    crmlite::testing::TempDir dir;
    const std::string path = dir.path("big.csv");
    std::vector<Cells> expected;
    {
        std::ofstream out(path, std::ios::binary);
        for (int i = 0; i < 20000; ++i) {
            Cells c = {std::to_string(i), "say \"hi\", " + std::to_string(i) + "\nnext line", std::string(i % 50, 'x')};
            out << i << ",\"say \"\"hi\"\", " << i << "\nnext line\"," << c[2] << "\r\n";
            expected.push_back(std::move(c));
        }
    }
    ByteSource src(path);
    CsvReader reader(src);
    std::size_t n = 0;
    bool all_equal = true;
    while (reader.next()) {
        REQUIRE(n < expected.size());
        Cells got;
        for (std::size_t i = 0; i < reader.size(); ++i) got.push_back(reader[i]);
        if (got != expected[n] || reader.line() != static_cast<std::int64_t>(2 * n + 1)) {
            INFO("record " << n << " line " << reader.line());
            CHECK(got == expected[n]);
            all_equal = false;
            break;
        }
        ++n;
    }
    CHECK(all_equal);
    CHECK(n == expected.size());
    CHECK(src.offset() == src.size());
}

TEST_CASE("byte source: a missing file is CRM_ENOTFOUND naming the path", "[io]") {
    try {
        ByteSource src("/nonexistent/dir/customers.csv");
        FAIL("expected an error");
    } catch (const crmlite::Error& e) {
        CHECK(e.code() == CRM_ENOTFOUND);
        CHECK(std::string(e.what()).find("/nonexistent/dir/customers.csv") != std::string::npos);
    }
}

TEST_CASE("jsonl: lines with CRLF, blank lines skipped, physical line numbers", "[io]") {
    auto src = ByteSource::from_string("\xEF\xBB\xBF{\"a\":1}\r\n\r\n   \n{\"b\":2}\n{\"c\":3}");
    LineReader lines(src);
    std::string line;
    REQUIRE(lines.next(line));
    CHECK(line == "{\"a\":1}");
    CHECK(lines.line() == 1);
    REQUIRE(lines.next(line));
    CHECK(line == "{\"b\":2}");
    CHECK(lines.line() == 4);
    REQUIRE(lines.next(line));
    CHECK(line == "{\"c\":3}");
    CHECK(lines.line() == 5);
    CHECK_FALSE(lines.next(line));
}
