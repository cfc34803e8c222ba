"""Helpers every part of the binding shares: status checks, owned buffers,
argument encoding and JSON in both directions."""

import datetime
import json
import os
import uuid
from ctypes import byref, c_void_p

from . import _ffi
from ._ffi import lib
from .errors import InvalidInput, last_error


def _check(status):
    if status != _ffi.OK:
        raise last_error(status)


def _take_out(fn, *args):
    """Calls ``fn(char** out, *args)`` and returns the owned string it produced."""
    out = c_void_p()
    status = fn(byref(out), *args)
    if status != _ffi.OK:
        err = last_error(status)  # read the message before any other crm_* call
        _ffi.take_string(out)     # NULL by contract; freed if not
        raise err
    return _ffi.take_string(out)


def _bytes(value, what):
    """UTF-8 bytes for a text argument, refusing what C would silently truncate."""
    if isinstance(value, uuid.UUID):
        value = str(value)
    if isinstance(value, str):
        try:
            data = value.encode("utf-8")
        except UnicodeEncodeError as e:
            raise InvalidInput(f"{what}: not valid UTF-8 text ({e.reason})") from None
    elif isinstance(value, (bytes, bytearray)):
        data = bytes(value)
    else:
        raise TypeError(f"{what}: expected str, got {type(value).__name__}")
    if b"\0" in data:
        raise InvalidInput(f"{what}: contains a NUL character")
    return data


def _path(value, what="path"):
    value = os.fspath(value)
    if isinstance(value, str):
        # Paths cross the ABI as UTF-8; keep undecodable POSIX names byte-exact.
        value = value.encode("utf-8", "surrogateescape")
    return _bytes(value, what)


def _json_default(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise TypeError("naive datetime: attach a tzinfo (crmlite times are instants)")
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _json_bytes(value, what):
    """JSON text for a record: str/bytes are passed through, anything else dumped."""
    if not isinstance(value, (str, bytes, bytearray)):
        try:
            value = json.dumps(value, ensure_ascii=False, allow_nan=False, default=_json_default)
        except ValueError as e:
            raise InvalidInput(f"{what}: {e}") from None
    return _bytes(value, what)


def _json_value(value):
    """A JSON value given as Python data or as JSON text, as Python data."""
    if isinstance(value, (str, bytes, bytearray)):
        try:
            return json.loads(value)
        except ValueError as e:
            raise InvalidInput(f"invalid JSON: {e}") from None
    return value


def _query(**fields):
    return {k: v for k, v in fields.items() if v is not None}


def _loads(text):
    return None if text is None else json.loads(text)
