"""Access control and privacy: principals, roles, scopes, masking, audit, export and erasure (crmlite_privacy.h).

The methods of :class:`crmlite.Database` for this capability; C signatures are
declared here with :func:`crmlite._ffi.declare`.
"""

from . import _ffi  # noqa: F401
from ._ffi import lib  # noqa: F401
from ._util import _check, _take_out, _bytes, _json_bytes, _loads  # noqa: F401

_ffi.declare({
})


class PrivacyMixin:
    """Mixed into :class:`crmlite.Database` (``self._db()`` is the crm_db)."""
