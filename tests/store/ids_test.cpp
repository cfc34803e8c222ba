// Record identity: UUIDv7 for fresh records, deterministic UUIDv8 for natural keys.
#include <catch2/catch.hpp>

#include <cctype>
#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

#include "common/error.hpp"
#include "common/time.hpp"
#include "store/ids.hpp"
#include "support/errors.hpp"

using crmlite::Uuid;

namespace {

int version_of(const Uuid& u) { return u.bytes[6] >> 4; }
int variant_bits_of(const Uuid& u) { return u.bytes[8] >> 6; }

std::int64_t unix_ms_of(const Uuid& u) {
    std::int64_t ms = 0;
    for (int i = 0; i < 6; ++i) ms = (ms << 8) | u.bytes[static_cast<std::size_t>(i)];
    return ms;
}

}  // namespace

TEST_CASE("a v7 id carries version 7, the RFC variant and the current time", "[store][ids]") {
    const std::int64_t before = crmlite::now_ms();
    const Uuid id = Uuid::v7();
    const std::int64_t after = crmlite::now_ms();
    CHECK(version_of(id) == 7);
    CHECK(variant_bits_of(id) == 0b10);
    CHECK(unix_ms_of(id) >= before);
    CHECK(unix_ms_of(id) <= after);
    const std::string s = id.str();
    CHECK(s[14] == '7');
    CHECK(std::string("89ab").find(s[19]) != std::string::npos);
}

TEST_CASE("v7 ids are unique and ordered by creation time across milliseconds", "[store][ids]") {
    std::set<Uuid> seen;
    Uuid previous = Uuid::v7();
    for (int round = 0; round < 5; ++round) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        const Uuid next = Uuid::v7();
        CHECK(previous < next);
        CHECK(previous.str() < next.str());  // the text form sorts the same way
        previous = next;
    }
    for (int i = 0; i < 2000; ++i) seen.insert(Uuid::v7());
    CHECK(seen.size() == 2000);
}

TEST_CASE("a v8 id is a deterministic function of namespace and key", "[store][ids]") {
    const Uuid a = Uuid::v8("tag", "VIP/金卡");
    CHECK(a == Uuid::v8("tag", "VIP/金卡"));
    CHECK(version_of(a) == 8);
    CHECK(variant_bits_of(a) == 0b10);
    CHECK(a != Uuid::v8("tag", "VIP/银卡"));
    CHECK(a != Uuid::v8("external_id", "VIP/金卡"));

    SECTION("namespace and key cannot be shifted into each other") {
        CHECK(Uuid::v8("ab", "c") != Uuid::v8("a", "bc"));
        CHECK(Uuid::v8("", "abc") != Uuid::v8("abc", ""));
    }
    SECTION("keys may hold any bytes, including NUL") {
        const std::string k1("a\0b", 3), k2("a\0c", 3);
        CHECK(Uuid::v8("x", k1) != Uuid::v8("x", k2));
        CHECK(Uuid::v8("x", k1) != Uuid::v8("x", "a"));
    }
}

TEST_CASE("an id survives the round trip through its text form", "[store][ids]") {
    const Uuid id = GENERATE(Uuid::v7(), Uuid::v8("n", "k"), Uuid{}, Uuid::v7());
    const std::string s = id.str();
    CHECK(s.size() == 36);
    CHECK(s[8] == '-');
    CHECK(s[13] == '-');
    CHECK(s[18] == '-');
    CHECK(s[23] == '-');
    CHECK(Uuid::parse(s, "id") == id);
    Uuid parsed;
    CHECK(Uuid::try_parse(s, parsed));
    CHECK(parsed == id);
    CHECK(Uuid::from_blob(id.data(), Uuid::size()) == id);

    SECTION("upper case is accepted and printed back in lower case") {
        std::string upper = s;
        for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        CHECK(Uuid::parse(upper, "id") == id);
        CHECK(Uuid::parse(upper, "id").str() == s);
    }
}

TEST_CASE("malformed id strings are rejected naming the field", "[store][ids]") {
    const std::string bad = GENERATE(as<std::string>{},
                                     "",
                                     "not-a-uuid",
                                     "0190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8f9",     // 35 characters
                                     "0190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8f901",   // 37 characters
                                     "0190b5c47a1e7c3d9f2a4b5c6d7e8f90",        // no dashes
                                     "0190b5c4-7a1e-7c3d-9f2a4-b5c6d7e8f90",    // dash misplaced
                                     "0190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8fzz",    // not hex
                                     "{190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8f90}",
                                     " 190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8f90",
                                     "0190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8f9 ",
                                     "0190b5c4+7a1e-7c3d-9f2a-4b5c6d7e8f90");
    INFO("input: \"" << bad << "\"");
    Uuid out;
    CHECK_FALSE(Uuid::try_parse(bad, out));
    const auto e = thrown([&] { Uuid::parse(bad, "customer.company_id"); });
    CHECK(e.code() == CRM_EINVAL);
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith("customer.company_id:"));
}

TEST_CASE("a stored id that is not 16 bytes is reported as corruption", "[store][ids]") {
    const unsigned char bytes[17] = {};
    CHECK(thrown([&] { Uuid::from_blob(bytes, 15); }).code() == CRM_ECORRUPT);
    CHECK(thrown([&] { Uuid::from_blob(bytes, 17); }).code() == CRM_ECORRUPT);
    CHECK(thrown([&] { Uuid::from_blob(nullptr, 16); }).code() == CRM_ECORRUPT);
}
