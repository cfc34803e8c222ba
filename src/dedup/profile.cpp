#include "dedup/profile.hpp"

#include <algorithm>

#include "common/error.hpp"

#include "common/json.hpp"
#include "common/text.hpp"
#include "normalize/normalize.hpp"
#include "normalize/phone.hpp"
#include "normalize/settings.hpp"

namespace crmlite::dedup {

namespace {

std::string col_text(const SQLite::Column& c) { return c.isNull() ? std::string() : c.getString(); }

void add_email(Profile& p, const std::string& raw) {
    const auto e = normalize::parse_email(raw);
    if (e.match_key.empty()) return;
    p.emails.insert(e.match_key);
    std::string local = normalize::fold(e.local);
    if (local.size() >= 4) p.email_locals.insert(local);
}

void finish(Profile& p) {
    p.name = normalize::text(p.name);
    p.han = text::has_han(p.name);
    p.name_key = normalize::name_key(p.name);
    if (p.kind == "person") {
        if (p.han) {
            const auto s = normalize::surname_reading(p.name);
            const std::string py = normalize::name_pinyin(p.name);
            p.surname = s.bytes ? s.reading : py.substr(0, py.find(' '));
            const auto rest = py.substr(std::min(py.size(), p.surname.size() + 1));
            p.given_initial = rest.empty() ? "" : rest.substr(0, 1);
        }
    }
    std::string nid;
    for (const char c : normalize::text(p.national_id))
        if (c != ' ' && c != '-') nid.push_back(static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c));
    p.national_id = nid;
    p.province = normalize::province(p.province);
    p.city = normalize::city(p.city);
    p.postcode = normalize::text(p.postcode);
    p.address = normalize::fold(p.address);
    p.company = company_key(p.company);
}

}  // namespace

std::string company_key(std::string_view raw) {
    std::string n = normalize::fold(raw);
    if (n.empty()) return n;
    n.erase(0, normalize::city_prefix(n));
    static const char* suffixes[] = {"集团有限公司", "股份有限公司", "有限责任公司", "有限公司", "公司", " co., ltd.",
                                     " co., ltd", " co. ltd", " co.,ltd.", " limited", " ltd.", " ltd", " inc.", " inc",
                                     " llc", " gmbh", " s.a.s.", " corp.", " corp", " co."};
    bool stripped = true;
    while (stripped) {
        stripped = false;
        for (const char* s : suffixes)
            if (n.ends_with(s) && n.size() > std::string_view(s).size()) {
                n.resize(n.size() - std::string_view(s).size());
                stripped = true;
            }
        while (!n.empty() && (n.back() == ' ' || n.back() == ',')) n.pop_back();
    }
    return n;
}

std::optional<Profile> load_profile(Database& db, const Uuid& id) {
    Profile p;
    p.id = id;
    {
        auto& st = db.stmt(
            "SELECT kind, display_name, family_name, given_name, national_id, birthday, province, city, postcode, address, "
            "company, updated_at FROM customers WHERE id = ?");
        st.bind(1, id.data(), Uuid::size());
        if (!st.executeStep()) return std::nullopt;
        p.kind = st.getColumn(0).getString();
        p.name = st.getColumn(1).getString();
        p.national_id = col_text(st.getColumn(4));
        p.birthday = col_text(st.getColumn(5));
        p.province = col_text(st.getColumn(6));
        p.city = col_text(st.getColumn(7));
        p.postcode = col_text(st.getColumn(8));
        p.address = col_text(st.getColumn(9));
        p.company = p.kind == "company" ? p.name : col_text(st.getColumn(10));
        p.updated_at = st.getColumn(11).getInt64();
        st.reset();
    }
    auto& cp = db.stmt("SELECT type, normalized FROM contact_points WHERE customer_id = ?");
    cp.bind(1, id.data(), Uuid::size());
    while (cp.executeStep()) {
        if (cp.getColumn(0).getString() == "phone") p.phones.insert(cp.getColumn(1).getString());
        else add_email(p, cp.getColumn(1).getString());
    }
    cp.reset();
    finish(p);
    return p;
}

