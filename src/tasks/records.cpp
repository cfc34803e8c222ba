#include "tasks/records.hpp"

#include "common/error.hpp"
#include "common/time.hpp"

namespace crmlite::value_records {

bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

std::string select_list(const Kind& k) {
    std::string s = "id, created_at";
    for (const auto& f : k.fields) s += std::string(", ") + f.column;
    return s;
}

std::optional<std::vector<Value>> load(Database& db, const Kind& k, const Uuid& id) {
    auto& st = db.stmt("SELECT " + select_list(k) + " FROM " + k.table + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    std::vector<Value> out;
    for (std::size_t i = 0; i < k.fields.size(); ++i) out.push_back(column_value(st.getColumn(static_cast<int>(i) + 2), k.fields[i]));
    st.reset();
    return out;
}

namespace {
void delete_row(Database& db, const Kind& k, const Uuid& id) {
    auto& del = db.stmt(std::string("DELETE FROM ") + k.table + " WHERE id = ?");
    del.bind(1, id.data(), Uuid::size());
    del.exec();
}
}  // namespace

bool remove(WriteScope& w, const Kind& k, const Uuid& id) {
    auto& here = w.db().stmt(std::string("SELECT 1 FROM ") + k.table + " WHERE id = ?");
    here.bind(1, id.data(), Uuid::size());
    const bool present = here.executeStep();
    here.reset();
    if (!present) return false;
    w.record_delete(k.synced, id);  // before the row goes (store/database.hpp)
    delete_row(w.db(), k, id);
    return true;
}

void remove_under_customer(WriteScope& w, const Kind& k, const Uuid& customer, Removal how,
                           std::vector<RecordRef>* removed) {
    Database& db = w.db();
    auto& st = db.stmt(std::string("SELECT id FROM ") + k.table + " WHERE customer_id = ?");
    st.bind(1, customer.data(), Uuid::size());
    std::vector<Uuid> ids;
    while (st.executeStep()) ids.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
    for (const auto& id : ids) {
        if (how == Removal::deleted) {
            remove(w, k, id);
        } else {
            w.drop_versions(k.synced, id);
            delete_row(db, k, id);
        }
        if (removed) removed->push_back({k.synced, id});
    }
}

void insert(WriteScope& w, const Kind& k, const Uuid& id, const std::vector<Value>& v) {
    std::string cols = "id, created_at", params = "?, ?";
    if (k.has_updated_at) cols += ", updated_at", params += ", ?";
    for (const auto& f : k.fields) cols += std::string(", ") + f.column, params += ", ?";
    auto& ins = w.db().stmt(std::string("INSERT INTO ") + k.table + "(" + cols + ") VALUES (" + params + ")");
    int p = 1;
    ins.bind(p++, id.data(), Uuid::size());
    ins.bind(p++, w.now());
    if (k.has_updated_at) ins.bind(p++, w.now());
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        bind_value(ins, p++, v[i]);
        if (!is_null(v[i])) mask |= 1ull << i;
    }
    ins.exec();
    w.record_change(k.synced, id, mask);
}

bool update(WriteScope& w, const Kind& k, const Uuid& id, const std::vector<Value>& current, const std::vector<Value>& next) {
    std::uint64_t mask = 0;
    std::string sql = std::string("UPDATE ") + k.table + " SET ";
    bool first = true;
    if (k.has_updated_at) sql += "updated_at = ?", first = false;
    for (std::size_t i = 0; i < k.fields.size(); ++i) {
        if (next[i] == current[i]) continue;
        mask |= 1ull << i;
        sql += std::string(first ? "" : ", ") + k.fields[i].column + " = ?";
        first = false;
    }
    if (mask == 0) return false;
    auto& up = w.db().stmt(sql + " WHERE id = ?");
    int p = 1;
    if (k.has_updated_at) up.bind(p++, w.now());
    for (std::size_t i = 0; i < k.fields.size(); ++i)
        if (mask & (1ull << i)) bind_value(up, p++, next[i]);
    up.bind(p, id.data(), Uuid::size());
    up.exec();
    w.record_change(k.synced, id, mask);
    return true;
}

Json render_row(SQLite::Statement& st, const Kind& k) {
    Json out = {{"id", Uuid::from_blob(st.getColumn(0).getBlob(), 16).str()}};
    for (std::size_t i = 0; i < k.fields.size(); ++i) {
        const auto v = column_value(st.getColumn(static_cast<int>(i) + 2), k.fields[i]);
        const auto j = value_json(v, k.fields[i]);
        out[k.fields[i].json] = j ? *j : Json(nullptr);
    }
    out["created_at"] = format_instant(st.getColumn(1).getInt64());
    return out;
}

Json render(Database& db, const Kind& k, const Uuid& id) {
    auto& st = db.stmt("SELECT " + select_list(k) + " FROM " + k.table + " WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) throw Error(CRM_ENOTFOUND, std::string(k.record) + ": no " + k.record + " " + id.str());
    Json out = render_row(st, k);
    st.reset();
    return out;
}

std::vector<Value> read(const Json& input, const Kind& k, std::vector<Value> base, std::initializer_list<std::string_view> extra_keys) {
    Input in(input, k.record);
    for (const auto& [key, v] : input.items()) {
        bool known = false;
        for (const auto& f : k.fields) known = known || key == f.json;
        for (const auto& e : extra_keys) known = known || key == e;
        if (!known) invalid(in.field(key), "unknown field");
    }
    if (base.empty()) base.resize(k.fields.size());
    for (auto& fv : read_fields(in, k.fields)) base[static_cast<std::size_t>(fv.index)] = std::move(fv.value);
    return base;
}

}  // namespace crmlite::value_records
