// Field rules as data, completeness, and the data-quality report.
#include <catch2/catch.hpp>

#include "customers/customers.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"
#include "validation/rules.hpp"

using namespace crmlite;
using crmlite::testing::TempDb;

TEST_CASE("a customer is checked against the default rules", "[validation]") {
    TempDb t;
    const Uuid full = customers::create(*t, Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}, {"emails", {"a@b.cn"}},
                                                 {"gender", "male"}, {"birthday", "1990-01-02"}, {"province", "上海"},
                                                 {"city", "上海"}, {"address", "南京西路1号"}, {"postcode", "200040"},
                                                 {"company", "某公司"}, {"source", "展会"}});
    const Json v = validation::validate(*t, full);
    CHECK(v["completeness"] == 1.0);
    CHECK(v["missing"].empty());
    CHECK(v["invalid"].empty());

    const Uuid sparse = customers::create(*t, Json{{"display_name", "李四"}, {"phones", {"12345"}}, {"postcode", "ABC!"}});
    const Json w = validation::validate(*t, sparse);
    CHECK(w["missing"] == Json::array({"city"}));
    REQUIRE(w["invalid"].size() == 2);
    CHECK(w["invalid"][0]["field"] == "phones");  // flagged invalid by libphonenumber
    CHECK(w["invalid"][1]["field"] == "postcode");
    CHECK(w["completeness"].get<double>() < 0.3);
}

TEST_CASE("rules are data: set, read back, and refused naming the bad rule", "[validation]") {
    TempDb t;
    validation::set_rules(*t, Json::parse(R"({"rules": [
        {"field": "stage", "required": true, "enum": ["customer", "loyal"], "weight": 1},
        {"field": "industry", "kind": "company", "required": true, "weight": 1}]})"));
    CHECK(validation::rules_json(*t)["rules"].size() == 2);
    const Uuid p = customers::create(*t, Json{{"display_name", "x"}, {"stage", "prospect"}});
    const Json v = validation::validate(*t, p);
    CHECK(v["missing"].empty());  // industry is a company rule
    REQUIRE(v["invalid"].size() == 1);
    CHECK(v["invalid"][0]["field"] == "stage");
    const Uuid c = customers::create(*t, Json{{"display_name", "Acme"}, {"kind", "company"}, {"stage", "loyal"}});
    CHECK(validation::validate(*t, c)["missing"] == Json::array({"industry"}));
    CHECK_CRM_ERROR(validation::set_rules(*t, Json::parse(R"({"rules": [{"field": "x"}]})")), CRM_EINVAL, "rules[0].field");
    CHECK_CRM_ERROR(validation::set_rules(*t, Json::parse(R"({"rules": [{"field": "city"}, {"field": "city", "pattern": "("}]})")),
                    CRM_EINVAL, "rules[1].pattern");
    CHECK(validation::rules_json(*t)["rules"].size() == 2);  // unchanged
    validation::set_rules(*t, Json());
    CHECK(validation::rules_json(*t)["rules"].size() > 2);  // the defaults again
}

TEST_CASE("the report gives the handbook's KPIs over the file", "[validation]") {
    TempDb t;
    customers::create(*t, Json{{"display_name", "王小明"}, {"phones", {"13812345678"}}, {"city", "上海"}});
    customers::create(*t, Json{{"display_name", "Wang Xiaoming"}, {"phones", {"13812345678"}}, {"city", "上海"}});
    customers::create(*t, Json{{"display_name", "李四"}});
    customers::create(*t, Json{{"display_name", "赵六"}, {"phones", {"13900000000"}}, {"city", "北京"}, {"postcode", "??"}});
    const Json r = validation::report(*t, Json{{"stale_days", 30}});
    CHECK(r["customers"] == 4);
    CHECK(r["fields"]["city"]["missing"] == 1);
    CHECK(r["fields"]["phones"]["missing"] == 1);
    CHECK(r["fields"]["postcode"]["invalid"] == 1);
    CHECK(r["missing_rate"].get<double>() == Approx(2.0 / 12));  // 3 required fields x 4 customers
    CHECK(r["duplicate_rate"].get<double>() == Approx(0.25));
    CHECK(r["stale_profiles"] == 0);
    bool dup_kpi_failed = false;
    for (const auto& k : r["kpis"])
        if (k["kpi"] == "duplicate_rate") dup_kpi_failed = !k["ok"].get<bool>();
    CHECK(dup_kpi_failed);
    CHECK_CRM_ERROR(validation::report(*t, Json{{"stale_days", 0}}), CRM_EINVAL, "options.stale_days");
}
