#include "customers/customers.hpp"

#include <algorithm>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/text.hpp"
#include "common/time.hpp"
#include "customers/contact_points.hpp"
#include "merge/redirects.hpp"
#include "normalize/settings.hpp"
#include "search/index_queue.hpp"
#include "store/ghosts.hpp"
#include "tags/tags.hpp"

namespace crmlite::customers {

namespace {

const std::vector<FieldSpec> kFields = {
    {"kind", "kind", FieldKind::choice, 0, {"person", "company"}},
    {"display_name", "display_name", FieldKind::text, 200, {}, INT64_MIN, INT64_MAX, true},
    {"given_name", "given_name", FieldKind::text, 100},
    {"family_name", "family_name", FieldKind::text, 100},
    {"gender", "gender", FieldKind::choice, 0, {"male", "female", "other", "unknown"}},
    {"birthday", "birthday", FieldKind::date},
    {"title", "title", FieldKind::text, 200},
    {"industry", "industry", FieldKind::text, 200},
    {"company", "company", FieldKind::text, 200, {}, INT64_MIN, INT64_MAX, true},
    {"company_id", "company_id", FieldKind::ref},
    {"region", "region", FieldKind::text, 100},
    {"country", "country", FieldKind::text, 100},
    {"province", "province", FieldKind::text, 100},
    {"city", "city", FieldKind::text, 100},
    {"address", "address", FieldKind::text, 500},
    {"postcode", "postcode", FieldKind::text, 20},
    {"source", "source", FieldKind::text, 100},
    {"stage", "stage", FieldKind::choice, 0, {"prospect", "customer", "repeat", "loyal", "at_risk", "churned"}},
    {"owner", "owner", FieldKind::text, 100},
    {"consent_marketing", "consent_marketing", FieldKind::boolean},
    {"consent_data_sharing", "consent_data_sharing", FieldKind::boolean},
    {"national_id", "national_id", FieldKind::text, 64},
    {"notes", "notes", FieldKind::text, 20000, {}, INT64_MIN, INT64_MAX, true},
    {"custom", "custom", FieldKind::object, 65536},
};
constexpr int kKind = 0, kDisplayName = 1, kGiven = 2, kFamily = 3, kCompanyId = 9;
constexpr int kOwner = 18;  // checked against the principal's scope (src/access)

// Keys a customer record may carry besides its fields.
bool is_extra_key(std::string_view k) {
    return k == "phones" || k == "emails" || k == "external_ids" || k == "tags" || k == "id" ||
           k == "created_at" || k == "updated_at";
}

void check_keys(const Json& input) {
    for (const auto& [key, value] : input.items()) {
        if (is_extra_key(key) || field_index(kFields, key) >= 0) continue;
        invalid("customer." + key, "unknown field");
    }
}

std::string text_of(const Value& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s ? *s : std::string();
}

// "王" + "小明" -> "王小明"; "John" + "Smith" -> "John Smith".
std::string derive_display_name(const std::string& given, const std::string& family) {
    if (text::has_han(given) || text::has_han(family)) return family + given;
    if (given.empty()) return family;
    if (family.empty()) return given;
    return given + " " + family;
}

struct Row {
    std::int64_t rid = 0;
    std::vector<Value> values;
    std::optional<std::vector<FieldVersion>> versions;  // change capture's, read with the row
};

std::optional<Row> load_row(Database& db, const Uuid& id) {
    static const std::string sql = [] {
        std::string s = "SELECT rid";
        for (const auto& f : kFields) s += std::string(", ") + f.column;
        return s + ", sync_hlc, sync_seq, sync_vers FROM customers WHERE id = ?";
    }();
    auto& st = db.stmt(sql);
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    Row row;
    row.rid = st.getColumn(0).getInt64();
    for (std::size_t i = 0; i < kFields.size(); ++i)
        row.values.push_back(column_value(st.getColumn(static_cast<int>(i) + 1), kFields[i]));
    row.versions = Database::row_versions(st, static_cast<int>(kFields.size()) + 1);
    st.reset();  // a statement left mid-result blocks checkpoints (bench/README.md)
    return row;
}


void check_company_ref(Database& db, const Value& v, const Uuid* self) {
    const auto* ref = std::get_if<Uuid>(&v);
    if (!ref) return;
    if (self && *ref == *self) invalid("customer.company_id", "a customer cannot be its own company");
    auto& st = db.stmt("SELECT kind FROM customers WHERE id = ?");
    st.bind(1, ref->data(), Uuid::size());
    if (!st.executeStep()) invalid("customer.company_id", "no customer " + ref->str());
    if (st.getColumn(0).getString() != "company") invalid("customer.company_id", ref->str() + " is not a company");
}

// Removes the customer's mapping in `system` (each a synced record with a
// tombstone, recorded before its row goes); true if there was one.
bool drop_external_ids(WriteScope& w, const Uuid& customer, const std::string& system) {
    auto& find = w.db().stmt("SELECT id FROM external_ids WHERE system = ? AND customer_id = ?");
    find.bind(1, system);
    find.bind(2, customer.data(), Uuid::size());
    std::vector<Uuid> gone;
    while (find.executeStep()) gone.push_back(Uuid::from_blob(find.getColumn(0).getBlob(), 16));
    find.reset();
    for (const auto& g : gone) {
        w.record_delete(Table::external_ids, g);
        auto& del = w.db().stmt("DELETE FROM external_ids WHERE id = ?");
        del.bind(1, g.data(), Uuid::size());
        del.exec();
    }
    return !gone.empty();
}

// external_ids: {"erp": "C001", "shop": null}. A mapping already held by another
// customer is a conflict, never silently moved.
bool apply_external_ids(WriteScope& w, const Uuid& customer, const Json& ids) {
    if (!ids.is_object()) invalid("customer.external_ids", "expected an object {\"system\": \"id\"}");
    bool changed = false;
    for (const auto& [system, ext] : ids.items()) {
        const std::string field = "customer.external_ids." + system;
        if (system.empty() || utf8_length(system) > 64) invalid(field, "system name must be 1 to 64 characters");
        if (system.find('\0') != std::string::npos) invalid(field, "system name contains a NUL character");
        if (ext.is_null()) {
            changed = drop_external_ids(w, customer, system) || changed;
            continue;
        }
        if (!ext.is_string() || ext.get_ref<const std::string&>().empty()) invalid(field, "expected a non-empty string");
        const std::string& value = ext.get_ref<const std::string&>();
        if (utf8_length(value) > 200) invalid(field, "longer than 200 characters");
        if (value.find('\0') != std::string::npos) invalid(field, "contains a NUL character");
        auto& find = w.db().stmt("SELECT customer_id FROM external_ids WHERE system = ? AND external_id = ?");
        find.bind(1, system);
        find.bind(2, value);
        if (find.executeStep()) {
            const Uuid owner = Uuid::from_blob(find.getColumn(0).getBlob(), 16);
            if (owner == customer) continue;
            throw Error(CRM_EEXISTS, field + ": \"" + value + "\" already belongs to customer " + owner.str());
        }
        find.reset();
        // One id per system per customer: replace an older mapping of the same system.
        drop_external_ids(w, customer, system);
        const Uuid id = external_id_key(system, value);
        auto& ins = w.db().stmt("INSERT INTO external_ids(system, external_id, id, customer_id) VALUES (?, ?, ?, ?)");
        ins.bind(1, system);
        ins.bind(2, value);
        ins.bind(3, id.data(), Uuid::size());
        ins.bind(4, customer.data(), Uuid::size());
        ins.exec();
        w.record_change(Table::external_ids, id, 0b111);
        changed = true;
    }
    return changed;
}

std::vector<std::string> parse_tag_list(const Json& list) {
    if (!list.is_array()) invalid("customer.tags", "expected an array of tag paths");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string field = "customer.tags[" + std::to_string(i) + "]";
        if (!list[i].is_string()) invalid(field, "expected a tag path string");
        out.push_back(tags::canonical_path(list[i].get<std::string>(), field));
    }
    return out;
}

// Tags given on a record are added (never removed: tags have their own calls).
bool apply_tags(WriteScope& w, const Uuid& customer, const std::vector<std::string>& paths) {
    bool changed = false;
    for (const auto& p : paths) changed = tags::assign(w, customer, p, "manual") || changed;
    return changed;
}

void set_derived(SQLite::Statement& st, int index, const std::string& display_name) {
    const std::string pinyin = text::pinyin_search_forms(display_name);
    if (pinyin.empty()) st.bind(index);
    else st.bind(index, pinyin);
    const std::string key = text::name_sort_key(display_name);
    st.bind(index + 1, key.data(), static_cast<int>(key.size()));
}

Uuid create_in(WriteScope& w, const Json& input) {
    Database& db = w.db();
    if (input.contains("id") || input.contains("created_at") || input.contains("updated_at"))
        invalid(input.contains("id") ? "customer.id" : "customer.created_at", "set by the library, not by the caller");
    check_keys(input);
    Input in(input, "customer");
    std::vector<Value> values(kFields.size());
    std::uint64_t mask = 0;
    for (auto& fv : read_fields(in, kFields)) {
        values[static_cast<std::size_t>(fv.index)] = std::move(fv.value);
        if (!std::holds_alternative<std::monostate>(values[static_cast<std::size_t>(fv.index)])) mask |= 1ull << fv.index;
    }
    if (std::holds_alternative<std::monostate>(values[kKind])) values[kKind] = std::string("person");
    std::string name = text_of(values[kDisplayName]);
    if (name.empty()) name = derive_display_name(text_of(values[kGiven]), text_of(values[kFamily]));
    if (name.empty()) invalid("customer.display_name", "required (or given_name / family_name)");
    values[kDisplayName] = name;
    mask |= (1ull << kKind) | (1ull << kDisplayName);
    access::on_create(db, values[kOwner], mask, 1ull << kOwner);
    check_company_ref(db, values[kCompanyId], nullptr);
    // Consent flags are stored as 0/1, never NULL: absent means "not given".
    for (const int i : {19, 20})
        if (std::holds_alternative<std::monostate>(values[static_cast<std::size_t>(i)])) values[static_cast<std::size_t>(i)] = std::int64_t{0};

    std::vector<ContactPoint> phones, emails;
    if (input.contains("phones")) phones = parse_contact_points(input["phones"], "phone", "customer.phones", normalize::phone_region(db));
    if (input.contains("emails")) emails = parse_contact_points(input["emails"], "email", "customer.emails");
    std::vector<std::string> tag_paths;
    if (input.contains("tags")) tag_paths = parse_tag_list(input["tags"]);

    static const std::string sql = [] {
        std::string cols = "id", params = "?";
        for (const auto& f : kFields) {
            cols += std::string(", ") + f.column;
            params += ", ?";
        }
        return "INSERT INTO customers(" + cols +
               ", created_at, updated_at, name_pinyin, sort_key, sync_hlc, sync_seq, sync_vers) VALUES (" + params +
               ", ?, ?, ?, ?, ?, ?, ?)";
    }();
    const Uuid id = Uuid::v7();
    const auto rv = w.change_in_row(Table::customers, id, mask, std::nullopt);  // written by the INSERT
    auto& ins = db.stmt(sql);
    ins.bind(1, id.data(), Uuid::size());
    int p = 2;
    for (const auto& v : values) bind_value(ins, p++, v);
    ins.bind(p++, w.now());
    ins.bind(p++, w.now());
    set_derived(ins, p, name);
    rv.bind(ins, p + 2);
    ins.exec();
    const std::int64_t rid = db.sql().getLastInsertRowid();
    replace_contact_points(w, id, "phone", phones);
    replace_contact_points(w, id, "email", emails);
    if (input.contains("external_ids")) apply_external_ids(w, id, input["external_ids"]);
    apply_tags(w, id, tag_paths);
    search::after_insert(db, search::Doc::customer, rid);
    w.count("customers", 1);
    return id;
}

// Returns true when anything changed.
bool update_in(WriteScope& w, const Uuid& id, const Json& patch) {
    Database& db = w.db();
    if (patch.contains("id") || patch.contains("created_at") || patch.contains("updated_at"))
        invalid(patch.contains("id") ? "customer.id" : "customer.updated_at", "set by the library, not by the caller");
    check_keys(patch);
    auto row = load_row(db, id);
    if (!row) throw Error(CRM_ENOTFOUND, "customer: no customer " + id.str());
    Input in(patch, "customer");
    auto changes = read_fields(in, kFields);

    std::vector<Value> next = row->values;
    for (auto& fv : changes) next[static_cast<std::size_t>(fv.index)] = fv.value;
    access::on_update(db, row->values[kOwner], next[kOwner], id);
    if (std::holds_alternative<std::monostate>(next[kKind])) invalid("customer.kind", "cannot be cleared");
    for (const int i : {19, 20})
        if (std::holds_alternative<std::monostate>(next[static_cast<std::size_t>(i)])) next[static_cast<std::size_t>(i)] = std::int64_t{0};
    // A display name derived from the names follows them unless set explicitly.
    if (!patch.contains("display_name") && (patch.contains("given_name") || patch.contains("family_name"))) {
        const std::string old_derived = derive_display_name(text_of(row->values[kGiven]), text_of(row->values[kFamily]));
        if (old_derived == text_of(row->values[kDisplayName])) {
            const std::string derived = derive_display_name(text_of(next[kGiven]), text_of(next[kFamily]));
            if (!derived.empty()) next[kDisplayName] = derived;
        }
    }
    if (text_of(next[kDisplayName]).empty()) invalid("customer.display_name", "cannot be empty");
    if (next[kCompanyId] != row->values[kCompanyId]) check_company_ref(db, next[kCompanyId], &id);
    if (text_of(row->values[kKind]) == "company" && text_of(next[kKind]) != "company") {
        auto& members = db.stmt("SELECT 1 FROM customers WHERE company_id = ? LIMIT 1");
        members.bind(1, id.data(), Uuid::size());
        if (members.executeStep()) invalid("customer.kind", "a company with members cannot become a person");
    }

    std::uint64_t mask = 0;
    bool search_changed = false;
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        if (next[i] == row->values[i]) continue;
        mask |= 1ull << i;
        search_changed = search_changed || kFields[i].searchable;
    }
    std::vector<ContactPoint> phones, emails;
    const bool set_phones = patch.contains("phones"), set_emails = patch.contains("emails");
    if (set_phones) phones = parse_contact_points(patch["phones"], "phone", "customer.phones", normalize::phone_region(db));
    if (set_emails) emails = parse_contact_points(patch["emails"], "email", "customer.emails");
    std::vector<std::string> tag_paths;
    if (patch.contains("tags")) tag_paths = parse_tag_list(patch["tags"]);

