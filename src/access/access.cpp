#include "access/access.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <array>

#include "audit/audit.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "masking/masking.hpp"

namespace crmlite::access {

namespace {

constexpr std::array<std::pair<Perm, const char*>, 11> kPerms = {{
    {kRead, "read"}, {kCreate, "create"}, {kUpdate, "update"}, {kDelete, "delete"}, {kExport, "export"},
    {kMerge, "merge"}, {kManageRules, "manage_rules"}, {kManageUsers, "manage_users"}, {kUnmask, "unmask"},
    {kAudit, "audit"}, {kErase, "erase"},
}};
constexpr std::uint32_t kAll = (1u << 11) - 1;

struct Role {
    const char* name;
    std::uint32_t perms;
    Scope scope;
};
struct RoleInfo {
    std::string name;
    std::uint32_t perms;
    Scope scope;
};

// Built-in roles (docs/privacy.md). They cannot be replaced, so every file
// means the same by "sales".
const std::array<Role, 6> kBuiltIn = {{
    {"admin", kAll, Scope::all},
    {"manager", kRead | kCreate | kUpdate | kDelete | kExport | kMerge | kManageRules | kUnmask | kAudit, Scope::team},
    {"sales", kRead | kCreate | kUpdate, Scope::own},
    {"service", kRead | kUpdate, Scope::all},
    {"analyst", kRead | kExport, Scope::all},
    {"read-only", kRead, Scope::all},
}};

const char* scope_name(Scope s) { return s == Scope::own ? "own" : s == Scope::team ? "team" : "all"; }
Scope scope_of(const std::string& s) { return s == "own" ? Scope::own : s == "team" ? Scope::team : Scope::all; }

Json perm_list(std::uint32_t perms) {
    Json out = Json::array();
    for (const auto& [p, name] : kPerms)
        if (perms & p) out.push_back(name);
    return out;
}

// The handle's access state: its principal and the audit entries not yet
// written. It rides on the store's deferred work so that pending entries are
// written inside the next outermost commit (a read stays a read).
class State : public DeferredWork {
public:
    static std::unique_ptr<DeferredWork> make() { return std::make_unique<State>(); }
    void flush(Database& db) override {
        if (pending.empty() || db.readonly()) return;
        audit::append(db, pending);
        pending.clear();
    }
    void discard() noexcept override {
        // Entries of calls inside a transaction that rolled back never happened;
        // reads and denials did.
        std::erase_if(pending, [](const audit::Entry& e) { return e.in_transaction; });
    }
    std::optional<Principal> principal;
    std::vector<audit::Entry> pending;
};

State& state(Database& db) { return static_cast<State&>(db.deferred("access", &State::make)); }

void in_scope_fn(sqlite3_context* ctx, int, sqlite3_value** argv) {
    const auto* st = static_cast<const State*>(sqlite3_user_data(ctx));
    if (!st->principal || st->principal->scope == Scope::all) {
        sqlite3_result_int(ctx, 1);
        return;
    }
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
        sqlite3_result_int(ctx, 0);
        return;
    }
    const std::string owner(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                            static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
    sqlite3_result_int(ctx, st->principal->owners.count(owner) ? 1 : 0);
}

std::optional<RoleInfo> find_role(Database& db, const std::string& name) {
    for (const auto& r : kBuiltIn)
        if (name == r.name) return RoleInfo{r.name, r.perms, r.scope};
    auto& st = db.stmt("SELECT permissions, scope FROM access_roles WHERE name = ?");
    st.bind(1, name);
    if (!st.executeStep()) return std::nullopt;
    std::uint32_t perms = 0;
    const Json list = Json::parse(st.getColumn(0).getString(), nullptr, false);
    if (list.is_array())
        for (const auto& p : list)
            if (p.is_string())
                for (const auto& [bit, pname] : kPerms)
                    if (p.get<std::string>() == pname) perms |= bit;
    const RoleInfo r{name, perms, scope_of(st.getColumn(1).getString())};
    st.reset();
    return r;
}

[[noreturn]] void deny(Database& db, const std::string& action, const char* record_type, const std::optional<Uuid>& id,
                       const std::string& message) {
    audit(db, action, record_type, id, Json::object(), "denied");
    throw Error(CRM_EPERM, message);
}

std::string owner_text(const Value& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s ? *s : std::string();
}

}  // namespace

const char* perm_name(Perm p) {
    for (const auto& [bit, name] : kPerms)
        if (bit == p) return name;
    return "?";
}

Perm perm_of(const std::string& name, const std::string& field) {
    for (const auto& [bit, pname] : kPerms)
        if (name == pname) return bit;
    invalid(field, "\"" + name + "\" is not a permission (read, create, update, delete, export, merge, manage_rules, "
                                 "manage_users, unmask, audit, erase)");
}

void sign_in(Database& db, const std::string& user) {
    State& st = state(db);
    auto& q = db.stmt("SELECT role, coalesce(team, ''), active FROM access_users WHERE name = ?");
    q.bind(1, user);
    if (!q.executeStep() || q.getColumn(2).getInt() == 0) {
        q.reset();
        st.pending.push_back({now_ms(), user, "login", "denied", "", std::nullopt, "{}", false});
        throw Error(CRM_EPERM, "principal: \"" + user + "\" is not an active user of this database");
    }
    Principal p;
    p.user = user;
    p.role = q.getColumn(0).getString();
    p.team = q.getColumn(1).getString();
    q.reset();
    const auto role = find_role(db, p.role);
    if (!role) throw Error(CRM_EPERM, "principal: the role \"" + p.role + "\" of \"" + user + "\" does not exist");
    p.perms = role->perms;
    p.scope = role->scope;
    p.owners.insert(user);
    if (p.scope == Scope::team && !p.team.empty()) {
        auto& t = db.stmt("SELECT name FROM access_users WHERE team = ? AND active = 1");
        t.bind(1, p.team);
        while (t.executeStep()) p.owners.insert(t.getColumn(0).getString());
        t.reset();
    }
    st.principal = std::move(p);
    const int rc = sqlite3_create_function_v2(db.handle(), "crm_in_scope", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, &st,
                                              &in_scope_fn, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) throw Error(CRM_ERROR, "principal: cannot register the scope function", rc);
    audit(db, "login", nullptr, std::nullopt, {{"role", st.principal->role}});
}

const Principal* principal(Database& db) {
    State& st = state(db);
    return st.principal ? &*st.principal : nullptr;
}

std::string actor(Database& db) {
    const Principal* p = principal(db);
    return p ? p->user : "system";
}

bool can(Database& db, Perm p) {
    const Principal* pr = principal(db);
    return pr == nullptr || (pr->perms & p) != 0;
}

void require(Database& db, Perm p, const std::string& what) {
    if (can(db, p)) return;
    deny(db, what, nullptr, std::nullopt,
         what + ": principal \"" + actor(db) + "\" (role " + principal(db)->role + ") lacks the \"" + perm_name(p) +
             "\" permission");
}

bool owner_in_scope(Database& db, const Value& owner) {
    const Principal* p = principal(db);
    if (p == nullptr || p->scope == Scope::all) return true;
    const auto* s = std::get_if<std::string>(&owner);
    return s != nullptr && p->owners.count(*s) != 0;
}

void require_customer(Database& db, const Uuid& customer, Perm perm, const char* what) {
    const Principal* p = principal(db);
    if (p == nullptr) return;
    if (!(p->perms & perm))
        deny(db, what, "customer", customer,
             std::string(what) + ": principal \"" + p->user + "\" (role " + p->role + ") lacks the \"" + perm_name(perm) +
                 "\" permission");
    if (p->scope == Scope::all) return;
    auto& st = db.stmt("SELECT owner FROM customers WHERE id = ?");
    st.bind(1, customer.data(), Uuid::size());
    if (!st.executeStep()) return;
    const Value owner = st.getColumn(0).isNull() ? Value{} : Value{st.getColumn(0).getString()};
    st.reset();
    if (!owner_in_scope(db, owner))
        deny(db, what, "customer", customer,
             std::string(what) + ": customer " + customer.str() + " is outside the scope of principal \"" + p->user + "\"");
}

void require_owner(Database& db, const Value& owner, Perm perm, const std::string& action, const char* record_type,
                   const std::optional<Uuid>& id) {
    const Principal* p = principal(db);
    if (p == nullptr) return;
    if (!(p->perms & perm))
        deny(db, action, record_type, id,
             action + ": principal \"" + p->user + "\" (role " + p->role + ") lacks the \"" + perm_name(perm) + "\" permission");
    if (!owner_in_scope(db, owner))
        deny(db, action, record_type, id,
             action + ": " + record_type + (id ? " " + id->str() : std::string()) + " (owner \"" + owner_text(owner) +
                 "\") is outside the scope of principal \"" + p->user + "\"");
}

void require_interaction(Database& db, const Uuid& interaction, Perm perm, const char* what) {
    if (principal(db) == nullptr) return;
    auto& st = db.stmt("SELECT customer_id FROM interactions WHERE id = ?");
    st.bind(1, interaction.data(), Uuid::size());
    if (!st.executeStep()) return;
    const Uuid customer = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
    st.reset();
    require_customer(db, customer, perm, what);
}

bool visible(Database& db, const Uuid& customer) {
    auto& st = db.stmt("SELECT owner FROM customers WHERE id = ?");
    st.bind(1, customer.data(), Uuid::size());
    if (!st.executeStep()) return false;
    const Value owner = st.getColumn(0).isNull() ? Value{} : Value{st.getColumn(0).getString()};
    st.reset();
    return owner_in_scope(db, owner);
}

std::string scope_sql(Database& db, const char* alias) {
    const Principal* p = principal(db);
    if (p == nullptr || p->scope == Scope::all) return {};
    return std::string(" AND crm_in_scope(") + alias + ".owner)";
}

std::string customer_scope_sql(Database& db, const std::string& column) {
    const Principal* p = principal(db);
    if (p == nullptr || p->scope == Scope::all) return {};
    return " AND EXISTS (SELECT 1 FROM customers scope_c WHERE scope_c.id = " + column + " AND crm_in_scope(scope_c.owner))";
}

void on_create(Database& db, Value& owner, std::uint64_t& mask, std::uint64_t owner_bit) {
    const Principal* p = principal(db);
    if (p == nullptr) return;
    if (!(p->perms & kCreate))
        deny(db, "customer.create", "customer", std::nullopt,
             "customer: principal \"" + p->user + "\" (role " + p->role + ") lacks the \"create\" permission");
    if (p->scope == Scope::all) return;
    if (std::holds_alternative<std::monostate>(owner)) {
        owner = p->user;  // a rep's new customer is the rep's
        mask |= owner_bit;
        return;
    }
    if (!owner_in_scope(db, owner))
        deny(db, "customer.create", "customer", std::nullopt,
             "customer.owner: \"" + owner_text(owner) + "\" is outside the scope of principal \"" + p->user + "\"");
}

void on_update(Database& db, const Value& old_owner, const Value& new_owner, const Uuid& id) {
    const Principal* p = principal(db);
    if (p == nullptr) return;
    if (!(p->perms & kUpdate))
        deny(db, "customer.update", "customer", id,
             "customer: principal \"" + p->user + "\" (role " + p->role + ") lacks the \"update\" permission");
    if (!owner_in_scope(db, old_owner))
        deny(db, "customer.update", "customer", id,
             "customer: " + id.str() + " is outside the scope of principal \"" + p->user + "\"");
    if (!owner_in_scope(db, new_owner))
        deny(db, "customer.update", "customer", id,
             "customer.owner: \"" + owner_text(new_owner) + "\" is outside the scope of principal \"" + p->user + "\"");
}

void on_delete(Database& db, const Value& owner, const Uuid& id) {
    const Principal* p = principal(db);
    if (p == nullptr) return;
    if (!(p->perms & kDelete))
        deny(db, "customer.delete", "customer", id,
             "customer: principal \"" + p->user + "\" (role " + p->role + ") lacks the \"delete\" permission");
    if (!owner_in_scope(db, owner))
        deny(db, "customer.delete", "customer", id,
             "customer: " + id.str() + " is outside the scope of principal \"" + p->user + "\"");
}

void on_read(Database& db, const Value& owner, const Uuid& id) {
    const Principal* p = principal(db);
    if (p == nullptr) return;
    if (!(p->perms & kRead))
        deny(db, "customer.read", "customer", id,
             "customer: principal \"" + p->user + "\" (role " + p->role + ") lacks the \"read\" permission");
    if (!owner_in_scope(db, owner))
        deny(db, "customer.read", "customer", id,
             "customer: " + id.str() + " is outside the scope of principal \"" + p->user + "\"");
}

bool masked(Database& db) { return !can(db, kUnmask); }

void mask_customer(Database& db, Json& r) {
    if (!masked(db)) return;
    for (const char* list : {"phones", "emails"}) {
        if (!r.contains(list) || !r[list].is_array()) continue;
        const bool is_phone = list[0] == 'p';
        for (auto& cp : r[list]) {
            for (const char* k : {"value", "normalized"})
                if (cp.contains(k) && cp[k].is_string())
                    cp[k] = is_phone ? masking::phone(cp[k].get<std::string>()) : masking::email(cp[k].get<std::string>());
        }
    }
    const auto mask_field = [&](const char* key, std::string (*fn)(const std::string&)) {
        if (r.contains(key) && r[key].is_string()) r[key] = fn(r[key].get<std::string>());
    };
    mask_field("phone", &masking::phone);  // list rows carry the primary phone and e-mail
    mask_field("email", &masking::email);
    mask_field("national_id", &masking::id_number);
    mask_field("address", &masking::address);
    mask_field("postcode", &masking::id_number);
    mask_field("birthday", &masking::birthday);
    mask_field("notes", &masking::text);
}

void mask_interaction(Database& db, Json& r) {
    if (!masked(db)) return;
    for (const char* key : {"subject", "body"})
        if (r.contains(key) && r[key].is_string()) r[key] = masking::text(r[key].get<std::string>());
}

void mask_lead(Database& db, Json& r) {
    if (!masked(db)) return;
    const auto mask_field = [&](const char* key, std::string (*fn)(const std::string&)) {
        if (r.contains(key) && r[key].is_string()) r[key] = fn(r[key].get<std::string>());
    };
    mask_field("phone", &masking::phone);
    mask_field("phone_normalized", &masking::phone);
    mask_field("email", &masking::email);
    mask_field("email_normalized", &masking::email);
    mask_field("notes", &masking::text);
}

std::string mask_text(Database& db, const std::string& text) { return masked(db) ? masking::text(text) : text; }

// ---- users and roles

void put_user(Database& db, const Json& user) {
    require(db, kManageUsers, "user");
    Input in(user, "user");
    in.allow_only({"name", "role", "team", "display_name", "active"});
    const std::string name = in.required_text("name", 100);
    const std::string role = in.required_text("role", 64);
    if (!find_role(db, role)) invalid("user.role", "no role \"" + role + "\"");
    const auto team = in.text("team", 100);
    const auto display = in.text("display_name", 200);
    const bool active = in.boolean("active").value_or(true);
    WriteScope w(db);
    auto& st = db.stmt(
        "INSERT INTO access_users(name, display_name, role, team, active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
        "ON CONFLICT(name) DO UPDATE SET display_name = excluded.display_name, role = excluded.role, "
        "team = excluded.team, active = excluded.active, updated_at = excluded.updated_at");
    st.bind(1, name);
    if (display) st.bind(2, *display);
    else st.bind(2);
    st.bind(3, role);
    if (team) st.bind(4, *team);
    else st.bind(4);
    st.bind(5, active ? 1 : 0);
    st.bind(6, w.now());
    st.bind(7, w.now());
    st.exec();
    audit_always(db, "user.put", nullptr, std::nullopt, {{"user", name}, {"role", role}});
    w.commit();
}

Json list_users(Database& db) {
    require(db, kManageUsers, "user");
    Json out = Json::array();
    auto& st = db.stmt("SELECT name, display_name, role, team, active FROM access_users ORDER BY name");
    while (st.executeStep()) {
        Json u = {{"name", st.getColumn(0).getString()}, {"role", st.getColumn(2).getString()},
                  {"active", st.getColumn(4).getInt() != 0}};
        if (!st.getColumn(1).isNull()) u["display_name"] = st.getColumn(1).getString();
        if (!st.getColumn(3).isNull()) u["team"] = st.getColumn(3).getString();
        out.push_back(std::move(u));
    }
    return out;
}

void put_role(Database& db, const Json& role) {
    require(db, kManageUsers, "role");
    Input in(role, "role");
    in.allow_only({"name", "permissions", "scope"});
    const std::string name = in.required_text("name", 64);
    for (const auto& r : kBuiltIn)
        if (name == r.name) invalid("role.name", "\"" + name + "\" is a built-in role and cannot be replaced");
    if (!in.has("permissions") || !in.raw("permissions").is_array()) invalid("role.permissions", "expected an array of permission names");
    Json perms = Json::array();
    const Json& list = in.raw("permissions");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = "role.permissions[" + std::to_string(i) + "]";
        if (!list[i].is_string()) invalid(field, "expected a string");
        perm_of(list[i].get<std::string>(), field);
        perms.push_back(list[i]);
    }
    const std::string scope = in.choice("scope", {"own", "team", "all"}).value_or("own");
    WriteScope w(db);
    auto& st = db.stmt("INSERT OR REPLACE INTO access_roles(name, permissions, scope, created_at) VALUES (?, ?, ?, ?)");
    st.bind(1, name);
    st.bind(2, perms.dump());
    st.bind(3, scope);
    st.bind(4, w.now());
    st.exec();
    audit_always(db, "role.put", nullptr, std::nullopt, {{"role", name}});
    w.commit();
}

