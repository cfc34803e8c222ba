// Leads: people or companies who showed interest, captured from any channel with
// a source and campaign, matched against existing customers by normalised phone
// and email (linked, never duplicated), assigned by rules kept as data
// (round-robin within a team, territory, current open load), qualified, and
// converted into a customer (and optionally an opportunity) that carries the
// lead's history. Leads, their events and the rules are synced records; the
// events are append-only, so reassignments made on two devices both stay.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::leads {

// Access (docs/privacy.md): a lead is in a principal's scope when its owner is
// (a lead without an owner is in scope "all" only), as a customer is. get of a
// lead outside it, update, assign, convert and capturing it again are
// CRM_EPERM with nothing written; list returns the leads in scope only; a
// principal without "unmask" gets phone, email, their normalised forms and
// notes masked. capture needs "create"; a principal of scope own/team that
// names no owner becomes it (no rule is asked).

std::span<const FieldSpec> fields();
std::span<const FieldSpec> event_fields();
std::span<const FieldSpec> rule_fields();

// {"name", "company", "phone", "email", "source", "campaign_id", "owner", "team",
//  "region", "notes", "by", "assign": true}. Returns {"id", "created": bool,
// "customer_id"?, "owner"?, "rule_id"?}: an open lead with the same normalised
// phone or email is captured again (an event, no duplicate; "created": false);
// a customer with that phone or email is linked through "customer_id". With
// "assign" (the default when no owner is given) the rules choose the owner.
Json capture(Database& db, const Json& input);
// Status, owner and details; an owner change is a reassignment (an event).
bool update(Database& db, const Uuid& id, const Json& patch);
// Deletes the lead and its events, each with a tombstone that syncs (a delete
// wins over concurrent edits; the records never come back). Opportunities that
// name it lose the link. Needs the "delete" permission and the lead's owner in
// the principal's scope (CRM_EPERM).
void remove(Database& db, const Uuid& id);
// The lead with its "events" (oldest first).
Json get(Database& db, const Uuid& id);
// {"status", "owner", "source", "campaign_id", "limit"} -> array, newest first.
Json list(Database& db, const Json& filter);

// Assignment rules: {"name", "kind": "round_robin"|"territory"|"load", "members":
// [owners], "team", "region" (required for territory), "source", "priority", "active"}.
Uuid add_rule(Database& db, const Json& input);
Json list_rules(Database& db);
// Changes a rule (the fields present in `patch`, checked as a whole); false
// when nothing changed. Deletes a rule (a tombstone that syncs; the leads it
// assigned keep their owners and history). Both CRM_ENOTFOUND for no such rule.
// add/update/delete need the "manage_rules" permission (CRM_EPERM).
bool update_rule(Database& db, const Uuid& id, const Json& patch);
void delete_rule(Database& db, const Uuid& id);
// Assigns the lead: to `owner` when given, else by the first active rule (by
// priority, then age) whose region and source conditions match it. Returns
// {"owner", "rule_id"?}; CRM_ENOTFOUND when no rule matches.
Json assign(Database& db, const Uuid& lead, const std::optional<std::string>& owner, const std::string& by = "");

// {"customer": {fields to add or override}, "opportunity": {opportunity fields}
//  or absent, "by"}. Creates the customer unless the lead is linked to one, adds
// the lead's phone and email to it, copies the lead's events and notes onto its
// timeline (interactions of kind "lead" at their original times), marks the lead
// converted. Returns {"customer_id", "opportunity_id"?, "created_customer"}.
Json convert(Database& db, const Uuid& lead, const Json& options);

}  // namespace crmlite::leads
