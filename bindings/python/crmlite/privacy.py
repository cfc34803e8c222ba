"""Access control and privacy: principals, roles, scopes, masking, audit, export and erasure (crmlite_privacy.h).

The methods of :class:`crmlite.Database` for this capability; C signatures are
declared here with :func:`crmlite._ffi.declare`. Open a database as a user of
the file with ``crmlite.Database(path, principal="alice")``: every call then
honours the user's role (permissions, scope own/team/all, masking).
"""

import json
from ctypes import c_char_p

from . import _ffi  # noqa: F401
from ._ffi import lib, db_p, options_p, out_str, status, POINTER, cursor_p  # noqa: F401
from ._util import _check, _take_out, _bytes, _json_bytes, _loads, _path, _query  # noqa: F401

_ffi.declare({
    "crm_options_set_principal": (status, [options_p, c_char_p]),
    "crm_whoami": (status, [out_str, db_p]),
    "crm_user_put": (status, [db_p, c_char_p]),
    "crm_user_list": (status, [out_str, db_p]),
    "crm_role_put": (status, [db_p, c_char_p]),
    "crm_role_list": (status, [out_str, db_p]),
    "crm_audit_query": (status, [POINTER(cursor_p), db_p, c_char_p]),
    "crm_audit_verify": (status, [out_str, db_p]),
    "crm_audit_flush": (status, [db_p]),
    "crm_subject_export": (status, [out_str, db_p, c_char_p]),
    "crm_subject_erase": (status, [out_str, db_p, c_char_p]),
    "crm_export_marketing": (status, [out_str, db_p, c_char_p]),
})


class PrivacyMixin:
    """Mixed into :class:`crmlite.Database` (``self._db()`` is the crm_db)."""

    def whoami(self):
        """The handle's principal: {"principal", "role", "team", "scope",
        "permissions", "owners"}; "principal" is None for the system."""
        return json.loads(_take_out(lib.crm_whoami, self._db()))

    def put_user(self, user):
        """Creates or replaces a user {name, role, team?, display_name?, active?}."""
        _check(lib.crm_user_put(self._db(), _json_bytes(user, "user")))

    def users(self):
        return json.loads(_take_out(lib.crm_user_list, self._db()))

    def put_role(self, role):
        """Creates or replaces a custom role {name, permissions: [...], scope}."""
        _check(lib.crm_role_put(self._db(), _json_bytes(role, "role")))

    def roles(self):
        return json.loads(_take_out(lib.crm_role_list, self._db()))

    def audit(self, principal=None, action=None, outcome=None, record_id=None, since=None, until=None,
              limit=None, after=None):
        """Audit entries, newest first, as a :class:`Cursor` of dicts."""
        return self._cursor(lib.crm_audit_query, _query(principal=principal, action=action, outcome=outcome,
                                                        record_id=record_id, since=since, until=until,
                                                        limit=limit, after=after))

    def audit_verify(self):
        """Checks the audit hash chains: {"ok", "sites", "entries", "problems"}."""
        return json.loads(_take_out(lib.crm_audit_verify, self._db()))

    def audit_flush(self):
        """Writes the batched audit entries now."""
        _check(lib.crm_audit_flush(self._db()))

    def subject_export(self, customer_id):
        """Everything held about one person, as a dict."""
        return json.loads(_take_out(lib.crm_subject_export, self._db(), _bytes(customer_id, "customer_id")))

    def subject_erase(self, customer_id):
        """Erases a person from the whole file; returns the report dict (with its costs in ms)."""
        return json.loads(_take_out(lib.crm_subject_erase, self._db(), _bytes(customer_id, "customer_id")))

    def export_marketing(self, path):
        """Exports the customers who consented to marketing as JSON Lines; {rows, skipped_without_consent}."""
        return json.loads(_take_out(lib.crm_export_marketing, self._db(), _path(path)))
