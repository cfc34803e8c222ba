// Customer profiles: persons and companies, contact points, external ids,
// custom fields, and the errors that name every bad field.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "customers/contact_points.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "store/versions.hpp"
#include "support/temp_db.hpp"
#include "tags/tags.hpp"
#include "support/errors.hpp"

using crmlite::Json;
using crmlite::Uuid;
using crmlite::testing::TempDb;
using crmlite::testing::scalar;
namespace customers = crmlite::customers;

namespace {

std::int64_t rows_for(crmlite::Database& db, const char* table, const Uuid& customer) {
    SQLite::Statement st(db.sql(), std::string("SELECT count(*) FROM ") + table + " WHERE customer_id = ?");
    st.bind(1, customer.data(), Uuid::size());
    st.executeStep();
    return st.getColumn(0).getInt64();
}

Json person(const std::string& name) { return Json{{"display_name", name}}; }

}  // namespace

TEST_CASE("a person's display name is derived from family and given names", "[customers]") {
    // One file for every generated row: rows only add (or fail to add) their own
    // records, and creating a database per row would dominate the run time.
    static TempDb t;
    const auto [given, family, expected] = GENERATE(table<std::string, std::string, std::string>({
        {"小明", "王", "王小明"},        // Chinese: family first, no space
        {"John", "Smith", "John Smith"},  // Latin: "Given Family"
        {"Madonna", "", "Madonna"},
        {"", "Smith", "Smith"},
        {"", "欧阳", "欧阳"},
        {"Ming", "王", "王Ming"},
    }));
    Json in = Json::object();
    if (!given.empty()) in["given_name"] = given;
    if (!family.empty()) in["family_name"] = family;
    const Json c = customers::get(*t, customers::create(*t, in));
    CHECK(c["display_name"] == expected);
    CHECK(c["kind"] == "person");
    CHECK(c["consent_marketing"] == false);
    CHECK(c["consent_data_sharing"] == false);

    SECTION("an explicit display name wins") {
        in["display_name"] = "小王";
        CHECK(customers::get(*t, customers::create(*t, in))["display_name"] == "小王");
    }
}

TEST_CASE("a person can belong to a company, and company_id must name a company", "[customers]") {
    TempDb t;
    const Uuid company = customers::create(*t, Json{{"kind", "company"}, {"display_name", "阿里巴巴"}, {"industry", "互联网"}});
    const Uuid member = customers::create(*t, Json{{"display_name", "王小明"}, {"company_id", company.str()}});
    const Json c = customers::get(*t, member);
    CHECK(c["company_id"] == company.str());
    CHECK(customers::get(*t, company)["kind"] == "company");

    SECTION("a person's id is not a company") {
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"company_id", member.str()}}), CRM_EINVAL,
                        "customer.company_id");
        CHECK_CRM_ERROR(customers::update(*t, member, Json{{"company_id", member.str()}}), CRM_EINVAL, "customer.company_id");
    }
    SECTION("an unknown id or a malformed one is refused") {
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"company_id", Uuid::v7().str()}}), CRM_EINVAL,
                        "customer.company_id");
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"company_id", "acme"}}), CRM_EINVAL,
                        "customer.company_id");
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"company_id", 5}}), CRM_EINVAL,
                        "customer.company_id");
    }
    SECTION("a company cannot be its own company") {
        CHECK_CRM_ERROR(customers::update(*t, company, Json{{"company_id", company.str()}}), CRM_EINVAL,
                        "customer.company_id");
    }
    SECTION("the link can be cleared") {
        REQUIRE(customers::update(*t, member, Json{{"company_id", nullptr}}));
        CHECK_FALSE(customers::get(*t, member).contains("company_id"));
    }
    SECTION("deleting the company unlinks its members with a versioned change") {
        const auto before = t->last_stamp();
        customers::remove(*t, company);
        CHECK_FALSE(customers::get(*t, member).contains("company_id"));
        SQLite::Statement st(t->sql(), "SELECT hlc, vers, seq FROM sync_versions WHERE tbl = 1 AND id = ?");
        st.bind(1, member.data(), Uuid::size());
        REQUIRE(st.executeStep());
        const std::string blob(static_cast<const char*>(st.getColumn(1).getBlob()),
                               static_cast<std::size_t>(st.getColumn(1).getBytes()));
        const int company_field = crmlite::field_index(customers::fields(), "company_id");
        bool stamped = false;
        for (const auto& v : crmlite::decode_versions(blob, st.getColumn(0).getInt64(), st.getColumn(2).getInt64()))
            if (v.field == company_field) stamped = v.stamp > before;
        CHECK(stamped);
    }
}

