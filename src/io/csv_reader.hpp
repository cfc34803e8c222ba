// A streaming RFC 4180 CSV reader: quoted cells with delimiters, doubled quotes
// and line breaks inside, CRLF or LF records, blank lines skipped. It reports
// the physical line each record starts on, so errors point at what a user sees
// in an editor even when a quoted cell spans several lines.
//
// It is lenient where spreadsheets are sloppy (a bare quote inside an unquoted
// cell is kept as a character) and strict where data would be lost: text after
// a closing quote, or a quote left open at the end of the file, marks the
// record malformed (error()) instead of guessing; the caller skips and reports it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "io/byte_source.hpp"

namespace crmlite::io {

class CsvReader {
public:
    // A quoted cell left open swallows the rest of the file; past this size the
    // import stops with CRM_EINVAL instead of buffering it all.
    static constexpr std::int64_t kMaxRecordBytes = 16 << 20;

    explicit CsvReader(ByteSource& src, char delimiter = ',') : src_(src), delim_(delimiter) {}

    // Reads the next record; false at the end of input. Cells are reused
    // between records (no allocation per row once buffers have grown).
    bool next();

    std::size_t size() const { return count_; }
    const std::string& operator[](std::size_t i) const { return cells_[i]; }
    // 1-based physical line where the current record starts.
    std::int64_t line() const { return line_; }
    // Why the current record is malformed; empty when it is well-formed.
    const std::string& error() const { return error_; }

private:
    std::string& new_cell();
    void read_quoted(std::string& cell, std::int64_t record_start);
    void read_unquoted(std::string& cell);
    // Consumes a record terminator (\n, \r\n or a lone \r) if one is next.
    bool end_of_line();

    ByteSource& src_;
    char delim_;
    std::vector<std::string> cells_;
    std::size_t count_ = 0;
    std::int64_t line_ = 0;
    std::int64_t next_line_ = 1;
    std::string error_;
};

}  // namespace crmlite::io
