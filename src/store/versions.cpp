#include "store/versions.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace crmlite {

void put_varint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

bool get_varint(std::string_view in, std::size_t& pos, std::uint64_t& v) {
    v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        if (pos >= in.size()) return false;
        const auto byte = static_cast<std::uint8_t>(in[pos++]);
        // Canonical encodings only: no trailing zero continuation, no bits past 64.
        if (shift == 63 && byte > 1) return false;
        v |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) return byte != 0 || shift == 0;
    }
    return false;
}

std::string encode_versions(const std::vector<FieldVersion>& versions, std::int64_t row_stamp, std::int64_t row_seq) {
    std::vector<FieldVersion> sorted(versions);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.field < b.field; });
    std::string out;
    out.reserve(sorted.size() * 4);
    for (const auto& v : sorted) {
        const bool has_base = v.base > 0 && v.base < v.stamp;
        put_varint(out, static_cast<std::uint64_t>(v.field + (has_base ? 64 : 0)));
        put_varint(out, static_cast<std::uint64_t>(row_stamp - v.stamp));
        put_varint(out, static_cast<std::uint64_t>(v.site));
        put_varint(out, static_cast<std::uint64_t>(row_seq - v.seq));
        if (has_base) put_varint(out, static_cast<std::uint64_t>(v.stamp - v.base));
    }
    return out;
}

std::vector<FieldVersion> decode_versions(std::string_view blob, std::int64_t row_stamp, std::int64_t row_seq) {
    std::vector<FieldVersion> out;
    std::size_t pos = 0;
    while (pos < blob.size()) {
        std::uint64_t field, delta, site, seq_delta, base_delta = 0;
        if (!get_varint(blob, pos, field) || !get_varint(blob, pos, delta) || !get_varint(blob, pos, site) ||
            !get_varint(blob, pos, seq_delta) || field > 127 || delta > static_cast<std::uint64_t>(row_stamp) ||
            seq_delta > static_cast<std::uint64_t>(row_seq) || site > INT64_MAX)
            throw Error(CRM_ECORRUPT, "sync_versions: malformed version vector");
        const std::int64_t stamp = row_stamp - static_cast<std::int64_t>(delta);
        if (field >= 64 && (!get_varint(blob, pos, base_delta) || base_delta == 0 ||
                            base_delta >= static_cast<std::uint64_t>(stamp)))
            throw Error(CRM_ECORRUPT, "sync_versions: malformed version vector");
        out.push_back({static_cast<int>(field % 64), stamp, static_cast<std::int64_t>(site),
                       row_seq - static_cast<std::int64_t>(seq_delta),
                       base_delta ? stamp - static_cast<std::int64_t>(base_delta) : 0});
    }
    return out;
}

}  // namespace crmlite
