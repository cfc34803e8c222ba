#include "tags/tags.hpp"

#include <algorithm>

#include "common/error.hpp"

namespace crmlite::tags {

namespace {

// Sync field indexes (append only).
enum : int { kPath, kName, kParent, kKind, kLevel };
constexpr std::uint64_t kTagFields = (1u << 5) - 1;
enum : int { kAssignCustomer, kAssignTag, kAssignSource };
constexpr std::uint64_t kAssignFields = (1u << 3) - 1;


std::string trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t");
    return std::string(s.substr(b, e - b + 1));
}

bool customer_exists(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT 1 FROM customers WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    return st.executeStep();
}

}  // namespace

Uuid assignment_id(const Uuid& customer, const Uuid& tag) {
    std::string key(reinterpret_cast<const char*>(customer.data()), 16);
    key.append(reinterpret_cast<const char*>(tag.data()), 16);
    return Uuid::v8("customer_tag", key);
}

std::string canonical_path(const std::string& path, const std::string& field) {
    if (!utf8_valid(path)) invalid(field, "not valid UTF-8");
    if (path.find('\0') != std::string::npos) invalid(field, "contains a NUL character");
    std::string out;
    int levels = 0;
    std::size_t start = 0;
    while (true) {
        const auto slash = path.find('/', start);
        const std::string seg = trim(std::string_view(path).substr(start, slash == std::string::npos ? std::string::npos : slash - start));
        if (seg.empty()) invalid(field, "empty level in tag path \"" + path + "\"");
        if (utf8_length(seg) > 64) invalid(field, "tag name longer than 64 characters");
        if (++levels > 3) invalid(field, "tag path \"" + path + "\" has more than three levels");
        out += (out.empty() ? "" : "/") + seg;
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
    return out;
}

Uuid id_of_path(const std::string& canonical) { return Uuid::v8("tag", canonical); }

Uuid ensure(WriteScope& w, const std::string& canonical, const std::string& kind) {
    const Uuid id = id_of_path(canonical);
    auto& find = w.db().stmt("SELECT 1 FROM tags WHERE id = ?");
    find.bind(1, id.data(), Uuid::size());
    if (find.executeStep()) return id;
    find.reset();
    const auto slash = canonical.rfind('/');
    std::optional<Uuid> parent;
    int level = 1;
    if (slash != std::string::npos) {
        const std::string parent_path = canonical.substr(0, slash);
        parent = ensure(w, parent_path, kind);
        level = static_cast<int>(std::count(canonical.begin(), canonical.end(), '/')) + 1;
    }
    auto& ins = w.db().stmt(
        "INSERT INTO tags(id, path, name, parent_id, kind, level, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
    ins.bind(1, id.data(), Uuid::size());
    ins.bind(2, canonical);
    ins.bind(3, slash == std::string::npos ? canonical : canonical.substr(slash + 1));
    if (parent) ins.bind(4, parent->data(), Uuid::size());
    else ins.bind(4);
    ins.bind(5, kind);
    ins.bind(6, level);
    ins.bind(7, w.now());
    ins.exec();
    w.record_change(Table::tags, id, kTagFields);
    return id;
}

Uuid create(Database& db, const Json& input) {
    Input in(input, "tag");
    in.allow_only({"path", "kind"});
    const std::string path = canonical_path(in.required_text("path", 200), "tag.path");
    const std::string kind = in.choice("kind", {"basic", "behavior", "value"}).value_or("basic");
    WriteScope w(db);
    const Uuid id = ensure(w, path, kind);
    w.commit();
    return id;
}

Json list(Database& db) {
    Json out = Json::array();
    auto& st = db.stmt(
        "SELECT t.id, t.path, t.name, t.kind, t.level, t.parent_id, "
        "(SELECT count(*) FROM customer_tags ct WHERE ct.tag_id = t.id) FROM tags t ORDER BY t.path");
    while (st.executeStep()) {
        Json t = {{"id", Uuid::from_blob(st.getColumn(0).getBlob(), 16).str()},
                  {"path", st.getColumn(1).getString()},
                  {"name", st.getColumn(2).getString()},
                  {"kind", st.getColumn(3).getString()},
                  {"level", st.getColumn(4).getInt()},
                  {"count", st.getColumn(6).getInt64()}};
        if (!st.getColumn(5).isNull()) t["parent_id"] = Uuid::from_blob(st.getColumn(5).getBlob(), 16).str();
        out.push_back(std::move(t));
    }
    return out;
}

void remove(Database& db, const std::string& path) {
    const std::string canonical = canonical_path(path, "tag.path");
    const Uuid id = id_of_path(canonical);
    WriteScope w(db);
    auto& find = db.stmt("SELECT 1 FROM tags WHERE id = ?");
    find.bind(1, id.data(), Uuid::size());
    if (!find.executeStep()) throw Error(CRM_ENOTFOUND, "tag.path: no tag \"" + canonical + "\"");
    find.reset();
    auto& kids = db.stmt("SELECT 1 FROM tags WHERE parent_id = ? LIMIT 1");
    kids.bind(1, id.data(), Uuid::size());
    if (kids.executeStep()) invalid("tag.path", "tag \"" + canonical + "\" has child tags; delete them first");
    kids.reset();
    // Each assignment is its own synced record: tombstone them one by one.
    std::vector<Uuid> customers;
    auto& who = db.stmt("SELECT customer_id FROM customer_tags WHERE tag_id = ?");
    who.bind(1, id.data(), Uuid::size());
    while (who.executeStep()) customers.push_back(Uuid::from_blob(who.getColumn(0).getBlob(), 16));
    who.reset();
    for (const auto& c : customers) w.record_delete(Table::customer_tags, assignment_id(c, id));
    w.record_delete(Table::tags, id);  // before the row goes: it keeps a ghost
    auto& del = db.stmt("DELETE FROM tags WHERE id = ?");
    del.bind(1, id.data(), Uuid::size());
    del.exec();  // assignments cascade
    w.commit();
}

bool assign(WriteScope& w, const Uuid& customer, const std::string& canonical, const std::string& source) {
    const Uuid tag = ensure(w, canonical, "basic");
    const Uuid id = assignment_id(customer, tag);
    auto& ins = w.db().stmt(
        "INSERT OR IGNORE INTO customer_tags(customer_id, tag_id, source, created_at, id) VALUES (?, ?, ?, ?, ?)");
    ins.bind(1, customer.data(), Uuid::size());
    ins.bind(2, tag.data(), Uuid::size());
    ins.bind(3, source);
    ins.bind(4, w.now());
    ins.bind(5, id.data(), Uuid::size());
    ins.exec();
    if (w.db().sql().getChanges() == 0) {
        if (source != "manual") return false;
        // A tag a rule assigned (derived, never synced) becomes the user's own:
        // from now on it syncs and rules leave it alone (rules/tag_rules.hpp).
        auto& up = w.db().stmt("UPDATE customer_tags SET source = 'manual', created_at = ? WHERE id = ? AND source = 'rule'");
        up.bind(1, w.now());
        up.bind(2, id.data(), Uuid::size());
        up.exec();
        if (w.db().sql().getChanges() == 0) return false;
    }
    w.record_change(Table::customer_tags, id, kAssignFields);
    return true;
}

bool unassign(WriteScope& w, const Uuid& customer, const std::string& canonical) {
    const Uuid tag = id_of_path(canonical);
    auto& has = w.db().stmt("SELECT 1 FROM customer_tags WHERE customer_id = ? AND tag_id = ?");
    has.bind(1, customer.data(), Uuid::size());
    has.bind(2, tag.data(), Uuid::size());
    const bool assigned = has.executeStep();
    has.reset();
    if (!assigned) return false;
    w.record_delete(Table::customer_tags, assignment_id(customer, tag));  // before the row goes: it keeps a ghost
    auto& del = w.db().stmt("DELETE FROM customer_tags WHERE customer_id = ? AND tag_id = ?");
    del.bind(1, customer.data(), Uuid::size());
    del.bind(2, tag.data(), Uuid::size());
    del.exec();
    return true;
}

void assign(Database& db, const Uuid& customer, const std::string& path) {
    const std::string canonical = canonical_path(path, "tag.path");
    WriteScope w(db);
    if (!customer_exists(db, customer)) throw Error(CRM_ENOTFOUND, "customer_id: no customer " + customer.str());
    assign(w, customer, canonical, "manual");
    w.commit();
}

void unassign(Database& db, const Uuid& customer, const std::string& path) {
    const std::string canonical = canonical_path(path, "tag.path");
    WriteScope w(db);
    if (!customer_exists(db, customer)) throw Error(CRM_ENOTFOUND, "customer_id: no customer " + customer.str());
    unassign(w, customer, canonical);
    w.commit();
}

std::vector<std::string> paths_of(Database& db, const Uuid& customer) {
    std::vector<std::string> out;
    auto& st = db.stmt(
        "SELECT t.path FROM customer_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.customer_id = ? ORDER BY t.path");
    st.bind(1, customer.data(), Uuid::size());
    while (st.executeStep()) out.push_back(st.getColumn(0).getString());
    return out;
}

}  // namespace crmlite::tags
