#include "store/removal.hpp"

#include <map>

namespace crmlite {

namespace {

// Function-local statics: registrars in other translation units may run
// before this file's own statics are initialised.
std::multimap<Table, DependentsHook>& hooks() {
    static std::multimap<Table, DependentsHook> h;
    return h;
}

std::map<Table, Remover>& removers() {
    static std::map<Table, Remover> r;
    return r;
}

}  // namespace

RemovalHooks::RemovalHooks(std::initializer_list<std::pair<Table, DependentsHook>> hook_list,
                           std::initializer_list<std::pair<Table, Remover>> remover_list) {
    for (const auto& [table, hook] : hook_list) hooks().emplace(table, hook);
    for (const auto& [table, remover] : remover_list) removers()[table] = remover;
}

void remove_dependents(WriteScope& w, Table parent_table, const Uuid& parent, Removal how, std::vector<RecordRef>* removed) {
    const auto [first, last] = hooks().equal_range(parent_table);
    for (auto it = first; it != last; ++it) it->second(w, parent, how, removed);
}

Remover remover_of(Table table) {
    const auto it = removers().find(table);
    return it == removers().end() ? nullptr : it->second;
}

}  // namespace crmlite
