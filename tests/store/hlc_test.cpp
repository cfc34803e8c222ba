// The hybrid logical clock: strictly increasing stamps, also when the wall clock
// goes backwards, across restarts of the database and across handles.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <cstdint>
#include <vector>

#include "common/time.hpp"
#include "customers/customers.hpp"
#include "store/database.hpp"
#include "store/hlc.hpp"
#include "support/temp_db.hpp"

using crmlite::HybridClock;
using crmlite::Json;
using crmlite::testing::scalar;

namespace {

std::int64_t max_stamp_in_file(crmlite::Database& db) {
    return scalar(db,
                  "SELECT max(h) FROM (SELECT max(hlc) AS h FROM sync_versions UNION ALL "
                  "SELECT max(hlc) FROM sync_tombstones)");
}

}  // namespace

TEST_CASE("a stamp packs milliseconds and a 16-bit counter and compares as an integer", "[store][hlc]") {
    const auto s = HybridClock::pack(1'795'424'400'000, 7);
    CHECK(HybridClock::physical(s) == 1'795'424'400'000);
    CHECK(HybridClock::counter(s) == 7);
    CHECK(HybridClock::pack(1000, 0xFFFF) < HybridClock::pack(1001, 0));
    CHECK(HybridClock::pack(1000, 1) < HybridClock::pack(1000, 2));
}

