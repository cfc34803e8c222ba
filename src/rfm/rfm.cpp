#include "rfm/rfm.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <numeric>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "common/error.hpp"
#include "common/time.hpp"
#include "rfm/days.hpp"
#include "rfm/state.hpp"

namespace crmlite::rfm {

namespace {

constexpr std::int64_t kDayMs = 86400000;

std::vector<std::string> name_list(const Input& in, const Json& obj, const char* key, std::vector<std::string> fallback,
                                   bool allow_empty) {
    if (!obj.contains(key) || obj.at(key).is_null()) return fallback;
    const Json& v = obj.at(key);
    const std::string f = in.field(key);
    if (!v.is_array() || (!allow_empty && v.empty())) invalid(f, allow_empty ? "expected an array of names" : "expected a non-empty array of names");
    if (v.size() > 32) invalid(f, "at most 32 names");
    std::vector<std::string> out;
    for (std::size_t i = 0; i < v.size(); ++i) {
        if (!v[i].is_string()) invalid(f + "[" + std::to_string(i) + "]", "expected a string");
        const auto s = v[i].get<std::string>();
        if (s.empty() || s.size() > 32 || !utf8_valid(s)) invalid(f + "[" + std::to_string(i) + "]", "expected a name of 1 to 32 bytes");
        out.push_back(s);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

bool is_currency(const std::string& c) {
    return c.size() == 3 && std::all_of(c.begin(), c.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; });
}

int decimals(const std::string& c) {
    static const char* zero[] = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"};
    static const char* three[] = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"};
    for (const char* z : zero)
        if (c == z) return 0;
    for (const char* t : three)
        if (c == t) return 3;
    return 2;
}

// Linear: the lists are a few names, and defaults are not sorted.
bool contains(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

}  // namespace

std::string Params::aggregate_key() const {
    Json k = {{"window_days", window_days}, {"purchase_kinds", purchase_kinds}, {"refund_kinds", refund_kinds},
              {"cancelled_statuses", cancelled_statuses}, {"refund_statuses", refund_statuses}, {"base_currency", base_currency}, {"rates", rates}};
    return k.dump();
}

Json Params::to_json() const {
    static const char* methods[] = {"ntile", "quantile", "rank_bins"};
    return {{"as_of", format_instant(as_of)}, {"window_days", window_days}, {"purchase_kinds", purchase_kinds},
            {"refund_kinds", refund_kinds}, {"cancelled_statuses", cancelled_statuses}, {"refund_statuses", refund_statuses},
            {"base_currency", base_currency}, {"rates", rates}, {"method", methods[static_cast<int>(method)]},
            {"tiers", {{"core", core_share}, {"potential", potential_share}}}};
}

Params parse_params(const Json& input) {
    Input in(input, "rfm");
    in.allow_only({"as_of", "window_days", "purchase_kinds", "refund_kinds", "cancelled_statuses", "refund_statuses", "base_currency", "rates",
                   "method", "segments", "tiers", "snapshot"});
    Params p;
    const auto as_of = in.instant("as_of");
    if (!as_of) invalid("rfm.as_of", "required (results are defined for an as-of time)");
    p.as_of = *as_of;
    p.window_days = in.integer("window_days", 0, 36500).value_or(365);
    p.purchase_kinds = name_list(in, input, "purchase_kinds", p.purchase_kinds, false);
    p.refund_kinds = name_list(in, input, "refund_kinds", p.refund_kinds, true);
    p.cancelled_statuses = name_list(in, input, "cancelled_statuses", p.cancelled_statuses, true);
    p.refund_statuses = name_list(in, input, "refund_statuses", p.refund_statuses, true);
    for (const auto& k : p.refund_kinds)
        if (contains(p.purchase_kinds, k)) invalid("rfm.refund_kinds", "\"" + k + "\" is also a purchase kind");
    if (auto c = in.text("base_currency", 3)) {
        if (!is_currency(*c)) invalid("rfm.base_currency", "expected an ISO-4217 code such as CNY");
        p.base_currency = *c;
    }
    if (input.contains("rates") && !input.at("rates").is_null()) {
        const Json& r = input.at("rates");
        if (!r.is_object()) invalid("rfm.rates", "expected an object {\"USD\": 7.1, ...}");
        for (const auto& [cur, v] : r.items()) {
            if (!is_currency(cur)) invalid("rfm.rates." + cur, "expected an ISO-4217 currency code");
            if (!v.is_number() || !(v.get<double>() > 0) || !std::isfinite(v.get<double>()) || v.get<double>() > 1e9)
                invalid("rfm.rates." + cur, "expected a positive number (units of the base currency per unit)");
            p.rates[cur] = v.get<double>();
        }
    }
    if (auto m = in.choice("method", {"ntile", "quantile", "rank_bins"}))
        p.method = *m == "ntile" ? Method::ntile : *m == "quantile" ? Method::quantile : Method::rank_bins;
    if (input.contains("segments") && !input.at("segments").is_null()) p.segments = SegmentMap::parse(input.at("segments"), "rfm.segments");
    if (input.contains("tiers") && !input.at("tiers").is_null()) {
        const Json& t = input.at("tiers");
        if (!t.is_object()) invalid("rfm.tiers", "expected {\"core\": 0.1, \"potential\": 0.3}");
        for (const auto& [k, v] : t.items()) {
            if (k != "core" && k != "potential") invalid("rfm.tiers." + k, "unknown tier (core and potential are given; base is the rest)");
            if (!v.is_number() || v.get<double>() < 0 || v.get<double>() > 1) invalid("rfm.tiers." + k, "expected a share from 0 to 1");
            (k == "core" ? p.core_share : p.potential_share) = v.get<double>();
        }
        if (p.core_share + p.potential_share > 1.0 + 1e-12) invalid("rfm.tiers", "core + potential exceed 1");
    }
    p.snapshot = in.boolean("snapshot").value_or(true);
    return p;
}

namespace {

// Scores 1..5 for values where a larger value is better and, among equal
// values, the smaller index is the smaller id (callers pass customers in id
// order): sorting (value, index) pairs is the tie rule, with no id compares.
std::vector<std::uint8_t> score_in_id_order(const std::vector<std::int64_t>& goodness, Method m) {
    const std::size_t n = goodness.size();
    std::vector<std::pair<std::int64_t, std::uint32_t>> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = {goodness[i], static_cast<std::uint32_t>(i)};
    std::sort(order.begin(), order.end());
    std::vector<std::uint8_t> out(n, 0);
    if (n == 0) return out;
    if (m == Method::ntile) {
        const std::size_t q = n / 5, r = n % 5;
        for (std::size_t p = 0; p < n; ++p) {
            const std::size_t bucket = p < r * (q + 1) ? p / (q + 1) : r + (p - r * (q + 1)) / q;
            out[order[p].second] = static_cast<std::uint8_t>(bucket + 1);
        }
        return out;
    }
    // Ties together: L = customers strictly worse, d = dense rank.
    std::size_t distinct = 0;
    for (std::size_t p = 0; p < n; ++p)
        if (p == 0 || order[p].first != order[p - 1].first) ++distinct;
    std::size_t worse = 0, dense = 0;
    for (std::size_t p = 0; p < n; ++p) {
        if (p == 0 || order[p].first != order[p - 1].first) worse = p, ++dense;
        out[order[p].second] = static_cast<std::uint8_t>(m == Method::quantile ? 1 + 5 * worse / n : 1 + 5 * (dense - 1) / distinct);
    }
    return out;
}

}  // namespace

std::vector<int> score(const std::vector<std::int64_t>& goodness, const std::vector<Uuid>& ids, Method m) {
    std::vector<std::size_t> by_id(goodness.size());
    std::iota(by_id.begin(), by_id.end(), std::size_t{0});
    std::sort(by_id.begin(), by_id.end(), [&](std::size_t a, std::size_t b) { return ids[a] < ids[b]; });
    std::vector<std::int64_t> g(goodness.size());
    for (std::size_t k = 0; k < by_id.size(); ++k) g[k] = goodness[by_id[k]];
    const auto s = score_in_id_order(g, m);
    std::vector<int> out(goodness.size());
    for (std::size_t k = 0; k < by_id.size(); ++k) out[by_id[k]] = s[k];
    return out;
}

// ------------------------------------------------------------------ aggregation

namespace {

struct Acc {
    std::int64_t freq = 0;
    std::int64_t first = INT64_MAX, last = INT64_MIN;
    std::vector<std::pair<std::string, std::int64_t>> sums;  // per currency
    void add_money(const std::string& cur, std::int64_t v) {
        for (auto& [c, s] : sums)
            if (c == cur) {
                s += v;
                return;
            }
        sums.emplace_back(cur, v);
    }
};

struct UuidHash {
    std::size_t operator()(const Uuid& u) const noexcept {
        std::size_t h = 0;
        for (int i = 8; i < 16; ++i) h = (h << 8) ^ u.bytes[static_cast<std::size_t>(i)];
        return h ^ (static_cast<std::size_t>(u.bytes[0]) << 1);
    }
};

void accumulate(Acc& a, const Params& p, const std::string& kind, const std::string& status, const std::string& currency,
                const std::optional<std::int64_t>& amount, std::int64_t at) {
    if (contains(p.cancelled_statuses, status)) return;  // a cancelled order or refund counts for nothing
    const bool refund = contains(p.refund_kinds, kind) || (contains(p.purchase_kinds, kind) && contains(p.refund_statuses, status));
    if (refund) {
        if (amount) a.add_money(currency, -(*amount < 0 ? -*amount : *amount));
    } else if (contains(p.purchase_kinds, kind)) {
        ++a.freq;
        a.first = std::min(a.first, at);
        a.last = std::max(a.last, at);
        if (amount) a.add_money(currency, *amount);
    }
}

std::int64_t to_base(const Params& p, const std::string& cur, std::int64_t minor) {
    if (cur == p.base_currency || minor == 0) return minor;
    const auto it = p.rates.find(cur);
    if (it == p.rates.end())
        invalid("rfm.rates", "no exchange rate for " + (cur.empty() ? std::string("(no currency)") : cur) + " (base currency " + p.base_currency + ")");
    const double factor = it->second * std::pow(10.0, decimals(p.base_currency) - decimals(cur));
    return std::llround(static_cast<double>(minor) * factor);
}

std::int64_t monetary(const Params& p, const Acc& a) {
    std::int64_t m = 0;
    for (const auto& [cur, s] : a.sums) m += to_base(p, cur, s);
    return m;
}

std::string kinds_json(const Params& p) {
    Json k = Json::array();
    for (const auto& s : p.purchase_kinds) k.push_back(s);
    for (const auto& s : p.refund_kinds) k.push_back(s);
    return k.dump();
}

std::int64_t window_start(const Params& p) { return p.window_days ? p.as_of - p.window_days * kDayMs : INT64_MIN; }

std::optional<std::int64_t> opt_int(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getInt64();
}

Row make_row(const Uuid& id, const Acc* a, const Params& p, const LocalDays& days) {
    Row r;
    r.id = id;
    if (a && a->freq > 0) {
        r.frequency = a->freq;
        r.first_day = days.day(a->first);
        r.last_day = days.day(a->last);
    }
    if (a) r.monetary = monetary(p, *a);
    return r;
}

// Re-aggregates one customer over the window (timeline index).
Acc aggregate_one(Database& db, const Params& p, const Uuid& id) {
    Acc a;
    auto& st = db.stmt(
        "SELECT kind, coalesce(status, ''), coalesce(currency, ''), amount_minor, occurred_at FROM interactions "
        "WHERE customer_id = ? AND occurred_at > ? AND occurred_at <= ?");
    st.bind(1, id.data(), Uuid::size());
    st.bind(2, window_start(p));
    st.bind(3, p.as_of);
    while (st.executeStep())
        accumulate(a, p, st.getColumn(0).getString(), st.getColumn(1).getString(), st.getColumn(2).getString(),
                   opt_int(st.getColumn(3)), st.getColumn(4).getInt64());
    st.reset();
    return a;
}

// Scores and tiers for every row, from the aggregates alone.
// REQUIRES: rows in id order (the tie rule).
void rescore(std::vector<Row>& rows, const Params& p, std::int64_t as_of_day) {
    std::vector<std::uint32_t> buyers;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        Row& r = rows[i];
        r.r = r.f = r.m = 0;
        r.tier = Tier::base;
        if (r.frequency > 0) buyers.push_back(static_cast<std::uint32_t>(i));
    }
    const std::size_t n = buyers.size();
    std::vector<std::int64_t> g(n);
    for (std::size_t k = 0; k < n; ++k) g[k] = -(as_of_day - *rows[buyers[k]].last_day);
    auto s = score_in_id_order(g, p.method);
    for (std::size_t k = 0; k < n; ++k) rows[buyers[k]].r = s[k];
    for (std::size_t k = 0; k < n; ++k) g[k] = rows[buyers[k]].frequency;
    s = score_in_id_order(g, p.method);
    for (std::size_t k = 0; k < n; ++k) rows[buyers[k]].f = s[k];
    for (std::size_t k = 0; k < n; ++k) g[k] = rows[buyers[k]].monetary;
    s = score_in_id_order(g, p.method);
    for (std::size_t k = 0; k < n; ++k) rows[buyers[k]].m = s[k];
    // Tiers: by monetary descending, ties by id.
    std::vector<std::pair<std::int64_t, std::uint32_t>> by_value(n);
    for (std::size_t k = 0; k < n; ++k) by_value[k] = {g[k], static_cast<std::uint32_t>(k)};
    std::sort(by_value.begin(), by_value.end(), [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    const double dn = static_cast<double>(n);
    const auto core_n = static_cast<std::size_t>(std::floor(dn * p.core_share + 0.5));
    const auto pot_n = static_cast<std::size_t>(std::floor(dn * (p.core_share + p.potential_share) + 0.5));
    for (std::size_t pos = 0; pos < n; ++pos)
        rows[buyers[by_value[pos].second]].tier = pos < core_n ? Tier::core : pos < pot_n ? Tier::potential : Tier::base;
}

const std::string& segment_of(const Params& p, const Row& r) {
    static const std::string none = kNoPurchases;
    return r.r ? p.segments.of(r.r, r.f, r.m) : none;
}

void bind_row(SQLite::Statement& st, const Row& r, const Params& p) {
    st.bind(1, r.id.data(), Uuid::size());
    st.bind(2, r.frequency);
    st.bind(3, r.monetary);
    if (r.first_day) st.bind(4, *r.first_day); else st.bind(4);
    if (r.last_day) st.bind(5, *r.last_day); else st.bind(5);
    if (r.r) st.bind(6, r.r), st.bind(7, r.f), st.bind(8, r.m);
    else st.bind(6), st.bind(7), st.bind(8);
    st.bindNoCopy(9, segment_of(p, r));
    st.bind(10, tier_name(r.tier));
}

const char* kUpsert =
    "INSERT OR REPLACE INTO rfm_current(customer_id, frequency, monetary, first_day, last_day, r, f, m, segment, tier) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

std::int64_t watermark(Database& db) {
    return std::max(db.max_logged_seq(),
                    db.sql().execAndGet("SELECT coalesce((SELECT max(seq) FROM sync_tombstones), 0)").getInt64());
}

Json finish(WriteScope& w, const Params& p, const std::vector<Row>& rows, std::int64_t as_of_day, const char* mode,
            std::size_t recomputed, std::size_t written) {
    Database& db = w.db();
    state_put(db, "key", p.aggregate_key());
    state_put(db, "as_of", p.as_of);
    state_put(db, "as_of_day", as_of_day);
    state_put(db, "seq", watermark(db));
    state_put(db, "params", p.to_json().dump());
    const auto& names = p.segments.names();
    std::vector<std::int64_t> by_name(names.size(), 0);
    std::int64_t by_tier[3] = {0, 0, 0}, buyers = 0;
    for (const auto& r : rows) {
        if (r.r) ++by_name[p.segments.name_of(r.r, r.f, r.m)], ++buyers;
        ++by_tier[static_cast<int>(r.tier)];
    }
    std::map<std::string, std::int64_t> segs, tiers;
    for (std::size_t i = 0; i < names.size(); ++i) segs[names[i]] = by_name[i];
    segs[kNoPurchases] = static_cast<std::int64_t>(rows.size()) - buyers;
    for (const Tier t : {Tier::core, Tier::potential, Tier::base}) tiers[tier_name(t)] = by_tier[static_cast<int>(t)];
    Json out = {{"mode", mode}, {"as_of", format_instant(p.as_of)}, {"customers", rows.size()}, {"buyers", buyers},
                {"recomputed", recomputed}, {"written", written}, {"segments", segs}, {"tiers", tiers}, {"snapshot", nullptr}};
    if (p.snapshot) {
        auto& ins = db.stmt("INSERT INTO rfm_snapshots(as_of, as_of_day, created_at, params, customers, buyers) VALUES (?, ?, ?, ?, ?, ?)");
        ins.bind(1, p.as_of);
        ins.bind(2, as_of_day);
        ins.bind(3, w.now());
        ins.bind(4, p.to_json().dump());
        ins.bind(5, static_cast<std::int64_t>(rows.size()));
        ins.bind(6, buyers);
        ins.exec();
        const std::int64_t snap = db.sql().getLastInsertRowid();
        auto& copy = db.stmt(
            "INSERT INTO rfm_scores(snapshot, customer_id, recency_days, frequency, monetary, r, f, m, segment, tier) "
            "SELECT ?1, customer_id, ?2 - last_day, frequency, monetary, r, f, m, segment, tier FROM rfm_current");
        copy.bind(1, snap);
        copy.bind(2, as_of_day);
        copy.exec();
        out["snapshot"] = snap;
    }
    return out;
}

}  // namespace

Json compute(Database& db, const Params& p) {
    const LocalDays days(db.timezone());
    const std::int64_t as_of_day = days.day(p.as_of);
    WriteScope w(db);
    std::unordered_map<Uuid, Acc, UuidHash> accs;
    {
        auto& st = db.stmt(
            "SELECT customer_id, kind, coalesce(status, ''), coalesce(currency, ''), amount_minor, occurred_at FROM interactions "
            "WHERE kind IN (SELECT value FROM json_each(?1)) AND occurred_at > ?2 AND occurred_at <= ?3");
        st.bind(1, kinds_json(p));
        st.bind(2, window_start(p));
        st.bind(3, p.as_of);
        while (st.executeStep()) {
            const auto c = st.getColumn(0);
            accumulate(accs[Uuid::from_blob(c.getBlob(), c.getBytes())], p, st.getColumn(1).getString(), st.getColumn(2).getString(),
                       st.getColumn(3).getString(), opt_int(st.getColumn(4)), st.getColumn(5).getInt64());
        }
        st.reset();
    }
    std::vector<Row> rows;
    {
        auto& st = db.stmt("SELECT id FROM customers ORDER BY id");
        while (st.executeStep()) {
            const Uuid id = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
            const auto it = accs.find(id);
            rows.push_back(make_row(id, it == accs.end() ? nullptr : &it->second, p, days));
        }
        st.reset();
    }
    rescore(rows, p, as_of_day);
    db.sql().exec("DELETE FROM rfm_current");
    auto& ins = db.stmt(kUpsert);
    for (const auto& r : rows) {
        bind_row(ins, r, p);
        ins.exec();
        ins.reset();
    }
    Json out = finish(w, p, rows, as_of_day, "full", rows.size(), rows.size());
    w.commit();
    return out;
}

Json refresh(Database& db, const Params& p) {
    const LocalDays days(db.timezone());
    const std::int64_t as_of_day = days.day(p.as_of);
    WriteScope w(db);
    const auto key = state_text(db, "key");
    const auto prev_as_of = state_int(db, "as_of");
    const auto seq = state_int(db, "seq");
    if (!key || *key != p.aggregate_key() || !prev_as_of || *prev_as_of > p.as_of || !seq) {
        w.commit();
        return compute(db, p);
    }
    {
        auto& st = db.stmt("SELECT 1 FROM sync_tombstones WHERE seq > ? AND tbl IN (1, 3) LIMIT 1");
        st.bind(1, *seq);
        const bool deleted = st.executeStep();
        st.reset();
        if (deleted) {
            w.commit();
            return compute(db, p);
        }
    }
    std::unordered_set<Uuid, UuidHash> affected;
    {
        // A record with any field written after the watermark has its newest
        // seq (the row's sync_seq) after it too.
        auto& st = db.stmt("SELECT id FROM customers WHERE sync_seq > ?1 "
                           "UNION ALL SELECT customer_id FROM interactions WHERE sync_seq > ?1");
        st.bind(1, *seq);
        while (st.executeStep()) {
            const auto c = st.getColumn(0);
            if (!c.isNull()) affected.insert(Uuid::from_blob(c.getBlob(), c.getBytes()));
        }
        st.reset();
    }
    {
        // Purchases that entered the window (after the previous as-of) or left
        // it: two range scans of the (kind, occurred_at) index. One statement
        // with an OR of the two ranges makes SQLite scan the whole table twice
        // (its OR optimisation does not carry the kind IN (subquery) term).
        Params prev = p;
        prev.as_of = *prev_as_of;
        auto& st = db.stmt(
            "SELECT customer_id FROM interactions WHERE kind IN (SELECT value FROM json_each(?1)) AND occurred_at > ?2 AND occurred_at <= ?3");
        for (const auto& [from, to] : {std::pair{*prev_as_of, p.as_of}, std::pair{window_start(prev), window_start(p)}}) {
            if (from >= to) continue;
            st.bind(1, kinds_json(p));
            st.bind(2, from);
            st.bind(3, to);
            while (st.executeStep()) affected.insert(Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes()));
            st.reset();
        }
    }
    // The stored rows, in id order (the table's key): aggregates to rescore
    // from, and the stored scores to compare with.
    std::vector<Row> rows;
    {
        // The C API directly: this loop reads every customer, and SQLiteCpp's
        // Column objects cost a shared_ptr copy each.
        sqlite3_stmt* raw = nullptr;
        const char* sql = "SELECT customer_id, frequency, monetary, first_day, last_day, r, f, m, segment, tier FROM rfm_current ORDER BY customer_id";
        if (const int rc = sqlite3_prepare_v2(db.sql().getHandle(), sql, -1, &raw, nullptr); rc != SQLITE_OK)
            throw SQLite::Exception(db.sql().getHandle(), rc);
        const std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owner(raw, sqlite3_finalize);
        sqlite3_stmt* q = raw;
        const auto text = [q](int i) {
            const unsigned char* t = sqlite3_column_text(q, i);
            return t ? reinterpret_cast<const char*>(t) : "";
        };
        const auto day = [q](int i) -> std::optional<std::int64_t> {
            if (sqlite3_column_type(q, i) == SQLITE_NULL) return std::nullopt;
            return sqlite3_column_int64(q, i);
        };
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            Row r;
            if (sqlite3_column_bytes(q, 0) != static_cast<int>(Uuid::size())) throw Error(CRM_ECORRUPT, "rfm_current: a customer id is not 16 bytes");
            r.id = Uuid::from_blob(sqlite3_column_blob(q, 0), Uuid::size());
            r.frequency = sqlite3_column_int64(q, 1);
            r.monetary = sqlite3_column_int64(q, 2);
            r.first_day = day(3);
            r.last_day = day(4);
            r.old_r = static_cast<std::uint8_t>(sqlite3_column_int(q, 5));
            r.old_f = static_cast<std::uint8_t>(sqlite3_column_int(q, 6));
            r.old_m = static_cast<std::uint8_t>(sqlite3_column_int(q, 7));
            const char* tier = text(9);
            r.old_tier = std::strcmp(tier, "core") == 0 ? Tier::core : std::strcmp(tier, "potential") == 0 ? Tier::potential : Tier::base;
            // Rewrite a row whose stored segment or tier is not what the current
            // segment map and tier names give for its stored scores.
            const char* segment = text(8);
            r.dirty = std::strcmp(tier, tier_name(r.old_tier)) != 0 ||
                      (r.old_r ? r.old_r > 5 || r.old_f < 1 || r.old_f > 5 || r.old_m < 1 || r.old_m > 5 ||
                                     p.segments.of(r.old_r, r.old_f, r.old_m) != segment
                               : std::strcmp(segment, kNoPurchases) != 0);
            rows.push_back(r);
        }
        if (rc != SQLITE_DONE) throw SQLite::Exception(db.sql().getHandle(), rc);
    }
    const std::size_t stored = rows.size();
    const auto by_id = [](const Row& a, const Row& b) { return a.id < b.id; };
    for (const auto& id : affected) {
        auto& exists = db.stmt("SELECT 1 FROM customers WHERE id = ?");
        exists.bind(1, id.data(), Uuid::size());
        const bool present = exists.executeStep();
        exists.reset();
        if (!present) continue;
        const Acc a = aggregate_one(db, p, id);
        Row fresh = make_row(id, &a, p, days);
        Row key;
        key.id = id;
        const auto it = std::lower_bound(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(stored), key, by_id);
        if (it != rows.begin() + static_cast<std::ptrdiff_t>(stored) && it->id == id) {
            it->frequency = fresh.frequency, it->monetary = fresh.monetary;
            it->first_day = fresh.first_day, it->last_day = fresh.last_day;
            it->dirty = true;  // aggregates may differ: always written
        } else {
            rows.push_back(fresh);  // new: always written (dirty)
        }
    }
    if (rows.size() > stored) {  // new customers: merge them into id order
        std::sort(rows.begin() + static_cast<std::ptrdiff_t>(stored), rows.end(), by_id);
        std::inplace_merge(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(stored), rows.end(), by_id);
    }
    rescore(rows, p, as_of_day);
    auto& ins = db.stmt(kUpsert);
    std::size_t written = 0;
    for (const Row& r : rows) {
        if (!r.dirty && r.old_r == r.r && r.old_f == r.f && r.old_m == r.m && r.old_tier == r.tier) continue;
        bind_row(ins, r, p);
        ins.exec();
        ins.reset();
        ++written;
    }
    Json out = finish(w, p, rows, as_of_day, "incremental", affected.size(), written);
    w.commit();
    return out;
}

Json customer(Database& db, const Uuid& id) {
    const auto as_of = state_int(db, "as_of");
    const auto as_of_day = state_int(db, "as_of_day");
    if (!as_of || !as_of_day) throw Error(CRM_ENOTFOUND, "rfm: no RFM run yet (call crm_rfm_compute first)");
    auto& st = db.stmt("SELECT frequency, monetary, last_day, r, f, m, segment, tier FROM rfm_current WHERE customer_id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) throw Error(CRM_ENOTFOUND, "customer_id: no RFM scores for customer " + id.str() + " (refresh first)");
    Json out = {{"customer_id", id.str()}, {"as_of", format_instant(*as_of)}, {"frequency", st.getColumn(0).getInt64()},
                {"monetary", st.getColumn(1).getInt64()}, {"segment", st.getColumn(6).getString()},
                {"tier", st.getColumn(7).getString()}, {"recency_days", nullptr}, {"r", nullptr}, {"f", nullptr}, {"m", nullptr}};
    if (!st.getColumn(2).isNull()) out["recency_days"] = *as_of_day - st.getColumn(2).getInt64();
    if (!st.getColumn(3).isNull()) out["r"] = st.getColumn(3).getInt(), out["f"] = st.getColumn(4).getInt(), out["m"] = st.getColumn(5).getInt();
    st.reset();
    if (const auto params = state_text(db, "params")) out["currency"] = Json::parse(*params).value("base_currency", "");
    return out;
}

Json snapshots(Database& db) {
    Json out = Json::array();
    auto& st = db.stmt("SELECT id, as_of, created_at, customers, buyers, params FROM rfm_snapshots ORDER BY id DESC");
    while (st.executeStep())
        out.push_back({{"id", st.getColumn(0).getInt64()}, {"as_of", format_instant(st.getColumn(1).getInt64())},
                       {"created_at", format_instant(st.getColumn(2).getInt64())}, {"customers", st.getColumn(3).getInt64()},
                       {"buyers", st.getColumn(4).getInt64()}, {"params", Json::parse(st.getColumn(5).getString())}});
    st.reset();
    return out;
}

Json movement(Database& db, std::int64_t from, std::int64_t to) {
    if (from < 0 || to < 0) invalid(from < 0 ? "from" : "to", "expected a snapshot id (or 0 for the two latest)");
    if (from == 0 || to == 0) {
        std::vector<std::int64_t> ids;
        auto& st = db.stmt("SELECT id FROM rfm_snapshots ORDER BY id DESC LIMIT 2");
        while (st.executeStep()) ids.push_back(st.getColumn(0).getInt64());
        st.reset();
        if (ids.size() < 2) throw Error(CRM_ENOTFOUND, "rfm: a movement report needs two snapshots");
        if (to == 0) to = ids[0];
        if (from == 0) from = ids[1];
    }
    for (const auto& [name, id] : {std::pair{"from", from}, std::pair{"to", to}}) {
        auto& st = db.stmt("SELECT 1 FROM rfm_snapshots WHERE id = ?");
        st.bind(1, id);
        const bool found = st.executeStep();
        st.reset();
        if (!found) throw Error(CRM_ENOTFOUND, std::string(name) + ": no snapshot " + std::to_string(id));
    }
    Json matrix = Json::array();
    std::int64_t moved = 0, stayed = 0;
    auto& st = db.stmt(
        "SELECT a.segment, b.segment, count(*) FROM rfm_scores a JOIN rfm_scores b ON b.snapshot = ?2 AND b.customer_id = a.customer_id "
        "WHERE a.snapshot = ?1 GROUP BY 1, 2 ORDER BY 1, 2");
    st.bind(1, from);
    st.bind(2, to);
    while (st.executeStep()) {
        const auto n = st.getColumn(2).getInt64();
        const std::string a = st.getColumn(0).getString(), b = st.getColumn(1).getString();
        (a == b ? stayed : moved) += n;
        matrix.push_back({{"from", a}, {"to", b}, {"count", n}});
    }
    st.reset();
    const auto only = [&](std::int64_t x, std::int64_t y) {
        auto& q = db.stmt("SELECT count(*) FROM rfm_scores a WHERE a.snapshot = ?1 AND NOT EXISTS "
                          "(SELECT 1 FROM rfm_scores b WHERE b.snapshot = ?2 AND b.customer_id = a.customer_id)");
        q.bind(1, x);
        q.bind(2, y);
        q.executeStep();
        const auto n = q.getColumn(0).getInt64();
        q.reset();
        return n;
    };
    return {{"from", from}, {"to", to}, {"moved", moved}, {"stayed", stayed}, {"entered", only(to, from)},
            {"left", only(from, to)}, {"matrix", matrix}};
}

Json default_table() { return SegmentMap().to_json(); }

}  // namespace crmlite::rfm
