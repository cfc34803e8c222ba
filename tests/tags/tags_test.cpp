// Hierarchical tags: canonical paths, ancestors, idempotent ids, assignment,
// counts, and deletes.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "support/temp_db.hpp"
#include "tags/tags.hpp"
#include "support/errors.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
using crmlite::testing::scalar;
namespace tags = crmlite::tags;

namespace {

std::string repeat(const std::string& s, int n) {
    std::string out;
    for (int i = 0; i < n; ++i) out += s;
    return out;
}

Json find(const Json& list, const std::string& path) {
    for (const auto& t : list)
        if (t["path"] == path) return t;
    return nullptr;
}

}  // namespace

TEST_CASE("tag paths are canonicalised", "[tags]") {
    const auto [in, out] = GENERATE(table<std::string, std::string>({
        {"vip", "vip"},
        {" vip ", "vip"},
        {"a / b/c ", "a/b/c"},
        {"\t等级\t/ 金卡", "等级/金卡"},
        {"Big Spender", "Big Spender"},  // inner spaces are part of the name
        {std::string(64, 'x'), std::string(64, 'x')},
        {"兴趣/" + repeat("茶", 64), "兴趣/" + repeat("茶", 64)},  // 64 characters, 192 bytes
    }));
    CHECK(tags::canonical_path(in, "tag.path") == out);
}

TEST_CASE("bad tag paths are refused naming the field", "[tags]") {
    const std::string bad = GENERATE(as<std::string>{}, "", " ", "/", "a/", "/a", "a//b", "a/ /b", "a/b/c/d",
                                     std::string(65, 'x'), repeat("茶", 65), "\xFF", "vip\xE7\x8E");
    INFO("path: \"" << bad << "\"");
    const auto e = thrown([&] { tags::canonical_path(bad, "tag.path"); });
    CHECK(e.code() == CRM_EINVAL);
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith("tag.path:"));
}

TEST_CASE("creating a tag creates its ancestors and is idempotent", "[tags]") {
    TempDb t;
    const Uuid id = tags::create(*t, Json{{"path", "渠道 / 线上 / 微信"}, {"kind", "behavior"}});
    CHECK(id == tags::id_of_path("渠道/线上/微信"));
    CHECK(tags::create(*t, Json{{"path", "渠道/线上/微信"}}) == id);
    CHECK(scalar(*t, "SELECT count(*) FROM tags") == 3);

    const Json list = tags::list(*t);
    REQUIRE(list.size() == 3);
    const Json root = find(list, "渠道"), mid = find(list, "渠道/线上"), leaf = find(list, "渠道/线上/微信");
    CHECK(root["level"] == 1);
    CHECK_FALSE(root.contains("parent_id"));
    CHECK(mid["level"] == 2);
    CHECK(mid["parent_id"] == root["id"]);
    CHECK(mid["name"] == "线上");
    CHECK(leaf["level"] == 3);
    CHECK(leaf["parent_id"] == mid["id"]);
    CHECK(leaf["name"] == "微信");
    CHECK(leaf["kind"] == "behavior");
    CHECK(leaf["id"] == id.str());

    SECTION("a sibling reuses the ancestors") {
        tags::create(*t, Json{{"path", "渠道/线上/抖音"}});
        CHECK(scalar(*t, "SELECT count(*) FROM tags") == 4);
    }
    SECTION("bad input is named") {
        CHECK_CRM_ERROR(tags::create(*t, Json{{"path", "a/b/c/d"}}), CRM_EINVAL, "tag.path");
        CHECK_CRM_ERROR(tags::create(*t, Json{{"path", ""}}), CRM_EINVAL, "tag.path");
        CHECK_CRM_ERROR(tags::create(*t, Json{{"path", "x"}, {"kind", "gold"}}), CRM_EINVAL, "tag.kind");
        CHECK_CRM_ERROR(tags::create(*t, Json{{"path", "x"}, {"colour", "red"}}), CRM_EINVAL, "tag.colour");
        CHECK(scalar(*t, "SELECT count(*) FROM tags") == 3);
    }
}