// create/update refuse a company_id that names a person; turning the company
// itself into a person must not create that state behind the members' back.
TEST_CASE("a company with members cannot become a person", "[customers]") {
    TempDb t;
    const Uuid company = customers::create(*t, Json{{"kind", "company"}, {"display_name", "阿里巴巴"}});
    const Uuid member = customers::create(*t, Json{{"display_name", "王小明"}, {"company_id", company.str()}});
    CHECK_CRM_ERROR(customers::update(*t, company, Json{{"kind", "person"}}), CRM_EINVAL, "customer.kind");
    CHECK(customers::get(*t, company)["kind"] == "company");
    CHECK(customers::get(*t, member)["company_id"] == company.str());
}

TEST_CASE("phone numbers are normalised", "[customers]") {
    // One file for every generated row: rows only add (or fail to add) their own
    // records, and creating a database per row would dominate the run time.
    static TempDb t;
    const auto [input, normalized] = GENERATE(table<std::string, std::string>({
        {"13812345678", "+8613812345678"},              // 11-digit mainland mobile
        {"138 1234 5678", "+8613812345678"},
        {"138-1234-5678", "+8613812345678"},
        {"１３８１２３４５６７８", "+8613812345678"},    // full-width digits
        {"+86 138 1234 5678", "+8613812345678"},
        {"0086 138 1234 5678", "+8613812345678"},       // 00 prefix
        {"008613812345678", "+8613812345678"},
        {"＋８６ １３８-１２３４-５６７８", "+8613812345678"},
        {"+1 (415) 555-0100", "+14155550100"},
        {"  021-6123 4567 ", "+862161234567"},           // landline: E.164 in the default region (libphonenumber)
    }));
    INFO(input);
    const Json c = customers::get(*t, customers::create(*t, Json{{"display_name", "x"}, {"phones", {input}}}));
    REQUIRE(c["phones"].size() == 1);
    CHECK(c["phones"][0]["normalized"] == normalized);
    CHECK(c["phones"][0]["primary"] == true);
}

TEST_CASE("the same phone number twice is one contact point", "[customers]") {
    TempDb t;
    const Json c = customers::get(
        *t, customers::create(*t, Json{{"display_name", "x"},
                                       {"phones", {"13812345678", "+86 138 1234 5678", "0086-13812345678", "１３８１２３４５６７８",
                                                   "021-61234567"}}}));
    REQUIRE(c["phones"].size() == 2);
    CHECK(c["phones"][0]["value"] == "13812345678");  // the first spelling is kept
    CHECK(c["phones"][0]["normalized"] == "+8613812345678");
    CHECK(c["phones"][1]["normalized"] == "+862161234567");
}

TEST_CASE("not a phone number is refused naming the list entry", "[customers]") {
    // One file for every generated row: rows only add (or fail to add) their own
    // records, and creating a database per row would dominate the run time.
    static TempDb t;
    const std::string bad = GENERATE(as<std::string>{}, "abc", "12", "138 1234 5678 call me after 6", "", "   ",
                                     "123456789012345678901");
    INFO(bad);
    CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"phones", {"13800000000", bad}}}), CRM_EINVAL,
                    "customer.phones[1]");
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 0);
}

