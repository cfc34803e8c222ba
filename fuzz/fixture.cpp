#include "fixture.hpp"

#include <utility>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "store/database.hpp"
#include "sync/changeset.hpp"
#include "sync/engine.hpp"
#include "tags/tags.hpp"

namespace crmlite::fuzz {

namespace csync = crmlite::sync;

std::string as_input(Mode mode, std::string_view blob, unsigned char flags) {
    std::string out(1, static_cast<char>(mode | flags));
    if (mode == kAppendCrc && blob.size() >= 4) out.append(blob.substr(0, blob.size() - 4));
    else out.append(blob);
    return out;
}

std::vector<Seed> build_fixture(const std::string& local_path, const std::string& remote_path) {
    std::vector<Seed> seeds;
    const auto add = [&seeds](const std::string& name, const std::string& blob) {
        seeds.push_back({name + ".resign", as_input(kResign, blob)});
        seeds.push_back({name + ".append", as_input(kAppendCrc, blob)});
        seeds.push_back({name + ".decode", as_input(kResign, blob, kDecodeOnly)});
    };
    const auto add_sequence = [&seeds](const std::string& name, const std::vector<std::string>& blobs) {
        std::string joined;
        for (const auto& b : blobs) joined += b;
        seeds.push_back({name + ".sequence", as_input(kSequence, joined)});
    };

    Database remote(remote_path, OpenOptions{});
    Database local(local_path, OpenOptions{});
    Database third(remote_path + "-third", OpenOptions{});

    // ---- the remote replica
    const Uuid acme = customers::create(remote, Json{{"kind", "company"}, {"display_name", "Acme 有限公司"},
                                                     {"industry", "制造"}, {"city", "杭州"}});
    const Uuid wang = customers::create(
        remote, Json{{"display_name", "王小明"},
                     {"given_name", "小明"},
                     {"family_name", "王"},
                     {"gender", "male"},
                     {"city", "杭州"},
                     {"stage", "prospect"},
                     {"consent_marketing", true},
                     {"notes", "met at the fair"},
                     {"custom", {{"vip_level", 3}}},
                     {"phones", {{{"value", "13812345678"}, {"label", "mobile"}}}},
                     {"emails", {{{"value", "wang@example.cn"}}}},
                     {"tags", {"客户/VIP", "区域/华东/杭州"}},
                     {"external_ids", {{"erp", "C001"}}}});
    const Uuid alice = customers::create(remote, Json{{"display_name", "Alice Smith"},
                                                      {"company_id", acme.str()},
                                                      {"emails", {{{"value", "alice@example.com"}}}}});
    const Uuid order = interactions::add(
        remote, Json{{"customer_id", wang.str()}, {"kind", "order"}, {"amount_minor", 12900}, {"currency", "CNY"},
                     {"items", {{{"product", "茶叶"}, {"quantity", 2}, {"unit_price_minor", 6450}}}}});
    const Uuid call = interactions::add(remote, Json{{"customer_id", alice.str()}, {"kind", "call"}, {"direction", "outbound"},
                                                     {"subject", "回访"}, {"body", "asked about the renewal"}});
    tags::assign(remote, alice, "价值/高");

    // ---- the local replica: records of its own, then everything the remote has
    const Uuid bob = customers::create(local, Json{{"display_name", "Bob"}, {"phones", {{{"value", "13900001111"}}}},
                                                   {"tags", {"价值/高"}}});
    interactions::add(local, Json{{"customer_id", bob.str()}, {"kind", "note"}, {"subject", "local only"}});

    const auto full = csync::changes_since(remote, 0, 1000);
    add("remote_full", full.blob);
    {
        std::vector<std::string> pages;
        std::int64_t c = 0;
        for (bool more = true; more && pages.size() < 16;) {
            auto page = csync::changes_since(remote, c, 2);
            pages.push_back(page.blob);
            c = page.cursor;
            more = page.more;
        }
        add("remote_first_page", pages.front());
        add_sequence("remote_pages", pages);
    }
    csync::apply(local, full.blob, {});
    csync::apply(third, full.blob, {});
    std::int64_t cursor = full.cursor;

    // The local replica's own view (remote records included): all known when applied to itself.
    const auto own = csync::changes_since(local, 0, 1000);
    add("local_own", own.blob);
    csync::apply(remote, own.blob, {});  // the remote learns Bob ...
    {
        // ... and relays him back: fields the local replica made itself, from another sender.
        const auto relay = csync::changes_since(remote, cursor, 1000);
        add("remote_relay", relay.blob);
        cursor = relay.cursor;
    }
    seeds.push_back({"remote_full.raw", as_input(kRaw, full.blob)});

    // Concurrent local edits the remote's later changes will meet.
    customers::update(local, wang, Json{{"stage", "customer"}, {"title", "经理"}});
    interactions::add(local, Json{{"customer_id", alice.str()}, {"kind", "visit"}, {"subject", "offline visit"}});

    // A third replica's offline work: an edit and a child of a customer the remote deletes.
    customers::update(third, wang, Json{{"display_name", "王晓明"}});
    interactions::add(third, Json{{"customer_id", alice.str()}, {"kind", "chat"}, {"subject", "third replica"}});
    const auto third_blob = csync::changes_since(third, 0, 1000).blob;
    add("third_replica", third_blob);

    // ---- the remote's later changes, one blob each
    std::vector<std::string> increments;
    const auto step = [&](const std::string& name) {
        auto ch = csync::changes_since(remote, cursor, 1000);
        cursor = ch.cursor;
        add(name, ch.blob);
        increments.push_back(ch.blob);
    };
    customers::update(remote, wang, Json{{"city", "Berlin"}});
    step("update_one_field");
    customers::update(remote, wang, Json{{"stage", "loyal"}, {"notes", nullptr}});
    step("update_concurrent_and_clear");
    interactions::update(remote, order, Json{{"status", "paid"}});
    step("interaction_update");
    tags::assign(remote, wang, "价值/高");
    step("tag_assign");
    tags::unassign(remote, wang, "客户/VIP");
    step("tag_unassign");
    customers::update(remote, wang, Json{{"phones", {{{"value", "13987654321"}}}}});
    step("phone_replaced");
    customers::update(remote, wang, Json{{"external_ids", {{"erp", "C002"}, {"shop", "S9"}}}});
    step("external_ids");
    interactions::remove(remote, call);
    step("interaction_delete");
    customers::remove(remote, alice);
    step("customer_delete");
    tags::remove(remote, "区域/华东/杭州");
    step("tag_delete");
    const Uuid carol = customers::create(remote, Json{{"display_name", "Carol"}, {"company_id", acme.str()}, {"tags", {"区域/华南"}}});
    interactions::add(remote, Json{{"customer_id", carol.str()}, {"kind", "email"}, {"subject", "welcome"}});
    step("new_customer");
    step("empty");
    add_sequence("remote_increments", increments);
    add_sequence("third_then_delete", {third_blob, increments[8]});
    return seeds;
}

}  // namespace crmlite::fuzz
