#include "customers/contact_points.hpp"

#include <algorithm>

#include "common/error.hpp"
#include "common/text.hpp"
#include "normalize/phone.hpp"

namespace crmlite::customers {

namespace {

// Sync field indexes of a contact point (append only).
enum : int { kCustomer, kType, kLabel, kValue, kNormalized, kPrimary };
constexpr std::uint64_t kAllFields = (1u << 6) - 1;

std::string trim(const std::string& s) {
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}


}  // namespace

Uuid point_id(const Uuid& customer, const std::string& type, const std::string& normalized) {
    std::string key(reinterpret_cast<const char*>(customer.data()), 16);
    key += type;
    key.push_back('\0');
    key += normalized;
    return Uuid::v8("contact_point", key);
}

// The phone's E.164 form through libphonenumber (normalize/phone.hpp), in
// `region` when it has no country prefix. Text that is not a phone number at
// all is refused; a number libphonenumber cannot parse keeps its digits, and
// one that parses but is not valid for its region keeps its E.164 form: both
// are flagged when read (render_contact_points), never dropped.
std::string normalize_phone(const std::string& value, const std::string& field, const std::string& region) {
    const std::string folded = trim(text::nfkc(value));
    const std::string digits = text::digits_only(folded);
    if (digits.size() < 3 || digits.size() > 20) invalid(field, "not a phone number: \"" + value + "\"");
    for (const char c : folded)
        if (!(c >= '0' && c <= '9') && std::string_view(" +-().#*/,extEXT").find(c) == std::string_view::npos)
            invalid(field, "not a phone number: \"" + value + "\"");
    return normalize::parse_phone(folded, region).e164;
}

std::string normalize_email(const std::string& value, const std::string& field) {
    const std::string v = trim(text::nfkc(value));
    const auto at = v.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= v.size() || v.find('@', at + 1) != std::string::npos ||
        v.find(' ') != std::string::npos || v.find('.', at) == std::string::npos || v.back() == '.')
        invalid(field, "not an email address: \"" + value + "\"");
    std::string domain = v.substr(at + 1);
    std::transform(domain.begin(), domain.end(), domain.begin(),
                   [](unsigned char c) { return c < 0x80 ? static_cast<char>(std::tolower(c)) : static_cast<char>(c); });
    return v.substr(0, at + 1) + domain;
}

std::vector<ContactPoint> parse_contact_points(const Json& list, const std::string& type, const std::string& field,
                                               const std::string& region) {
    if (list.is_null()) return {};
    if (!list.is_array()) invalid(field, "expected an array");
    if (list.size() > 50) invalid(field, "more than 50 entries");
    std::vector<ContactPoint> out;
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string item_field = field + "[" + std::to_string(i) + "]";
        ContactPoint cp;
        cp.type = type;
        const Json& item = list[i];
        if (item.is_string()) {
            cp.value = item.get<std::string>();
            if (cp.value.find('\0') != std::string::npos) invalid(item_field, "contains a NUL character");
        } else if (item.is_object()) {
            Input in(item, item_field);
            in.allow_only({"value", "label", "primary"});
            cp.value = in.required_text("value", 320);
            cp.label = in.text("label", 32).value_or("");
            cp.primary = in.boolean("primary").value_or(false);
        } else {
            invalid(item_field, "expected a string or an object with \"value\"");
        }
        if (utf8_length(cp.value) > 320) invalid(item_field + ".value", "longer than 320 characters");
        cp.value = trim(cp.value);
        cp.normalized = type == "phone" ? normalize_phone(cp.value, item_field + ".value", region)
                                        : normalize_email(cp.value, item_field + ".value");
        // The same number twice in one list is one contact point.
        const bool dup = std::any_of(out.begin(), out.end(), [&](const auto& o) { return o.normalized == cp.normalized; });
        if (!dup) out.push_back(std::move(cp));
    }
    // Exactly one primary: the first flagged, else the first.
    bool seen = false;
    for (auto& cp : out) {
        if (cp.primary && !seen) seen = true;
        else cp.primary = false;
    }
    if (!seen && !out.empty()) out.front().primary = true;
    return out;
}