TEST_CASE("exactly one contact point of each type is primary", "[customers]") {
    TempDb t;
    auto primaries = [&](const Json& phones) {
        const Json c = customers::get(*t, customers::create(*t, Json{{"display_name", "x"}, {"phones", phones}}));
        std::vector<std::string> out;
        for (const auto& p : c["phones"])
            if (p["primary"] == true) out.push_back(p["normalized"]);
        return out;
    };
    SECTION("none flagged: the first") {
        CHECK(primaries(Json{"13800000001", "13800000002"}) == std::vector<std::string>{"+8613800000001"});
    }
    SECTION("one flagged: that one, and it is listed first") {
        const Json phones = Json::parse(R"(["13800000001", {"value": "13800000002", "label": "work", "primary": true}])");
        CHECK(primaries(phones) == std::vector<std::string>{"+8613800000002"});
        const Json c = customers::get(*t, customers::create(*t, Json{{"display_name", "y"}, {"phones", phones}}));
        CHECK(c["phones"][0]["normalized"] == "+8613800000002");
        CHECK(c["phones"][0]["label"] == "work");
    }
    SECTION("several flagged: only the first flagged") {
        const Json phones = Json::parse(
            R"(["13800000001", {"value": "13800000002", "primary": true}, {"value": "13800000003", "primary": true}])");
        CHECK(primaries(phones) == std::vector<std::string>{"+8613800000002"});
    }
    SECTION("an unknown key in a contact point object is named") {
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"},
                                                   {"phones", Json::parse(R"([{"value": "13800000001", "main": true}])")}}),
                        CRM_EINVAL, "customer.phones[0].main");
    }
}

TEST_CASE("email domains are lower-cased and invalid addresses refused", "[customers]") {
    TempDb t;
    SECTION("normalisation keeps the local part and lower-cases the domain") {
        const Json c = customers::get(
            *t, customers::create(*t, Json{{"display_name", "x"}, {"emails", {" John.Doe@Example.COM ", "john.doe@example.com"}}}));
        REQUIRE(c["emails"].size() == 2);  // local parts differ in case: two addresses
        CHECK(c["emails"][0]["value"] == "John.Doe@Example.COM");
        CHECK(c["emails"][0]["normalized"] == "John.Doe@example.com");
        CHECK(c["emails"][0]["primary"] == true);
        CHECK(c["emails"][1]["primary"] == false);
    }
    SECTION("the same address in two spellings of the domain is one") {
        const Json c = customers::get(
            *t, customers::create(*t, Json{{"display_name", "x"}, {"emails", {"a@EXAMPLE.com", "a@example.COM"}}}));
        CHECK(c["emails"].size() == 1);
    }
}

TEST_CASE("invalid email addresses are refused naming the list entry", "[customers]") {
    // One file for every generated row: rows only add (or fail to add) their own
    // records, and creating a database per row would dominate the run time.
    static TempDb t;
    const std::string bad = GENERATE(as<std::string>{}, "john", "@example.com", "john@", "john@example",
                                     "jo hn@example.com", "a@b@example.com", "john@example.com.", "");
    INFO(bad);
    CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"emails", {bad}}}), CRM_EINVAL,
                    "customer.emails[0]");
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 0);
}

TEST_CASE("a partial update changes only the fields it names", "[customers]") {
    TempDb t;
    const Uuid id = customers::create(*t, Json::parse(R"({
        "display_name": "王小明", "stage": "prospect", "city": "上海", "owner": "alice", "notes": "likes tea",
        "phones": ["13800000001", "13800000002"], "emails": ["w@example.com"], "birthday": "1990-05-01"
    })"));
    const Json before = customers::get(*t, id);
    REQUIRE(customers::update(*t, id, Json{{"city", "北京"}, {"owner", nullptr}, {"phones", {"13800000003"}}}));
    const Json after = customers::get(*t, id);
    CHECK(after["city"] == "北京");
    CHECK_FALSE(after.contains("owner"));
    CHECK(after["phones"].size() == 1);
    CHECK(after["phones"][0]["normalized"] == "+8613800000003");
    CHECK(after["phones"][0]["primary"] == true);
    for (const char* unchanged : {"display_name", "stage", "notes", "emails", "birthday", "created_at", "kind"}) {
        INFO(unchanged);
        CHECK(after[unchanged] == before[unchanged]);
    }
    CHECK(after["updated_at"].get<std::string>() >= before["updated_at"].get<std::string>());
    CHECK(rows_for(*t, "contact_points", id) == 2);

    SECTION("an empty list removes every phone; emails untouched") {
        REQUIRE(customers::update(*t, id, Json{{"phones", Json::array()}}));
        const Json c = customers::get(*t, id);
        CHECK(c["phones"].empty());
        CHECK(c["emails"].size() == 1);
    }
    SECTION("an unknown id is not found") {
        CHECK_CRM_ERROR(customers::update(*t, Uuid::v7(), Json{{"city", "x"}}), CRM_ENOTFOUND, "customer");
    }
}

