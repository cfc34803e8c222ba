#include "audit/audit.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>

#include "common/error.hpp"
#include "common/time.hpp"

namespace crmlite::audit {

namespace {

using Hash = std::array<unsigned char, crypto_hash_sha256_BYTES>;

void put_u64(crypto_hash_sha256_state& st, std::uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    crypto_hash_sha256_update(&st, b, 8);
}

// Length-prefixed, so no two different entries hash the same bytes.
void put_bytes(crypto_hash_sha256_state& st, const void* p, std::size_t n) {
    put_u64(st, n);
    if (n) crypto_hash_sha256_update(&st, static_cast<const unsigned char*>(p), n);
}

struct Stored {
    Uuid id;
    std::string site;  // 16 bytes
    std::int64_t n = 0, at = 0;
    std::string principal, action, outcome, record_type, record_id, detail;
};

Hash chain_hash(const Hash& prev, const Stored& e) {
    if (sodium_init() < 0) throw Error(CRM_ERROR, "libsodium failed to initialise");
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>("crmlite.audit.v1"), 16);
    crypto_hash_sha256_update(&st, prev.data(), prev.size());
    put_bytes(st, e.id.data(), 16);
    put_bytes(st, e.site.data(), e.site.size());
    put_u64(st, static_cast<std::uint64_t>(e.n));
    put_u64(st, static_cast<std::uint64_t>(e.at));
    for (const std::string* s : {&e.principal, &e.action, &e.outcome, &e.record_type, &e.record_id, &e.detail})
        put_bytes(st, s->data(), s->size());
    Hash h;
    crypto_hash_sha256_final(&st, h.data());
    return h;
}

std::string blob_of(const SQLite::Column& c) {
    if (c.isNull()) return {};
    return std::string(static_cast<const char*>(c.getBlob()), static_cast<std::size_t>(c.getBytes()));
}

std::string hex(const std::string& b) {
    static const char* d = "0123456789abcdef";
    std::string out;
    for (unsigned char c : b) {
        out.push_back(d[c >> 4]);
        out.push_back(d[c & 15]);
    }
    return out;
}

Json row_json(const Stored& e) {
    Json r = {{"id", e.id.str()},
              {"site", Uuid::from_blob(e.site.data(), static_cast<int>(e.site.size())).str()},
              {"n", e.n},
              {"at", format_instant(e.at)},
              {"principal", e.principal},
              {"action", e.action},
              {"outcome", e.outcome}};
    if (!e.record_type.empty()) r["record_type"] = e.record_type;
    if (e.record_id.size() == 16) r["record_id"] = Uuid::from_blob(e.record_id.data(), 16).str();
    r["detail"] = e.detail.empty() ? Json::object() : Json::parse(e.detail, nullptr, false);
    return r;
}

constexpr const char* kColumns =
    "id, site, n, at, principal, action, outcome, coalesce(record_type, ''), record_id, coalesce(detail, ''), prev, hash";

Stored read_stored(SQLite::Statement& st) {
    Stored e;
    const auto idc = st.getColumn(0);
    e.id = Uuid::from_blob(idc.getBlob(), idc.getBytes());
    e.site = blob_of(st.getColumn(1));
    e.n = st.getColumn(2).getInt64();
    e.at = st.getColumn(3).getInt64();
    e.principal = st.getColumn(4).getString();
    e.action = st.getColumn(5).getString();
    e.outcome = st.getColumn(6).getString();
    e.record_type = st.getColumn(7).getString();
    e.record_id = blob_of(st.getColumn(8));
    e.detail = st.getColumn(9).getString();
    return e;
}

class AuditCursor : public Cursor {
public:
    AuditCursor(Database& db, const Json& q) {
        Input in(q, "audit");
        in.allow_only({"principal", "action", "outcome", "record_id", "since", "until", "limit", "after"});
        std::string sql = std::string("SELECT ") + kColumns + " FROM audit_log WHERE 1";
        std::vector<std::function<void(SQLite::Statement&, int)>> binds;
        if (auto p = in.text("principal", 100)) {
            sql += " AND principal = ?";
            binds.push_back([v = *p](SQLite::Statement& s, int i) { s.bind(i, v); });
        }
        if (auto a = in.text("action", 100)) {
            sql += " AND action = ?";
            binds.push_back([v = *a](SQLite::Statement& s, int i) { s.bind(i, v); });
        }
        if (auto o = in.choice("outcome", {"ok", "denied"})) {
            sql += " AND outcome = ?";
            binds.push_back([v = *o](SQLite::Statement& s, int i) { s.bind(i, v); });
        }
        if (auto r = in.text("record_id", 64)) {
            const Uuid id = Uuid::parse(*r, "audit.record_id");
            sql += " AND record_id = ?";
            binds.push_back([id](SQLite::Statement& s, int i) { s.bind(i, id.data(), Uuid::size()); });
        }
        if (auto t = in.instant("since")) {
            sql += " AND at >= ?";
            binds.push_back([v = *t](SQLite::Statement& s, int i) { s.bind(i, v); });
        }
        if (auto t = in.instant("until")) {
            sql += " AND at < ?";
            binds.push_back([v = *t](SQLite::Statement& s, int i) { s.bind(i, v); });
        }
        if (auto after = in.text("after", 2000)) {
            const auto parts = parse_token(*after, 2, "audit.after");
            if (parts[1].size() != 16) invalid("audit.after", "not a token returned by this query");
            const std::int64_t at = token_int(parts[0], "audit.after");
            const Uuid id = Uuid::from_blob(parts[1].data(), 16);
            sql += " AND (at, id) < (?, ?)";
            binds.push_back([at](SQLite::Statement& s, int i) { s.bind(i, at); });
            binds.push_back([id](SQLite::Statement& s, int i) { s.bind(i, id.data(), Uuid::size()); });
        }
        const std::int64_t limit = in.integer("limit", 1, 10000).value_or(100);
        sql += " ORDER BY at DESC, id DESC LIMIT ?";
        binds.push_back([limit](SQLite::Statement& s, int i) { s.bind(i, limit); });
        st_ = std::make_unique<SQLite::Statement>(db.sql(), sql);
        for (std::size_t i = 0; i < binds.size(); ++i) binds[i](*st_, static_cast<int>(i) + 1);
    }
    bool next(std::string& row) override {
        if (!st_->executeStep()) return false;
        const Stored e = read_stored(*st_);
        last_at_ = e.at;
        last_id_.assign(reinterpret_cast<const char*>(e.id.data()), 16);
        row = dump(row_json(e));
        return true;
    }
    std::optional<std::string> token() const override {
        if (last_id_.empty()) return std::nullopt;
        return make_token({std::to_string(last_at_), last_id_});
    }

private:
    std::unique_ptr<SQLite::Statement> st_;
    std::int64_t last_at_ = 0;
    std::string last_id_;
};

}  // namespace