    // Remove the old index entry while the old values are still readable.
    const bool touch_index = search_changed || set_phones || set_emails;
    if (touch_index) search::before_change(db, search::Doc::customer, row->rid);
    bool changed = false;
    if (mask != 0) {
        // Change capture's versions go into the row in the same statement.
        const auto rv = w.change_in_row(Table::customers, id, mask, row->versions);
        std::string sql = "UPDATE customers SET updated_at = ?";
        for (std::size_t i = 0; i < kFields.size(); ++i)
            if (mask & (1ull << i)) sql += std::string(", ") + kFields[i].column + " = ?";
        if (mask & (1ull << kDisplayName)) sql += ", name_pinyin = ?, sort_key = ?";
        sql += ", sync_hlc = ?, sync_seq = ?, sync_vers = ? WHERE rid = ?";
        auto& up = db.stmt(sql);
        int p = 1;
        up.bind(p++, w.now());
        for (std::size_t i = 0; i < kFields.size(); ++i)
            if (mask & (1ull << i)) bind_value(up, p++, next[i]);
        if (mask & (1ull << kDisplayName)) {
            set_derived(up, p, text_of(next[kDisplayName]));
            p += 2;
        }
        p = rv.bind(up, p);
        up.bind(p, row->rid);
        up.exec();
        changed = true;
    }
    if (set_phones) changed = replace_contact_points(w, id, "phone", phones) || changed;
    if (set_emails) changed = replace_contact_points(w, id, "email", emails) || changed;
    if (patch.contains("external_ids")) changed = apply_external_ids(w, id, patch["external_ids"]) || changed;
    changed = apply_tags(w, id, tag_paths) || changed;
    if (changed && mask == 0) {
        auto& touch = db.stmt("UPDATE customers SET updated_at = ? WHERE rid = ?");
        touch.bind(1, w.now());
        touch.bind(2, row->rid);
        touch.exec();
    }
    return changed;
}

}  // namespace

