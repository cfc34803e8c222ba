// Concurrent merges that would form a cycle (one replica merges A into B,
// another B into A) resolve deterministically: the smallest id survives on
// every replica whatever the sync order, reads follow, and no record is lost.
// Then a randomized run: merges, undos, edits and interactions on three
// replicas with random partial syncs must converge and lose nothing (calls
// tasks and opportunities made for a customer follow it through merges and undos).
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <thread>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "merge/merge.hpp"
#include "merge/redirects.hpp"
#include "merge/undo.hpp"
#include "support/errors.hpp"
#include "support/sync_helpers.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "tasks/tasks.hpp"

using namespace crmlite;
using crmlite::testing::TempDir;

namespace {

void tick() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

struct Replicas {
    TempDir dir;
    std::vector<std::unique_ptr<Database>> db;
    std::map<std::pair<int, int>, std::int64_t> cursor;
    explicit Replicas(int n) {
        for (int i = 0; i < n; ++i) db.push_back(std::make_unique<Database>(dir.path("r" + std::to_string(i) + ".db"), OpenOptions{}));
    }
    int size() const { return static_cast<int>(db.size()); }
    Database& operator[](int i) { return *db[static_cast<std::size_t>(i)]; }
    void send(int from, int to, std::size_t page = 1000) {
        testing::send_pages((*this)[from], (*this)[to], cursor[{from, to}], page, [from, to](const Json& r) {
            if (std::getenv("CRMLITE_MERGE_SEED") && (!r["dropped"].empty() || r["deleted"] != 0))
                std::fprintf(stderr, "   apply r%d -> r%d: deleted %s dropped %s\n", from, to, r["deleted"].dump().c_str(),
                             r["dropped"].dump().c_str());
            CHECK(r["missing_parent"] == 0);
            CHECK(r["incomplete"] == 0);
        });
    }
    void everyone() {
        for (int round = 0; round < 2; ++round)
            for (int i = 0; i < size(); ++i)
                for (int j = 0; j < size(); ++j)
                    if (i != j) send(i, j);
    }
    bool converged() {
        const std::string first = sync::canonical_dump(*db[0]);
        bool same = true;
        for (std::size_t i = 1; i < db.size(); ++i) {
            const std::string other = sync::canonical_dump(*db[i]);
            if (std::getenv("CRMLITE_MERGE_SEED")) {
                std::FILE* f = std::fopen(("/tmp/merge_r" + std::to_string(i) + ".json").c_str(), "w");
                std::fputs(other.c_str(), f);
                std::fclose(f);
                f = std::fopen("/tmp/merge_r0.json", "w");
                std::fputs(first.c_str(), f);
                std::fclose(f);
            }
            INFO("replica 0 and " << i << " differ first at: " << first_difference(first, other));
            CHECK(other == first);
            same = same && other == first;
        }
        return same;
    }
    static std::string first_difference(const std::string& a, const std::string& b) {
        std::size_t at = 0;
        while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
        const std::size_t from = a.rfind("\n \"", at) == std::string::npos ? 0 : a.rfind("\n \"", at);
        return "\n" + a.substr(from, at - from + 300) + "\n---- vs ----\n" + b.substr(from, at - from + 300);
    }
};

std::set<std::string> subjects_of(Database& db, const Uuid& customer) {
    SQLite::Statement st(db.sql(), "SELECT subject FROM interactions WHERE customer_id = ?");
    st.bind(1, customer.data(), Uuid::size());
    std::set<std::string> out;
    while (st.executeStep()) out.insert(st.getColumn(0).getString());
    return out;
}

std::set<std::string> phones_of(Database& db, const Uuid& customer) {
    std::set<std::string> out;
    const Json c = customers::get(db, customer);
    for (const auto& p : c["phones"]) out.insert(p["normalized"].get<std::string>());
    return out;
}

// Customer `i` of a scenario: a name, a phone, a tag, an external id and an interaction of its own.
Uuid make(Database& db, int i) {
    const std::string n = std::to_string(i);
    const Uuid id = customers::create(db, Json{{"display_name", "Customer " + n}, {"phones", {"1380000000" + n}},
                                               {"tags", {"t" + n}}, {"external_ids", {{"erp" + n, "E" + n}}}});
    interactions::add(db, Json{{"customer_id", id.str()}, {"kind", "call"}, {"subject", "call " + n}});
    return id;
}

// Every customer of `ids` reads as `winner`, which holds everything they had.
void all_in(Database& db, const std::vector<Uuid>& ids, const Uuid& winner) {
    REQUIRE(customers::exists(db, winner));
    std::set<std::string> subjects, phones;
    for (std::size_t i = 0; i < ids.size(); ++i) {
        CHECK(customers::get(db, ids[i])["id"] == winner.str());
        CHECK(*merge::resolve(db, ids[i]) == winner);
        if (ids[i] != winner) CHECK_FALSE(customers::exists(db, ids[i]));
    }
    CHECK(db.counter("customers") == 1);
    const auto got = subjects_of(db, winner);
    const auto got_phones = phones_of(db, winner);
    CHECK(got.size() == ids.size());
    CHECK(got_phones.size() == ids.size());
    CHECK(customers::get(db, winner)["tags"].size() == ids.size());
    CHECK(customers::get(db, winner)["external_ids"].size() == ids.size());
}

}  // namespace

