#include "capi/guard.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace crmlite::capi {

std::atomic<std::int64_t> live_handles{0};

LastError& last_error() {
    thread_local LastError e;
    return e;
}

crm_status fail(crm_status code, const std::string& message, int sqlite_code) {
    auto& e = last_error();
    e.code = code;
    e.sqlite_code = sqlite_code;
    e.message = message;
    return code;
}

crm_status from_sqlite(int extended_code) {
    switch (extended_code & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return CRM_EBUSY;
    case SQLITE_NOMEM:
        return CRM_ENOMEM;
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
        return CRM_EIO;
    case SQLITE_CORRUPT:
        return CRM_ECORRUPT;
    case SQLITE_NOTADB:
        return CRM_ENOTADB;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
        return CRM_EPERM;
    case SQLITE_CONSTRAINT:
        return CRM_EINVAL;
    case SQLITE_TOOBIG:
        return CRM_EINVAL;
    default:
        return CRM_ERROR;
    }
}

crm_status from_current_exception() {
    try {
        throw;
    } catch (const Error& e) {
        return fail(e.code(), e.what(), e.sqlite_code());
    } catch (const SQLite::Exception& e) {
        const int ext = e.getExtendedErrorCode();
        return fail(from_sqlite(ext), std::string("sqlite: ") + e.what(), ext);
    } catch (const nlohmann::json::exception& e) {
        return fail(CRM_EINVAL, std::string("json: ") + e.what());
    } catch (const std::bad_alloc&) {
        return fail(CRM_ENOMEM, "out of memory");
    } catch (const std::exception& e) {
        return fail(CRM_ERROR, std::string("internal error: ") + e.what());
    } catch (...) {
        return fail(CRM_ERROR, "internal error: unknown exception");
    }
}

}  // namespace crmlite::capi