bool replace_contact_points(WriteScope& w, const Uuid& customer, const std::string& type,
                            const std::vector<ContactPoint>& wanted) {
    Database& db = w.db();
    struct Existing {
        Uuid id;
        std::string label, value, normalized;
        bool primary;
    };
    std::vector<Existing> existing;
    {
        auto& st = db.stmt(
            "SELECT id, coalesce(label, ''), value, normalized, is_primary FROM contact_points "
            "WHERE customer_id = ? AND type = ?");
        st.bind(1, customer.data(), Uuid::size());
        st.bind(2, type);
        while (st.executeStep())
            existing.push_back({Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()),
                                st.getColumn(1).getString(), st.getColumn(2).getString(), st.getColumn(3).getString(),
                                st.getColumn(4).getInt() != 0});
    }
    bool changed = false;
    for (const auto& e : existing) {
        const bool keep = std::any_of(wanted.begin(), wanted.end(), [&](const auto& c) { return c.normalized == e.normalized; });
        if (keep) continue;
        w.record_delete(Table::contact_points, e.id);  // before the row goes: it keeps a ghost
        auto& del = db.stmt("DELETE FROM contact_points WHERE id = ?");
        del.bind(1, e.id.data(), Uuid::size());
        del.exec();
        changed = true;
    }
    for (const auto& c : wanted) {
        const Uuid id = point_id(customer, type, c.normalized);
        auto it = std::find_if(existing.begin(), existing.end(), [&](const auto& e) { return e.normalized == c.normalized; });
        if (it == existing.end()) {
            auto& ins = db.stmt(
                "INSERT INTO contact_points(id, customer_id, type, label, value, normalized, is_primary, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
            ins.bind(1, id.data(), Uuid::size());
            ins.bind(2, customer.data(), Uuid::size());
            ins.bind(3, type);
            if (c.label.empty()) ins.bind(4);
            else ins.bind(4, c.label);
            ins.bind(5, c.value);
            ins.bind(6, c.normalized);
            ins.bind(7, c.primary ? 1 : 0);
            ins.bind(8, w.now());
            ins.exec();
            w.record_change(Table::contact_points, id, kAllFields);
            changed = true;
            continue;
        }
        std::uint64_t mask = 0;
        if (it->label != c.label) mask |= 1u << kLabel;
        if (it->value != c.value) mask |= 1u << kValue;
        if (it->primary != c.primary) mask |= 1u << kPrimary;
        if (mask == 0) continue;
        auto& up = db.stmt("UPDATE contact_points SET label = ?, value = ?, is_primary = ? WHERE id = ?");
        if (c.label.empty()) up.bind(1);
        else up.bind(1, c.label);
        up.bind(2, c.value);
        up.bind(3, c.primary ? 1 : 0);
        up.bind(4, it->id.data(), Uuid::size());
        up.exec();
        w.record_change(Table::contact_points, it->id, mask);
        changed = true;
    }
    return changed;
}

void render_contact_points(Database& db, const Uuid& customer, Json& out) {
    Json phones = Json::array(), emails = Json::array();
    auto& st = db.stmt(
        "SELECT type, value, normalized, label, is_primary FROM contact_points WHERE customer_id = ? "
        "ORDER BY type, is_primary DESC, created_at, normalized");
    st.bind(1, customer.data(), Uuid::size());
    while (st.executeStep()) {
        Json cp = {{"value", st.getColumn(1).getString()},
                   {"normalized", st.getColumn(2).getString()},
                   {"primary", st.getColumn(4).getInt() != 0}};
        if (!st.getColumn(3).isNull()) cp["label"] = st.getColumn(3).getString();
        if (st.getColumn(0).getString() == "phone") {
            // Derived on read: the number's type and validity (libphonenumber).
            const auto info = normalize::parse_phone(cp["normalized"].get<std::string>());
            cp["phone_type"] = info.type;
            cp["valid"] = info.valid;
        }
        (st.getColumn(0).getString() == "phone" ? phones : emails).push_back(std::move(cp));
    }
    out["phones"] = std::move(phones);
    out["emails"] = std::move(emails);
}

}  // namespace crmlite::customers