TEST_CASE("the derived display name follows name changes unless it was set explicitly", "[customers]") {
    TempDb t;
    SECTION("derived") {
        const Uuid id = customers::create(*t, Json{{"given_name", "小明"}, {"family_name", "王"}});
        customers::update(*t, id, Json{{"family_name", "李"}});
        CHECK(customers::get(*t, id)["display_name"] == "李小明");
        customers::update(*t, id, Json{{"given_name", "Ming"}, {"family_name", "Li"}});
        CHECK(customers::get(*t, id)["display_name"] == "Ming Li");
    }
    SECTION("explicit") {
        const Uuid id = customers::create(*t, Json{{"given_name", "小明"}, {"family_name", "王"}, {"display_name", "明哥"}});
        customers::update(*t, id, Json{{"family_name", "李"}});
        CHECK(customers::get(*t, id)["display_name"] == "明哥");
    }
    SECTION("renamed together with an explicit display name") {
        const Uuid id = customers::create(*t, Json{{"given_name", "小明"}, {"family_name", "王"}});
        customers::update(*t, id, Json{{"family_name", "李"}, {"display_name", "老李"}});
        CHECK(customers::get(*t, id)["display_name"] == "老李");
    }
}

TEST_CASE("an external id belongs to one customer per system", "[customers]") {
    TempDb t;
    const Uuid a = customers::create(*t, Json{{"display_name", "A"}, {"external_ids", {{"erp", "C001"}, {"shop", "u-9"}}}});
    CHECK(customers::find_external(*t, "erp", "C001") == std::optional<Uuid>(a));
    CHECK(customers::find_external(*t, "shop", "u-9") == std::optional<Uuid>(a));
    CHECK_FALSE(customers::find_external(*t, "erp", "C002"));
    CHECK_FALSE(customers::find_external(*t, "crm", "C001"));
    CHECK(customers::get(*t, a)["external_ids"] == Json{{"erp", "C001"}, {"shop", "u-9"}});

    SECTION("taking another customer's id is a conflict, and the id does not move") {
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "B"}, {"external_ids", {{"erp", "C001"}}}}), CRM_EEXISTS,
                        "customer.external_ids.erp");
        const Uuid b = customers::create(*t, person("B"));
        CHECK_CRM_ERROR(customers::update(*t, b, Json{{"external_ids", {{"erp", "C001"}}}}), CRM_EEXISTS, a.str());
        CHECK(customers::find_external(*t, "erp", "C001") == std::optional<Uuid>(a));
        CHECK(customers::get(*t, b)["external_ids"].empty());
        CHECK(scalar(*t, "SELECT count(*) FROM customers") == 2);
    }
    SECTION("the same value in another system is another id") {
        const Uuid b = customers::create(*t, Json{{"display_name", "B"}, {"external_ids", {{"crm", "C001"}}}});
        CHECK(customers::find_external(*t, "crm", "C001") == std::optional<Uuid>(b));
    }
    SECTION("a new value replaces the customer's old one in that system") {
        REQUIRE(customers::update(*t, a, Json{{"external_ids", {{"erp", "C009"}}}}));
        CHECK_FALSE(customers::find_external(*t, "erp", "C001"));
        CHECK(customers::find_external(*t, "erp", "C009") == std::optional<Uuid>(a));
        CHECK(customers::get(*t, a)["external_ids"] == Json{{"erp", "C009"}, {"shop", "u-9"}});
    }
    SECTION("null removes the mapping") {
        REQUIRE(customers::update(*t, a, Json{{"external_ids", {{"shop", nullptr}}}}));
        CHECK_FALSE(customers::find_external(*t, "shop", "u-9"));
        CHECK(customers::get(*t, a)["external_ids"] == Json{{"erp", "C001"}});
    }
    SECTION("bad mappings are named") {
        CHECK_CRM_ERROR(customers::update(*t, a, Json{{"external_ids", {{"erp", ""}}}}), CRM_EINVAL, "customer.external_ids.erp");
        CHECK_CRM_ERROR(customers::update(*t, a, Json{{"external_ids", {{"", "x"}}}}), CRM_EINVAL, "customer.external_ids");
        CHECK_CRM_ERROR(customers::update(*t, a, Json{{"external_ids", {"erp", "x"}}}), CRM_EINVAL, "customer.external_ids");
    }
}