Profile profile_from_json(Database& db, const Json& c) {
    Profile p;
    const auto str = [&](const char* k) {
        return c.contains(k) && c[k].is_string() ? c[k].get<std::string>() : std::string();
    };
    p.kind = str("kind").empty() ? "person" : str("kind");
    p.name = str("display_name");
    if (p.name.empty()) {
        const std::string g = str("given_name"), f = str("family_name");
        p.name = text::has_han(g + f) ? f + g : (g.empty() ? f : f.empty() ? g : g + " " + f);
    }
    if (p.name.empty()) invalid("customer.display_name", "required (or given_name / family_name)");
    p.national_id = str("national_id");
    p.birthday = str("birthday");
    p.province = str("province");
    p.city = str("city");
    p.postcode = str("postcode");
    p.address = str("address");
    p.company = p.kind == "company" ? p.name : str("company");
    const std::string region = normalize::phone_region(db);
    const auto value_of = [](const Json& item) {
        if (item.is_string()) return item.get<std::string>();
        if (item.is_object() && item.contains("value") && item["value"].is_string()) return item["value"].get<std::string>();
        return std::string();
    };
    if (c.contains("phones") && c["phones"].is_array())
        for (const auto& ph : c["phones"]) {
            const std::string v = value_of(ph);
            if (!v.empty()) p.phones.insert(normalize::parse_phone(v, region).e164);
        }
    if (c.contains("emails") && c["emails"].is_array())
        for (const auto& em : c["emails"]) {
            const std::string v = value_of(em);
            if (!v.empty()) add_email(p, v);
        }
    finish(p);
    return p;
}

std::vector<std::string> blocking_keys(const Profile& p) {
    std::vector<std::string> keys;
    for (const auto& ph : p.phones)
        if (ph.size() >= 7) keys.push_back("p:" + ph);
    for (const auto& e : p.emails) keys.push_back("e:" + e);
    for (const auto& l : p.email_locals) keys.push_back("el:" + l);
    if (!p.national_id.empty()) keys.push_back("n:" + p.national_id);
    if (p.kind == "company") {
        if (!p.company.empty()) keys.push_back("co:" + p.company);
        return keys;
    }
    if (!p.name_key.empty()) {
        if (!p.city.empty()) keys.push_back("nc:" + p.name_key + "|" + p.city);
        if (!p.birthday.empty()) keys.push_back("nb:" + p.name_key + "|" + p.birthday);
        if (!p.company.empty()) keys.push_back("nco:" + p.name_key + "|" + p.company);
    }
    // A typo or a homophone changes the name key: the surname's reading, the
    // given name's initial and the postcode (or birthday) still agree.
    const std::string sur = p.han ? p.surname : p.name_key.substr(0, p.name_key.find(' '));
    if (!sur.empty()) {
        if (!p.postcode.empty()) keys.push_back("sp:" + sur + "|" + p.given_initial + "|" + p.postcode);
        if (!p.birthday.empty()) keys.push_back("sb:" + sur + "|" + p.birthday);
    }
    if (!p.han && !p.name_key.empty()) {
        // Latin names: each token with the birthday or city, so a typo in the
        // other token (or a swapped order) still meets.
        std::size_t i = 0;
        while (i < p.name_key.size()) {
            const auto j = std::min(p.name_key.find(' ', i), p.name_key.size());
            const std::string tok = p.name_key.substr(i, j - i);
            if (tok.size() >= 3) {
                if (!p.birthday.empty()) keys.push_back("tb:" + tok + "|" + p.birthday);
                if (!p.city.empty()) keys.push_back("tc:" + tok + "|" + p.city);
            }
            i = j + 1;
        }
    }
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
    return keys;
}

}  // namespace crmlite::dedup
