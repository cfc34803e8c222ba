// Principals and scopes: users, teams and roles stored in the file, and the
// principal a handle acts for. A handle opened without a principal is the
// system: no checks, no masking (the behaviour of every caller before issue 7).
// A handle opened as a user sees and changes only the customers its role's
// scope covers (own: owner = the user; team: owner = any user of its team;
// all), may do only what its role's permissions allow, and receives masked
// values unless the role may unmask. Every check throws CRM_EPERM before the
// call has written anything, and leaves an audit entry (src/audit).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"
#include "store/record.hpp"

namespace crmlite::access {

enum Perm : std::uint32_t {
    kRead = 1u << 0,
    kCreate = 1u << 1,
    kUpdate = 1u << 2,
    kDelete = 1u << 3,
    kExport = 1u << 4,
    kMerge = 1u << 5,
    kManageRules = 1u << 6,
    kManageUsers = 1u << 7,
    kUnmask = 1u << 8,
    kAudit = 1u << 9,
    kErase = 1u << 10,
};

enum class Scope { own, team, all };

struct Principal {
    std::string user;
    std::string role;
    std::string team;
    std::uint32_t perms = 0;
    Scope scope = Scope::own;
    std::set<std::string> owners;  // owner values in scope (own / team)
};

// The permission's name ("read", "manage_users", ...) and back; CRM_EINVAL naming `field`.
const char* perm_name(Perm p);
Perm perm_of(const std::string& name, const std::string& field);

// Makes the handle act for `user` (an active user of this file); CRM_EPERM
// otherwise. Records a login audit entry (or a denied one).
void sign_in(Database& db, const std::string& user);
// The handle's principal; nullptr for the system.
const Principal* principal(Database& db);
// The audit name of whoever acts: the user, or "system".
std::string actor(Database& db);

bool can(Database& db, Perm p);
// CRM_EPERM naming `what` unless the principal has `p`.
void require(Database& db, Perm p, const std::string& what);
// Whether a customer with this owner is in the principal's scope.
bool owner_in_scope(Database& db, const Value& owner);
// The customer (which must exist) is in scope and `p` is allowed; CRM_EPERM
// otherwise. A customer that does not exist passes (the caller reports it).
void require_customer(Database& db, const Uuid& customer, Perm p, const char* what);
// A record with an owner of its own (a lead): `perm` is allowed and the owner is
// in scope (a record without an owner is in scope "all" only); CRM_EPERM
// naming `action` (e.g. "lead.delete") otherwise. `id` is absent for a record
// about to be created.
void require_owner(Database& db, const Value& owner, Perm perm, const std::string& action, const char* record_type,
                   const std::optional<Uuid>& id);
// The same for the customer of an interaction.
void require_interaction(Database& db, const Uuid& interaction, Perm p, const char* what);
// Whether the customer exists and is in scope (true for the system when it exists).
bool visible(Database& db, const Uuid& customer);
// An SQL condition over the customer alias `alias` ("c") that holds for the
// customers in scope: "" for a principal of scope all and for the system,
// else " AND crm_in_scope(c.owner)" (a function of this connection).
std::string scope_sql(Database& db, const char* alias);
// The same for records that follow a customer (opportunities, stage history,
// campaign members): "" for scope all and the system, else a condition that
// the customer named by `column` (e.g. "o.customer_id") is in scope.
std::string customer_scope_sql(Database& db, const std::string& column);

// Write-path hooks for the customers module. on_create checks kCreate and the
// owner (none: the principal of scope own/team becomes it; `mask` gains
// `owner_bit`); on_update checks kUpdate, the old and the new owner;
// on_delete checks kDelete and the owner.
void on_create(Database& db, Value& owner, std::uint64_t& mask, std::uint64_t owner_bit);
void on_update(Database& db, const Value& old_owner, const Value& new_owner, const Uuid& id);
void on_delete(Database& db, const Value& owner, const Uuid& id);
void on_read(Database& db, const Value& owner, const Uuid& id);

// Masking through the principal: true when values must be masked.
bool masked(Database& db);
// Masks a customer record (as customers::get renders it) in place when the
// principal may not unmask.
void mask_customer(Database& db, Json& record);
// Masks phone numbers and e-mail addresses in an interaction's subject and body.
void mask_interaction(Database& db, Json& record);
// Masks a lead (as leads::get renders it) in place: phone, email, their
// normalised forms and the notes, by the customers' rules.
void mask_lead(Database& db, Json& record);
// Masks phone numbers and e-mail addresses in free text (search snippets).
std::string mask_text(Database& db, const std::string& text);

// Users and roles. Each call needs kManageUsers (the system may).
// put_user: {"name","role","team"?,"display_name"?,"active"?} (create or replace).
void put_user(Database& db, const Json& user);
Json list_users(Database& db);
// put_role: {"name","permissions":[...],"scope":"own"|"team"|"all"}; built-in
// roles cannot be replaced.
void put_role(Database& db, const Json& role);
Json list_roles(Database& db);
// {"principal": null} for the system, else {"user","role","team","scope","permissions"}.
Json whoami(Database& db);

// An audit entry for what a principal did (reads, changes, denials); nothing
// for the system. Batched: kept in memory and written with the next commit,
// or once 256 are pending, or at close (see src/audit).
void audit(Database& db, const std::string& action, const char* record_type, const std::optional<Uuid>& id,
           Json detail = Json::object(), const char* outcome = "ok");
// The same for the system too: exports, erasures, user and role changes.
void audit_always(Database& db, const std::string& action, const char* record_type, const std::optional<Uuid>& id,
                  Json detail = Json::object(), const char* outcome = "ok");
// Writes the pending audit entries now (one transaction); called at close too.
void flush_audit(Database& db);

}  // namespace crmlite::access
