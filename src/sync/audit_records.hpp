// The audit log in changesets (issue 7; docs/sync.md, "The audit log"). Table
// number 30 carries entries of the sender's own audit chain to the hub: one
// record per entry, id = the entry's id, never a tombstone, fields
//   n (integer), principal, action, outcome (text), record_type (text),
//   record_id (id), detail (text), hash (64 hex digits: the hash the sender
//   stored); every field's site is the chain's site and its clock is the
//   entry's time (HLC stamp with counter 0), so it costs one byte.
// The entries hold ids and counts only, never personal content. They are not
// LWW records: the receiver appends them to the site's chain (audit::receive),
// and sends them on to nobody (a chain travels one hop, device to hub).
#pragma once

#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"
#include "sync/changeset.hpp"

namespace crmlite::sync {

inline constexpr int kAuditTable = 30;

// Adds the entries of this file's chain with these ids to the changeset.
void add_audit_records(Database& db, Changeset& cs, const std::vector<Uuid>& ids);

// Throws CRM_ECORRUPT naming what is wrong with an audit record.
void validate_audit_record(const Changeset& cs, const RecordChange& rc);

// Appends the records' entries to their chains here (within the apply's
// transaction): only the sender's own chain is taken. A rewritten entry (a
// different entry n than the one held) is recorded in this file's own chain
// as an "audit.mismatch" entry, which audit::verify reports. Returns
// {"appended","known","deferred","broken","mismatched","refused"}.
Json apply_audit_records(Database& db, const Changeset& cs, const std::vector<const RecordChange*>& records);

}  // namespace crmlite::sync
