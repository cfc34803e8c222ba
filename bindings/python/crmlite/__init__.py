"""crmlite: an embedded single-file CRM engine, through its stable C ABI.

    import crmlite
    with crmlite.Database("shop.crm") as db:
        cid = db.create_customer({"family_name": "王", "given_name": "小明",
                                  "phones": ["138 1234 5678"]})
        for hit in db.search("小明"):
            print(hit["title"])

The shared library is found through the CRMLITE_LIBRARY environment variable,
else ``ctypes.util.find_library("crmlite")``.
"""

from . import _ffi
from .database import Cursor, Database, sync_dump
from .errors import (AlreadyExists, Busy, Canceled, CrmError, Corrupt, InternalError,
                     InvalidInput, IOFailure, Misuse, NotADatabase, NotFound, OutOfMemory,
                     PermissionDenied, TooNew, UserError, FormatError, StaleError, ConflictError)

__all__ = [
    "Database", "Cursor", "sync_dump", "version", "version_number", "abi_version", "live_handles",
    "library_path", "CrmError", "InternalError", "InvalidInput", "NotFound", "AlreadyExists",
    "NotADatabase", "TooNew", "IOFailure", "Busy", "OutOfMemory", "PermissionDenied", "Corrupt",
    "Misuse", "Canceled", "UserError", "FormatError", "StaleError", "ConflictError",
]

#: The path the shared library was loaded from.
library_path = _ffi.library_path

__version__ = _ffi.lib.crm_version().decode("ascii")


def version():
    """The loaded library's version string, e.g. "0.1.0"."""
    return _ffi.lib.crm_version().decode("ascii")


def version_number():
    """The loaded library's major*1000000 + minor*1000 + patch."""
    return _ffi.lib.crm_version_number()


def abi_version():
    """The loaded library's ABI version (its SOVERSION)."""
    return _ffi.lib.crm_abi_version()


def live_handles():
    """Live C handles (databases, cursors, options) in this process: a leak
    oracle, zero once everything was closed."""
    return _ffi.lib.crm_live_handles()