TEST_CASE("tags are assigned to and removed from customers by path", "[tags]") {
    TempDb t;
    const Uuid a = crmlite::customers::create(*t, Json{{"display_name", "A"}});
    const Uuid b = crmlite::customers::create(*t, Json{{"display_name", "B"}});
    tags::assign(*t, a, "等级/金卡");  // created on first use, with its parent
    tags::assign(*t, a, " 等级 / 金卡 ");  // again: nothing new
    tags::assign(*t, b, "等级/金卡");
    tags::assign(*t, b, "vip");
    CHECK(tags::paths_of(*t, a) == std::vector<std::string>{"等级/金卡"});
    CHECK(tags::paths_of(*t, b) == std::vector<std::string>{"vip", "等级/金卡"});
    CHECK(scalar(*t, "SELECT count(*) FROM customer_tags") == 3);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 5") == 3);

    const Json list = tags::list(*t);
    CHECK(find(list, "等级/金卡")["count"] == 2);
    CHECK(find(list, "vip")["count"] == 1);
    CHECK(find(list, "等级")["count"] == 0);  // counts are direct assignments

    tags::unassign(*t, a, "等级/金卡");
    CHECK(tags::paths_of(*t, a).empty());
    CHECK(find(tags::list(*t), "等级/金卡")["count"] == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_tombstones WHERE tbl = 5") == 1);
    CHECK_NOTHROW(tags::unassign(*t, a, "等级/金卡"));  // not assigned: nothing to do
    CHECK_NOTHROW(tags::unassign(*t, a, "never/seen"));
    CHECK(scalar(*t, "SELECT count(*) FROM sync_tombstones WHERE tbl = 5") == 1);

    SECTION("an unknown customer is not found") {
        CHECK_CRM_ERROR(tags::assign(*t, Uuid::v7(), "vip"), CRM_ENOTFOUND, "customer_id");
        CHECK_CRM_ERROR(tags::unassign(*t, Uuid::v7(), "vip"), CRM_ENOTFOUND, "customer_id");
        CHECK(scalar(*t, "SELECT count(*) FROM customer_tags") == 2);
    }
    SECTION("a bad path is named") {
        CHECK_CRM_ERROR(tags::assign(*t, a, "a//b"), CRM_EINVAL, "tag.path");
    }
}

TEST_CASE("a tag with children cannot be deleted; deleting a tag removes its assignments", "[tags]") {
    TempDb t;
    const Uuid a = crmlite::customers::create(*t, Json{{"display_name", "A"}});
    const Uuid b = crmlite::customers::create(*t, Json{{"display_name", "B"}});
    tags::assign(*t, a, "等级/金卡");
    tags::assign(*t, b, "等级/金卡");
    tags::assign(*t, b, "等级/银卡");

    CHECK_CRM_ERROR(tags::remove(*t, "等级"), CRM_EINVAL, "child");
    CHECK(scalar(*t, "SELECT count(*) FROM tags") == 3);

    tags::remove(*t, "等级/金卡");
    CHECK(tags::paths_of(*t, a).empty());
    CHECK(tags::paths_of(*t, b) == std::vector<std::string>{"等级/银卡"});
    CHECK(find(tags::list(*t), "等级/金卡").is_null());
    CHECK(scalar(*t, "SELECT count(*) FROM customer_tags") == 1);
    // The tag and both of its assignments are tombstoned; their versions are gone.
    CHECK(scalar(*t, "SELECT count(*) FROM sync_tombstones WHERE tbl = 4") == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_tombstones WHERE tbl = 5") == 2);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 5") == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions WHERE tbl = 4") == 2);

    tags::remove(*t, "等级/银卡");
    tags::remove(*t, " 等级 ");  // now childless
    CHECK(tags::list(*t).empty());
    CHECK_CRM_ERROR(tags::remove(*t, "等级"), CRM_ENOTFOUND, "等级");

    SECTION("a re-created tag gets the same id") {
        CHECK(tags::create(*t, Json{{"path", "等级/金卡"}}) == tags::id_of_path("等级/金卡"));
    }
}
