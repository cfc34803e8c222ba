"""Data quality: normalisation, validation, completeness, duplicate detection and merge (crmlite_quality.h).

The methods of :class:`crmlite.Database` for this capability; C signatures are
declared here with :func:`crmlite._ffi.declare`.
"""

import json
from ctypes import POINTER, c_char_p, c_void_p

from . import _ffi  # noqa: F401
from ._ffi import lib  # noqa: F401
from ._util import _check, _take_out, _bytes, _json_bytes, _loads  # noqa: F401

_S, _DB, _OUT = _ffi.status, _ffi.db_p, POINTER(c_void_p)

_ffi.declare({
    "crm_quality_normalize": (_S, [_OUT, _DB, c_char_p, c_char_p]),
    "crm_quality_set_phone_region": (_S, [_DB, c_char_p]),
    "crm_quality_find_duplicates": (_S, [_OUT, _DB, c_char_p]),
    "crm_quality_check_customer": (_S, [_OUT, _DB, c_char_p, c_char_p]),
    "crm_quality_check_record": (_S, [_OUT, _DB, c_char_p, c_char_p]),
    "crm_quality_merge": (_S, [_OUT, _DB, c_char_p, c_char_p, c_char_p]),
    "crm_quality_merge_undo": (_S, [_OUT, _DB, c_char_p]),
    "crm_quality_merge_get": (_S, [_OUT, _DB, c_char_p]),
    "crm_quality_merges_of": (_S, [_OUT, _DB, c_char_p]),
    "crm_quality_rules_get": (_S, [_OUT, _DB]),
    "crm_quality_rules_set": (_S, [_DB, c_char_p]),
    "crm_quality_validate": (_S, [_OUT, _DB, c_char_p]),
    "crm_quality_report": (_S, [_OUT, _DB, c_char_p]),
})


def _opt(value, what):
    return None if value is None else _json_bytes(value, what)


def _dedup_options(auto_threshold, review_threshold, max_block):
    o = {k: v for k, v in (("auto_threshold", auto_threshold), ("review_threshold", review_threshold),
                           ("max_block", max_block)) if v is not None}
    return _json_bytes(o, "options") if o else None


class QualityMixin:
    """Mixed into :class:`crmlite.Database` (``self._db()`` is the crm_db)."""

    # -- normalisation

    def normalize(self, kind, value):
        """The normal form of ``value`` as a dict; ``kind`` is phone, email, text,
        name, province or city."""
        return json.loads(_take_out(lib.crm_quality_normalize, self._db(), _bytes(kind, "kind"),
                                    _bytes(value, "value")))

    def set_phone_region(self, region):
        """Region (ISO 3166, e.g. "CN") of numbers written without a country prefix."""
        _check(lib.crm_quality_set_phone_region(self._db(), _bytes(region, "region")))

    # -- duplicates

    def find_duplicates(self, auto_threshold=None, review_threshold=None, max_block=None):
        """Clusters of duplicates with the evidence of every pair, and the review queue."""
        return json.loads(_take_out(lib.crm_quality_find_duplicates, self._db(),
                                    _dedup_options(auto_threshold, review_threshold, max_block)))

    def check_duplicates(self, customer, auto_threshold=None, review_threshold=None, max_block=None):
        """Customers matching ``customer``: an id (str) of the file, or a record
        (dict) not yet created."""
        opts = _dedup_options(auto_threshold, review_threshold, max_block)
        if isinstance(customer, dict):
            return json.loads(_take_out(lib.crm_quality_check_record, self._db(),
                                        _json_bytes(customer, "customer"), opts))
        return json.loads(_take_out(lib.crm_quality_check_customer, self._db(), _bytes(customer, "id"), opts))

    # -- merge

    def merge_customers(self, survivor, losers, rule=None, fields=None, choose=None):
        """Merges ``losers`` (ids) into ``survivor``; returns the merge record.
        ``rule``: most_recent (default), most_complete or survivor; ``fields``:
        a rule per field; ``choose``: {field: customer id} (manual choice)."""
        options = {k: v for k, v in (("rule", rule), ("fields", fields), ("choose", choose)) if v is not None}
        return json.loads(_take_out(lib.crm_quality_merge, self._db(), _bytes(survivor, "survivor"),
                                    _json_bytes([str(x) for x in losers], "losers"),
                                    _json_bytes(options, "options") if options else None))

    def undo_merge(self, merge_id):
        """Undoes a merge: the losers come back under their own ids, as they
        were; the undo syncs to every replica. Returns the merge record
        (status "undone") with "kept": what later changes keep as it is.
        Raises ConflictError naming the cause when a later change made the
        undo impossible (the survivor deleted or merged away since, a loser
        deleted, the merge already undone, ...)."""
        return json.loads(_take_out(lib.crm_quality_merge_undo, self._db(), _bytes(merge_id, "merge_id")))

    def merge_record(self, merge_id):
        """One merge record by its id."""
        return json.loads(_take_out(lib.crm_quality_merge_get, self._db(), _bytes(merge_id, "merge_id")))

    def merges_of(self, customer_id):
        """The merges a customer survived, newest first."""
        return json.loads(_take_out(lib.crm_quality_merges_of, self._db(), _bytes(customer_id, "id")))

    # -- validation and the report

    def quality_rules(self):
        """The field rules in force ({"rules": [...]})."""
        return json.loads(_take_out(lib.crm_quality_rules_get, self._db()))

    def set_quality_rules(self, rules):
        """Replaces the field rules ({"rules": [...]}); None restores the defaults."""
        _check(lib.crm_quality_rules_set(self._db(), _opt(rules, "rules")))

    def validate_customer(self, customer_id):
        """{"completeness", "missing", "invalid"} of one customer."""
        return json.loads(_take_out(lib.crm_quality_validate, self._db(), _bytes(customer_id, "id")))

    def quality_report(self, stale_days=None, duplicates=None):
        """The data-quality report over the whole file (KPIs with their targets)."""
        options = {k: v for k, v in (("stale_days", stale_days), ("duplicates", duplicates)) if v is not None}
        return json.loads(_take_out(lib.crm_quality_report, self._db(), _json_bytes(options, "options") if options else None))
