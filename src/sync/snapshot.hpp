// A new replica from a snapshot of an existing one (a new device from the
// hub): the file is copied whole (VACUUM INTO, one read transaction, so a
// consistent state while the origin stays in use) and made a replica of its
// own: a new site id, the origin's writes still attributed to the origin, the
// origin recorded as the peer it holds everything from up to the snapshot's
// cursor, the origin's bookkeeping about its other peers dropped. With a share
// filter, customers outside it are then dropped from the copy (without
// tombstones) and the origin records which customers the new replica holds, so
// filtered replication goes on from there (leads likewise, by owner or region).
// No history is replayed: the first
// sync of a big file costs a file copy instead of a changeset per record.
#pragma once

#include <string>

#include "common/json.hpp"
#include "store/database.hpp"
#include "sync/share.hpp"

namespace crmlite::sync {

struct SnapshotOptions {
    Filter filter;  // empty: everything
};

// Writes the new replica to `path` (which must not exist). Returns
// {"site_id","origin","cursor","customers","bytes"}: the new replica's site id
// and, as `cursor`, the `since` it asks the origin for next (it is also what
// received_from(new, origin) returns there). Fails with CRM_EMISUSE inside a
// transaction, CRM_EEXISTS when the path exists; on failure no file is left.
Json snapshot(Database& origin, const std::string& path, const SnapshotOptions& options);

}  // namespace crmlite::sync