Json list_roles(Database& db) {
    Json out = Json::array();
    for (const auto& r : kBuiltIn)
        out.push_back({{"name", r.name}, {"permissions", perm_list(r.perms)}, {"scope", scope_name(r.scope)}, {"builtin", true}});
    auto& st = db.stmt("SELECT name FROM access_roles ORDER BY name");
    std::vector<std::string> names;
    while (st.executeStep()) names.push_back(st.getColumn(0).getString());
    st.reset();
    for (const auto& n : names) {
        const auto r = find_role(db, n);
        out.push_back({{"name", n}, {"permissions", perm_list(r->perms)}, {"scope", scope_name(r->scope)}, {"builtin", false}});
    }
    return out;
}

Json whoami(Database& db) {
    const Principal* p = principal(db);
    if (p == nullptr) return {{"principal", nullptr}, {"scope", "all"}, {"permissions", perm_list(kAll)}};
    Json owners = Json::array();
    for (const auto& o : p->owners) owners.push_back(o);
    Json out = {{"principal", p->user}, {"role", p->role}, {"scope", scope_name(p->scope)},
                {"permissions", perm_list(p->perms)}, {"owners", owners}};
    if (!p->team.empty()) out["team"] = p->team;
    return out;
}

void audit(Database& db, const std::string& action, const char* record_type, const std::optional<Uuid>& id, Json detail,
           const char* outcome) {
    if (principal(db) == nullptr) return;  // the system's reads and changes are not audited
    audit_always(db, action, record_type, id, std::move(detail), outcome);
}

void audit_always(Database& db, const std::string& action, const char* record_type, const std::optional<Uuid>& id,
                  Json detail, const char* outcome) {
    State& st = state(db);
    st.pending.push_back({now_ms(), actor(db), action, outcome, record_type ? record_type : "", id, dump(detail),
                          db.in_explicit_transaction() && std::string_view(outcome) == "ok"});
    // Batched: written with the next commit, or here once enough piled up and
    // no transaction is open (a read must not open one on every call).
    if (st.pending.size() >= 256 && !db.in_transaction() && !db.readonly()) flush_audit(db);
}

void flush_audit(Database& db) {
    State& st = state(db);
    if (st.pending.empty() || db.readonly()) return;
    if (db.in_transaction()) return;  // the transaction's commit writes them
    WriteScope w(db);
    w.commit();  // commit flushes the deferred work, this module's entries among it
}

}  // namespace crmlite::access
