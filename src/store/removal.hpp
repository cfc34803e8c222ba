// Removing a record that records of other modules depend on, without any module
// reaching into another's tables.
//
// A module whose records depend on another module's record (an opportunity on
// its customer, a campaign member on its campaign, a lead's link to a
// customer) registers a hook for the parent's table; the parent's module calls
// remove_dependents() in the same transaction when it removes the record. A
// module also registers a remover for each synced table it owns: sync apply
// calls it when a delete arrives for a record present here, so a delete that
// arrives by sync has exactly the effect the local delete had (the same code
// runs), and replicas converge.
//
// Hooks are registered at static initialisation (RemovalHooks objects in the
// module's own .cpp, the file that also writes those records, so any program
// that can hold such records links the hook). Hooks must not depend on their
// order: each touches only its own module's records.
#pragma once

#include <initializer_list>
#include <utility>
#include <vector>

#include "store/database.hpp"

namespace crmlite {

enum class Removal {
    // A delete: dependents go with tombstones that sync (or lose their
    // reference to the parent as a versioned change).
    deleted,
    // The parent left this replica (eviction from a filtered share, a filtered
    // snapshot): dependents go without tombstones and nothing is written that
    // syncs; references to the parent stay (it still exists elsewhere).
    forgotten,
};

struct RecordRef {
    Table table;
    Uuid id;
};

// Removes what depends on `parent`; appends each record removed to `removed`
// when it is not null (erasure uses it to clean the conflict log).
using DependentsHook = void (*)(WriteScope& w, const Uuid& parent, Removal how, std::vector<RecordRef>* removed);
// Deletes one record of the module's table (with a tombstone) and what depends
// on it. No permission checks: the caller did them, or the delete is a remote one.
using Remover = void (*)(WriteScope& w, const Uuid& id);

// Static registrar: RemovalHooks hooks{{{Table::customers, &on_customer_removed}}, {{Table::leads, &remove_lead}}};
struct RemovalHooks {
    RemovalHooks(std::initializer_list<std::pair<Table, DependentsHook>> hooks,
                 std::initializer_list<std::pair<Table, Remover>> removers = {});
};

// Runs every hook registered for records of `parent_table`.
void remove_dependents(WriteScope& w, Table parent_table, const Uuid& parent, Removal how,
                       std::vector<RecordRef>* removed = nullptr);
// The remover registered for `table`, or null.
Remover remover_of(Table table);

}  // namespace crmlite
