// The changeset codec: round trips, compactness, and a decoder that rejects
// every damaged, truncated or hostile blob with CRM_ECORRUPT (or CRM_EFORMAT
// for a newer format) instead of crashing or returning garbage.
#include <catch2/catch.hpp>

#include <cstdint>
#include <random>
#include <string>

#include "common/error.hpp"
#include "store/versions.hpp"
#include "sync/changeset.hpp"

using crmlite::Uuid;
using crmlite::Value;
namespace csync = crmlite::sync;

namespace {

csync::Changeset sample() {
    csync::Changeset cs;
    cs.fingerprint = 0x1122334455667788ull;
    cs.through_seq = 4242;
    const Uuid me = Uuid::v7(), other = Uuid::v7();
    cs.site_index(me);
    const std::int64_t t = (std::int64_t{1764000000000} << 16) | 3;
    csync::RecordChange a;
    a.table = 1;
    a.id = Uuid::v7();
    a.fields.push_back({cs.name_index("display_name"), 0, t, Value{std::string("王小明")}});
    a.fields.push_back({cs.name_index("consent_marketing"), 0, t, Value{std::int64_t{1}}});
    a.fields.push_back({cs.name_index("birthday"), cs.site_index(other), t - 5000, Value{}});
    a.fields.push_back({cs.name_index("company_id"), 0, t + 1, Value{Uuid::v7()}});
    a.fields.push_back({cs.name_index("amount_minor"), 0, t + 1, Value{std::int64_t{-1234567890123}}});
    csync::RecordChange b;
    b.table = 3;
    b.id = Uuid::v7();
    b.tombstone = true;
    b.hlc = t + 7;
    b.site = 1;
    b.fields.push_back({cs.name_index("label"), 1, t + 2, Value{std::string("工作")}});  // a ghost (format 2)
    b.fields.push_back({cs.name_index("color"), 1, t + 2, Value{}});  // sharing a clock unlike the tombstone's (format 3)
    csync::RecordChange c;  // after it, a record without the shared stamp
    c.table = 3;
    c.id = Uuid::v7();
    c.fields.push_back({cs.name_index("label"), 0, t + 4, Value{std::string("next")}});
    cs.records = {a, b, c};
    return cs;
}

crm_status status_of(std::string_view blob) {
    try {
        csync::decode(blob);
    } catch (const crmlite::Error& e) {
        return e.code();
    }
    return CRM_OK;
}

}  // namespace

TEST_CASE("a changeset survives encode and decode unchanged", "[sync][changeset]") {
    const auto cs = sample();
    const std::string blob = csync::encode(cs);
    const auto back = csync::decode(blob);
    CHECK(back.fingerprint == cs.fingerprint);
    CHECK(back.through_seq == cs.through_seq);
    CHECK(back.sites == cs.sites);
    CHECK(back.names == cs.names);
    REQUIRE(back.records.size() == 3);
    for (std::size_t r = 0; r < 3; ++r) {
        const auto &x = cs.records[r], &y = back.records[r];
        CHECK(x.table == y.table);
        CHECK(x.id == y.id);
        CHECK(x.tombstone == y.tombstone);
        CHECK(x.hlc == y.hlc);
        CHECK(x.site == y.site);
        REQUIRE(x.fields.size() == y.fields.size());
        for (std::size_t f = 0; f < x.fields.size(); ++f) {
            CHECK(x.fields[f].name == y.fields[f].name);
            CHECK(x.fields[f].site == y.fields[f].site);
            CHECK(x.fields[f].hlc == y.fields[f].hlc);
            CHECK(x.fields[f].value == y.fields[f].value);
        }
    }
    CHECK(csync::encode(back) == blob);  // canonical
    const auto j = csync::to_json(back, {"", "customers", "", "interactions"});
    CHECK(j["records"][0]["table"] == "customers");
    CHECK(j["records"][0]["fields"]["display_name"]["value"] == "王小明");
    CHECK(j["records"][1]["deleted"]["site"] == cs.sites[1].str());
}

TEST_CASE("the header says how far the sender held the receiver's changes (format 4)", "[sync][changeset]") {
    auto cs = sample();
    CHECK(csync::decode(csync::encode(cs)).knows_through == -1);  // not said
    CHECK_FALSE(csync::to_json(cs, {}).contains("knows_through"));
    for (const std::int64_t k : {std::int64_t{0}, std::int64_t{1}, std::int64_t{300}, INT64_MAX - 1}) {
        INFO(k);
        cs.knows_through = k;
        const auto blob = csync::encode(cs);
        CHECK(csync::decode(blob).knows_through == k);
        CHECK(csync::to_json(csync::decode(blob), {})["knows_through"] == k);
    }
    cs.knows_through = -2;
    CHECK_THROWS_AS(csync::encode(cs), crmlite::Error);
}

