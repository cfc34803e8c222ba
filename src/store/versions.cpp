#include "store/versions.hpp"

#include <algorithm>
#include <bit>

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

namespace {

bool carries_base(const FieldVersion& v) { return v.base > 0 && v.base < v.stamp; }

void put_entry(std::string& out, const FieldVersion& v, std::int64_t row_stamp, std::int64_t row_seq) {
    const bool has_base = carries_base(v);
    put_varint(out, static_cast<std::uint64_t>(v.field + (has_base ? 64 : 0)));
    put_varint(out, static_cast<std::uint64_t>(row_stamp - v.stamp));
    put_varint(out, static_cast<std::uint64_t>(v.site));
    put_varint(out, static_cast<std::uint64_t>(row_seq - v.seq));
    if (has_base) put_varint(out, static_cast<std::uint64_t>(v.stamp - v.base));
}

[[noreturn]] void malformed() { throw Error(CRM_ECORRUPT, "sync_vers: malformed version vector"); }

}  // namespace

std::string encode_versions(const std::vector<FieldVersion>& versions, std::int64_t row_stamp, std::int64_t row_seq) {
    std::vector<FieldVersion> sorted(versions);
    std::sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.field < b.field; });
    std::string plain;
    plain.reserve(sorted.size() * 4);
    for (const auto& v : sorted) put_entry(plain, v, row_stamp, row_seq);
    // The group form: the (stamp, site, seq) most fields share, written once,
    // and those fields as a bit mask. Kept only when shorter.
    const auto same_write = [](const FieldVersion& a, const FieldVersion& b) {
        return !carries_base(a) && !carries_base(b) && a.stamp == b.stamp && a.site == b.site && a.seq == b.seq;
    };
    const FieldVersion* common = nullptr;
    std::size_t best = 0;
    for (const auto& v : sorted) {
        const auto n = static_cast<std::size_t>(
            std::count_if(sorted.begin(), sorted.end(), [&](const FieldVersion& w) { return same_write(v, w); }));
        if (n > best) best = n, common = &v;
    }
    if (best < 2) return plain;
    std::string grouped(1, static_cast<char>(kGroupedVersions));
    put_varint(grouped, static_cast<std::uint64_t>(row_stamp - common->stamp));
    put_varint(grouped, static_cast<std::uint64_t>(common->site));
    put_varint(grouped, static_cast<std::uint64_t>(row_seq - common->seq));
    std::uint64_t mask = 0;
    std::string rest;
    for (const auto& v : sorted) {
        if (same_write(v, *common))
            mask |= std::uint64_t{1} << v.field;
        else
            put_entry(rest, v, row_stamp, row_seq);
    }
    put_varint(grouped, mask);
    grouped += rest;
    return grouped.size() < plain.size() ? grouped : plain;
}

std::vector<FieldVersion> decode_versions(std::string_view blob, std::int64_t row_stamp, std::int64_t row_seq) {
    std::vector<FieldVersion> out;
    std::size_t pos = 0;
    std::uint64_t mask = 0;
    if (!blob.empty() && static_cast<unsigned char>(blob[0]) == kGroupedVersions) {
        pos = 1;
        std::uint64_t delta, site, seq_delta;
        if (!get_varint(blob, pos, delta) || !get_varint(blob, pos, site) || !get_varint(blob, pos, seq_delta) ||
            !get_varint(blob, pos, mask) || delta > static_cast<std::uint64_t>(row_stamp) ||
            seq_delta > static_cast<std::uint64_t>(row_seq) || site > INT64_MAX || std::popcount(mask) < 2)
            malformed();
        for (int f = 0; f < 64; ++f)
            if (mask & (std::uint64_t{1} << f))
                out.push_back({f, row_stamp - static_cast<std::int64_t>(delta), static_cast<std::int64_t>(site),
                               row_seq - static_cast<std::int64_t>(seq_delta), 0});
    }
    while (pos < blob.size()) {
        std::uint64_t field, delta, site, seq_delta, base_delta = 0;
        if (!get_varint(blob, pos, field) || !get_varint(blob, pos, delta) || !get_varint(blob, pos, site) ||
            !get_varint(blob, pos, seq_delta) || field > 127 || delta > static_cast<std::uint64_t>(row_stamp) ||
            seq_delta > static_cast<std::uint64_t>(row_seq) || site > INT64_MAX)
            malformed();
        const std::int64_t stamp = row_stamp - static_cast<std::int64_t>(delta);
        if (field >= 64 && (!get_varint(blob, pos, base_delta) || base_delta == 0 ||
                            base_delta >= static_cast<std::uint64_t>(stamp)))
            malformed();
        if (mask & (std::uint64_t{1} << (field % 64))) malformed();  // a field twice
        out.push_back({static_cast<int>(field % 64), stamp, static_cast<std::int64_t>(site),
                       row_seq - static_cast<std::int64_t>(seq_delta),
                       base_delta ? stamp - static_cast<std::int64_t>(base_delta) : 0});
    }
    if (mask != 0) std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.field < b.field; });
    return out;
}

}  // namespace crmlite
