// header_cxx.cpp — proves that the public headers compile as C++ under strict
// warnings (crmlite.h inside extern "C", crmlite.hpp as a header-only wrapper),
// and that a C++ program can call into the shared library through them.
// Built as C++17 on purpose: the wrapper must not require the C++20 the engine uses.
#include "crmlite/crmlite.h"
#include "crmlite/crmlite.hpp"

#include <cstdio>
#include <cstring>
#include <type_traits>

// The ABI types are what the C header says they are, seen from C++ too.
static_assert(std::is_same_v<decltype(&crm_version), const char* (*)() noexcept>);
static_assert(std::is_same_v<decltype(&crm_customer_create), crm_status (*)(char**, crm_db*, const char*) noexcept>);
static_assert(sizeof(crm_status) == sizeof(int), "crm_status is an int-sized enum");

int main() {
    if (std::strcmp(crm_version(), CRMLITE_VERSION_STRING) != 0) {
        std::fprintf(stderr, "crm_version() %s != header %s\n", crm_version(), CRMLITE_VERSION_STRING);
        return 1;
    }
    // The wrapper's error type carries the status and the message.
    try {
        crm::Database db("/nonexistent-dir/crm.db");  // no such directory: CRM_EIO
        std::fprintf(stderr, "opening a file in a missing directory unexpectedly succeeded\n");
        return 1;
    } catch (const crm::Error& e) {
        if (e.code() == CRM_OK || std::strlen(e.what()) == 0) return 1;
    }
    std::printf("headers compile as C++; crmlite %s\n", crm_version());
    return crm_live_handles() == 0 ? 0 : 1;
}
