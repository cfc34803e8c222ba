// The packed per-record field versions stored in sync_versions.vers.
#include <catch2/catch.hpp>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/error.hpp"
#include "store/versions.hpp"
#include "support/errors.hpp"

using crmlite::FieldVersion;

namespace {

bool same(const std::vector<FieldVersion>& a, const std::vector<FieldVersion>& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (a[i].field != b[i].field || a[i].stamp != b[i].stamp || a[i].site != b[i].site) return false;
    return true;
}

}  // namespace

TEST_CASE("varints round-trip at every width", "[store][versions]") {
    const std::uint64_t v = GENERATE(0ull, 1ull, 127ull, 128ull, 300ull, 16383ull, 16384ull, 0xFFFFFFFFull,
                                     0x7FFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull);
    std::string buf = "x";  // decoding starts at an offset
    crmlite::put_varint(buf, v);
    std::size_t pos = 1;
    std::uint64_t out = 0;
    REQUIRE(crmlite::get_varint(buf, pos, out));
    CHECK(out == v);
    CHECK(pos == buf.size());
    CHECK(buf.size() - 1 == (v == 0 ? 1 : (64 - static_cast<std::size_t>(__builtin_clzll(v)) + 6) / 7));
}

TEST_CASE("a truncated varint is refused", "[store][versions]") {
    std::string buf;
    crmlite::put_varint(buf, 300);
    buf.pop_back();
    std::size_t pos = 0;
    std::uint64_t out = 0;
    CHECK_FALSE(crmlite::get_varint(buf, pos, out));
    pos = 0;
    CHECK_FALSE(crmlite::get_varint("", pos, out));
}

// versions.hpp: get_varint "returns false on truncation or overlong encoding".
TEST_CASE("a non-canonical or overflowing varint is refused", "[store][versions]") {
    std::uint64_t out = 0;
    SECTION("overlong: a zero continuation byte") {
        std::size_t pos = 0;
        CHECK_FALSE(crmlite::get_varint(std::string("\x81\x00", 2), pos, out));
    }
    SECTION("overflow: more than 64 bits of payload") {
        std::string buf(9, '\xFF');
        buf.push_back('\x7F');  // the tenth byte may only carry the 64th bit
        std::size_t pos = 0;
        CHECK_FALSE(crmlite::get_varint(buf, pos, out));
    }
}

TEST_CASE("field versions round-trip through the packed encoding", "[store][versions]") {
    const std::int64_t row = 1'795'424'400'000LL << 16;
    const std::int64_t seq = 90000;
    const std::vector<FieldVersion> in = {
        {13, row, 1, seq}, {0, row - 5, 1, 7}, {63, row - (1LL << 40), 300, 0}, {1, 0, 2, seq - 1}, {7, row, 0, seq}};
    const std::string blob = crmlite::encode_versions(in, row, seq);
    const auto out = crmlite::decode_versions(blob, row, seq);
    // Decoded in field order, with the same stamps, sites and sequence numbers.
    const std::vector<FieldVersion> sorted = {
        {0, row - 5, 1, 7}, {1, 0, 2, seq - 1}, {7, row, 0, seq}, {13, row, 1, seq}, {63, row - (1LL << 40), 300, 0}};
    CHECK(same(out, sorted));
    CHECK(crmlite::encode_versions(out, row, seq) == blob);

    SECTION("a freshly created record says its clock, site and seq once (the group form)") {
        std::vector<FieldVersion> fresh;
        for (int f = 0; f < 20; ++f) fresh.push_back({f, row, 1, seq});
        const std::string packed = crmlite::encode_versions(fresh, row, seq);
        // 0xFF, three zero deltas and site 1, a 20-bit mask in three bytes (four bytes per field plainly).
        CHECK(packed.size() == 7);
        CHECK(static_cast<unsigned char>(packed[0]) == crmlite::kGroupedVersions);
        CHECK(same(crmlite::decode_versions(packed, row, seq), fresh));
    }
    SECTION("an edited record: the shared fields grouped, the edited ones plain") {
        std::vector<FieldVersion> edited;
        for (int f = 0; f < 16; ++f) edited.push_back({f, row - 1000, 2, seq - 40});
        edited[3] = {3, row, 1, seq, row - 1000};  // an edit with its base
        edited[9] = {9, row - 10, 1, seq - 1};
        const std::string packed = crmlite::encode_versions(edited, row, seq);
        CHECK(static_cast<unsigned char>(packed[0]) == crmlite::kGroupedVersions);
        const auto back = crmlite::decode_versions(packed, row, seq);
        REQUIRE(same(back, edited));
        for (std::size_t i = 0; i < back.size(); ++i) {
            CHECK(back[i].seq == edited[i].seq);
            CHECK(back[i].base == edited[i].base);
        }
        CHECK(crmlite::encode_versions(back, row, seq) == packed);
        CHECK(packed.size() < 16 * 4);
    }
    SECTION("fields with no clock in common stay plain") {
        const std::vector<FieldVersion> apart = {{0, row, 1, seq}, {1, row - 1, 1, seq - 1}};
        CHECK(static_cast<unsigned char>(crmlite::encode_versions(apart, row, seq)[0]) != crmlite::kGroupedVersions);
    }
    SECTION("no fields is an empty blob") {
        CHECK(crmlite::encode_versions({}, row, seq).empty());
        CHECK(crmlite::decode_versions("", row, seq).empty());
    }
}

