// Failure checks shared by the benchmark suites: a failed call throws, and the
// suite's child process reports it instead of printing a figure.
#pragma once

#include <sqlite3.h>

#include <stdexcept>
#include <string>

#include "crmlite/crmlite.h"

namespace bench {

inline void check(crm_status st, const char* what) {
    if (st != CRM_OK) throw std::runtime_error(std::string(what) + ": " + crm_errmsg());
}

inline void sq(int rc, sqlite3* db, const char* what) {
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE)
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
}

}  // namespace bench