TEST_CASE("tick() strictly increases whatever the wall clock does", "[store][hlc]") {
    HybridClock clock;
    const std::int64_t t = 1'795'424'400'000;

    SECTION("the wall clock moves forward: the stamp follows it with counter 0") {
        const auto a = clock.tick(t);
        const auto b = clock.tick(t + 5);
        CHECK(a == HybridClock::pack(t, 0));
        CHECK(b == HybridClock::pack(t + 5, 0));
    }
    SECTION("the same millisecond: the counter advances") {
        const auto a = clock.tick(t);
        const auto b = clock.tick(t);
        CHECK(b > a);
        CHECK(HybridClock::physical(b) == t);
        CHECK(HybridClock::counter(b) == 1);
    }
    SECTION("the wall clock goes backwards: stamps still increase and keep the later time") {
        const auto a = clock.tick(t);
        const auto b = clock.tick(t - 60'000);
        const auto c = clock.tick(t - 120'000);
        CHECK(b > a);
        CHECK(c > b);
        CHECK(HybridClock::physical(c) == t);
    }
    SECTION("counter overflow borrows the next millisecond") {
        clock.restore(HybridClock::pack(t, 0xFFFE));
        const auto a = clock.tick(t);
        CHECK(a == HybridClock::pack(t, 0xFFFF));
        const auto b = clock.tick(t);
        CHECK(b > a);
        CHECK(b == HybridClock::pack(t + 1, 0));
        // When the wall clock reaches the borrowed millisecond, the counter goes on from there.
        const auto c = clock.tick(t + 1);
        CHECK(c == HybridClock::pack(t + 1, 1));
    }
    SECTION("a long run in one millisecond never repeats a stamp") {
        std::int64_t last = 0;
        int repeats = 0;
        for (int i = 0; i < 70'000; ++i) {
            const auto s = clock.tick(t);
            if (s <= last) ++repeats;
            last = s;
        }
        CHECK(repeats == 0);
        CHECK(HybridClock::physical(last) == t + 1);
    }
}

TEST_CASE("restore() never moves the clock backwards", "[store][hlc]") {
    HybridClock clock;
    clock.restore(HybridClock::pack(2000, 3));
    clock.restore(HybridClock::pack(1000, 9));
    CHECK(clock.last() == HybridClock::pack(2000, 3));
    CHECK(clock.tick(1500) > HybridClock::pack(2000, 3));
}

TEST_CASE("observe() merges remote stamps but refuses one beyond the maximum skew", "[store][hlc]") {
    HybridClock clock;
    const std::int64_t now = 1'795'424'400'000;
    const std::int64_t skew = 60'000;
    const auto local = clock.tick(now);

    SECTION("a remote stamp from the past leaves the clock where it is") {
        CHECK(clock.observe(HybridClock::pack(now - 10, 4), now, skew));
        CHECK(clock.last() == local);
    }
    SECTION("a remote stamp ahead but within the skew pulls the clock forward") {
        const auto remote = HybridClock::pack(now + skew, 5);
        CHECK(clock.observe(remote, now, skew));
        CHECK(clock.last() == remote);
        CHECK(clock.tick(now) > remote);
    }
    SECTION("a remote stamp beyond the skew is refused and changes nothing") {
        const auto remote = HybridClock::pack(now + skew + 1, 0);
        CHECK_FALSE(clock.observe(remote, now, skew));
        CHECK(clock.last() == local);
        CHECK(clock.tick(now) < remote);
    }
}

TEST_CASE("stamps of successive writes strictly increase and survive reopening the file", "[store][hlc]") {
    crmlite::testing::TempDb t;
    std::vector<std::int64_t> stamps, seqs;
    for (int i = 0; i < 5; ++i) {
        crmlite::customers::create(*t, Json{{"display_name", "客户" + std::to_string(i)}});
        stamps.push_back(t->last_stamp());
        seqs.push_back(t->last_seq());
    }
    for (std::size_t i = 1; i < stamps.size(); ++i) {
        CHECK(stamps[i] > stamps[i - 1]);
        CHECK(seqs[i] > seqs[i - 1]);
    }
    const std::int64_t persisted = scalar(*t, "SELECT value FROM crm_meta WHERE key = 'hlc'");
    CHECK(persisted >= max_stamp_in_file(*t));
    CHECK(persisted == stamps.back());
    CHECK(scalar(*t, "SELECT value FROM crm_meta WHERE key = 'seq'") == seqs.back());

    t.reopen();
    CHECK(t->last_stamp() == stamps.back());
    CHECK(t->last_seq() == seqs.back());
    crmlite::customers::create(*t, Json{{"display_name", "after reopen"}});
    CHECK(t->last_stamp() > stamps.back());
    CHECK(t->last_seq() > seqs.back());
    CHECK(scalar(*t, "SELECT value FROM crm_meta WHERE key = 'hlc'") >= max_stamp_in_file(*t));
}

TEST_CASE("a persisted clock ahead of the wall clock is never run backwards on reopen", "[store][hlc]") {
    crmlite::testing::TempDb t;
    crmlite::customers::create(*t, Json{{"display_name", "a"}});
    // Pretend an earlier run saw a clock one hour ahead (e.g. a remote stamp).
    const auto ahead = HybridClock::pack(crmlite::now_ms() + 3'600'000, 0);
    t.db.reset();
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(t.file.c_str(), &raw) == SQLITE_OK);
        const std::string sql = "UPDATE crm_meta SET value = " + std::to_string(ahead) + " WHERE key = 'hlc'";
        CHECK(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        sqlite3_close(raw);
    }
    t.reopen();
    crmlite::customers::create(*t, Json{{"display_name", "b"}});
    CHECK(t->last_stamp() > ahead);
    CHECK(scalar(*t, "SELECT max(hlc) FROM sync_versions") > ahead);
}

TEST_CASE("two handles on one file never hand out the same stamp or sequence number", "[store][hlc]") {
    crmlite::testing::TempDb t;
    crmlite::Database other(t.file, crmlite::OpenOptions{});
    std::int64_t last_stamp = 0, last_seq = 0;
    for (int i = 0; i < 6; ++i) {
        crmlite::Database& db = i % 2 ? other : *t;
        crmlite::customers::create(db, Json{{"display_name", "c" + std::to_string(i)}});
        CHECK(db.last_stamp() > last_stamp);
        CHECK(db.last_seq() > last_seq);
        last_stamp = db.last_stamp();
        last_seq = db.last_seq();
    }
    CHECK(scalar(*t, "SELECT count(DISTINCT hlc) FROM sync_versions WHERE tbl = 1") == 6);
    CHECK(scalar(*t, "SELECT count(DISTINCT seq) FROM sync_versions WHERE tbl = 1") == 6);
}
