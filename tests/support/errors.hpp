// Test support: catching a crmlite::Error to look at its status and message.
#pragma once

#include <catch2/catch.hpp>

#include <stdexcept>
#include <string>

#include "common/error.hpp"

namespace crmlite::testing {

// Runs f and returns the crmlite::Error it throws; fails the test (by throwing
// something else) when it throws nothing.
template <class F>
crmlite::Error thrown(F&& f) {
    try {
        f();
    } catch (const crmlite::Error& e) {
        return e;
    }
    throw std::runtime_error("expected a crmlite::Error, but nothing was thrown");
}

}  // namespace crmlite::testing

using crmlite::testing::thrown;

// expr throws a crmlite::Error with `status` whose message contains `needle`.
#define CHECK_CRM_ERROR(expr, status, needle)                                                      \
    do {                                                                                           \
        const crmlite::Error err_ = crmlite::testing::thrown([&] { (void)(expr); });               \
        INFO("message: " << err_.what());                                                          \
        CHECK(std::string(crm_status_name(err_.code())) == crm_status_name(status));               \
        CHECK_THAT(std::string(err_.what()), Catch::Matchers::Contains(needle));                   \
    } while (0)
