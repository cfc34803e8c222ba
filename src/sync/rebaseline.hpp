// A stale device starts over without losing its work (docs/sync.md,
// "Re-baselining a stale device"). Garbage collection at the hub dropped
// tombstones the device never saw, so the hub refuses its changes (CRM_ESTALE):
// sent as they are, they could bring deleted records back. Re-baselining writes
// a new replica file from a snapshot of the hub and carries into it what the
// hub has not received from the device: the fields it wrote, the records it
// made and the deletes it made after the hub's last receipt from it. Edits of
// records that no longer exist at the hub (deleted, their tombstones gone) are
// dropped and listed — a record is carried when it is still at the hub (or
// merged into a survivor there), or when the device made it after that
// receipt, so the hub cannot have deleted it. Children made for a customer
// deleted at the hub are dropped by the apply (counted as missing_parent).
// The carried writes keep their clocks and the device's site id, get new
// sequence numbers in the new file, and reach the hub at its next sync.
#pragma once

#include <string>

#include "common/json.hpp"
#include "store/database.hpp"
#include "sync/snapshot.hpp"

namespace crmlite::sync {

// Writes the new replica to `path` (which must not exist) from `hub`, with
// `device`'s unreceived work applied on top; `device` is only read. Returns
// snapshot()'s report plus {"carried": {"since","records","fields_applied",
// "fields_superseded","deleted","conflicts","missing_parent"}, "dropped":
// [{"table","id","reason"}]}. On failure no file is left. Fails with
// CRM_EINVAL when device and hub are the same replica, CRM_EMISUSE inside a
// transaction on either, CRM_EEXISTS when the path exists.
Json rebaseline(Database& device, Database& hub, const std::string& path, const SnapshotOptions& options);

}  // namespace crmlite::sync