TEST_CASE("a malformed version blob is reported as corruption", "[store][versions]") {
    const std::int64_t row = 1000;
    std::string good;
    const std::int64_t seq = 50;
    crmlite::put_varint(good, 3);
    crmlite::put_varint(good, 10);
    crmlite::put_varint(good, 1);
    crmlite::put_varint(good, 2);
    REQUIRE(crmlite::decode_versions(good, row, seq).size() == 1);

    std::string field_too_big;
    crmlite::put_varint(field_too_big, 64);
    crmlite::put_varint(field_too_big, 0);
    crmlite::put_varint(field_too_big, 1);
    crmlite::put_varint(field_too_big, 0);

    std::string stamp_below_zero;
    crmlite::put_varint(stamp_below_zero, 1);
    crmlite::put_varint(stamp_below_zero, static_cast<std::uint64_t>(row) + 1);
    crmlite::put_varint(stamp_below_zero, 1);
    crmlite::put_varint(stamp_below_zero, 0);

    std::string seq_below_zero;
    crmlite::put_varint(seq_below_zero, 1);
    crmlite::put_varint(seq_below_zero, 0);
    crmlite::put_varint(seq_below_zero, 1);
    crmlite::put_varint(seq_below_zero, static_cast<std::uint64_t>(seq) + 1);

    const std::string bad = GENERATE_COPY(as<std::string>{},
                                          good.substr(0, 3),          // seq missing
                                          good.substr(0, 2),          // site and seq missing
                                          good.substr(0, 1),          // delta, site and seq missing
                                          good + "\x80",              // truncated varint after a record
                                          std::string("\xFF\xFF"),   // unterminated varint
                                          field_too_big, stamp_below_zero, seq_below_zero, std::string(11, '\x80'));
    const auto e = thrown([&] { crmlite::decode_versions(bad, row, seq); });
    CHECK(e.code() == CRM_ECORRUPT);
}

TEST_CASE("a malformed group of field versions is reported as corruption", "[store][versions]") {
    const std::int64_t row = 1000, seq = 50;
    const auto group = [](std::uint64_t delta, std::uint64_t site, std::uint64_t seq_delta, std::uint64_t mask) {
        std::string g(1, static_cast<char>(crmlite::kGroupedVersions));
        for (const auto v : {delta, site, seq_delta, mask}) crmlite::put_varint(g, v);
        return g;
    };
    REQUIRE(crmlite::decode_versions(group(0, 1, 0, 0b11), row, seq).size() == 2);
    std::string twice = group(0, 1, 0, 0b11);  // field 1 again as a plain entry
    for (const std::uint64_t v : {1, 0, 1, 0}) crmlite::put_varint(twice, v);
    const std::string bad = GENERATE_COPY(as<std::string>{},
                                          group(0, 1, 0, 0b11).substr(0, 4),  // mask missing
                                          group(0, 1, 0, 0b1),                 // a group of one field
                                          group(0, 1, 0, 0),                   // of none
                                          group(static_cast<std::uint64_t>(row) + 1, 1, 0, 0b11),  // clock below zero
                                          group(0, 1, static_cast<std::uint64_t>(seq) + 1, 0b11),  // seq below zero
                                          twice, std::string(1, static_cast<char>(crmlite::kGroupedVersions)));
    const auto e = thrown([&] { crmlite::decode_versions(bad, row, seq); });
    CHECK(e.code() == CRM_ECORRUPT);
}
