// Buffered, forward-only reading of an import file (or of a string, for tests),
// so that imports stream: memory stays at one buffer however large the file.
// Also knows how far it has read, which drives the progress estimate.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace crmlite::io {

class ByteSource {
public:
    // Opens `path`. Throws CRM_ENOTFOUND when it does not exist, CRM_EIO when it
    // cannot be read. A leading UTF-8 byte order mark is skipped.
    explicit ByteSource(const std::string& path);
    // Reads `data` from memory instead of a file.
    static ByteSource from_string(std::string data);
    ~ByteSource();
    ByteSource(ByteSource&& other) noexcept;
    ByteSource(const ByteSource&) = delete;
    ByteSource& operator=(const ByteSource&) = delete;
    ByteSource& operator=(ByteSource&&) = delete;

    // Next byte without consuming it; -1 at the end of input.
    int peek() {
        if (pos_ == end_ && !refill()) return -1;
        return static_cast<unsigned char>(*pos_);
    }
    int get() {
        const int c = peek();
        if (c >= 0) ++pos_;
        return c;
    }
    // The bytes buffered ahead (refilling when none are); empty at the end.
    // Scanners use it to copy whole runs instead of going byte by byte.
    std::string_view chunk() {
        if (pos_ == end_) refill();
        return {pos_, static_cast<std::size_t>(end_ - pos_)};
    }
    // Consumes n bytes of the current chunk().
    void skip(std::size_t n) { pos_ += n; }

    // Bytes consumed so far (the BOM included) and the total (-1 if unknown).
    std::int64_t offset() const { return base_ + (pos_ - begin_); }
    std::int64_t size() const { return size_; }
    const std::string& name() const { return name_; }

private:
    ByteSource() = default;
    bool refill();
    void skip_bom();

    std::FILE* file_ = nullptr;
    std::string name_;
    std::vector<char> buf_;
    const char* begin_ = nullptr;
    const char* pos_ = nullptr;
    const char* end_ = nullptr;
    std::int64_t base_ = 0;  // offset of begin_ in the input
    std::int64_t size_ = -1;
};

// JSON Lines framing: one line at a time, "\n" or "\r\n" ended, blank lines
// skipped, with the 1-based physical line number for error reports.
class LineReader {
public:
    static constexpr std::size_t kMaxLineBytes = 16u << 20;

    explicit LineReader(ByteSource& src) : src_(src) {}
    // The next non-blank line into `line` (reused buffer). False at the end.
    // A line longer than kMaxLineBytes is consumed whole but truncated and
    // flagged by too_long(), so one bad line cannot exhaust memory.
    bool next(std::string& line);
    std::int64_t line() const { return line_; }
    bool too_long() const { return too_long_; }

private:
    ByteSource& src_;
    std::int64_t line_ = 0;
    std::int64_t next_line_ = 1;
    bool too_long_ = false;
};

}  // namespace crmlite::io
