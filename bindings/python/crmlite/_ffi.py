"""ctypes declarations of the crmlite C ABI (include/crmlite/crmlite.h).

Every function of the header is declared here with its argtypes and restype, so
a mismatch shows up in one place. Rules this module encodes:

- Handles are pointers to distinct opaque structs, so a cursor can never be
  passed where a database is expected.
- Buffers the library hands over through a ``char**`` out-parameter are owned by
  the caller: they are received as ``c_void_p`` (never ``c_char_p``, which would
  copy and lose the pointer), copied with ``ctypes.string_at`` and released with
  ``crm_free`` -- see :func:`take_string`.
- Borrowed ``const char*`` results (``crm_version``, ``crm_errmsg``, ...) are
  static or valid until the next call, so ``c_char_p`` (which copies at once) is
  fine for them.
"""

import ctypes
import ctypes.util
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, c_char_p, c_int, c_int64,
                    c_size_t, c_void_p)

ENV_VAR = "CRMLITE_LIBRARY"
ABI_VERSION = 1

# crm_status values.
OK = 0
ERROR = 1
EINVAL = 2
ENOTFOUND = 3
EEXISTS = 4
ENOTADB = 5
ETOONEW = 6
EIO = 7
EBUSY = 8
ENOMEM = 9
EPERM = 10
ECORRUPT = 11
EMISUSE = 12
ECANCELED = 13
EUSER = 14
EFORMAT = 15
ESTALE = 16
ECONFLICT = 17
ROW = 100
DONE = 101


class crm_db(Structure):
    """Opaque."""


class crm_cursor(Structure):
    """Opaque."""


class crm_options(Structure):
    """Opaque."""


class crm_import_options(Structure):
    """Opaque."""


class crm_sync_options(Structure):
    """Opaque."""


db_p = POINTER(crm_db)
cursor_p = POINTER(crm_cursor)
options_p = POINTER(crm_options)
import_options_p = POINTER(crm_import_options)
sync_options_p = POINTER(crm_sync_options)

# typedef int (*crm_progress_fn)(void* user_data, int64_t done, int64_t total);
PROGRESS_FN = CFUNCTYPE(c_int, c_void_p, c_int64, c_int64)

status = c_int
out_str = POINTER(c_void_p)  # char** (owned) and const char** (borrowed)

# name: (restype, [argtypes])
_SIGNATURES = {
    # versions
    "crm_version": (c_char_p, []),
    "crm_version_number": (c_int, []),
    "crm_abi_version": (c_int, []),
    # errors, memory, leak oracle
    "crm_errmsg": (c_char_p, []),
    "crm_errcode": (status, []),
    "crm_errcode_sqlite": (c_int, []),
    "crm_status_name": (c_char_p, [status]),
    "crm_free": (None, [c_void_p]),
    "crm_live_handles": (c_int64, []),
    # open options
    "crm_options_new": (status, [POINTER(options_p)]),
    "crm_options_free": (None, [options_p]),
    "crm_options_set_create": (status, [options_p, c_int]),
    "crm_options_set_readonly": (status, [options_p, c_int]),
    "crm_options_set_timezone": (status, [options_p, c_char_p]),
    "crm_options_set_busy_timeout": (status, [options_p, c_int]),
    # database
    "crm_open": (status, [POINTER(db_p), c_char_p, options_p]),
    "crm_close": (None, [db_p]),
    "crm_begin": (status, [db_p]),
    "crm_commit": (status, [db_p]),
    "crm_rollback": (status, [db_p]),
    "crm_db_info": (status, [out_str, db_p]),
    # cursors
    "crm_cursor_next": (status, [out_str, cursor_p]),
    "crm_cursor_token": (status, [out_str, cursor_p]),
    "crm_cursor_free": (None, [cursor_p]),
    # customers
    "crm_customer_create": (status, [out_str, db_p, c_char_p]),
    "crm_customer_get": (status, [out_str, db_p, c_char_p]),
    "crm_customer_update": (status, [db_p, c_char_p, c_char_p]),
    "crm_customer_delete": (status, [db_p, c_char_p]),
    "crm_customer_find_external": (status, [out_str, db_p, c_char_p, c_char_p]),
    "crm_customer_view": (status, [out_str, db_p, c_char_p]),
    "crm_customer_query": (status, [POINTER(cursor_p), db_p, c_char_p]),
    "crm_customer_count": (status, [POINTER(c_int64), db_p, c_char_p]),
    # interactions
    "crm_interaction_add": (status, [out_str, db_p, c_char_p]),
    "crm_interaction_get": (status, [out_str, db_p, c_char_p]),
    "crm_interaction_update": (status, [db_p, c_char_p, c_char_p]),
    "crm_interaction_delete": (status, [db_p, c_char_p]),
    "crm_timeline": (status, [POINTER(cursor_p), db_p, c_char_p]),
    # tags
    "crm_tag_create": (status, [out_str, db_p, c_char_p]),
    "crm_tag_list": (status, [out_str, db_p]),
    "crm_tag_delete": (status, [db_p, c_char_p]),
    "crm_tag_assign": (status, [db_p, c_char_p, c_char_p]),
    "crm_tag_unassign": (status, [db_p, c_char_p, c_char_p]),
    # search
    "crm_search": (status, [POINTER(cursor_p), db_p, c_char_p]),
    # import / export
    "crm_import_options_new": (status, [POINTER(import_options_p)]),
    "crm_import_options_free": (None, [import_options_p]),
    "crm_import_options_set_format": (status, [import_options_p, c_char_p]),
    "crm_import_options_set_records": (status, [import_options_p, c_char_p]),
    "crm_import_options_set_system": (status, [import_options_p, c_char_p]),
    "crm_import_options_set_mapping": (status, [import_options_p, c_char_p]),
    "crm_import_options_set_batch_size": (status, [import_options_p, c_int]),
    "crm_import_options_set_progress": (status, [import_options_p, PROGRESS_FN, c_void_p]),
    "crm_import_file": (status, [out_str, db_p, c_char_p, import_options_p]),
    "crm_export_file": (status, [out_str, db_p, c_char_p, c_char_p]),
    # sync
    "crm_sync_options_new": (status, [POINTER(sync_options_p)]),
    "crm_sync_options_free": (None, [sync_options_p]),
    "crm_sync_options_set_max_clock_skew_ms": (status, [sync_options_p, c_int64]),
    "crm_sync_changes": (status, [POINTER(c_void_p), POINTER(c_size_t), POINTER(c_int64), POINTER(c_int),
                                  db_p, c_int64, c_int64]),
    "crm_sync_apply": (status, [out_str, db_p, c_char_p, c_size_t, sync_options_p]),
    "crm_sync_received": (status, [POINTER(c_int64), db_p, c_char_p]),
    "crm_sync_dump": (status, [out_str, c_char_p, c_size_t]),
    "crm_sync_options_set_peer": (status, [sync_options_p, c_char_p]),
    "crm_sync_options_add_share": (status, [sync_options_p, c_char_p, c_char_p]),
    "crm_sync_options_set_conflict_retention_ms": (status, [sync_options_p, c_int64]),
    "crm_sync_options_set_audit": (status, [sync_options_p, c_int]),
    "crm_sync_changes_for": (status, [POINTER(c_void_p), POINTER(c_size_t), POINTER(c_int64), POINTER(c_int),
                                      db_p, c_int64, c_int64, sync_options_p]),
    "crm_sync_conflicts": (status, [out_str, db_p, c_char_p, c_int64]),
    "crm_sync_gc": (status, [out_str, db_p, c_int64]),
    "crm_sync_snapshot": (status, [out_str, db_p, c_char_p, sync_options_p]),
    "crm_sync_rebaseline": (status, [out_str, db_p, db_p, c_char_p, sync_options_p]),
}


