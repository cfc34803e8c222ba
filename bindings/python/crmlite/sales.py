"""Sales and marketing: leads, opportunities, pipelines, forecasts, campaigns (crmlite_sales.h).

The methods of :class:`crmlite.Database` for this capability; C signatures are
declared here with :func:`crmlite._ffi.declare`. Records go in as dicts (or
JSON text) and come back as dicts; money is integer minor units plus an
ISO-4217 code, as everywhere in crmlite.
"""

import json
from ctypes import c_char_p, c_int, c_int64

from . import _ffi
from ._ffi import lib, status, out_str, db_p
from ._util import _check, _take_out, _bytes, _json_bytes

_ffi.declare({
    "crm_pipeline_create": (status, [out_str, db_p, c_char_p]),
    "crm_pipeline_list": (status, [out_str, db_p]),
    "crm_pipeline_stage_update": (status, [db_p, c_char_p, c_char_p]),
    "crm_pipeline_delete": (status, [db_p, c_char_p]),
    "crm_opportunity_delete": (status, [db_p, c_char_p]),
    "crm_lead_delete": (status, [db_p, c_char_p]),
    "crm_campaign_delete": (status, [db_p, c_char_p]),
    "crm_opportunity_add": (status, [out_str, db_p, c_char_p]),
    "crm_opportunity_update": (status, [db_p, c_char_p, c_char_p]),
    "crm_opportunity_get": (status, [out_str, db_p, c_char_p]),
    "crm_opportunity_list": (status, [out_str, db_p, c_char_p]),
    "crm_lead_capture": (status, [out_str, db_p, c_char_p]),
    "crm_lead_update": (status, [db_p, c_char_p, c_char_p]),
    "crm_lead_get": (status, [out_str, db_p, c_char_p]),
    "crm_lead_list": (status, [out_str, db_p, c_char_p]),
    "crm_lead_assign": (status, [out_str, db_p, c_char_p, c_char_p, c_char_p]),
    "crm_lead_convert": (status, [out_str, db_p, c_char_p, c_char_p]),
    "crm_assignment_rule_add": (status, [out_str, db_p, c_char_p]),
    "crm_assignment_rule_list": (status, [out_str, db_p]),
    "crm_assignment_rule_update": (status, [db_p, c_char_p, c_char_p]),
    "crm_assignment_rule_delete": (status, [db_p, c_char_p]),
    "crm_campaign_create": (status, [out_str, db_p, c_char_p]),
    "crm_campaign_update": (status, [db_p, c_char_p, c_char_p]),
    "crm_campaign_get": (status, [out_str, db_p, c_char_p]),
    "crm_campaign_audience": (status, [out_str, db_p, c_char_p, c_int]),
    "crm_campaign_member_set": (status, [db_p, c_char_p, c_char_p, c_char_p, c_int64]),
    "crm_sales_report": (status, [out_str, db_p, c_char_p, c_char_p]),
})


def _opt_json(value, what):
    return None if value is None else _json_bytes(value, what)


def _opt_bytes(value, what):
    return None if value is None else _bytes(value, what)


