#include "io/csv_mapping.hpp"

#include <algorithm>
#include <charconv>

#include "common/error.hpp"
#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "io/io_util.hpp"

namespace crmlite::io {

namespace {

// "phone", "phone2", "phone_2": spreadsheets number repeated columns.
bool is_numbered(const std::string& s, std::string_view base) {
    if (s.rfind(base, 0) != 0) return false;
    std::string_view rest = std::string_view(s).substr(base.size());
    if (rest.empty()) return true;
    if (rest.front() == '_') rest.remove_prefix(1);
    if (rest.empty()) return false;
    for (const char c : rest)
        if (c < '0' || c > '9') return false;
    return true;
}

// Calls f for each non-empty item of a ';'-separated cell. The full-width '；'
// also separates: Chinese input methods type it for ';'. (',' cannot: phone
// numbers may contain it.)
template <class F>
void for_each_item(std::string_view v, F&& f) {
    static constexpr std::string_view kFullWidth = "\xEF\xBC\x9B";
    std::size_t start = 0, i = 0;
    for (;;) {
        std::size_t sep = 0;
        if (i == v.size()) sep = 0;
        else if (v[i] == ';') sep = 1;
        else if (v.substr(i, 3) == kFullWidth) sep = 3;
        else {
            ++i;
            continue;
        }
        const auto item = trim(v.substr(start, i - start));
        if (!item.empty()) f(item);
        if (i == v.size()) return;
        i += sep;
        start = i;
    }
}

bool parse_flag(std::string_view v, const std::string& field) {
    const std::string s = ascii_lower(v);
    if (s == "1" || s == "true" || s == "yes" || s == "y" || s == "\xE6\x98\xAF") return true;    // 是
    if (s == "0" || s == "false" || s == "no" || s == "n" || s == "\xE5\x90\xA6") return false;  // 否
    invalid(field, "expected 1/0, true/false, yes/no or 是/否, got \"" + std::string(v) + "\"");
}

std::int64_t parse_integer(std::string_view v, const std::string& field) {
    std::string_view digits = v;
    if (!digits.empty() && digits.front() == '+') digits.remove_prefix(1);
    std::int64_t out = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), out);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
        invalid(field, "expected a whole number (money in minor units: 12.50 is 1250), got \"" + std::string(v) + "\"");
    return out;
}

Json parse_json_cell(std::string_view v, const std::string& field) {
    try {
        return Json::parse(v.begin(), v.end());
    } catch (const Json::parse_error& e) {
        invalid(field, json_error_reason(e));
    }
}

}  // namespace

CsvPlan::CsvPlan(Records records, const std::vector<std::string>& header, const Json& mapping, bool has_system)
    : records_(records),
      record_(records == Records::customers ? "customer" : "interaction"),
      object_key_(records == Records::customers ? "custom" : "attributes") {
    if (!mapping.is_null() && !mapping.is_object())
        invalid("mapping", "expected a JSON object {\"<column>\": \"<field>\"}");
    std::vector<std::string> names;
    for (const auto& h : header) {
        if (!utf8_valid(h)) invalid("csv", "the header row is not valid UTF-8 (save the file as UTF-8)");
        names.emplace_back(trim(h));
    }
    if (mapping.is_object()) {
        for (const auto& [key, value] : mapping.items()) {
            if (!value.is_string()) invalid("mapping." + key, "expected a field name string");
            if (std::find(names.begin(), names.end(), key) == names.end())
                invalid("mapping", "column \"" + key + "\" is not in the file's header");
        }
    }
    for (const auto& name : names) {
        Column col;
        col.header = name;
        const auto it = mapping.is_object() ? mapping.find(name) : mapping.end();
        if (mapping.is_object() && it != mapping.end()) {
            const std::string target(trim(it->get_ref<const std::string&>()));
            if (!target.empty() && target != "-" && !resolve(target, col))
                invalid("mapping", "column \"" + name + "\" maps to unknown field \"" + target + "\"");
        } else if (!name.empty() && !resolve(name, col)) {
            invalid("mapping", "column \"" + name + "\" maps to no field (map it to a field, or to \"-\" to skip it)");
        }
        if ((col.target == Target::external_id || col.target == Target::customer_external_id) && !has_system)
            invalid("mapping", "column \"" + name + "\" holds external ids: set a system (crm_import_options_set_system) "
                               "to key the upsert, or map the column to \"-\"");
        // Lists collect from several columns; any other field takes one column.
        const bool single = col.target != Target::ignore && col.target != Target::phones &&
                            col.target != Target::emails && col.target != Target::tags;
        if (single)
            for (const auto& earlier : columns_)
                if (earlier.target != Target::ignore && earlier.field == col.field)
                    invalid("mapping", "columns \"" + earlier.header + "\" and \"" + name + "\" both map to " + col.field);
        columns_.push_back(std::move(col));
    }
}