void append(Database& db, const std::vector<Entry>& entries) {
    if (entries.empty()) return;
    // The entries travel to the hub: they carry the change sequence number of
    // this write, so changes_since pages them like any other change.
    WriteScope w(db);
    const std::int64_t seq = w.seq();
    const Uuid& site = db.site_id();
    Hash prev{};
    std::int64_t n = 0;
    {
        auto& head = db.stmt("SELECT n, hash FROM audit_heads WHERE site = ?");
        head.bind(1, site.data(), Uuid::size());
        if (head.executeStep()) {
            n = head.getColumn(0).getInt64();
            const std::string h = blob_of(head.getColumn(1));
            if (h.size() == prev.size()) std::memcpy(prev.data(), h.data(), prev.size());
        }
        head.reset();
    }
    auto& ins = db.stmt(
        "INSERT INTO audit_log(id, site, n, at, principal, action, outcome, record_type, record_id, detail, prev, hash, seq) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, nullif(?, ''), ?, ?, ?)");
    for (const auto& in : entries) {
        Stored e;
        e.id = Uuid::v7();
        e.site.assign(static_cast<const char*>(site.data()), 16);
        e.n = ++n;
        e.at = in.at;
        e.principal = in.principal;
        e.action = in.action;
        e.outcome = in.outcome;
        e.record_type = in.record_type;
        if (in.record_id) e.record_id.assign(static_cast<const char*>(in.record_id->data()), 16);
        e.detail = in.detail == "{}" ? std::string() : in.detail;
        const Hash h = chain_hash(prev, e);
        ins.bind(1, e.id.data(), Uuid::size());
        ins.bind(2, site.data(), Uuid::size());
        ins.bind(3, e.n);
        ins.bind(4, e.at);
        ins.bind(5, e.principal);
        ins.bind(6, e.action);
        ins.bind(7, e.outcome);
        ins.bind(8, e.record_type);
        if (in.record_id) ins.bind(9, in.record_id->data(), Uuid::size());
        else ins.bind(9);
        ins.bind(10, e.detail);
        ins.bind(11, prev.data(), static_cast<int>(prev.size()));
        ins.bind(12, h.data(), static_cast<int>(h.size()));
        ins.bind(13, seq);
        ins.exec();
        ins.reset();
        ins.clearBindings();
        prev = h;
    }
    auto& put = db.stmt("INSERT OR REPLACE INTO audit_heads(site, n, hash) VALUES (?, ?, ?)");
    put.bind(1, site.data(), Uuid::size());
    put.bind(2, n);
    put.bind(3, prev.data(), static_cast<int>(prev.size()));
    put.exec();
    w.commit();
}