TEST_CASE("two replicas merging A into B and B into A end with the smaller id, in either sync order", "[merge][cycle][sync]") {
    Replicas r(2);
    const Uuid a = make(r[0], 1), b = make(r[0], 2);
    r.everyone();
    const bool first_later = GENERATE(true, false);  // which merge has the later clock
    INFO("merge on replica 0 is the later one: " << first_later);
    if (first_later) {
        merge::merge(r[1], a, {b}, Json());
        tick();
        merge::merge(r[0], b, {a}, Json());
    } else {
        merge::merge(r[0], b, {a}, Json());
        tick();
        merge::merge(r[1], a, {b}, Json());
    }
    const bool zero_first = GENERATE(true, false);
    INFO("replica 0 sends first: " << zero_first);
    if (zero_first) {
        r.send(0, 1);
        r.send(1, 0);
    } else {
        r.send(1, 0);
        r.send(0, 1);
    }
    r.everyone();
    r.converged();
    const Uuid winner = std::min(a, b);
    for (int i = 0; i < 2; ++i) {
        INFO("replica " << i);
        all_in(r[i], {a, b}, winner);
    }
    // Both merges are recorded; the winner's reads follow, and a later edit to
    // the other id lands on the winner.
    customers::update(r[1], winner, Json{{"title", "buyer"}});
    r.everyone();
    CHECK(customers::get(r[0], std::max(a, b))["title"] == "buyer");
}

TEST_CASE("three replicas merging around a cycle end with the smallest id, in any sync order", "[merge][cycle][sync]") {
    Replicas r(3);
    std::vector<Uuid> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(make(r[0], i));
    r.everyone();
    // Replica i merges customer i into customer i+1: 0 -> 1 -> 2 -> 0.
    std::vector<int> order{0, 1, 2};
    const int perm = GENERATE(range(0, 6));
    for (int k = 0; k < perm; ++k) std::next_permutation(order.begin(), order.end());
    INFO("merge and sync order " << order[0] << order[1] << order[2]);
    for (const int i : order) {
        merge::merge(r[i], ids[static_cast<std::size_t>((i + 1) % 3)], {ids[static_cast<std::size_t>(i)]}, Json());
        tick();
    }
    // A chain of syncs in that order, then everyone.
    r.send(order[0], order[1]);
    r.send(order[1], order[2]);
    r.send(order[2], order[0]);
    r.everyone();
    r.converged();
    const Uuid winner = *std::min_element(ids.begin(), ids.end());
    for (int i = 0; i < 3; ++i) {
        INFO("replica " << i);
        all_in(r[i], ids, winner);
    }
}

TEST_CASE("a chain of merges on three replicas ends on the last survivor", "[merge][cycle][sync]") {
    Replicas r(3);
    std::vector<Uuid> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(make(r[0], i));
    r.everyone();
    merge::merge(r[0], ids[1], {ids[0]}, Json());  // 0 -> 1
    merge::merge(r[1], ids[2], {ids[1]}, Json());  // 1 -> 2, concurrently
    const bool forward = GENERATE(true, false);
    if (forward) {
        r.send(0, 1);
        r.send(1, 2);
    } else {
        r.send(1, 0);
        r.send(0, 2);
    }
    r.everyone();
    r.converged();
    for (int i = 0; i < 3; ++i) all_in(r[i], ids, ids[2]);
}

