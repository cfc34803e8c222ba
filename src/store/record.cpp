#include "store/record.hpp"

#include "common/error.hpp"
#include "common/time.hpp"

namespace crmlite {

std::vector<FieldValue> read_fields(const Input& in, std::span<const FieldSpec> fields) {
    std::vector<FieldValue> out;
    for (std::size_t i = 0; i < fields.size(); ++i) {
        const FieldSpec& f = fields[i];
        if (!in.has(f.json)) continue;
        const int idx = static_cast<int>(i);
        if (in.is_null(f.json)) {
            out.push_back({idx, std::monostate{}});
            continue;
        }
        switch (f.kind) {
        case FieldKind::text:
            out.push_back({idx, *in.text(f.json, f.max_len)});
            break;
        case FieldKind::choice: {
            const auto v = in.text(f.json, 64);
            bool ok = false;
            for (const auto c : f.choices) ok = ok || c == *v;
            if (!ok) {
                std::string list;
                for (const auto c : f.choices) list += (list.empty() ? "" : ", ") + std::string(c);
                invalid(in.field(f.json), "\"" + *v + "\" is not one of: " + list);
            }
            out.push_back({idx, *v});
            break;
        }
        case FieldKind::date:
            out.push_back({idx, *in.date(f.json)});
            break;
        case FieldKind::boolean:
            out.push_back({idx, std::int64_t{*in.boolean(f.json) ? 1 : 0}});
            break;
        case FieldKind::integer:
            out.push_back({idx, *in.integer(f.json, f.min, f.max)});
            break;
        case FieldKind::instant:
            out.push_back({idx, *in.instant(f.json)});
            break;
        case FieldKind::object:
            out.push_back({idx, *in.object_text(f.json, f.max_len)});
            break;
        case FieldKind::array: {
            const Json& a = in.raw(f.json);
            if (!a.is_array()) invalid(in.field(f.json), "expected a JSON array");
            std::string s = a.dump();
            if (s.size() > f.max_len) invalid(in.field(f.json), "larger than " + std::to_string(f.max_len) + " bytes");
            out.push_back({idx, std::move(s)});
            break;
        }
        case FieldKind::ref:
            out.push_back({idx, Uuid::parse(*in.text(f.json, 64), in.field(f.json))});
            break;
        }
    }
    return out;
}

void bind_value(SQLite::Statement& st, int index, const Value& v) {
    if (std::holds_alternative<std::monostate>(v)) st.bind(index);
    else if (const auto* i = std::get_if<std::int64_t>(&v)) st.bind(index, *i);
    else if (const auto* s = std::get_if<std::string>(&v)) st.bind(index, *s);
    else {
        const auto& u = std::get<Uuid>(v);
        st.bind(index, u.data(), Uuid::size());
    }
}

Value column_value(const SQLite::Column& c, const FieldSpec& spec) {
    if (c.isNull()) return std::monostate{};
    switch (spec.kind) {
    case FieldKind::boolean:
    case FieldKind::integer:
    case FieldKind::instant:
        return c.getInt64();
    case FieldKind::ref:
        return Uuid::from_blob(c.getBlob(), c.getBytes());
    default:
        return c.getString();
    }
}

std::optional<Json> value_json(const Value& v, const FieldSpec& spec) {
    if (std::holds_alternative<std::monostate>(v)) return std::nullopt;
    switch (spec.kind) {
    case FieldKind::boolean:
        return Json(std::get<std::int64_t>(v) != 0);
    case FieldKind::integer:
        return Json(std::get<std::int64_t>(v));
    case FieldKind::instant:
        return Json(format_instant(std::get<std::int64_t>(v)));
    case FieldKind::ref:
        return Json(std::get<Uuid>(v).str());
    case FieldKind::object:
    case FieldKind::array:
        return Json::parse(std::get<std::string>(v), nullptr, false);
    default:
        return Json(std::get<std::string>(v));
    }
}

int field_index(std::span<const FieldSpec> fields, std::string_view json_key) {
    for (std::size_t i = 0; i < fields.size(); ++i)
        if (json_key == fields[i].json) return static_cast<int>(i);
    return -1;
}

}  // namespace crmlite