bool CsvPlan::resolve(const std::string& name, Column& col) const {
    const std::string lower = ascii_lower(name);
    const std::string prefix = object_key_ + ".";
    if (lower.rfind(prefix, 0) == 0 && lower.size() > prefix.size()) {
        col.target = Target::entry;
        col.key = name.substr(prefix.size());  // the entry's key keeps its case
        col.field = record_ + "." + object_key_ + "." + col.key;
        return true;
    }
    const auto set = [&](Target t, std::string key) {
        col.target = t;
        col.field = record_ + "." + key;
        col.key = std::move(key);
        return true;
    };
    if (lower == "external_id") return set(Target::external_id, "external_id");
    if (records_ == Records::interactions && lower == "customer_external_id")
        return set(Target::customer_external_id, "customer_external_id");
    if (records_ == Records::customers) {
        if (lower == "phones" || is_numbered(lower, "phone")) return set(Target::phones, "phones");
        if (lower == "emails" || is_numbered(lower, "email")) return set(Target::emails, "emails");
        if (lower == "tags" || lower == "tag") return set(Target::tags, "tags");
    }
    const auto fields = records_ == Records::customers ? customers::fields() : interactions::fields();
    const int idx = field_index(fields, lower);
    if (idx < 0) return false;
    const FieldSpec& f = fields[static_cast<std::size_t>(idx)];
    switch (f.kind) {
    case FieldKind::boolean:
        return set(Target::boolean, f.json);
    case FieldKind::integer:
        return set(Target::integer, f.json);
    case FieldKind::object:
    case FieldKind::array:
        return set(Target::json, f.json);
    default:
        return set(Target::text, f.json);
    }
}

void CsvPlan::build(const CsvReader& row, Json& out, RowKeys& keys) const {
    out = Json::object();
    keys.clear();
    const std::size_t n = std::min(columns_.size(), row.size());
    for (std::size_t i = 0; i < n; ++i) {
        const Column& col = columns_[i];
        if (col.target == Target::ignore) continue;
        const std::string_view v = trim(row[i]);
        if (v.empty()) continue;  // absent, so a re-import never clears a field by omission
        if (!utf8_valid(v)) invalid(col.field, "not valid UTF-8 (is the file GBK or Latin-1? save it as UTF-8)");
        switch (col.target) {
        case Target::ignore:
            break;
        case Target::text:
            out[col.key] = std::string(v);
            break;
        case Target::boolean:
            out[col.key] = parse_flag(v, col.field);
            break;
        case Target::integer:
            out[col.key] = parse_integer(v, col.field);
            break;
        case Target::json: {
            Json parsed = parse_json_cell(v, col.field);
            // "custom.x" columns seen earlier in this row keep their values.
            if (auto existing = out.find(col.key); existing != out.end() && parsed.is_object()) parsed.update(*existing);
            out[col.key] = std::move(parsed);
            break;
        }
        case Target::phones:
        case Target::emails:
        case Target::tags: {
            Json& list = out[col.key];
            if (!list.is_array()) list = Json::array();
            for_each_item(v, [&](std::string_view item) { list.push_back(std::string(item)); });
            break;
        }
        case Target::entry: {
            Json& obj = out[object_key_];
            if (obj.is_null()) obj = Json::object();
            if (!obj.is_object()) invalid(record_ + "." + object_key_, "expected a JSON object");
            obj[col.key] = std::string(v);
            break;
        }
        case Target::external_id:
            keys.external_id = v;
            break;
        case Target::customer_external_id:
            keys.customer_external_id = v;
            break;
        }
    }
}

}  // namespace crmlite::io
