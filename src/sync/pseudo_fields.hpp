// The pseudo-fields of a changeset: names in a record's field list that are
// not columns of its table (docs/sync.md). An older crmlite treats them as
// fields it does not know. Every reader and writer of them takes the names
// from here.
#pragma once

namespace crmlite::sync {

// A record's creation time, sent with a record the peer may lack (a ghost
// keeps it under the same name, that of the created_at column).
inline constexpr const char* kCreatedAt = "created_at";
// Of a customer's tombstone: the delete was an erasure (issue 7), = 1. Also of
// the tombstone of a record that was under an erased person and is not
// content-addressed (an interaction, a task, an opportunity, ...): a late change
// to it keeps nothing. An older crmlite treats it there as a plain delete.
inline constexpr const char* kErasedField = "erased";
// The fields a masked changeset carries masked, comma-separated (sync/masked.hpp).
inline constexpr const char* kMaskedField = "masked";
// Of a customer's tombstone: the delete was a merge's, = 1 (its ghost may be
// withheld from a filtered peer; a user's delete carries none; merge/forward.hpp).
inline constexpr const char* kMergedAway = "merged_away";

}  // namespace crmlite::sync
