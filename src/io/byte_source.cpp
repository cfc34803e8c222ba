#include "io/byte_source.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "common/error.hpp"

namespace crmlite::io {

namespace {

// Large enough that refills are rare next to the per-row database work.
constexpr std::size_t kBufferBytes = 256 * 1024;

}  // namespace

ByteSource::ByteSource(const std::string& path) : name_(path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    if (!fs::exists(status)) throw Error(CRM_ENOTFOUND, path + ": no such file");
    if (fs::is_directory(status)) throw Error(CRM_EIO, path + ": is a directory, not a file");
    file_ = std::fopen(path.c_str(), "rb");
    if (!file_) throw Error(CRM_EIO, path + ": cannot open: " + std::strerror(errno));
    const auto bytes = fs::file_size(path, ec);
    if (!ec) size_ = static_cast<std::int64_t>(bytes);
    buf_.resize(kBufferBytes);
    begin_ = pos_ = end_ = buf_.data();
    skip_bom();
}

ByteSource ByteSource::from_string(std::string data) {
    ByteSource s;
    s.name_ = "(string)";
    s.buf_.assign(data.begin(), data.end());
    s.begin_ = s.pos_ = s.buf_.data();
    s.end_ = s.begin_ + s.buf_.size();
    s.size_ = static_cast<std::int64_t>(s.buf_.size());
    s.skip_bom();
    return s;
}

ByteSource::ByteSource(ByteSource&& o) noexcept
    : file_(o.file_), name_(std::move(o.name_)), buf_(std::move(o.buf_)), begin_(o.begin_), pos_(o.pos_),
      end_(o.end_), base_(o.base_), size_(o.size_) {
    o.file_ = nullptr;
}

ByteSource::~ByteSource() {
    if (file_) std::fclose(file_);
}

bool ByteSource::refill() {
    if (!file_) return false;  // in-memory: the buffer was everything
    base_ += end_ - begin_;
    const std::size_t n = std::fread(buf_.data(), 1, buf_.size(), file_);
    if (n == 0 && std::ferror(file_)) throw Error(CRM_EIO, name_ + ": read error: " + std::strerror(errno));
    begin_ = pos_ = buf_.data();
    end_ = begin_ + n;
    return n > 0;
}

void ByteSource::skip_bom() {
    // Spreadsheet programs (Excel's "CSV UTF-8") prefix EF BB BF; it is not data.
    const auto c = chunk();
    if (c.size() >= 3 && c.substr(0, 3) == "\xEF\xBB\xBF") skip(3);
}

bool LineReader::next(std::string& line) {
    for (;;) {
        line.clear();
        too_long_ = false;
        line_ = next_line_;
        bool any = false;  // anything read, even an empty line
        for (;;) {
            const auto c = src_.chunk();
            if (c.empty()) break;
            any = true;
            const auto nl = c.find('\n');
            const auto take = nl == std::string_view::npos ? c.size() : nl;
            if (line.size() + take <= kMaxLineBytes) line.append(c.data(), take);
            else too_long_ = true;
            src_.skip(nl == std::string_view::npos ? take : take + 1);
            if (nl != std::string_view::npos) break;
        }
        if (!any) return false;
        ++next_line_;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        // Blank (or whitespace-only) lines separate nothing in JSON Lines: skip them.
        if (too_long_ || line.find_first_not_of(" \t\r") != std::string::npos) return true;
    }
}

}  // namespace crmlite::io
