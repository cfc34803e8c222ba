// Normalisers: phones through libphonenumber (Chinese and international,
// full-width input, invalid numbers flagged and kept), e-mails, NFKC text,
// pinyin with the surname table, provinces and cities.
#include <catch2/catch.hpp>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "normalize/normalize.hpp"
#include "normalize/phone.hpp"
#include "normalize/settings.hpp"
#include "support/errors.hpp"
#include "support/temp_db.hpp"

using namespace crmlite;
using crmlite::testing::TempDb;

TEST_CASE("phones become E.164 with their type, in the default region", "[normalize]") {
    const auto [input, e164, type] = GENERATE(table<std::string, std::string, std::string>({
        {"13812345678", "+8613812345678", "mobile"},
        {"１３８ １２３４ ５６７８", "+8613812345678", "mobile"},    // full-width digits and space
        {"０２１－６１２３４５６７", "+862161234567", "fixed_line"},  // full-width landline
        {"(010) 6552 9988", "+861065529988", "fixed_line"},
        {"0086 139 0000 1111", "+8613900001111", "mobile"},
        {"+44 20 7946 0958", "+442079460958", "fixed_line"},
        {"+1 650-253-0000", "+16502530000", "fixed_line_or_mobile"},
        {"+49 30 901820", "+4930901820", "fixed_line"},
    }));
    INFO(input);
    const auto p = normalize::parse_phone(input);
    CHECK(p.parsed);
    CHECK(p.valid);
    CHECK(p.e164 == e164);
    CHECK(p.type == type);
}

TEST_CASE("an invalid phone number is flagged and kept, not dropped", "[normalize]") {
    const auto p = normalize::parse_phone("138 1234");  // too short for a mainland mobile
    CHECK_FALSE(p.valid);
    CHECK(p.e164 == "+861381234");
    TempDb t;
    const Json c = customers::get(*t, customers::create(*t, Json{{"display_name", "x"}, {"phones", {"12345", "13812345678"}}}));
    REQUIRE(c["phones"].size() == 2);
    CHECK(c["phones"][0]["value"] == "12345");
    CHECK(c["phones"][0]["valid"] == false);
    CHECK(c["phones"][1]["valid"] == true);
    CHECK(c["phones"][1]["phone_type"] == "mobile");
}

TEST_CASE("the default phone region is a setting of the file", "[normalize]") {
    TempDb t;
    CHECK(normalize::phone_region(*t) == "CN");
    normalize::set_phone_region(*t, "US");
    const Json c = customers::get(*t, customers::create(*t, Json{{"display_name", "x"}, {"phones", {"(650) 253-0000"}}}));
    CHECK(c["phones"][0]["normalized"] == "+16502530000");
    CHECK_CRM_ERROR(normalize::set_phone_region(*t, "XX"), CRM_EINVAL, "region");
    t.reopen();
    CHECK(normalize::phone_region(*t) == "US");
}

TEST_CASE("e-mails are trimmed, the domain lower-cased and the syntax checked", "[normalize]") {
    const auto e = normalize::parse_email("  John.Doe@Example.COM ");
    CHECK(e.valid);
    CHECK(e.normalized == "John.Doe@example.com");
    CHECK(e.match_key == "john.doe@example.com");
    CHECK(normalize::parse_email("ｊｏｈｎ＠ｅｘａｍｐｌｅ．ｃｏｍ").normalized == "john@example.com");  // full-width
    for (const char* bad : {"john", "john@", "@example.com", "john@example", "jo hn@example.com", "john@example..com",
                            "john@@example.com", "john@example.c0m"}) {
        INFO(bad);
        CHECK_FALSE(normalize::parse_email(bad).valid);
    }
}

TEST_CASE("text is NFKC-folded with spaces collapsed", "[normalize]") {
    CHECK(normalize::text("ＡＢＣ１２３") == "ABC123");
    CHECK(normalize::text("  王\u3000 小明  ") == "王 小明");
    CHECK(normalize::text("Ｊｏｈｎ   Smith") == "John Smith");
    CHECK(normalize::fold("ＪＯＨＮ") == "john");
}

TEST_CASE("Chinese names get pinyin with surnames read as surnames", "[normalize]") {
    // ICU reads these characters by their common word readings (dan, ceng/zeng,
    // jie, qu): the surname table reads them as surnames.
    CHECK(normalize::name_pinyin("单伟") == "shan wei");
    CHECK(normalize::name_pinyin("曾丽") == "zeng li");
    CHECK(normalize::name_pinyin("解明") == "xie ming");
    CHECK(normalize::name_pinyin("区华") == "ou hua");
    CHECK(normalize::name_pinyin("欧阳娜娜") == "ouyang na na");
    CHECK(normalize::name_pinyin("张伟") == "zhang wei");
    CHECK(normalize::name_pinyin("Zhang  Wei") == "zhang wei");
    // The match key: "Zhang Wei", "Wei Zhang", "张伟" and "ZHANG WEI" meet.
    CHECK(normalize::name_key("张伟") == normalize::name_key("Zhang Wei"));
    CHECK(normalize::name_key("Wei Zhang") == normalize::name_key("张伟"));
    CHECK(normalize::name_key("王小明") == normalize::name_key("Wang Xiaoming"));
    CHECK(normalize::name_key("单伟") == normalize::name_key("Shan Wei"));
    CHECK(normalize::name_key("单伟") != normalize::name_key("Dan Wei"));
}

TEST_CASE("provinces and cities take their canonical form", "[normalize]") {
    CHECK(normalize::province("广东") == "广东省");
    CHECK(normalize::province("Guangdong Province") == "广东省");
    CHECK(normalize::province("广东省") == "广东省");
    CHECK(normalize::province("内蒙古") == "内蒙古自治区");
    CHECK(normalize::province("上海") == "上海市");
    CHECK(normalize::city("深圳") == "深圳市");
    CHECK(normalize::city("Shenzhen") == "深圳市");
    CHECK(normalize::city("深圳市") == "深圳市");
    CHECK(normalize::city("绍兴") == "绍兴市");  // not in the table: the suffix rule
    CHECK(normalize::city("Springfield") == "Springfield");
}
