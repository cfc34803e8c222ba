#include "dedup/dedup.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <numeric>
#include <set>
#include <unicode/utf8.h>
#include <unordered_map>

#include "common/error.hpp"

namespace crmlite::dedup {

namespace {

std::u32string code_points(std::string_view s) {
    std::u32string out;
    std::int32_t i = 0;
    const auto n = static_cast<std::int32_t>(s.size());
    while (i < n) {
        UChar32 c;
        U8_NEXT(reinterpret_cast<const std::uint8_t*>(s.data()), i, n, c);
        out.push_back(static_cast<char32_t>(c < 0 ? 0xFFFD : c));
    }
    return out;
}

void add(PairScore& s, const char* feature, double weight, const std::string& detail) {
    s.points += weight;
    s.evidence.push_back({{"feature", feature}, {"weight", weight}, {"detail", detail}});
}

std::string first_shared(const std::set<std::string>& a, const std::set<std::string>& b) {
    for (const auto& x : a)
        if (b.count(x)) return x;
    return {};
}

// Digits of an address (house numbers) and its other characters, compared apart.
double address_similarity(const std::string& a, const std::string& b) {
    if (a.empty() || b.empty()) return 0;
    std::string da, db;
    for (char c : a) if (c >= '0' && c <= '9') da.push_back(c);
    for (char c : b) if (c >= '0' && c <= '9') db.push_back(c);
    const double text = jaro_winkler(a, b);
    if (!da.empty() && !db.empty() && da != db) return text * 0.5;
    return text;
}

void load_block_members(Database& db, const std::string& key, std::vector<Uuid>& out, std::size_t cap) {
    auto& st = db.stmt("SELECT customer_id FROM dedup_keys WHERE key = ? LIMIT ?");
    st.bind(1, key);
    st.bind(2, static_cast<std::int64_t>(cap + 1));
    out.clear();
    while (st.executeStep()) out.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
    st.reset();
}

std::string decision(double score, const Options& o) {
    return score >= o.auto_threshold ? "duplicate" : score >= o.review_threshold ? "review" : "distinct";
}

Json pair_json(const Uuid& a, const Uuid& b, const PairScore& s, const Options& o) {
    return {{"a", a.str()}, {"b", b.str()}, {"score", std::round(s.score * 1000) / 1000}, {"decision", decision(s.score, o)},
            {"evidence", s.evidence}};
}

// Profiles loaded once per run, at most `cap` at a time: when full it starts
// over. A profile handed out stays valid while the caller holds it, even if the
// cache starts over meanwhile (the second profile of a pair may do that).
class ProfileCache {
public:
    ProfileCache(Database& db, std::size_t cap) : db_(db), cap_(cap) {}
    std::shared_ptr<const Profile> get(const Uuid& id) {
        auto it = cache_.find(id);
        if (it != cache_.end()) return it->second;
        if (cache_.size() >= cap_) cache_.clear();
        auto p = load_profile(db_, id);
        if (!p) return nullptr;
        auto shared = std::make_shared<const Profile>(std::move(*p));
        cache_.emplace(id, shared);
        return shared;
    }

private:
    struct Hash {
        std::size_t operator()(const Uuid& u) const {
            std::size_t h = 0;
            const auto* b = static_cast<const unsigned char*>(u.data());
            for (std::size_t i = 0; i < 8; ++i) h = (h << 8) | b[15 - i];
            return h;
        }
    };
    Database& db_;
    std::size_t cap_;
    std::unordered_map<Uuid, std::shared_ptr<const Profile>, Hash> cache_;
};

Json matches_for(Database& db, const Profile& p, const std::optional<Uuid>& self, const Options& o) {
    ProfileCache cache(db, o.profile_cache);
    std::set<Uuid> candidates;
    std::vector<Uuid> members;
    for (const auto& key : blocking_keys(p)) {
        load_block_members(db, key, members, o.max_block);
        if (members.size() > o.max_block) continue;
        for (const auto& m : members)
            if (!self || m != *self) candidates.insert(m);
    }
    std::vector<std::pair<double, Json>> found;
    for (const auto& c : candidates) {
        const auto q = cache.get(c);
        if (!q) continue;
        const auto s = score(p, *q);
        if (s.score < o.review_threshold) continue;
        found.push_back({s.score, {{"id", c.str()}, {"score", std::round(s.score * 1000) / 1000},
                                   {"decision", decision(s.score, o)}, {"evidence", s.evidence}}});
    }
    std::sort(found.begin(), found.end(), [](const auto& x, const auto& y) { return x.first > y.first; });
    Json out = Json::array();
    for (auto& f : found) out.push_back(std::move(f.second));
    return {{"matches", out}, {"candidates", candidates.size()}};
}

}  // namespace

double jaro_winkler(std::string_view sa, std::string_view sb) {
    const std::u32string a = code_points(sa), b = code_points(sb);
    if (a.empty() && b.empty()) return 1;
    if (a.empty() || b.empty()) return 0;
    if (a == b) return 1;
    const std::size_t range = std::max<std::size_t>(std::max(a.size(), b.size()) / 2, 1) - 1;
    std::vector<bool> ma(a.size()), mb(b.size());
    std::size_t matches = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const std::size_t lo = i > range ? i - range : 0, hi = std::min(b.size(), i + range + 1);
        for (std::size_t j = lo; j < hi; ++j) {
            if (mb[j] || a[i] != b[j]) continue;
            ma[i] = mb[j] = true;
            ++matches;
            break;
        }
    }
    if (matches == 0) return 0;
    std::size_t t = 0, k = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!ma[i]) continue;
        while (!mb[k]) ++k;
        if (a[i] != b[k]) ++t;
        ++k;
    }
    const double m = static_cast<double>(matches);
    const double jaro = (m / static_cast<double>(a.size()) + m / static_cast<double>(b.size()) + (m - static_cast<double>(t) / 2) / m) / 3;
    std::size_t prefix = 0;
    while (prefix < 4 && prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
    return jaro + static_cast<double>(prefix) * 0.1 * (1 - jaro);
}