TEST_CASE("upserting by external id inserts, then updates, then reports unchanged", "[customers]") {
    TempDb t;
    const Json row = {{"display_name", "王小明"}, {"city", "上海"}, {"phones", {"13800000001"}}};
    CHECK(customers::upsert_external(*t, "erp", "C001", row) == customers::Upsert::inserted);
    const auto id = customers::find_external(*t, "erp", "C001");
    REQUIRE(id);
    CHECK(customers::upsert_external(*t, "erp", "C001", row) == customers::Upsert::unchanged);
    Json changed = row;
    changed["city"] = "北京";
    CHECK(customers::upsert_external(*t, "erp", "C001", changed) == customers::Upsert::updated);
    CHECK(customers::upsert_external(*t, "erp", "C001", changed) == customers::Upsert::unchanged);
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 1);
    CHECK(t->counter("customers") == 1);
    CHECK(customers::get(*t, *id)["city"] == "北京");
    CHECK(customers::upsert_external(*t, "erp", "C002", row) == customers::Upsert::inserted);
    CHECK(t->counter("customers") == 2);
}

// upsert_external replaces a non-object "external_ids" with {} instead of
// refusing it, so a malformed record is silently accepted.
TEST_CASE("upserting refuses a malformed external_ids like create does", "[customers]") {
    TempDb t;
    const Json bad = {{"display_name", "x"}, {"external_ids", "C001"}};
    CHECK_CRM_ERROR(customers::create(*t, bad), CRM_EINVAL, "customer.external_ids");
    CHECK_CRM_ERROR(customers::upsert_external(*t, "erp", "C001", bad), CRM_EINVAL, "customer.external_ids");
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 0);
}

