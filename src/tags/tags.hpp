// Hierarchical tags (up to three levels: category/group/tag) and their
// assignment to customers. A tag's id derives from its path, so devices that
// create the same tag offline converge; an assignment's id derives from
// (customer, tag), and assignments form an add-wins set under sync.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::tags {

// "a / b/c " -> "a/b/c"; at most three non-empty levels of at most 64 characters.
std::string canonical_path(const std::string& path, const std::string& field);
Uuid id_of_path(const std::string& canonical);
// A tag assignment's id, made from the customer and the tag.
Uuid assignment_id(const Uuid& customer, const Uuid& tag);

// Creates the tag and any missing ancestors inside `w`; returns the tag's id.
Uuid ensure(WriteScope& w, const std::string& canonical, const std::string& kind);
Uuid create(Database& db, const Json& input);
Json list(Database& db);
void remove(Database& db, const std::string& path);

// Returns true when the assignment is new. `source` is "manual" or "rule".
bool assign(WriteScope& w, const Uuid& customer, const std::string& canonical, const std::string& source);
bool unassign(WriteScope& w, const Uuid& customer, const std::string& canonical);
void assign(Database& db, const Uuid& customer, const std::string& path);
void unassign(Database& db, const Uuid& customer, const std::string& path);
std::vector<std::string> paths_of(Database& db, const Uuid& customer);

}  // namespace crmlite::tags