Options parse_options(const Json& j) {
    Options o;
    if (j.is_null()) return o;
    if (!j.is_object()) invalid("options", "expected an object");
    for (const auto& [k, v] : j.items()) {
        const std::string field = "options." + k;
        if (k == "auto_threshold" || k == "review_threshold") {
            if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) invalid(field, "expected a number from 0 to 1");
            (k == "auto_threshold" ? o.auto_threshold : o.review_threshold) = v.get<double>();
        } else if (k == "max_block") {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 2 || v.get<std::int64_t>() > 100000)
                invalid(field, "expected an integer from 2 to 100000");
            o.max_block = v.get<std::size_t>();
        } else {
            invalid(field, "unknown option");
        }
    }
    if (o.review_threshold > o.auto_threshold) invalid("options.review_threshold", "above auto_threshold");
    return o;
}

PairScore score(const Profile& a, const Profile& b) {
    PairScore s;
    s.evidence = Json::array();
    if (a.kind != b.kind) add(s, "kind", -10, a.kind + " / " + b.kind);
    // Names: exact text, the same reading (pinyin / order / homophones), or close.
    if (!a.name.empty() && a.name == b.name) {
        add(s, "name", 3, "same name");
    } else if (!a.name_key.empty() && a.name_key == b.name_key) {
        add(s, "name", 2.5, "same reading: " + a.name_key);
    } else {
        const double sim = a.kind == "company" && !a.company.empty() && !b.company.empty()
                               ? jaro_winkler(a.company, b.company)
                               : jaro_winkler(a.name_key, b.name_key);
        if (sim >= 0.92) add(s, "name", 1.5, "similar: " + std::to_string(sim).substr(0, 4));
        else if (sim >= 0.85) add(s, "name", 0.5, "similar: " + std::to_string(sim).substr(0, 4));
        else add(s, "name", -3, "different: " + std::to_string(sim).substr(0, 4));
    }
    if (!a.national_id.empty() && !b.national_id.empty())
        add(s, "national_id", a.national_id == b.national_id ? 6 : -6, a.national_id == b.national_id ? "same" : "different");
    if (const auto p = first_shared(a.phones, b.phones); !p.empty()) add(s, "phone", 4, p);
    else if (!a.phones.empty() && !b.phones.empty()) add(s, "phone", -0.5, "no phone in common");
    if (const auto e = first_shared(a.emails, b.emails); !e.empty()) add(s, "email", 4, e);
    else if (const auto l = first_shared(a.email_locals, b.email_locals); !l.empty())
        add(s, "email", l.size() >= 8 ? 2.5 : 2, "same local part: " + l);  // a long local part is rarely shared
    else if (!a.emails.empty() && !b.emails.empty()) add(s, "email", -0.5, "no e-mail in common");
    if (!a.birthday.empty() && !b.birthday.empty())
        add(s, "birthday", a.birthday == b.birthday ? 3 : -3, a.birthday == b.birthday ? a.birthday : "different");
    if (!a.province.empty() && !b.province.empty())
        add(s, "province", a.province == b.province ? 0.5 : -1, a.province == b.province ? a.province : "different");
    if (!a.city.empty() && !b.city.empty()) add(s, "city", a.city == b.city ? 0.5 : -1, a.city == b.city ? a.city : "different");
    if (!a.postcode.empty() && a.postcode == b.postcode) add(s, "postcode", 1, a.postcode);
    if (!a.address.empty() && a.address == b.address && a.address.size() >= 8) add(s, "address", 2.5, "same address");
    else if (const double ad = address_similarity(a.address, b.address); ad >= 0.9) add(s, "address", 1.5, "similar address");
    if (a.kind == "person" && !a.company.empty() && a.company == b.company) add(s, "company", 2.5, a.company);
    if (a.kind == "company" && !a.company.empty() && a.company == b.company) add(s, "company", 3, a.company);
    // Points as log-odds, mapped to 0..1: 4 points is a coin toss; a shared
    // phone or e-mail plus the same name reading (6.5) clears 0.9.
    s.score = 1.0 / (1.0 + std::exp(-(s.points - 4.0)));
    return s;
}