TEST_CASE("deleting a customer removes it with its children and decrements the count", "[customers]") {
    TempDb t;
    const Uuid keep = customers::create(*t, person("留下"));
    const Uuid id = customers::create(*t, Json{{"display_name", "王小明"},
                                               {"phones", {"13800000001"}},
                                               {"emails", {"w@example.com"}},
                                               {"tags", {"vip", "地区/华东"}},
                                               {"external_ids", {{"erp", "C001"}}}});
    crmlite::interactions::add(*t, Json{{"customer_id", id.str()}, {"kind", "call"}});
    crmlite::interactions::add(*t, Json{{"customer_id", keep.str()}, {"kind", "call"}});
    REQUIRE(t->counter("customers") == 2);
    REQUIRE(t->counter("interactions") == 2);

    customers::remove(*t, id);
    CHECK_CRM_ERROR(customers::get(*t, id), CRM_ENOTFOUND, id.str());
    CHECK_FALSE(customers::exists(*t, id));
    for (const char* table : {"contact_points", "external_ids", "customer_tags", "interactions"}) {
        INFO(table);
        CHECK(rows_for(*t, table, id) == 0);
    }
    CHECK_FALSE(customers::find_external(*t, "erp", "C001"));
    CHECK(t->counter("customers") == 1);
    CHECK(t->counter("interactions") == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM interactions") == 1);
    CHECK(scalar(*t, "SELECT count(*) FROM tags") == 3);  // the tags themselves stay
    CHECK(customers::exists(*t, keep));

    SECTION("deleting it again is not found and changes nothing") {
        CHECK_CRM_ERROR(customers::remove(*t, id), CRM_ENOTFOUND, id.str());
        CHECK(t->counter("customers") == 1);
    }
    SECTION("its external id is free again") {
        const Uuid again = customers::create(*t, Json{{"display_name", "新"}, {"external_ids", {{"erp", "C001"}}}});
        CHECK(customers::find_external(*t, "erp", "C001") == std::optional<Uuid>(again));
    }
}

TEST_CASE("custom fields are stored as a JSON object and returned as one", "[customers]") {
    TempDb t;
    const Json custom = Json::parse(R"({"level": 3, "vip": true, "来源": "展会", "nested": {"a": [1, 2.5, null]}})");
    const Uuid id = customers::create(*t, Json{{"display_name", "x"}, {"custom", custom}});
    CHECK(customers::get(*t, id)["custom"] == custom);
    REQUIRE(customers::update(*t, id, Json{{"custom", {{"level", 4}}}}));
    CHECK(customers::get(*t, id)["custom"] == Json{{"level", 4}});  // replaced as a whole
    REQUIRE(customers::update(*t, id, Json{{"custom", nullptr}}));
    CHECK_FALSE(customers::get(*t, id).contains("custom"));

    SECTION("not an object, or too large") {
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"custom", "level=3"}}), CRM_EINVAL, "customer.custom");
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"custom", {1, 2}}}), CRM_EINVAL, "customer.custom");
        CHECK_CRM_ERROR(customers::create(*t, Json{{"display_name", "x"}, {"custom", {{"blob", std::string(70000, 'a')}}}}),
                        CRM_EINVAL, "customer.custom");
    }
}

TEST_CASE("every invalid input names its field", "[customers]") {
    // One file for every generated row: rows only add (or fail to add) their own
    // records, and creating a database per row would dominate the run time.
    static TempDb t;
    const auto [json, field] = GENERATE(table<std::string, std::string>({
        {R"({"display_name": "x", "bogus": 1})", "customer.bogus"},
        {R"({"display_name": "x", "Stage": "prospect"})", "customer.Stage"},
        {R"({"display_name": "x", "stage": "vip"})", "customer.stage"},
        {R"({"display_name": "x", "stage": "Prospect"})", "customer.stage"},
        {R"({"display_name": "x", "gender": "m"})", "customer.gender"},
        {R"({"display_name": "x", "kind": "robot"})", "customer.kind"},
        {R"({"display_name": "x", "birthday": "1990-02-30"})", "customer.birthday"},
        {R"({"display_name": "x", "birthday": "1990-13-01"})", "customer.birthday"},
        {R"({"display_name": "x", "birthday": 19900101})", "customer.birthday"},
        {R"({"display_name": "x", "birthday": "1990-01-01T00:00:00Z"})", "customer.birthday"},
        {R"({"display_name": "x", "consent_marketing": "yes"})", "customer.consent_marketing"},
        {R"({"display_name": "x", "consent_data_sharing": 1})", "customer.consent_data_sharing"},
        {R"({"display_name": 42})", "customer.display_name"},
        {R"({"display_name": ""})", "customer.display_name"},
        {R"({"city": "上海"})", "customer.display_name"},
        {R"({"display_name": "x", "notes": ["a"]})", "customer.notes"},
        {R"({"display_name": "x", "postcode": "123456789012345678901"})", "customer.postcode"},
        {R"({"display_name": "x", "id": "0190b5c4-7a1e-7c3d-9f2a-4b5c6d7e8f90"})", "customer.id"},
        {R"({"display_name": "x", "created_at": "2026-01-01"})", "customer.created_at"},
        {R"({"display_name": "x", "phones": "13800000000"})", "customer.phones"},
        {R"({"display_name": "x", "phones": [13800000000]})", "customer.phones[0]"},
        {R"({"display_name": "x", "emails": [{"label": "work"}]})", "customer.emails[0].value"},
        {R"({"display_name": "x", "tags": "vip"})", "customer.tags"},
        {R"({"display_name": "x", "tags": [1]})", "customer.tags[0]"},
        {R"({"display_name": "x", "tags": ["a//b"]})", "customer.tags[0]"},
        {R"({"display_name": "x", "tags": ["a/b/c/d"]})", "customer.tags[0]"},
        {R"({"display_name": "x", "external_ids": ["erp"]})", "customer.external_ids"},
        {R"({"display_name": "x", "external_ids": {"erp": 5}})", "customer.external_ids.erp"},
        {R"({"display_name": "x", "custom": "x"})", "customer.custom"},
    }));
    INFO(json);
    const Json in = Json::parse(json);
    const auto e = thrown([&] { customers::create(*t, in); });
    INFO("message: " << e.what());
    CHECK(std::string(crm_status_name(e.code())) == "CRM_EINVAL");
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith(field));
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 0);
    CHECK(scalar(*t, "SELECT count(*) FROM sync_versions") == 0);
}