std::span<const FieldSpec> fields() { return kFields; }

Uuid create(Database& db, const Json& input) {
    WriteScope w(db);
    const Uuid id = create_in(w, input);
    w.commit();
    return id;
}

bool update(Database& db, const Uuid& id, const Json& patch) {
    WriteScope w(db);
    const bool changed = update_in(w, id, patch);
    w.commit();
    return changed;
}

void remove(Database& db, const Uuid& id, std::vector<RecordRef>* dependents) {
    WriteScope w(db);
    auto row = load_row(db, id);
    if (!row) throw Error(CRM_ENOTFOUND, "customer: no customer " + id.str());
    access::on_delete(db, row->values[kOwner], id);
    // Other modules' records under it (opportunities, campaign members, ...)
    // go first, each with its tombstone; leads lose the link.
    remove_dependents(w, Table::customers, id, Removal::deleted, dependents);
    search::before_change(db, search::Doc::customer, row->rid);
    // Children are synced records of their own: each gets a tombstone before the
    // cascade removes the rows.
    const auto tombstone_children = [&](const char* sql, Table table) {
        auto& st = db.stmt(sql);
        st.bind(1, id.data(), Uuid::size());
        std::vector<Uuid> ids;
        while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
        st.reset();
        for (const auto& c : ids) w.record_delete(table, c, id);
        return ids.size();
    };
    tombstone_children("SELECT id FROM contact_points WHERE customer_id = ?", Table::contact_points);
    tombstone_children("SELECT id FROM external_ids WHERE customer_id = ?", Table::external_ids);
    std::size_t n_interactions = 0;
    {
        // The cascade removes them: each leaves the index and gets a tombstone.
        auto& st = db.stmt("SELECT rid, id FROM interactions WHERE customer_id = ?");
        st.bind(1, id.data(), Uuid::size());
        std::vector<std::pair<std::int64_t, Uuid>> gone;
        while (st.executeStep())
            gone.emplace_back(st.getColumn(0).getInt64(), Uuid::from_blob(st.getColumn(1).getBlob(), 16));
        st.reset();
        for (const auto& [rid, iid] : gone) {
            search::before_change(db, search::Doc::interaction, rid);
            w.record_delete(Table::interactions, iid, id);
        }
        n_interactions = gone.size();
    }
    {
        auto& st = db.stmt("SELECT tag_id FROM customer_tags WHERE customer_id = ?");
        st.bind(1, id.data(), Uuid::size());
        std::vector<Uuid> tag_ids;
        while (st.executeStep()) tag_ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
        st.reset();
        for (const auto& t : tag_ids) {
            std::string key(reinterpret_cast<const char*>(id.data()), 16);
            key.append(reinterpret_cast<const char*>(t.data()), 16);
            w.record_delete(Table::customer_tags, Uuid::v8("customer_tag", key), id);
        }
    }
    // Persons that pointed at this company lose the link, as a versioned change.
    {
        auto& st = db.stmt("SELECT id FROM customers WHERE company_id = ?");
        st.bind(1, id.data(), Uuid::size());
        std::vector<Uuid> members;
        while (st.executeStep()) members.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), 16));
        st.reset();
        for (const auto& m : members) update_in(w, m, Json{{"company_id", nullptr}});
    }
    auto& del = db.stmt("DELETE FROM customers WHERE rid = ?");
    del.bind(1, row->rid);
    del.exec();
    w.record_delete(Table::customers, id);
    drop_ghosts_of(db, id);  // its children never come back: their ghosts go
    w.count("customers", -1);
    w.count("interactions", -static_cast<std::int64_t>(n_interactions));
    w.commit();
}

