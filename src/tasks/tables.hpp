// Sync table numbers of the value module's records (reserved 10-19 for issue
// 5; part of the sync format: never renumber). They belong in the Table enum of
// store/database.hpp; kept here so this branch does not touch the store's
// header (every module includes it). MERGE NOTE: the lead may move them into
// the enum as tasks = 10, followup_rules = 11, tag_rules = 12,
// lifecycle_history = 13 and replace these with using-declarations.
#pragma once

#include "store/database.hpp"

namespace crmlite::value_tables {

inline constexpr Table tasks = static_cast<Table>(10);
inline constexpr Table followup_rules = static_cast<Table>(11);
inline constexpr Table tag_rules = static_cast<Table>(12);
inline constexpr Table lifecycle_history = static_cast<Table>(13);

}  // namespace crmlite::value_tables