TEST_CASE("a one-field update costs a few bytes beyond its id and value", "[sync][changeset]") {
    csync::Changeset cs;
    cs.site_index(Uuid::v7());
    const std::int64_t t = std::int64_t{1764000000000} << 16;
    for (int i = 0; i < 100; ++i) {
        csync::RecordChange r;
        r.table = 1;
        r.id = Uuid::v7();
        r.fields.push_back({cs.name_index("stage"), 0, t + i, Value{std::string("customer")}});
        cs.records.push_back(r);
    }
    const auto one = csync::encode(cs);
    cs.records.resize(1);
    const auto header = csync::encode(cs).size() - (one.size() - csync::encode(cs).size()) / 99;
    const double per_change = static_cast<double>(one.size() - header) / 100.0;
    INFO("blob " << one.size() << " bytes, per change " << per_change);
    // table 1 + id 16 + flags 1 + count 1 + name 1 + site 1 + clock 1 + tag 1 + length 1 + "customer" 8
    CHECK(per_change <= 32.0);
}

TEST_CASE("every truncation and every damaged byte of a blob is refused", "[sync][changeset]") {
    const std::string blob = csync::encode(sample());
    for (std::size_t n = 0; n < blob.size(); ++n) {
        INFO("truncated to " << n << " bytes");
        CHECK(status_of(blob.substr(0, n)) == CRM_ECORRUPT);
    }
    for (std::size_t i = 0; i < blob.size(); ++i) {
        for (const unsigned char flip : {0x01, 0x80, 0xFF}) {
            std::string bad = blob;
            bad[i] = static_cast<char>(static_cast<unsigned char>(bad[i]) ^ flip);
            const auto st = status_of(bad);
            INFO("byte " << i << " xor " << int(flip));
            // The format byte may turn into a "newer format"; anything else is corruption.
            CHECK((st == CRM_ECORRUPT || (i == 4 && st == CRM_EFORMAT)));
        }
    }
    CHECK(status_of(blob + "x") == CRM_ECORRUPT);
}

TEST_CASE("an evicted record carries neither fields nor a tombstone", "[sync][changeset]") {
    for (const bool with_tombstone : {false, true}) {
        auto cs = sample();
        auto& r = cs.records[1];
        r.evict = true;
        r.tombstone = with_tombstone;
        if (!with_tombstone) r.hlc = 0, r.site = 0;
        CHECK(status_of(csync::encode(cs)) == CRM_ECORRUPT);
        r.fields.clear();
        CHECK(status_of(csync::encode(cs)) == (with_tombstone ? CRM_ECORRUPT : CRM_OK));
    }
}

TEST_CASE("a blob of a newer format is refused with a typed error", "[sync][changeset]") {
    std::string blob = csync::encode(sample());
    blob[4] = static_cast<char>(csync::kFormatVersion + 1);  // format version
    try {
        csync::decode(blob);
        FAIL("decoded a newer format");
    } catch (const crmlite::Error& e) {
        CHECK(e.code() == CRM_EFORMAT);
        CHECK_THAT(std::string(e.what()), Catch::Matchers::Contains("newer"));
    }
}

TEST_CASE("hostile blobs with valid checksums are refused, never crash", "[sync][changeset]") {
    // Re-sign random mutations so that the checksum passes and the structural
    // checks are what refuses them.
    const std::string blob = csync::encode(sample());
    std::mt19937_64 rng(12345);
    int accepted = 0;
    for (int round = 0; round < 20000; ++round) {
        std::string body = blob.substr(0, blob.size() - 4);
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) {
            const auto pos = rng() % body.size();
            switch (rng() % 3) {
            case 0: body[pos] = static_cast<char>(rng()); break;
            case 1: body.erase(pos, 1 + rng() % 8); break;
            default: body.insert(pos, std::string(1 + rng() % 8, static_cast<char>(rng()))); break;
            }
            if (body.empty()) body = "C";
        }
        const auto crc = csync::crc32c(body);
        for (int i = 0; i < 4; ++i) body.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
        const auto st = status_of(body);
        CHECK((st == CRM_OK || st == CRM_ECORRUPT || st == CRM_EFORMAT));
        if (st == CRM_OK) ++accepted;  // e.g. a changed text byte that is still UTF-8
    }
    CHECK(accepted < 20000);
}

