"""Customer value and lifecycle: RFM, segments, value tiers, dynamic tags, follow-up rules, tasks, reminders, churn risk, reports (crmlite_value.h).

The methods of :class:`crmlite.Database` for this capability; C signatures are
declared here with :func:`crmlite._ffi.declare`. Parameters and results are
plain dicts (JSON objects of the C ABI); times may be ISO-8601 strings or
timezone-aware datetimes.
"""

import datetime
import json
from ctypes import c_char_p, c_int64

from . import _ffi
from ._ffi import lib
from ._util import _check, _take_out, _bytes, _json_bytes, _loads, _json_default  # noqa: F401

_P = _ffi.out_str
_S = c_char_p
_D = _ffi.db_p
_st = _ffi.status
_ffi.declare({
    "crm_rfm_compute": (_st, [_P, _D, _S]),
    "crm_rfm_refresh": (_st, [_P, _D, _S]),
    "crm_rfm_customer": (_st, [_P, _D, _S]),
    "crm_rfm_snapshots": (_st, [_P, _D]),
    "crm_rfm_movement": (_st, [_P, _D, c_int64, c_int64]),
    "crm_rfm_default_segments": (_st, [_P]),
    "crm_task_create": (_st, [_P, _D, _S]),
    "crm_task_update": (_st, [_D, _S, _S]),
    "crm_task_get": (_st, [_P, _D, _S]),
    "crm_task_complete": (_st, [_D, _S, _S]),
    "crm_task_delete": (_st, [_D, _S]),
    "crm_task_snooze": (_st, [_D, _S, _S]),
    "crm_tasks_due": (_st, [_P, _D, _S, _S]),
    "crm_tasks_for_customer": (_st, [_P, _D, _S]),
    "crm_followup_rule_save": (_st, [_P, _D, _S]),
    "crm_followup_rule_list": (_st, [_P, _D]),
    "crm_followup_rule_delete": (_st, [_D, _S]),
    "crm_followup_install_defaults": (_st, [_P, _D]),
    "crm_followup_run": (_st, [_P, _D, _S]),
    "crm_lifecycle_set": (_st, [_D, _S, _S, _S]),
    "crm_lifecycle_history": (_st, [_P, _D, _S]),
    "crm_lifecycle_suggest": (_st, [_P, _D, _S, _S]),
    "crm_lifecycle_apply": (_st, [_P, _D, _S, _S]),
    "crm_tag_rule_save": (_st, [_P, _D, _S]),
    "crm_tag_rule_list": (_st, [_P, _D]),
    "crm_tag_rule_delete": (_st, [_D, _S]),
    "crm_tag_rules_apply": (_st, [_P, _D, _S, _S]),
    "crm_tag_rules_refresh": (_st, [_P, _D, _S]),
    "crm_churn_score": (_st, [_P, _D, _S, _S]),
    "crm_churn_at_risk": (_st, [_P, _D, _S]),
    "crm_value_report": (_st, [_P, _D, _S, _S]),
})