Json verify(Database& db) {
    Json problems = Json::array();
    std::int64_t entries = 0, sites = 0;
    std::vector<std::string> site_list;
    {
        SQLite::Statement st(db.sql(), "SELECT site FROM audit_log UNION SELECT site FROM audit_heads ORDER BY 1");
        while (st.executeStep()) site_list.push_back(blob_of(st.getColumn(0)));
    }
    for (const auto& site : site_list) {
        ++sites;
        const std::string site_str = site.size() == 16 ? Uuid::from_blob(site.data(), 16).str() : hex(site);
        const auto problem = [&](std::int64_t n, const std::string& reason) {
            if (problems.size() < 1000) problems.push_back({{"site", site_str}, {"n", n}, {"reason", reason}});
        };
        Hash prev{};
        std::int64_t expected = 1;
        SQLite::Statement st(db.sql(), std::string("SELECT ") + kColumns + " FROM audit_log WHERE site = ? ORDER BY n");
        st.bind(1, site.data(), static_cast<int>(site.size()));
        while (st.executeStep()) {
            ++entries;
            const Stored e = read_stored(st);
            const std::string stored_prev = blob_of(st.getColumn(10)), stored_hash = blob_of(st.getColumn(11));
            if (e.n != expected) problem(expected, "entries " + std::to_string(expected) + " to " + std::to_string(e.n - 1) + " are missing");
            if (stored_prev.size() != prev.size() || std::memcmp(stored_prev.data(), prev.data(), prev.size()) != 0)
                problem(e.n, "does not follow the previous entry (chain broken)");
            const Hash h = chain_hash(prev, e);
            if (stored_hash.size() != h.size() || std::memcmp(stored_hash.data(), h.data(), h.size()) != 0)
                problem(e.n, "content does not match its hash (edited)");
            prev = h;
            expected = e.n + 1;
        }
        SQLite::Statement head(db.sql(), "SELECT n, hash FROM audit_heads WHERE site = ?");
        head.bind(1, site.data(), static_cast<int>(site.size()));
        if (!head.executeStep()) {
            problem(expected - 1, "the chain has no head record");
        } else {
            const std::int64_t hn = head.getColumn(0).getInt64();
            const std::string hh = blob_of(head.getColumn(1));
            if (hn != expected - 1) problem(hn, "the head says " + std::to_string(hn) + " entries, the chain holds " + std::to_string(expected - 1) + " (entries deleted or added)");
            else if (hh.size() != prev.size() || std::memcmp(hh.data(), prev.data(), prev.size()) != 0)
                problem(hn, "the newest entry does not match the head");
        }
    }
    // A site whose log was rewritten after it synced sent a different entry n
    // than the one received before: the hub recorded it in its own chain.
    {
        SQLite::Statement st(db.sql(), "SELECT detail FROM audit_log WHERE action = 'audit.mismatch' ORDER BY at, id");
        while (st.executeStep()) {
            const Json d = Json::parse(st.getColumn(0).getString(), nullptr, false);
            if (!d.is_object() || problems.size() >= 1000) continue;
            problems.push_back({{"site", d.value("site", "")},
                                {"n", d.value("n", std::int64_t{0})},
                                {"reason", "the site sent another entry with this number than the one received before "
                                           "(its log was rewritten after it synced)"}});
        }
    }
    return {{"ok", problems.empty()}, {"sites", sites}, {"entries", entries}, {"problems", problems}};
}

std::unique_ptr<Cursor> query(Database& db, const Json& q) { return std::make_unique<AuditCursor>(db, q); }

Json about(Database& db, const Uuid& record) {
    Json out = Json::array();
    SQLite::Statement st(db.sql(), std::string("SELECT ") + kColumns + " FROM audit_log WHERE record_id = ? ORDER BY at, id");
    st.bind(1, record.data(), Uuid::size());
    while (st.executeStep()) out.push_back(row_json(read_stored(st)));
    return out;
}