Uuid external_id_key(const std::string& system, const std::string& external_id) {
    return Uuid::v8("external_id", system + '\0' + external_id);
}

void forget(Database& db, const Uuid& id) {
    WriteScope w(db);
    auto row = load_row(db, id);
    if (!row) return;
    remove_dependents(w, Table::customers, id, Removal::forgotten);
    search::before_change(db, search::Doc::customer, row->rid);
    const auto children = [&](const char* sql, Table table) {
        auto& st = db.stmt(sql);
        st.bind(1, id.data(), Uuid::size());
        std::vector<std::pair<std::int64_t, Uuid>> ids;
        while (st.executeStep()) ids.emplace_back(st.getColumn(0).getInt64(), Uuid::from_blob(st.getColumn(1).getBlob(), 16));
        st.reset();
        for (const auto& [rid, c] : ids) {
            if (table == Table::interactions) search::before_change(db, search::Doc::interaction, rid);
            w.drop_versions(table, c);
        }
        return static_cast<std::int64_t>(ids.size());
    };
    children("SELECT 0, id FROM contact_points WHERE customer_id = ?", Table::contact_points);
    children("SELECT 0, id FROM external_ids WHERE customer_id = ?", Table::external_ids);
    children("SELECT 0, id FROM customer_tags WHERE customer_id = ?", Table::customer_tags);
    const auto n_interactions = children("SELECT rid, id FROM interactions WHERE customer_id = ?", Table::interactions);
    // Persons here that point at it keep the reference in their versions; the
    // column is cleared locally (ON DELETE SET NULL) until the company returns.
    auto& del = db.stmt("DELETE FROM customers WHERE rid = ?");
    del.bind(1, row->rid);
    del.exec();  // the children go by ON DELETE CASCADE
    w.drop_versions(Table::customers, id);
    drop_ghosts_of(db, id);
    w.count("customers", -1);
    w.count("interactions", -n_interactions);
    w.commit();
}

