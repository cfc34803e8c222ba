// Opportunities: a customer's possible deal moving through a pipeline's stages
// to won or lost, with amount + currency (minor units), expected close date,
// line items, links to the order interactions it produced, and a stage history
// kept as append-only synced records (so moves made on two devices at once
// both stay in the history, while the current stage is last-writer-wins).
#pragma once

#include <span>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::opportunities {

// Access (docs/privacy.md): an opportunity and its stage history are in a
// principal's scope when its customer is. add needs "create", update "update",
// get "read", each with the customer in scope (CRM_EPERM, nothing written);
// list returns the opportunities in scope only; notes are masked without "unmask".

std::span<const FieldSpec> fields();
std::span<const FieldSpec> history_fields();

// {"customer_id", "name", "owner", "team", "pipeline_id" | "stage_id", "amount_minor",
//  "currency", "expected_close", "items":[{"name","quantity","unit_price_minor"}],
//  "order_ids":[...], "lead_id", "campaign_id", "notes", "by"}. Without a stage
// the pipeline's first open stage; without a pipeline the only one there is.
Uuid add(Database& db, const Json& input);
Uuid add_in(WriteScope& w, const Json& input);
// A stage change appends to the history; "status":"won"/"lost" moves to the
// pipeline's won/lost stage (a lost one needs "close_reason"); reopening moves
// back to the first open stage unless a stage is given.
bool update(Database& db, const Uuid& id, const Json& patch);
// Deletes the opportunity and its stage history, each with a tombstone that
// syncs (a delete wins over concurrent edits; the records never come back).
// Leads that name it lose the link. Needs the "delete" permission and the
// opportunity's customer in the principal's scope (CRM_EPERM).
void remove(Database& db, const Uuid& id);
// The record with "stage" {name, probability, outcome} and "stage_history".
Json get(Database& db, const Uuid& id);
// {"status", "owner", "team", "customer_id", "pipeline_id", "limit"}
Json list(Database& db, const Json& filter);

}  // namespace crmlite::opportunities