TEST_CASE("a clock delta of any size is refused without overflow", "[sync][changeset]") {
    // Found by fuzz/changeset_fuzz: a field clock whose zigzag delta decodes to
    // INT64_MIN overflowed the range check (lo - delta). A blob with min_hlc
    // 1000, span 10 and one record whose one field's clock is min_hlc + delta:
    const auto blob_with = [](std::uint64_t zigzag_delta) {
        std::string b = "CRMS";
        crmlite::put_varint(b, 3);  // a format-3 blob (no knows_through): still read
        b.append(8, '\0');  // schema fingerprint (apply checks it, decode does not)
        for (const std::uint64_t v : {0, 0, 1}) crmlite::put_varint(b, v);  // from_seq, seq span, one site
        b.append(static_cast<const char*>(Uuid::v7().data()), 16);
        crmlite::put_varint(b, 1);  // one field name
        crmlite::put_varint(b, 4);
        b += "city";
        for (const std::uint64_t v : {1000, 10, 1, 1}) crmlite::put_varint(b, v);  // min_hlc, span, one record, table
        b.append(static_cast<const char*>(Uuid::v7().data()), 16);
        b.push_back('\0');  // flags
        for (const std::uint64_t v : {1, 0, 0}) crmlite::put_varint(b, v);  // one field, name 0, site 0
        crmlite::put_varint(b, zigzag_delta);
        b.push_back('\0');  // value: null
        const auto crc = csync::crc32c(b);
        for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
        return b;
    };
    CHECK(status_of(blob_with(0)) == CRM_OK);     // min_hlc
    CHECK(status_of(blob_with(20)) == CRM_OK);    // +10: max_hlc
    CHECK(status_of(blob_with(22)) == CRM_ECORRUPT);  // +11
    CHECK(status_of(blob_with(1)) == CRM_ECORRUPT);   // -1
    // INT64_MIN, INT64_MAX, -2^62, 2^62
    for (const std::uint64_t z : {UINT64_MAX, UINT64_MAX - 1, (std::uint64_t{1} << 63) - 1, std::uint64_t{1} << 63}) {
        INFO("zigzag delta " << z);
        CHECK(status_of(blob_with(z)) == CRM_ECORRUPT);
    }
}

TEST_CASE("fields that share a site and clock pay for them once per record (format 3)", "[sync][changeset]") {
    const std::int64_t t = (std::int64_t{1764000000000} << 16) | 9;
    const auto make = [&](bool last_from_other_site) {
        csync::Changeset cs;
        cs.through_seq = 7;
        cs.site_index(Uuid::from_blob("0123456789abcdef", 16));
        cs.site_index(Uuid::from_blob("fedcba9876543210", 16));
        csync::RecordChange r;
        r.table = 1;
        r.id = Uuid::from_blob("AAAAAAAAAAAAAAAA", 16);
        const char* names[] = {"display_name", "kind", "stage", "city", "owner", "source"};
        for (const char* n : names) r.fields.push_back({cs.name_index(n), 0, t, Value{std::string(n)}});
        if (last_from_other_site) r.fields.back().site = 1;
        cs.records = {r};
        return cs;
    };
    const auto shared = make(false), mixed = make(true);
    const std::string a = csync::encode(shared), b = csync::encode(mixed);
    // Six fields: one (site, clock) pair instead of six, each a byte here.
    CHECK(b.size() - a.size() == 2 * 6 - 2);
    for (const auto* cs : {&shared, &mixed}) {
        const auto back = csync::decode(csync::encode(*cs));
        REQUIRE(back.records.size() == 1);
        REQUIRE(back.records[0].fields.size() == 6);
        for (std::size_t f = 0; f < 6; ++f) {
            CHECK(back.records[0].fields[f].name == cs->records[0].fields[f].name);
            CHECK(back.records[0].fields[f].site == cs->records[0].fields[f].site);
            CHECK(back.records[0].fields[f].hlc == t);
            CHECK(back.records[0].fields[f].value == cs->records[0].fields[f].value);
        }
    }
    // A hand-made blob: the flag is refused in a format-2 blob and on fewer than two fields.
    const auto blob_with = [](std::uint64_t format, unsigned char flags, std::uint64_t n_fields) {
        std::string b = "CRMS";
        crmlite::put_varint(b, format);
        b.append(8, '\0');
        for (const std::uint64_t v : {0, 0, 1}) crmlite::put_varint(b, v);
        b.append("0123456789abcdef", 16);
        crmlite::put_varint(b, 2);
        for (const char* n : {"city", "kind"}) {
            crmlite::put_varint(b, 4);
            b += n;
        }
        for (const std::uint64_t v : {1000, 10, 1, 1}) crmlite::put_varint(b, v);
        b.append("AAAAAAAAAAAAAAAA", 16);
        b.push_back(static_cast<char>(flags));
        crmlite::put_varint(b, n_fields);
        for (const std::uint64_t v : {0, 0}) crmlite::put_varint(b, v);  // the shared site 0, clock min_hlc
        for (std::uint64_t f = 0; f < n_fields; ++f) {
            crmlite::put_varint(b, f);  // name index
            b.push_back('\0');          // null
        }
        const auto crc = csync::crc32c(b);
        for (int i = 0; i < 4; ++i) b.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
        return b;
    };
    CHECK(status_of(blob_with(3, 4, 2)) == CRM_OK);
    CHECK(csync::decode(blob_with(3, 4, 2)).records.at(0).fields.at(1).hlc == 1000);
    CHECK(status_of(blob_with(2, 4, 2)) == CRM_ECORRUPT);  // no such flag before format 3
    CHECK(status_of(blob_with(3, 4, 1)) == CRM_ECORRUPT);  // a shared stamp on one field
}
