// Terminal text output: display width of UTF-8 text (Chinese characters take
// two columns), aligned tables and "key  value" blocks. Every cell passes
// through clean() so data from an imported file can neither break the layout
// (newlines, tabs) nor send escape sequences to the user's terminal.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace crmcli {

// Columns a code point occupies in a terminal: 0 (combining, zero-width),
// 2 (East Asian Wide / Fullwidth) or 1.
int char_width(char32_t cp);
// Columns the UTF-8 text occupies; invalid bytes count as one column each.
int display_width(std::string_view utf8);
// Control characters become spaces (runs of whitespace collapse to one),
// invalid UTF-8 becomes U+FFFD, leading/trailing spaces are trimmed.
std::string clean(std::string_view utf8);
// Cuts the text to at most `max_width` columns, ending in "…" when cut.
std::string fit(std::string_view utf8, int max_width);
// Pads with spaces on the right to `width` columns.
std::string pad(std::string_view utf8, int width);

class Table {
public:
    // max_width caps a column (longer cells are cut with "…"); 0 = no cap.
    // An optional column is left out when it is empty on every row.
    Table& column(std::string header, int max_width = 0, bool right = false, bool optional = false);
    Table& row(std::vector<std::string> cells);
    bool empty() const { return rows_.empty(); }
    // Header, then rows; columns separated by two spaces; no trailing spaces;
    // every line starts with `indent` spaces.
    void print(std::ostream& out, int indent = 0) const;

private:
    struct Column {
        std::string header;
        int max_width;
        bool right;
        bool optional;
    };
    std::vector<Column> columns_;
    std::vector<std::vector<std::string>> rows_;
};

// "  key      value" lines with the values aligned; empty values are skipped.
void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields,
                  int indent = 2);

// 1234567 -> "1,234,567".
std::string group_digits(long long n);
std::string group_digits(unsigned long long n);

}  // namespace crmcli