std::optional<ChainEntry> load(Database& db, const Uuid& id) {
    auto& st = db.stmt(std::string("SELECT ") + kColumns + " FROM audit_log WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    const Stored e = read_stored(st);
    ChainEntry out;
    out.id = e.id;
    if (e.site.size() == 16) out.site = Uuid::from_blob(e.site.data(), 16);
    out.n = e.n;
    out.at = e.at;
    out.principal = e.principal;
    out.action = e.action;
    out.outcome = e.outcome;
    out.record_type = e.record_type;
    if (e.record_id.size() == 16) out.record_id = Uuid::from_blob(e.record_id.data(), 16);
    out.detail = e.detail;
    out.hash = blob_of(st.getColumn(11));
    st.reset();
    return out;
}

void receive(Database& db, std::vector<ChainEntry> entries, Receipt& receipt) {
    std::sort(entries.begin(), entries.end(), [](const ChainEntry& a, const ChainEntry& b) {
        return a.site != b.site ? a.site < b.site : a.n < b.n;
    });
    std::optional<Uuid> site;
    std::int64_t head_n = 0;
    Hash head{};
    bool head_changed = false;
    const auto save_head = [&] {
        if (!site || !head_changed) return;
        auto& put = db.stmt("INSERT OR REPLACE INTO audit_heads(site, n, hash) VALUES (?, ?, ?)");
        put.bind(1, site->data(), Uuid::size());
        put.bind(2, head_n);
        put.bind(3, head.data(), static_cast<int>(head.size()));
        put.exec();
    };
    for (const auto& in : entries) {
        if (in.site == db.site_id() || in.hash.size() != head.size()) {
            ++receipt.refused;  // this file's own chain is written here only
            continue;
        }
        if (!site || *site != in.site) {
            save_head();
            site = in.site;
            head_n = 0;
            head = Hash{};
            head_changed = false;
            auto& h = db.stmt("SELECT n, hash FROM audit_heads WHERE site = ?");
            h.bind(1, in.site.data(), Uuid::size());
            if (h.executeStep()) {
                head_n = h.getColumn(0).getInt64();
                const std::string b = blob_of(h.getColumn(1));
                if (b.size() == head.size()) std::memcpy(head.data(), b.data(), head.size());
            }
            h.reset();
        }
        if (in.n <= head_n) {
            auto& held = db.stmt("SELECT id, hash FROM audit_log WHERE site = ? AND n = ?");
            held.bind(1, in.site.data(), Uuid::size());
            held.bind(2, in.n);
            bool same = false;
            if (held.executeStep()) {
                const std::string id = blob_of(held.getColumn(0)), hash = blob_of(held.getColumn(1));
                same = id.size() == 16 && std::memcmp(id.data(), in.id.data(), 16) == 0 && hash == in.hash;
            }
            held.reset();
            if (same) {
                ++receipt.known;
            } else {
                ++receipt.mismatched;
                receipt.mismatches.emplace_back(in.site, in.n);
            }
            continue;
        }
        if (in.n != head_n + 1) {
            ++receipt.deferred;
            continue;
        }
        Stored e;
        e.id = in.id;
        e.site.assign(static_cast<const char*>(in.site.data()), 16);
        e.n = in.n;
        e.at = in.at;
        e.principal = in.principal;
        e.action = in.action;
        e.outcome = in.outcome;
        e.record_type = in.record_type;
        if (in.record_id) e.record_id.assign(static_cast<const char*>(in.record_id->data()), 16);
        e.detail = in.detail;
        Hash sent;
        std::memcpy(sent.data(), in.hash.data(), sent.size());
        auto& ins = db.stmt(
            "INSERT OR IGNORE INTO audit_log(id, site, n, at, principal, action, outcome, record_type, record_id, detail, prev, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, nullif(?, ''), ?, nullif(?, ''), ?, ?)");
        ins.bind(1, in.id.data(), Uuid::size());
        ins.bind(2, in.site.data(), Uuid::size());
        ins.bind(3, e.n);
        ins.bind(4, e.at);
        ins.bind(5, e.principal);
        ins.bind(6, e.action);
        ins.bind(7, e.outcome);
        ins.bind(8, e.record_type);
        if (in.record_id) ins.bind(9, in.record_id->data(), Uuid::size());
        else ins.bind(9);
        ins.bind(10, e.detail);
        ins.bind(11, head.data(), static_cast<int>(head.size()));
        ins.bind(12, sent.data(), static_cast<int>(sent.size()));
        ins.exec();
        if (db.sql().getChanges() == 0) {
            ++receipt.refused;  // the id of an entry of another chain
            continue;
        }
        // Kept as it came even when it does not match: verify() reports it.
        if (chain_hash(head, e) != sent) ++receipt.broken;
        head = sent;
        head_n = e.n;
        head_changed = true;
        ++receipt.appended;
    }
    save_head();
}

}  // namespace crmlite::audit
