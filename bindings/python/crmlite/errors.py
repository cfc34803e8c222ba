"""Exceptions raised by the crmlite binding, one class per crm_status.

Every exception carries the library's message (which names the offending field
for bad input), the status code and its name, and the SQLite extended result
code behind it (0 when SQLite was not involved).
"""

from . import _ffi


class CrmError(Exception):
    """Base class of every error reported by crmlite.

    Attributes: ``message`` (str), ``status`` (int, a crm_status value),
    ``status_name`` (e.g. ``"CRM_EINVAL"``), ``sqlite_code`` (int).
    """

    status = _ffi.ERROR

    def __init__(self, message, status=None, sqlite_code=0):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        self.sqlite_code = sqlite_code

    @property
    def status_name(self):
        return _ffi.lib.crm_status_name(self.status).decode("ascii")

    def __str__(self):
        return self.message

    def __repr__(self):
        return f"{type(self).__name__}({self.message!r}, status={self.status_name})"


class InternalError(CrmError):
    """CRM_ERROR: an internal error; the message says what happened."""
    status = _ffi.ERROR


class InvalidInput(CrmError, ValueError):
    """CRM_EINVAL: a bad argument or input record; the message names the field."""
    status = _ffi.EINVAL


class NotFound(CrmError, LookupError):
    """CRM_ENOTFOUND: no record with that id or key (or no such database file)."""
    status = _ffi.ENOTFOUND


class AlreadyExists(CrmError):
    """CRM_EEXISTS: a unique key (e.g. an external id) is already taken."""
    status = _ffi.EEXISTS


class NotADatabase(CrmError):
    """CRM_ENOTADB: the file is not a crmlite database; it was not modified."""
    status = _ffi.ENOTADB


class TooNew(CrmError):
    """CRM_ETOONEW: the file was written by a newer crmlite schema."""
    status = _ffi.ETOONEW


class IOFailure(CrmError):
    """CRM_EIO: a file system error."""
    status = _ffi.EIO


class Busy(CrmError):
    """CRM_EBUSY: the database is locked by another connection."""
    status = _ffi.EBUSY


class OutOfMemory(CrmError, MemoryError):
    """CRM_ENOMEM: the library ran out of memory."""
    status = _ffi.ENOMEM


class PermissionDenied(CrmError):
    """CRM_EPERM: not permitted (read-only handle, access scope)."""
    status = _ffi.EPERM


class Corrupt(CrmError):
    """CRM_ECORRUPT: the database file or an input blob is corrupt."""
    status = _ffi.ECORRUPT


class Misuse(CrmError):
    """CRM_EMISUSE: wrong order of calls, or a handle in the wrong state
    (e.g. a nested transaction, or a call on a closed Database)."""
    status = _ffi.EMISUSE


class Canceled(CrmError):
    """CRM_ECANCELED: a callback asked to stop; the work was rolled back."""
    status = _ffi.ECANCELED


class UserError(CrmError):
    """CRM_EUSER: a callback reported its own failure."""
    status = _ffi.EUSER


class FormatError(CrmError):
    """CRM_EFORMAT: a changeset of a newer format or an incompatible schema; nothing was applied."""
    status = _ffi.EFORMAT


class StaleError(CrmError):
    """CRM_ESTALE: a sync peer fell behind the tombstone horizon and must re-baseline; nothing was applied."""
    status = _ffi.ESTALE


class ConflictError(CrmError):
    """CRM_ECONFLICT: a later change made the operation impossible (e.g. undoing a merge); the message names it."""
    status = _ffi.ECONFLICT


_BY_STATUS = {cls.status: cls for cls in (
    InternalError, InvalidInput, NotFound, AlreadyExists, NotADatabase, TooNew, IOFailure,
    Busy, OutOfMemory, PermissionDenied, Corrupt, Misuse, Canceled, UserError, FormatError, StaleError,
    ConflictError)}


def error_for(status, message, sqlite_code=0):
    """The exception instance for a failed crm_status."""
    cls = _BY_STATUS.get(status, CrmError)
    return cls(message, status, sqlite_code)


def last_error(status):
    """Builds the exception for a call that just returned ``status``.

    Must run before any other crm_* call on this thread: crm_errmsg() is only
    valid until then.
    """
    raw = _ffi.lib.crm_errmsg()
    message = raw.decode("utf-8", "replace") if raw else ""
    sqlite_code = _ffi.lib.crm_errcode_sqlite()
    if not message:
        message = _ffi.lib.crm_status_name(status).decode("ascii")
    return error_for(status, message, sqlite_code)