TEST_CASE("undoing one merge of a resolved cycle brings the other into force", "[merge][cycle][undo][sync]") {
    Replicas r(2);
    const Uuid a = make(r[0], 1), b = make(r[0], 2);
    r.everyone();
    const Uuid lo = std::min(a, b), hi = std::max(a, b);
    merge::merge(r[0], hi, {lo}, Json());               // lo into hi: loses the cycle
    const Json won = merge::merge(r[1], lo, {hi}, Json());  // hi into lo: wins it
    r.everyone();
    all_in(r[0], {a, b}, lo);
    merge::undo(r[1], Uuid::parse(won["id"].get<std::string>(), "id"));
    r.everyone();
    r.converged();
    for (int i = 0; i < 2; ++i) all_in(r[i], {a, b}, hi);  // the other merge stands
}

TEST_CASE("random merges, undos, edits and syncs on three replicas converge and lose nothing", "[merge][sync][random]") {
    const char* env = std::getenv("CRMLITE_SYNC_SEEDS");
    const int seeds = std::max(4, (env ? std::atoi(env) : 1000) / 25);
    const char* one = std::getenv("CRMLITE_MERGE_SEED");  // replays one seed
    for (int seed = one ? std::atoi(one) : 1; seed <= (one ? std::atoi(one) : seeds); ++seed) {
        INFO("seed " << seed);
        std::mt19937 rng(static_cast<unsigned>(seed));
        const auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<unsigned>(n)); };
        Replicas r(3);
        std::vector<Uuid> ids, calls, todo, deals;
        for (int i = 0; i < 6; ++i) ids.push_back(make(r[0], i));
        crmlite::pipeline::create(r[0], Json{{"name", "P"}, {"stages", {{{"name", "Lead"}, {"probability", 10}}}}});
        r.everyone();
        std::vector<std::pair<int, Uuid>> merges;  // where made, id
        std::set<Uuid> deleted;                    // by a user
        const auto name = [&](const Uuid& id) {
            for (std::size_t i = 0; i < ids.size(); ++i)
                if (ids[i] == id) return "c" + std::to_string(i);
            for (std::size_t i = 0; i < merges.size(); ++i)
                if (merges[i].second == id) return "m" + std::to_string(i);
            return id.str();
        };
        const auto trace = [&](const std::string& what) {
            if (one) std::fprintf(stderr, "%s\n", what.c_str());
        };
        for (std::size_t i = 0; i < ids.size(); ++i) trace("c" + std::to_string(i) + " = " + ids[i].str());
        for (int step = 0; step < 30; ++step) {
            const int at = pick(3);
            Database& db = r[at];
            // Odd seeds also delete customers (a user's delete is final).
            const int op = pick(seed % 2 ? 7 : 6);
            switch (op == 6 ? 7 : op) {
            case 7: {
                std::vector<Uuid> live;
                for (const auto& id : ids)
                    if (customers::exists(db, id)) live.push_back(id);
                if (live.size() < 3) break;
                const Uuid gone = live[static_cast<std::size_t>(pick(static_cast<int>(live.size())))];
                customers::remove(db, gone);
                deleted.insert(gone);
                trace(std::to_string(step) + " r" + std::to_string(at) + ": delete " + name(gone));
                break;
            }
            case 0:
            case 1: {  // merge two customers living here
                std::vector<Uuid> live;
                for (const auto& id : ids)
                    if (customers::exists(db, id)) live.push_back(id);
                if (live.size() < 2) break;
                const Uuid s = live[static_cast<std::size_t>(pick(static_cast<int>(live.size())))];
                const Uuid l = live[static_cast<std::size_t>(pick(static_cast<int>(live.size())))];
                if (s == l) break;
                merges.emplace_back(at, Uuid::parse(merge::merge(db, s, {l}, Json())["id"].get<std::string>(), "id"));
                trace(std::to_string(step) + " r" + std::to_string(at) + ": " + name(merges.back().second) + " merges " +
                      name(l) + " into " + name(s));
                break;
            }
            case 2: {  // undo a merge this replica knows of (a later change may refuse it)
                if (merges.empty()) break;
                const Uuid m = merges[static_cast<std::size_t>(pick(static_cast<int>(merges.size())))].second;
                try {
                    merge::undo(db, m);
                    trace(std::to_string(step) + " r" + std::to_string(at) + ": undo " + name(m));
                } catch (const Error& e) {
                    trace(std::to_string(step) + " r" + std::to_string(at) + ": undo " + name(m) + " refused: " + e.what());
                    if (e.code() != CRM_ECONFLICT && e.code() != CRM_ENOTFOUND) throw;
                }
                break;
            }
            case 3: {  // edit whatever an id reads as here
                const Uuid id = ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))];
                if (const auto live = merge::resolve(db, id)) {
                    customers::update(db, *live, Json{{"title", "t" + std::to_string(step)}});
                    trace(std::to_string(step) + " r" + std::to_string(at) + ": title of " + name(*live));
                }
                break;
            }
            case 4: {  // an interaction for an id as this replica knows it
                const Uuid id = ids[static_cast<std::size_t>(pick(static_cast<int>(ids.size())))];
                if (const auto live = merge::resolve(db, id)) {
                    calls.push_back(interactions::add(db, Json{{"customer_id", live->str()}, {"kind", "call"},
                                                               {"subject", "step " + std::to_string(step)}}));
                    // And a follow-up task and an opportunity: they move with their customer like the call.
                    todo.push_back(crmlite::tasks::create(db, Json{{"customer_id", live->str()}, {"kind", "call"},
                                                                   {"due_at", "2026-03-01T09:00:00Z"}}));
                    deals.push_back(crmlite::opportunities::add(db, Json{{"customer_id", live->str()}, {"name", "deal " + std::to_string(step)}}));
                    trace(std::to_string(step) + " r" + std::to_string(at) + ": call, task and deal for " + name(*live));
                }
                break;
            }
            default: {  // a partial sync
                const int to = pick(3);
                if (to != at) {
                    r.send(at, to, 1 + static_cast<std::size_t>(pick(8)));
                    trace(std::to_string(step) + " sync r" + std::to_string(at) + " -> r" + std::to_string(to));
                }
                break;
            }
            }
            if (one) {
                std::string counts = "   interactions:";
                for (int i = 0; i < 3; ++i) {
                    SQLite::Statement n(r[i].sql(), "SELECT count(*) FROM interactions");
                    n.executeStep();
                    counts += " " + std::to_string(n.getColumn(0).getInt64());
                }
                trace(counts);
            }
            tick();
        }
        r.everyone();
        if (one)
            for (int i = 0; i < 3; ++i) {
                std::string line = "r" + std::to_string(i) + ":";
                for (const auto& id : ids) {
                    line += " " + name(id) + (customers::exists(r[i], id) ? "+" : "-");
                    if (const auto row = merge::redirect_row(r[i], id))
                        line += "(->" + name(row->survivor) + " " + name(row->merge_id) +
                                (merge::in_force(r[i], *row) ? "" : " off") + ")";
                }
                trace(line);
                for (const auto& id : ids)
                    if (customers::exists(r[i], id)) {
                        std::string v = "  " + name(id) + " title=" + customers::get(r[i], id).value("title", "") + " versions:";
                        const auto vs = r[i].versions(Table::customers, id).value_or(std::vector<FieldVersion>{});
                        for (const auto& f : vs)
                            v += " " + std::to_string(f.field) + "@" + std::to_string(f.stamp) + "b" + std::to_string(f.base) + "/" +
                                 r[i].site_of(f.site).str().substr(0, 8);
                        trace(v);
                    }
            }
        if (!r.converged()) break;
        for (int i = 0; i < 3; ++i) {
            Database& db = r[i];
            INFO("replica " << i);
            for (const auto& id : deleted) CHECK_FALSE(customers::exists(db, id));  // never back
            if (!deleted.empty()) continue;
            // Every id still reads as a living customer, and no interaction was lost.
            for (const auto& id : ids) CHECK(merge::resolve(db, id).has_value());
            for (const auto& c : calls) CHECK_NOTHROW(interactions::get(db, c));
            SQLite::Statement n(db.sql(), "SELECT count(*) FROM interactions");
            REQUIRE(n.executeStep());
            CHECK(n.getColumn(0).getInt64() == static_cast<std::int64_t>(ids.size() + calls.size()));
            for (const auto& t : todo) CHECK_NOTHROW(crmlite::tasks::get(db, t));
            for (const auto& o : deals) CHECK_NOTHROW(crmlite::opportunities::get(db, o));
            SQLite::Statement nt(db.sql(), "SELECT count(*) FROM tasks");
            REQUIRE(nt.executeStep());
            CHECK(nt.getColumn(0).getInt64() == static_cast<std::int64_t>(todo.size()));
            SQLite::Statement fk(db.sql(), "PRAGMA foreign_key_check");
            CHECK_FALSE(fk.executeStep());
        }
    }
}