def _time(value, what):
    """None, an ISO-8601 string or an aware datetime -> bytes or None (None: now)."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        value = _json_default(value)
    return _bytes(value, what)


def _opt(value, what):
    return None if value is None else _bytes(value, what)


def _params(params, what, **extra):
    merged = dict(params or {})
    merged.update({k: v for k, v in extra.items() if v is not None})
    return _json_bytes(merged, what)


class ValueMixin:
    """Mixed into :class:`crmlite.Database` (``self._db()`` is the crm_db)."""

    # -- RFM, segments, tiers

    def rfm_compute(self, as_of, params=None):
        """Full RFM recompute as of ``as_of``; stores a snapshot unless
        ``params={"snapshot": False}``. Returns the summary dict."""
        return json.loads(_take_out(lib.crm_rfm_compute, self._db(), _params(params, "rfm", as_of=as_of)))

    def rfm_refresh(self, as_of, params=None):
        """Incremental RFM refresh (same result as rfm_compute; "mode" tells which ran)."""
        return json.loads(_take_out(lib.crm_rfm_refresh, self._db(), _params(params, "rfm", as_of=as_of)))

    def rfm(self, customer_id):
        """A customer's current scores, segment and tier."""
        return json.loads(_take_out(lib.crm_rfm_customer, self._db(), _bytes(customer_id, "customer_id")))

    def rfm_snapshots(self):
        return json.loads(_take_out(lib.crm_rfm_snapshots, self._db()))

    def rfm_movement(self, from_snapshot=0, to_snapshot=0):
        """Segment transitions between two snapshots (0, 0: the two latest)."""
        return json.loads(_take_out(lib.crm_rfm_movement, self._db(), int(from_snapshot), int(to_snapshot)))

    @staticmethod
    def rfm_default_segments():
        """The default 125-cell table {"555": "Champions", ...}."""
        return json.loads(_take_out(lib.crm_rfm_default_segments))

    # -- tasks and reminders

    def create_task(self, record):
        return _take_out(lib.crm_task_create, self._db(), _json_bytes(record, "task"))

    def update_task(self, task_id, patch):
        _check(lib.crm_task_update(self._db(), _bytes(task_id, "id"), _json_bytes(patch, "task")))

    def task(self, task_id):
        return json.loads(_take_out(lib.crm_task_get, self._db(), _bytes(task_id, "id")))

    def complete_task(self, task_id, at=None):
        _check(lib.crm_task_complete(self._db(), _bytes(task_id, "id"), _time(at, "at")))

    def delete_task(self, task_id):
        """Deletes the task (a tombstone that syncs)."""
        _check(lib.crm_task_delete(self._db(), _bytes(task_id, "id")))

    def snooze_task(self, task_id, until):
        _check(lib.crm_task_snooze(self._db(), _bytes(task_id, "id"), _time(until, "until")))

    def due_tasks(self, now=None, assignee=None):
        """Tasks due or overdue at ``now`` (default: now), earliest first."""
        return json.loads(_take_out(lib.crm_tasks_due, self._db(), _time(now, "now"), _opt(assignee, "assignee")))

    def customer_tasks(self, customer_id):
        return json.loads(_take_out(lib.crm_tasks_for_customer, self._db(), _bytes(customer_id, "customer_id")))

    # -- follow-up rules

    def save_followup_rule(self, rule):
        return _take_out(lib.crm_followup_rule_save, self._db(), _json_bytes(rule, "followup_rule"))

    def followup_rules(self):
        return json.loads(_take_out(lib.crm_followup_rule_list, self._db()))

    def delete_followup_rule(self, rule_id):
        _check(lib.crm_followup_rule_delete(self._db(), _bytes(rule_id, "id")))

    def install_default_followup_rules(self):
        return json.loads(_take_out(lib.crm_followup_install_defaults, self._db()))

    def run_followup_rules(self, now=None):
        return json.loads(_take_out(lib.crm_followup_run, self._db(), _time(now, "now")))

    # -- lifecycle

    def set_stage(self, customer_id, stage, source="manual"):
        _check(lib.crm_lifecycle_set(self._db(), _bytes(customer_id, "customer_id"), _bytes(stage, "stage"),
                                     _bytes(source, "source")))

    def stage_history(self, customer_id):
        return json.loads(_take_out(lib.crm_lifecycle_history, self._db(), _bytes(customer_id, "customer_id")))

    def suggest_stage(self, customer_id, as_of, params=None):
        return json.loads(_take_out(lib.crm_lifecycle_suggest, self._db(), _bytes(customer_id, "customer_id"),
                                    _params(params, "lifecycle", as_of=as_of)))

    def apply_stage_rules(self, as_of, customer_id=None, params=None):
        return json.loads(_take_out(lib.crm_lifecycle_apply, self._db(), _opt(customer_id, "customer_id"),
                                    _params(params, "lifecycle", as_of=as_of)))

    # -- dynamic tags

    def save_tag_rule(self, rule):
        return _take_out(lib.crm_tag_rule_save, self._db(), _json_bytes(rule, "tag_rule"))

    def tag_rules(self):
        return json.loads(_take_out(lib.crm_tag_rule_list, self._db()))

    def delete_tag_rule(self, rule_id):
        _check(lib.crm_tag_rule_delete(self._db(), _bytes(rule_id, "id")))

    def apply_tag_rules(self, now=None, customer_id=None):
        return json.loads(_take_out(lib.crm_tag_rules_apply, self._db(), _opt(customer_id, "customer_id"), _time(now, "now")))

    def refresh_tag_rules(self, now=None):
        return json.loads(_take_out(lib.crm_tag_rules_refresh, self._db(), _time(now, "now")))

    # -- churn and reports

    def churn_score(self, customer_id, as_of, params=None):
        return json.loads(_take_out(lib.crm_churn_score, self._db(), _bytes(customer_id, "customer_id"),
                                    _params(params, "churn", as_of=as_of)))

    def at_risk(self, as_of, params=None):
        return json.loads(_take_out(lib.crm_churn_at_risk, self._db(), _params(params, "churn", as_of=as_of)))

    def value_report(self, name, params=None):
        """name: segments, transitions, funnel, followup, repeat_rate, aov, clv."""
        return json.loads(_take_out(lib.crm_value_report, self._db(), _bytes(name, "name"),
                                    None if params is None else _json_bytes(params, "report")))