def _locate():
    path = os.environ.get(ENV_VAR)
    if path:
        return path
    path = ctypes.util.find_library("crmlite")
    if path:
        return path
    raise ImportError(
        "crmlite: cannot find the crmlite shared library. Build it "
        "(cmake -S . -B build -G Ninja && ninja -C build) and set "
        f"{ENV_VAR}=/path/to/build/src/libcrmlite.so, or install it where "
        "the dynamic linker finds it (ctypes.util.find_library('crmlite')).")


def _load():
    path = _locate()
    try:
        cdll = ctypes.CDLL(path)
    except OSError as e:
        raise ImportError(f"crmlite: cannot load the shared library {path!r}: {e}") from e
    for name, (restype, argtypes) in _SIGNATURES.items():
        try:
            fn = getattr(cdll, name)
        except AttributeError as e:
            raise ImportError(f"crmlite: {path!r} does not export {name}; "
                              "is it an older crmlite?") from e
        fn.restype = restype
        fn.argtypes = argtypes
    abi = cdll.crm_abi_version()
    if abi != ABI_VERSION:
        raise ImportError(f"crmlite: {path!r} has ABI version {abi}; "
                          f"this binding needs ABI version {ABI_VERSION}")
    return cdll, path


lib, library_path = _load()


def declare(signatures):
    """Sets restype and argtypes of more C functions ({name: (restype, [argtypes])}):
    each capability module of the binding declares its own part of the ABI."""
    for name, (restype, argtypes) in signatures.items():
        try:
            fn = getattr(lib, name)
        except AttributeError as e:
            raise ImportError(f"crmlite: {library_path!r} does not export {name}; "
                              "is it an older crmlite?") from e
        fn.restype = restype
        fn.argtypes = argtypes


def take_bytes(ptr, size):
    """Copies an owned buffer of ``size`` bytes to ``bytes`` and frees it."""
    if not ptr.value:
        return b""
    try:
        return ctypes.string_at(ptr.value, size)
    finally:
        lib.crm_free(ptr)
        ptr.value = None


def take_string(ptr):
    """Copies an owned ``char*`` (a filled ``c_void_p``) to ``str`` and frees it.

    Returns None for NULL. The buffer is released even when decoding fails.
    """
    if not ptr.value:
        return None
    try:
        data = ctypes.string_at(ptr.value)
    finally:
        lib.crm_free(ptr)
        ptr.value = None
    return data.decode("utf-8")


def borrowed_string(ptr):
    """Copies a borrowed ``const char*`` (a filled ``c_void_p``) without freeing it."""
    if not ptr.value:
        return None
    return ctypes.string_at(ptr.value).decode("utf-8")