void bind_derived(SQLite::Statement& st, int index, const std::string& display_name) { set_derived(st, index, display_name); }

void refresh_derived(Database& db, std::int64_t rid) {
    std::string name;
    {
        auto& get = db.stmt("SELECT display_name FROM customers WHERE rid = ?");
        get.bind(1, rid);
        if (!get.executeStep()) return;
        name = get.getColumn(0).getString();
    }
    auto& up = db.stmt("UPDATE customers SET name_pinyin = ?, sort_key = ? WHERE rid = ?");
    set_derived(up, 1, name);
    up.bind(3, rid);
    up.exec();
}

bool exists(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT 1 FROM customers WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    return st.executeStep();
}

Json get(Database& db, const Uuid& id) {
    static const std::string sql = [] {
        std::string s = "SELECT created_at, updated_at";
        for (const auto& f : kFields) s += std::string(", ") + f.column;
        return s + " FROM customers WHERE id = ?";
    }();
    Json out = {{"id", id.str()}};
    {
        auto& st = db.stmt(sql);
        st.bind(1, id.data(), Uuid::size());
        if (!st.executeStep()) {
            st.reset();
            // A customer merged into another reads as its survivor (src/merge).
            if (const auto survivor = merge::resolve(db, id); survivor && *survivor != id) {
                Json merged = get(db, *survivor);
                merged["redirected_from"] = id.str();
                return merged;
            }
            throw Error(CRM_ENOTFOUND, "customer: no customer " + id.str());
        }
        for (std::size_t i = 0; i < kFields.size(); ++i) {
            const auto v = column_value(st.getColumn(static_cast<int>(i) + 2), kFields[i]);
            if (static_cast<int>(i) == kOwner) access::on_read(db, v, id);
            if (auto j = value_json(v, kFields[i])) out[kFields[i].json] = std::move(*j);
        }
        out["created_at"] = format_instant(st.getColumn(0).getInt64());
        out["updated_at"] = format_instant(st.getColumn(1).getInt64());
    }
    render_contact_points(db, id, out);
    Json ext = Json::object();
    auto& st = db.stmt("SELECT system, external_id FROM external_ids WHERE customer_id = ? ORDER BY system");
    st.bind(1, id.data(), Uuid::size());
    while (st.executeStep()) ext[st.getColumn(0).getString()] = st.getColumn(1).getString();
    st.reset();
    out["external_ids"] = std::move(ext);
    out["tags"] = tags::paths_of(db, id);
    access::mask_customer(db, out);
    return out;
}

std::optional<Uuid> find_external(Database& db, const std::string& system, const std::string& external_id) {
    auto& st = db.stmt("SELECT customer_id FROM external_ids WHERE system = ? AND external_id = ?");
    st.bind(1, system);
    st.bind(2, external_id);
    if (!st.executeStep()) return std::nullopt;
    return Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
}

Upsert upsert_external(Database& db, const std::string& system, const std::string& external_id, const Json& input) {
    WriteScope w(db);
    Json record = input;
    if (!record.contains("external_ids") || record["external_ids"].is_null()) record["external_ids"] = Json::object();
    if (!record["external_ids"].is_object()) invalid("customer.external_ids", "expected an object {\"system\": \"id\"}");
    record["external_ids"][system] = external_id;
    Upsert result;
    if (auto existing = find_external(db, system, external_id)) {
        result = update_in(w, *existing, record) ? Upsert::updated : Upsert::unchanged;
    } else {
        create_in(w, record);
        result = Upsert::inserted;
    }
    w.commit();
    return result;
}

}  // namespace crmlite::customers