std::size_t refresh(Database& db) {
    WriteScope w(db);
    std::size_t n = 0;
    {
        auto& gone = db.stmt("DELETE FROM dedup_keys WHERE customer_id NOT IN (SELECT id FROM customers)");
        gone.exec();
        auto& gone2 = db.stmt("DELETE FROM dedup_state WHERE customer_id NOT IN (SELECT id FROM customers)");
        gone2.exec();
    }
    std::vector<Uuid> stale;
    {
        auto& st = db.stmt(
            "SELECT c.id FROM customers c LEFT JOIN dedup_state s ON s.customer_id = c.id "
            "WHERE s.updated_at IS NULL OR s.updated_at <> c.updated_at");
        while (st.executeStep()) stale.push_back(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
        st.reset();
    }
    for (const auto& id : stale) {
        const auto p = load_profile(db, id);
        if (!p) continue;
        auto& del = db.stmt("DELETE FROM dedup_keys WHERE customer_id = ?");
        del.bind(1, id.data(), Uuid::size());
        del.exec();
        for (const auto& key : blocking_keys(*p)) {
            auto& ins = db.stmt("INSERT OR IGNORE INTO dedup_keys(key, customer_id) VALUES (?, ?)");
            ins.bind(1, key);
            ins.bind(2, id.data(), Uuid::size());
            ins.exec();
        }
        auto& state = db.stmt("INSERT OR REPLACE INTO dedup_state(customer_id, updated_at) VALUES (?, ?)");
        state.bind(1, id.data(), Uuid::size());
        state.bind(2, p->updated_at);
        state.exec();
        ++n;
    }
    w.commit();
    return n;
}

Json find(Database& db, const Options& o) {
    refresh(db);
    ProfileCache cache(db, o.profile_cache);
    // Candidate pairs: customers sharing a key, each pair scored once.
    std::set<std::pair<Uuid, Uuid>> compared;
    std::vector<std::tuple<Uuid, Uuid, PairScore>> kept;
    std::size_t skipped_blocks = 0;
    std::string current;
    std::vector<Uuid> block;
    const auto flush = [&] {
        if (block.size() > o.max_block) ++skipped_blocks;
        else
            for (std::size_t i = 0; i < block.size(); ++i)
                for (std::size_t j = i + 1; j < block.size(); ++j) {
                    auto key = block[i] < block[j] ? std::make_pair(block[i], block[j]) : std::make_pair(block[j], block[i]);
                    if (!compared.insert(key).second) continue;
                    const auto a = cache.get(key.first);
                    const auto b = cache.get(key.second);
                    if (!a || !b) continue;
                    auto s = score(*a, *b);
                    if (s.score >= o.review_threshold) kept.emplace_back(key.first, key.second, std::move(s));
                }
        block.clear();
    };
    {
        SQLite::Statement st(db.sql(), "SELECT key, customer_id FROM dedup_keys ORDER BY key");
        while (st.executeStep()) {
            const char* key = st.getColumn(0).getText();
            if (current != key) {
                flush();
                current = key;
            }
            if (block.size() <= o.max_block) block.push_back(Uuid::from_blob(st.getColumn(1).getBlob(), st.getColumn(1).getBytes()));
        }
        flush();
    }
    // Transitive closure over the pairs at or above the automatic threshold.
    std::map<Uuid, Uuid> parent;
    // Iterative, with path compression: a long chain must not exhaust the stack.
    const auto root = [&](const Uuid& x) -> Uuid {
        Uuid r = x;
        for (auto it = parent.find(r); it != parent.end() && it->second != r; it = parent.find(r)) r = it->second;
        for (Uuid y = x; y != r;) {
            auto& up = parent[y];
            const Uuid next = up;
            up = r;
            y = next;
        }
        return r;
    };
    Json review = Json::array();
    for (const auto& [a, b, s] : kept) {
        if (s.score < o.auto_threshold) {
            review.push_back(pair_json(a, b, s, o));
            continue;
        }
        parent.emplace(a, a);
        parent.emplace(b, b);
        const Uuid ra = root(a), rb = root(b);
        if (ra != rb) parent[std::max(ra, rb)] = std::min(ra, rb);
    }
    std::map<Uuid, Json> clusters;
    for (const auto& [x, _] : parent) clusters[root(x)]["members"].push_back(x.str());
    for (const auto& [a, b, s] : kept)
        if (s.score >= o.auto_threshold) clusters[root(a)]["pairs"].push_back(pair_json(a, b, s, o));
    Json list = Json::array();
    std::size_t extra = 0;  // records beyond the one each cluster keeps
    for (auto& [_, c] : clusters) {
        extra += c["members"].size() - 1;
        list.push_back(std::move(c));
    }
    const std::int64_t customers = db.counter("customers");
    return {{"clusters", list},
            {"review", review},
            {"customers", customers},
            {"compared_pairs", compared.size()},
            {"skipped_blocks", skipped_blocks},
            {"duplicates", extra},
            {"duplicate_rate", customers > 0 ? static_cast<double>(extra) / static_cast<double>(customers) : 0.0},
            {"auto_threshold", o.auto_threshold},
            {"review_threshold", o.review_threshold}};
}

Json check(Database& db, const Uuid& id, const Options& o) {
    const auto p = load_profile(db, id);
    if (!p) throw Error(CRM_ENOTFOUND, "id: no customer " + id.str());
    refresh(db);
    Json out = matches_for(db, *p, id, o);
    out["id"] = id.str();
    return out;
}

Json check_json(Database& db, const Json& customer, const Options& o) {
    if (!customer.is_object()) invalid("customer", "expected an object");
    const Profile p = profile_from_json(db, customer);
    refresh(db);
    return matches_for(db, p, std::nullopt, o);
}

}  // namespace crmlite::dedup
