// JSON at the ABI boundary: every bad input is CRM_EINVAL naming the field.
#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "common/error.hpp"
#include "common/json.hpp"
#include "support/errors.hpp"

using crmlite::Input;
using crmlite::Json;

namespace {

#define CHECK_EINVAL_NAMING(expr, field)                                                  \
    do {                                                                                  \
        const crmlite::Error err_ = thrown([&] { (void)(expr); });                        \
        INFO("message: " << err_.what());                                                 \
        CHECK(crm_status_name(err_.code()) == std::string("CRM_EINVAL"));                 \
        CHECK_THAT(std::string(err_.what()), Catch::Matchers::StartsWith(field ":"));     \
    } while (0)

}  // namespace

TEST_CASE("parse_object accepts a JSON object and nothing else", "[common][json]") {
    SECTION("an object") {
        const Json j = crmlite::parse_object(R"({"display_name":"王小明","n":1})", "customer");
        CHECK(j["display_name"] == "王小明");
    }
    SECTION("invalid JSON, invalid UTF-8 and non-objects are refused naming the record") {
        const std::string text = GENERATE(as<std::string>{},
                                          "", "{", "}", "{\"a\":}", "{\"a\" 1}", "{'a':1}", "nul",
                                          "{\"a\":1,}", "{\"a\":1} trailing",
                                          "{\"a\":\"\xFF\"}",             // invalid byte
                                          "{\"a\":\"\xC0\xAF\"}",         // overlong '/'
                                          "{\"a\":\"\xED\xA0\x80\"}",     // UTF-16 surrogate
                                          "{\"a\":\"\xE7\x8E\"}",         // truncated 王
                                          "[]", "[{\"a\":1}]", "1", "\"s\"", "null", "true");
        INFO("input: " << text);
        CHECK_EINVAL_NAMING(crmlite::parse_object(text.c_str(), "customer"), "customer");
    }
    SECTION("NULL is refused") {
        CHECK_EINVAL_NAMING(crmlite::parse_object(nullptr, "query"), "query");
    }
}