// Input::text refuses NUL for profile fields; the list and map entries read
// straight from the JSON (emails, tags, external ids) must refuse it too.
TEST_CASE("a NUL character inside any string is refused naming the field", "[customers]") {
    TempDb t;
    const auto [json, field] = GENERATE(table<std::string, std::string>({
        {R"({"display_name": "a\u0000b"})", "customer.display_name"},
        {R"({"display_name": "x", "phones": ["13800000000\u0000"]})", "customer.phones[0]"},
        {R"({"display_name": "x", "emails": [{"value": "a\u0000b@example.com"}]})", "customer.emails[0]"},
        {R"({"display_name": "x", "emails": ["a\u0000b@example.com"]})", "customer.emails[0]"},
        {R"({"display_name": "x", "tags": ["vip\u0000gold"]})", "customer.tags[0]"},
        {R"({"display_name": "x", "external_ids": {"erp": "C\u00001"}})", "customer.external_ids.erp"},
    }));
    INFO(json);
    const Json in = Json::parse(json);
    const auto e = thrown([&] { customers::create(*t, in); });
    INFO("message: " << e.what());
    CHECK(e.code() == CRM_EINVAL);
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith(field));
    CHECK(scalar(*t, "SELECT count(*) FROM customers") == 0);
}

TEST_CASE("an invalid update names its field and changes nothing", "[customers]") {
    // One file for every generated row: rows only add (or fail to add) their own
    // records, and creating a database per row would dominate the run time.
    static TempDb t;
    static const Uuid id = customers::create(*t, Json{{"display_name", "王小明"}, {"stage", "prospect"}});
    const Json before = customers::get(*t, id);
    const auto [json, field] = GENERATE(table<std::string, std::string>({
        {R"({"stage": "vip"})", "customer.stage"},
        {R"({"kind": null})", "customer.kind"},
        {R"({"display_name": null})", "customer.display_name"},
        {R"({"display_name": ""})", "customer.display_name"},
        {R"({"city": "北京", "gender": "x"})", "customer.gender"},
        {R"({"city": "北京", "nickname": "x"})", "customer.nickname"},
        {R"({"updated_at": "2026-01-01"})", "customer.updated_at"},
        {R"({"city": "北京", "emails": ["bad"]})", "customer.emails[0]"},
    }));
    INFO(json);
    const auto e = thrown([&] { customers::update(*t, id, Json::parse(json)); });
    INFO("message: " << e.what());
    CHECK(e.code() == CRM_EINVAL);
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith(field));
    CHECK(customers::get(*t, id) == before);
}

TEST_CASE("tags given on a record are added, never removed", "[customers]") {
    TempDb t;
    const Uuid id = customers::create(*t, Json{{"display_name", "x"}, {"tags", {" vip ", "地区 / 华东"}}});
    CHECK(customers::get(*t, id)["tags"] == Json{"vip", "地区/华东"});
    REQUIRE(customers::update(*t, id, Json{{"tags", {"new"}}}));
    CHECK(customers::get(*t, id)["tags"] == Json{"new", "vip", "地区/华东"});
}
