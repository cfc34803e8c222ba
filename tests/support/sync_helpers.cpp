#include "support/sync_helpers.hpp"

#include <catch2/catch.hpp>

namespace crmlite::testing {

Json pull(Database& to, Database& from, const sync::Filter& filter, std::size_t max_records,
          const sync::ApplyOptions& apply) {
    sync::ChangesOptions o;
    o.max_records = max_records;
    o.peer = to.site_id();
    o.filter = filter;
    Json last;
    for (;;) {
        auto ch = sync::changes_since(from, sync::received_from(to, from.site_id()), o);
        last = sync::apply(to, ch.blob, apply);
        if (!ch.more) break;
    }
    return last;
}

Json send_pages(Database& from, Database& to, std::int64_t& cursor, std::size_t max_records,
                const std::function<void(const Json&)>& each) {
    Json last;
    for (;;) {
        const auto ch = sync::changes_since(from, cursor, max_records);
        last = sync::apply(to, ch.blob, {});
        if (each) each(last);
        cursor = ch.cursor;
        if (!ch.more) return last;
    }
}

sync::Filter Star::share() const {
    sync::Filter f;
    f.owners = {"alice"};
    return f;
}

sync::Changes Star::page(std::size_t max_records) {
    sync::ChangesOptions o;
    o.max_records = max_records;
    o.peer = alice.site_id();
    o.filter = share();
    return sync::changes_since(hub, sync::received_from(alice, hub.site_id()), o);
}

Json Star::pull(std::size_t max_records) {
    Json total = {{"evicted", 0}, {"records", 0}};
    for (;;) {
        auto ch = page(max_records);
        const Json r = sync::apply(alice, ch.blob, {});
        CHECK(r["missing_parent"] == 0);
        CHECK(r["incomplete"] == 0);
        if (check_refused) CHECK(r["refused"].empty());
        total["evicted"] = total["evicted"].get<int>() + r["evicted"].get<int>();
        total["records"] = total["records"].get<int>() + r["records"].get<int>();
        if (!ch.more) break;
    }
    return total;
}

Json Star::push() {
    sync::ChangesOptions o;
    o.peer = hub.site_id();
    auto ch = sync::changes_since(alice, sync::received_from(hub, alice.site_id()), o);
    sync::ApplyOptions a;
    a.scope = share();
    return sync::apply(hub, ch.blob, a);
}

}  // namespace crmlite::testing
