#include "pipeline/sales_record.hpp"

#include <SQLiteCpp/Statement.h>

#include "common/error.hpp"
#include "common/time.hpp"

namespace crmlite::sales {

bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

std::string text_of(const Value& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s ? *s : std::string();
}

std::int64_t int_of(const Value& v, std::int64_t fallback) {
    const auto* i = std::get_if<std::int64_t>(&v);
    return i ? *i : fallback;
}

std::optional<Uuid> id_of(const Value& v) {
    const auto* u = std::get_if<Uuid>(&v);
    if (!u) return std::nullopt;
    return *u;
}

namespace {

std::string column_list(const RecordType& type) {
    std::string s;
    for (std::size_t i = 0; i < type.fields.size(); ++i) s += std::string(i ? ", " : "") + type.fields[i].column;
    return s;
}

}  // namespace

std::optional<Values> load(Database& db, const RecordType& type, const Uuid& id) {
    auto& st = db.stmt("SELECT " + column_list(type) + " FROM " + type.sql_table + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    Values out;
    for (std::size_t i = 0; i < type.fields.size(); ++i)
        out.push_back(column_value(st.getColumn(static_cast<int>(i)), type.fields[i]));
    st.reset();
    return out;
}

Values require(Database& db, const RecordType& type, const Uuid& id) {
    auto v = load(db, type, id);
    if (!v) throw Error(CRM_ENOTFOUND, std::string(type.what) + ": no " + type.what + " " + id.str());
    return std::move(*v);
}

void read_into(const RecordType& type, const Json& input, Values& base, std::initializer_list<std::string_view> extra) {
    if (!input.is_object()) invalid(type.what, "expected a JSON object");
    for (const auto& [key, value] : input.items()) {
        bool known = field_index(type.fields, key) >= 0;
        for (const auto e : extra) known = known || e == key;
        if (!known) invalid(std::string(type.what) + "." + key, "unknown field");
    }
    Input in(input, type.what);
    for (auto& fv : read_fields(in, type.fields)) base[static_cast<std::size_t>(fv.index)] = std::move(fv.value);
}

void insert(WriteScope& w, const RecordType& type, const Uuid& id, const Values& values) {
    std::string cols = "id", params = "?";
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < type.fields.size(); ++i) {
        cols += std::string(", ") + type.fields[i].column;
        params += ", ?";
        if (!is_null(values[i])) mask |= std::uint64_t{1} << i;
    }
    auto& ins = w.db().stmt(std::string("INSERT INTO ") + type.sql_table + "(" + cols + ", created_at, updated_at) VALUES (" +
                            params + ", ?, ?)");
    ins.bind(1, id.data(), Uuid::size());
    int p = 2;
    for (const auto& v : values) bind_value(ins, p++, v);
    ins.bind(p++, w.now());
    ins.bind(p, w.now());
    ins.exec();
    w.record_change(type.table, id, mask);
}

bool update(WriteScope& w, const RecordType& type, const Uuid& id, const Values& current, const Values& next,
            std::uint64_t together) {
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < type.fields.size(); ++i)
        if (next[i] != current[i]) mask |= std::uint64_t{1} << i;
    if (mask == 0) return false;
    if (mask & together) mask |= together;
    std::string sql = std::string("UPDATE ") + type.sql_table + " SET updated_at = ?";
    for (std::size_t i = 0; i < type.fields.size(); ++i)
        if (mask & (std::uint64_t{1} << i)) sql += std::string(", ") + type.fields[i].column + " = ?";
    auto& up = w.db().stmt(sql + " WHERE id = ?");
    int p = 1;
    up.bind(p++, w.now());
    for (std::size_t i = 0; i < type.fields.size(); ++i)
        if (mask & (std::uint64_t{1} << i)) bind_value(up, p++, next[i]);
    up.bind(p, id.data(), Uuid::size());
    up.exec();
    w.record_change(type.table, id, mask);
    return true;
}

Json render_values(const RecordType& type, const Uuid& id, const Values& values) {
    Json out = {{"id", id.str()}};
    for (std::size_t i = 0; i < type.fields.size(); ++i)
        if (auto j = value_json(values[i], type.fields[i])) out[type.fields[i].json] = std::move(*j);
    return out;
}

Json render(Database& db, const RecordType& type, const Uuid& id) {
    const Values v = require(db, type, id);
    Json out = render_values(type, id, v);
    auto& st = db.stmt(std::string("SELECT created_at, updated_at FROM ") + type.sql_table + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (st.executeStep()) {
        out["created_at"] = format_instant(st.getColumn(0).getInt64());
        out["updated_at"] = format_instant(st.getColumn(1).getInt64());
    }
    st.reset();
    return out;
}

std::vector<Uuid> ids_where(Database& db, const RecordType& type, const char* column, const Uuid& target) {
    auto& st = db.stmt(std::string("SELECT id FROM ") + type.sql_table + " WHERE " + column + " = ? ORDER BY id");
    st.bind(1, target.data(), Uuid::size());
    std::vector<Uuid> out;
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    return out;
}

void erase(WriteScope& w, const RecordType& type, const Uuid& id, Removal how, std::vector<RecordRef>* removed) {
    if (how == Removal::deleted) w.record_delete(type.table, id);
    else w.drop_versions(type.table, id);
    auto& del = w.db().stmt(std::string("DELETE FROM ") + type.sql_table + " WHERE id = ?");
    del.bind(1, id.data(), Uuid::size());
    del.exec();
    if (removed) removed->push_back({type.table, id});
}

void clear_references(WriteScope& w, const RecordType& type, int field, const Uuid& target) {
    for (const auto& id : ids_where(w.db(), type, type.fields[static_cast<std::size_t>(field)].column, target)) {
        const auto current = load(w.db(), type, id);
        if (!current) continue;
        auto next = *current;
        next[static_cast<std::size_t>(field)] = std::monostate{};
        update(w, type, id, *current, next);
    }
}

void check_currency(const std::string& code, const std::string& field) {
    bool ok = code.size() == 3;
    for (const char c : code) ok = ok && c >= 'A' && c <= 'Z';
    if (!ok) invalid(field, "\"" + code + "\" is not an ISO-4217 code like CNY");
}

}  // namespace crmlite::sales
