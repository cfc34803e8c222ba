#include "io/csv_reader.hpp"

#include "common/error.hpp"

namespace crmlite::io {

std::string& CsvReader::new_cell() {
    // Keep the strings (and their capacity) of earlier records.
    if (count_ == cells_.size()) cells_.emplace_back();
    std::string& cell = cells_[count_++];
    cell.clear();
    return cell;
}

bool CsvReader::end_of_line() {
    const int c = src_.peek();
    if (c == '\n') {
        src_.get();
    } else if (c == '\r') {
        src_.get();
        if (src_.peek() == '\n') src_.get();
    } else {
        return false;
    }
    ++next_line_;
    return true;
}

bool CsvReader::next() {
    count_ = 0;
    error_.clear();
    while (end_of_line()) {
    }
    if (src_.peek() < 0) return false;
    line_ = next_line_;
    const std::int64_t start = src_.offset();
    for (;;) {
        std::string& cell = new_cell();
        if (src_.peek() == '"') {
            src_.get();
            read_quoted(cell, start);
        } else {
            read_unquoted(cell);
        }
        if (src_.offset() - start > kMaxRecordBytes)
            throw Error(CRM_EINVAL, "line " + std::to_string(line_) + ": a record longer than 16 MiB (a quote left open?)");
        const int c = src_.peek();
        if (c == static_cast<unsigned char>(delim_)) {
            src_.get();
            continue;
        }
        end_of_line();  // or the end of the input
        return true;
    }
}

void CsvReader::read_unquoted(std::string& cell) {
    for (;;) {
        const auto c = src_.chunk();
        if (c.empty()) return;
        std::size_t i = 0;
        while (i < c.size() && c[i] != delim_ && c[i] != '\n' && c[i] != '\r') ++i;
        cell.append(c.data(), i);
        src_.skip(i);
        if (i < c.size()) return;
        if (static_cast<std::int64_t>(cell.size()) > kMaxRecordBytes) return;  // next() stops the import
    }
}

void CsvReader::read_quoted(std::string& cell, std::int64_t record_start) {
    for (;;) {
        const auto c = src_.chunk();
        if (c.empty()) {
            if (error_.empty()) error_ = "cell " + std::to_string(count_) + ": a quoted cell is not closed before the end of the file";
            return;
        }
        std::size_t i = 0;
        while (i < c.size() && c[i] != '"' && c[i] != '\n' && c[i] != '\r') ++i;
        cell.append(c.data(), i);
        src_.skip(i);
        if (i == c.size()) {
            if (src_.offset() - record_start > kMaxRecordBytes) return;
            continue;
        }
        const char ch = c[i];
        src_.skip(1);
        if (ch == '"') {
            if (src_.peek() != '"') break;  // the closing quote
            src_.get();
            cell.push_back('"');
            continue;
        }
        // A line break inside the cell is data; it still moves the line count.
        cell.push_back(ch);
        if (ch == '\r' && src_.peek() == '\n') {
            src_.get();
            cell.push_back('\n');
        }
        ++next_line_;
        if (src_.offset() - record_start > kMaxRecordBytes) return;
    }
    const int next = src_.peek();
    if (next < 0 || next == static_cast<unsigned char>(delim_) || next == '\n' || next == '\r') return;
    // "ab"cd: the writer forgot to double a quote. Keep the text but flag the record.
    if (error_.empty())
        error_ = "cell " + std::to_string(count_) + ": text after the closing quote (write a quote inside a quoted cell as \"\")";
    read_unquoted(cell);
}

}  // namespace crmlite::io