TEST_CASE("Input reads typed fields and names the field on every mismatch", "[common][json]") {
    const Json j = Json::parse(R"({
        "s": "王小明", "empty": "", "n": 42, "neg": -3, "big": 18446744073709551615, "f": 1.5,
        "b": true, "nul": null, "obj": {"k": [1, 2]}, "arr": [1], "when": "2026-11-23T17:00:00+08:00",
        "day": "2026-02-28", "badday": "2026-02-30", "nulchar": "a\u0000b", "stage": "lead"
    })");
    const Input in(j, "customer");

    SECTION("text") {
        CHECK(in.text("s") == std::optional<std::string>("王小明"));
        CHECK_FALSE(in.text("missing").has_value());
        CHECK_FALSE(in.text("nul").has_value());
        CHECK_EINVAL_NAMING(in.text("n"), "customer.n");
        CHECK_EINVAL_NAMING(in.text("obj"), "customer.obj");
        CHECK_EINVAL_NAMING(in.text("b"), "customer.b");
        CHECK_EINVAL_NAMING(in.text("nulchar"), "customer.nulchar");
    }
    SECTION("text length is counted in code points, not bytes") {
        CHECK(in.text("s", 3).has_value());  // 9 bytes, 3 characters
        CHECK_EINVAL_NAMING(in.text("s", 2), "customer.s");
    }
    SECTION("required text") {
        CHECK(in.required_text("s") == "王小明");
        CHECK_EINVAL_NAMING(in.required_text("empty"), "customer.empty");
        CHECK_EINVAL_NAMING(in.required_text("missing"), "customer.missing");
        CHECK_EINVAL_NAMING(in.required_text("nul"), "customer.nul");
    }
    SECTION("integers") {
        CHECK(in.integer("n", 0, 100) == std::optional<std::int64_t>(42));
        CHECK(in.integer("neg", -10, 0) == std::optional<std::int64_t>(-3));
        CHECK_FALSE(in.integer("nul", 0, 1).has_value());
        CHECK_EINVAL_NAMING(in.integer("n", 0, 41), "customer.n");
        CHECK_EINVAL_NAMING(in.integer("neg", 0, 10), "customer.neg");
        CHECK_EINVAL_NAMING(in.integer("big", INT64_MIN, INT64_MAX), "customer.big");
        CHECK_EINVAL_NAMING(in.integer("f", 0, 10), "customer.f");
        CHECK_EINVAL_NAMING(in.integer("s", 0, 10), "customer.s");
        CHECK_EINVAL_NAMING(in.integer("b", 0, 10), "customer.b");
    }
    SECTION("booleans") {
        CHECK(in.boolean("b") == std::optional<bool>(true));
        CHECK_EINVAL_NAMING(in.boolean("n"), "customer.n");
        CHECK_EINVAL_NAMING(in.boolean("s"), "customer.s");
    }
    SECTION("choices list the allowed values") {
        CHECK(in.choice("s", {"王小明", "x"}) == std::optional<std::string>("王小明"));
        const auto e = thrown([&] { in.choice("stage", {"prospect", "customer"}); });
        CHECK(e.code() == CRM_EINVAL);
        CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith("customer.stage:") &&
                                              Catch::Matchers::Contains("prospect, customer"));
    }
    SECTION("instants and dates") {
        CHECK(in.instant("when") == std::optional<std::int64_t>(1'795'424'400'000));
        CHECK_EINVAL_NAMING(in.instant("s"), "customer.s");
        CHECK_EINVAL_NAMING(in.instant("n"), "customer.n");
        CHECK(in.date("day") == std::optional<std::string>("2026-02-28"));
        CHECK_EINVAL_NAMING(in.date("badday"), "customer.badday");
        CHECK_EINVAL_NAMING(in.date("when"), "customer.when");
    }
    SECTION("objects") {
        CHECK(in.object_text("obj") == std::optional<std::string>(R"({"k":[1,2]})"));
        CHECK_EINVAL_NAMING(in.object_text("arr"), "customer.arr");
        CHECK_EINVAL_NAMING(in.object_text("s"), "customer.s");
        CHECK_EINVAL_NAMING(in.object_text("obj", 5), "customer.obj");
    }
    SECTION("unknown keys") {
        const Json extra = {{"s", 1}, {"surname", 2}};
        CHECK_EINVAL_NAMING(Input(extra, "customer").allow_only({"s", "empty"}), "customer.surname");
        const Json small = {{"a", 1}, {"b", 2}};
        CHECK_NOTHROW(Input(small, "x").allow_only({"a", "b", "c"}));
    }
}

TEST_CASE("UTF-8 validation refuses overlongs, surrogates and truncation", "[common][json]") {
    SECTION("valid") {
        const std::string s = GENERATE(as<std::string>{}, "", "abc", "王小明", "José", "\xF0\x9F\x98\x80",
                                       "\xEF\xBC\x91", "\xF4\x8F\xBF\xBF");
        CHECK(crmlite::utf8_valid(s));
    }
    SECTION("invalid") {
        const std::string s = GENERATE(as<std::string>{}, "\xFF", "\x80", "\xC0\xAF", "\xE0\x80\xAF",
                                       "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE7\x8E", "a\xE7", "\xF8\x88\x80\x80\x80");
        CHECK_FALSE(crmlite::utf8_valid(s));
    }
    CHECK(crmlite::utf8_length("王小明 Li") == 6);
}

TEST_CASE("dumping stored text with invalid UTF-8 replaces it instead of failing", "[common][json]") {
    const Json j = {{"name", std::string("ab\xFF")}};
    std::string out;
    REQUIRE_NOTHROW(out = crmlite::dump(j));
    CHECK(out == "{\"name\":\"ab\xEF\xBF\xBD\"}");
    CHECK(crmlite::dump(Json{{"n", "王"}}) == "{\"n\":\"王\"}");
}
