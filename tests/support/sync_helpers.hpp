// Test support for sync: pulling everything new from a peer, sending pages
// along a cursor, and the hub-and-device fixture of the filtered replication
// tests.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"
#include "support/temp_db.hpp"
#include "sync/engine.hpp"

namespace crmlite::testing {

// Everything new on `from` since `to` last heard from it (received_from),
// asked for as `to` would ask (its site id as the peer, its share as the
// filter), applied to `to` page by page. Returns the last page's report.
Json pull(Database& to, Database& from, const sync::Filter& filter = {},
          std::size_t max_records = sync::ChangesOptions{}.max_records, const sync::ApplyOptions& apply = {});

// Sends from -> to, page by page, everything after `cursor`, moving `cursor`
// on; `each` (when set) sees every page's apply report. Returns the last.
Json send_pages(Database& from, Database& to, std::int64_t& cursor, std::size_t max_records,
                const std::function<void(const Json&)>& each = {});

// A hub and alice's device, which receives only alice's share (owner
// "alice") and may write only in it.
struct Star {
    // `check_refused`: pull() also checks that the device refused nothing.
    explicit Star(bool check_refused = false) : check_refused(check_refused) {}

    TempDir dir;
    Database hub{dir.path("hub.db"), OpenOptions{}};
    Database alice{dir.path("alice.db"), OpenOptions{}};
    bool check_refused;

    sync::Filter share() const;
    // The hub's next page for alice, as she would ask for it.
    sync::Changes page(std::size_t max_records = 1000);
    // Every page for alice applied to her device, each checked to arrive whole
    // (nothing missing a parent, nothing incomplete). Returns the sums of
    // "evicted" and "records".
    Json pull(std::size_t max_records = 1000);
    // Alice's changes applied at the hub within her write scope; its report.
    Json push();
};

}  // namespace crmlite::testing