class SalesMixin:
    """Mixed into :class:`crmlite.Database` (``self._db()`` is the crm_db)."""

    # ---- pipelines
    def create_pipeline(self, record):
        """Creates a pipeline ``{"name", "stages": [{"name", "probability", "outcome"}]}``;
        returns it with its stages (won and lost stages added when missing)."""
        return json.loads(_take_out(lib.crm_pipeline_create, self._db(), _json_bytes(record, "pipeline")))

    def pipelines(self):
        return json.loads(_take_out(lib.crm_pipeline_list, self._db()))

    def update_stage(self, stage_id, changes):
        _check(lib.crm_pipeline_stage_update(self._db(), _bytes(stage_id, "stage_id"), _json_bytes(changes, "stage")))

    def delete_pipeline(self, pipeline_id):
        """Deletes a pipeline no opportunity uses (CrmError EEXISTS otherwise: archive it instead)."""
        _check(lib.crm_pipeline_delete(self._db(), _bytes(pipeline_id, "id")))

    # ---- opportunities
    def add_opportunity(self, record):
        """Adds an opportunity; returns its id."""
        return _take_out(lib.crm_opportunity_add, self._db(), _json_bytes(record, "opportunity"))

    def update_opportunity(self, opportunity_id, changes):
        """Partial update; a new stage_id or status won/lost is recorded in the stage history."""
        _check(lib.crm_opportunity_update(self._db(), _bytes(opportunity_id, "id"),
                                          _json_bytes(changes, "opportunity")))

    def delete_opportunity(self, opportunity_id):
        """Deletes the opportunity and its stage history (a tombstone that syncs; needs "delete")."""
        _check(lib.crm_opportunity_delete(self._db(), _bytes(opportunity_id, "id")))

    def opportunity(self, opportunity_id):
        """The opportunity with its ``stage`` and ``stage_history``."""
        return json.loads(_take_out(lib.crm_opportunity_get, self._db(), _bytes(opportunity_id, "id")))

    def opportunities(self, **filter):
        """Opportunities matching status=, owner=, team=, customer_id=, pipeline_id=, limit=."""
        return json.loads(_take_out(lib.crm_opportunity_list, self._db(), _opt_json(filter or None, "filter")))

    # ---- leads
    def capture_lead(self, record):
        """Captures a lead; returns ``{"id", "created", "customer_id"?, "owner"?, "rule_id"?}``."""
        return json.loads(_take_out(lib.crm_lead_capture, self._db(), _json_bytes(record, "lead")))

    def update_lead(self, lead_id, changes):
        _check(lib.crm_lead_update(self._db(), _bytes(lead_id, "id"), _json_bytes(changes, "lead")))

    def delete_lead(self, lead_id):
        """Deletes the lead and its events (a tombstone that syncs; needs "delete" and the owner in scope)."""
        _check(lib.crm_lead_delete(self._db(), _bytes(lead_id, "id")))

    def lead(self, lead_id):
        """The lead with its ``events`` (oldest first)."""
        return json.loads(_take_out(lib.crm_lead_get, self._db(), _bytes(lead_id, "id")))

    def leads(self, **filter):
        """Leads matching status=, owner=, source=, campaign_id=, limit=; newest first."""
        return json.loads(_take_out(lib.crm_lead_list, self._db(), _opt_json(filter or None, "filter")))

    def assign_lead(self, lead_id, owner=None, by=None):
        """Assigns to ``owner``, or by the assignment rules when owner is None."""
        return json.loads(_take_out(lib.crm_lead_assign, self._db(), _bytes(lead_id, "id"),
                                    _opt_bytes(owner, "owner"), _opt_bytes(by, "by")))

    def convert_lead(self, lead_id, customer=None, opportunity=None, by=None):
        """Converts the lead into a customer (and an opportunity when given)."""
        options = {k: v for k, v in (("customer", customer), ("opportunity", opportunity), ("by", by)) if v is not None}
        return json.loads(_take_out(lib.crm_lead_convert, self._db(), _bytes(lead_id, "id"),
                                    _json_bytes(options, "convert")))

    def add_assignment_rule(self, record):
        return _take_out(lib.crm_assignment_rule_add, self._db(), _json_bytes(record, "rule"))

    def assignment_rules(self):
        return json.loads(_take_out(lib.crm_assignment_rule_list, self._db()))

    def update_assignment_rule(self, rule_id, changes):
        """Changes a rule (e.g. ``{"active": False}`` pauses it); needs manage_rules."""
        _check(lib.crm_assignment_rule_update(self._db(), _bytes(rule_id, "id"), _json_bytes(changes, "rule")))

    def delete_assignment_rule(self, rule_id):
        """Deletes a rule (a tombstone that syncs); its leads keep their owners and history."""
        _check(lib.crm_assignment_rule_delete(self._db(), _bytes(rule_id, "id")))

    # ---- campaigns
    def create_campaign(self, record):
        return _take_out(lib.crm_campaign_create, self._db(), _json_bytes(record, "campaign"))

    def update_campaign(self, campaign_id, changes):
        _check(lib.crm_campaign_update(self._db(), _bytes(campaign_id, "id"), _json_bytes(changes, "campaign")))

    def delete_campaign(self, campaign_id):
        """Deletes the campaign and its members (a tombstone that syncs); leads and opportunities lose the link."""
        _check(lib.crm_campaign_delete(self._db(), _bytes(campaign_id, "id")))

    def campaign(self, campaign_id):
        return json.loads(_take_out(lib.crm_campaign_get, self._db(), _bytes(campaign_id, "id")))

    def campaign_audience(self, campaign_id, freeze=False):
        """Counts the audience (included, control, excluded by reason); freeze=True snapshots it."""
        return json.loads(_take_out(lib.crm_campaign_audience, self._db(), _bytes(campaign_id, "id"),
                                    1 if freeze else 0))

    def set_member_status(self, campaign_id, customer_id, status, at_ms=0):
        """Records a member's status (targeted, sent, opened, responded, converted)."""
        _check(lib.crm_campaign_member_set(self._db(), _bytes(campaign_id, "campaign_id"),
                                           _bytes(customer_id, "customer_id"), _bytes(status, "status"), int(at_ms)))

    # ---- reports
    def sales_report(self, kind, **params):
        """A report: "pipeline", "forecast", "stages", "funnel" or "campaigns"."""
        return json.loads(_take_out(lib.crm_sales_report, self._db(), _bytes(kind, "kind"),
                                    _opt_json(params or None, "params")))
