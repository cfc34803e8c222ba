// Buffered output file with the few encoders crm-gen needs: RFC 4180 CSV fields, JSON strings,
// integers and zero-padded ids. Writes go to an in-memory buffer flushed in large blocks.
#pragma once

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gen {

class OutFile {
public:
    explicit OutFile(const std::filesystem::path& path) : path_(path) {
        file_ = std::fopen(path.c_str(), "wb");
        if (!file_) throw std::runtime_error("cannot create " + path.string());
        buf_.reserve(kBlock + 64 * 1024);
    }
    OutFile(const OutFile&) = delete;
    OutFile& operator=(const OutFile&) = delete;
    ~OutFile() {
        if (file_) std::fclose(file_);
    }

    void put(std::string_view s) { buf_.append(s); }
    void put(char c) { buf_.push_back(c); }

    void put_int(std::int64_t v) {
        char tmp[24];
        auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
        buf_.append(tmp, end);
    }

    // Prefix followed by v zero-padded to at least `width` digits ("C" 12 7 -> C0000012).
    void put_id(char prefix, std::uint64_t v, int width) {
        char tmp[24];
        auto [end, ec] = std::to_chars(tmp, tmp + sizeof tmp, v);
        buf_.push_back(prefix);
        for (auto n = end - tmp; n < width; ++n) buf_.push_back('0');
        buf_.append(tmp, end);
    }

    // The same id as a JSON string.
    void json_id(char prefix, std::uint64_t v, int width) {
        buf_.push_back('"');
        put_id(prefix, v, width);
        buf_.push_back('"');
    }

    // A CSV field, quoted only when it contains a separator, quote, line break or edge space.
    void csv_field(std::string_view s) {
        if (!csv_needs_quotes(s)) {
            buf_.append(s);
            return;
        }
        buf_.push_back('"');
        for (char c : s) {
            if (c == '"') buf_.push_back('"');
            buf_.push_back(c);
        }
        buf_.push_back('"');
    }

    // A JSON string literal; UTF-8 passes through, control characters are escaped.
    void json_string(std::string_view s) {
        buf_.push_back('"');
        for (char c : s) {
            const auto u = static_cast<unsigned char>(c);
            if (c == '"' || c == '\\') {
                buf_.push_back('\\');
                buf_.push_back(c);
            } else if (c == '\n') {
                buf_.append("\\n");
            } else if (c == '\r') {
                buf_.append("\\r");
            } else if (c == '\t') {
                buf_.append("\\t");
            } else if (u < 0x20) {
                static constexpr char hex[] = "0123456789abcdef";
                buf_.append("\\u00");
                buf_.push_back(hex[u >> 4]);
                buf_.push_back(hex[u & 15]);
            } else {
                buf_.push_back(c);
            }
        }
        buf_.push_back('"');
    }

    // `"key":` for JSON objects; `first` suppresses the leading comma.
    void json_key(std::string_view key, bool first = false) {
        if (!first) buf_.push_back(',');
        buf_.push_back('"');
        buf_.append(key);
        buf_.append("\":");
    }

    void end_line() {
        buf_.push_back('\n');
        if (buf_.size() >= kBlock) flush();
    }

    void close() {
        flush();
        if (std::fclose(file_) != 0) {
            file_ = nullptr;
            throw std::runtime_error("cannot close " + path_.string());
        }
        file_ = nullptr;
    }

    std::uint64_t bytes_written() const { return written_ + buf_.size(); }

private:
    static constexpr std::size_t kBlock = 4 << 20;

    static bool csv_needs_quotes(std::string_view s) {
        if (s.empty()) return false;
        if (s.front() == ' ' || s.back() == ' ') return true;
        return s.find_first_of(",\"\r\n") != std::string_view::npos;
    }

    void flush() {
        if (buf_.empty()) return;
        if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size())
            throw std::runtime_error("write failed: " + path_.string());
        written_ += buf_.size();
        buf_.clear();
    }

    std::filesystem::path path_;
    std::FILE* file_ = nullptr;
    std::string buf_;
    std::uint64_t written_ = 0;
};

}  // namespace gen
