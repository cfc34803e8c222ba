#include "sync/changeset.hpp"

#include <algorithm>
#include <array>
#include <set>
#include <utility>

#include "common/error.hpp"
#include "store/versions.hpp"

namespace crmlite::sync {

namespace {

constexpr std::string_view kMagic = "CRMS";
enum : unsigned char { kNull = 0, kInt = 1, kText = 2, kId = 3 };
constexpr unsigned char kTombstoneFlag = 1, kEvictFlag = 2;
// Format 3: every field of the record has the same site and clock (a create, most
// edits); they are written once after the field count instead of per field.
constexpr unsigned char kSharedStampFlag = 4;
constexpr unsigned char kHasBase = 0x80;  // in a value tag: varint(clock - base) follows the value

std::uint64_t zigzag(std::int64_t v) { return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63); }
std::int64_t unzigzag(std::uint64_t v) { return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1); }

void put_u64le(std::string& out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_u32le(std::string& out, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}
void put_bytes(std::string& out, std::string_view s) {
    put_varint(out, s.size());
    out.append(s);
}

// Clocks are written as zigzag deltas from the previous clock in the blob.
class ClockWriter {
public:
    explicit ClockWriter(std::int64_t start) : prev_(start) {}
    void put(std::string& out, std::int64_t hlc) {
        put_varint(out, zigzag(hlc - prev_));
        prev_ = hlc;
    }

private:
    std::int64_t prev_;
};

[[noreturn]] void corrupt(const std::string& what) { throw Error(CRM_ECORRUPT, "changeset: " + what); }

// A bounds-checked reader: every read either succeeds or throws CRM_ECORRUPT.
class Reader {
public:
    explicit Reader(std::string_view in) : in_(in) {}
    std::size_t remaining() const { return in_.size() - pos_; }
    std::uint64_t varint(const char* what) {
        std::uint64_t v = 0;
        if (!get_varint(in_, pos_, v)) corrupt(std::string("truncated or malformed ") + what);
        return v;
    }
    std::uint64_t bounded(const char* what, std::uint64_t max) {
        const auto v = varint(what);
        if (v > max) corrupt(std::string(what) + " out of range (" + std::to_string(v) + ")");
        return v;
    }
    std::string_view bytes(std::size_t n, const char* what) {
        if (n > remaining()) corrupt(std::string("truncated ") + what);
        const auto s = in_.substr(pos_, n);
        pos_ += n;
        return s;
    }
    unsigned char byte(const char* what) { return static_cast<unsigned char>(bytes(1, what)[0]); }
    std::uint64_t u64le(const char* what) {
        const auto b = bytes(8, what);
        std::uint64_t v = 0;
        for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(i)]);
        return v;
    }
    Uuid id(const char* what) {
        const auto b = bytes(16, what);
        return Uuid::from_blob(b.data(), 16);
    }
    std::int64_t clock(std::int64_t& prev, std::int64_t lo, std::int64_t hi) {
        const std::int64_t delta = unzigzag(varint("clock"));
        // Overflow-safe: prev stays within [lo, hi] (lo >= 0), so neither
        // difference can overflow, whatever the delta (INT64_MIN included).
        if (delta > hi - prev || delta < lo - prev) corrupt("clock outside the declared range");
        prev += delta;
        return prev;
    }

private:
    std::string_view in_;
    std::size_t pos_ = 0;
};

bool valid_name(std::string_view n) {
    if (n.empty() || n.size() > kMaxNameBytes) return false;
    for (const char c : n)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

std::array<std::uint32_t, 256> crc_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;  // Castagnoli, reflected
        t[i] = c;
    }
    return t;
}

}  // namespace

std::uint32_t crc32c(std::string_view data) {
    static const auto table = crc_table();
    std::uint32_t c = 0xFFFFFFFFu;
    for (const char ch : data) c = table[(c ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

std::uint32_t Changeset::site_index(const Uuid& site) {
    for (std::size_t i = 0; i < sites.size(); ++i)
        if (sites[i] == site) return static_cast<std::uint32_t>(i);
    sites.push_back(site);
    return static_cast<std::uint32_t>(sites.size() - 1);
}

std::uint32_t Changeset::name_index(std::string_view name) {
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<std::uint32_t>(i);
    names.emplace_back(name);
    return static_cast<std::uint32_t>(names.size() - 1);
}

std::string encode(const Changeset& cs) {
    if (cs.sites.empty()) throw Error(CRM_ERROR, "changeset: no sender site");
    if (cs.from_seq < 0 || cs.through_seq < cs.from_seq) throw Error(CRM_ERROR, "changeset: bad seq range");
    std::int64_t lo = INT64_MAX, hi = 0;
    for (const auto& r : cs.records) {
        if (r.tombstone) {
            lo = std::min(lo, r.hlc);
            hi = std::max(hi, r.hlc);
        }
        for (const auto& f : r.fields) {
            lo = std::min(lo, f.hlc);
            hi = std::max(hi, f.hlc);
        }
    }
    if (lo == INT64_MAX) lo = hi = 0;
    std::string out(kMagic);
    put_varint(out, kFormatVersion);
    put_u64le(out, cs.fingerprint);
    put_varint(out, static_cast<std::uint64_t>(cs.from_seq));
    put_varint(out, static_cast<std::uint64_t>(cs.through_seq - cs.from_seq));
    if (cs.knows_through < -1) throw Error(CRM_ERROR, "changeset: bad knows_through");
    put_varint(out, static_cast<std::uint64_t>(cs.knows_through + 1));  // 0: not said
    put_varint(out, cs.sites.size());
    for (const auto& s : cs.sites) out.append(static_cast<const char*>(s.data()), 16);
    put_varint(out, cs.names.size());
    for (const auto& n : cs.names) put_bytes(out, n);
    put_varint(out, static_cast<std::uint64_t>(lo));
    put_varint(out, static_cast<std::uint64_t>(hi - lo));
    put_varint(out, cs.records.size());
    ClockWriter clock(lo);
    for (const auto& r : cs.records) {
        put_varint(out, static_cast<std::uint64_t>(r.table));
        out.append(static_cast<const char*>(r.id.data()), 16);
        const bool shared = r.fields.size() >= 2 && std::all_of(r.fields.begin(), r.fields.end(), [&](const FieldChange& f) {
                                return f.site == r.fields.front().site && f.hlc == r.fields.front().hlc;
                            });
        out.push_back(static_cast<char>((r.tombstone ? kTombstoneFlag : 0) | (r.evict ? kEvictFlag : 0) |
                                        (shared ? kSharedStampFlag : 0)));
        if (r.tombstone) {
            clock.put(out, r.hlc);
            put_varint(out, r.site);
        }
        put_varint(out, r.fields.size());
        if (shared) {
            put_varint(out, r.fields.front().site);
            clock.put(out, r.fields.front().hlc);
        }
        for (const auto& f : r.fields) {
            put_varint(out, f.name);
            if (!shared) {
                put_varint(out, f.site);
                clock.put(out, f.hlc);
            }
            const bool has_base = f.base > 0 && f.base < f.hlc;
            const auto tag = [&](unsigned char t) { out.push_back(static_cast<char>(t | (has_base ? kHasBase : 0))); };
            if (std::holds_alternative<std::monostate>(f.value)) {
                tag(kNull);
            } else if (const auto* i = std::get_if<std::int64_t>(&f.value)) {
                tag(kInt);
                put_varint(out, zigzag(*i));
            } else if (const auto* s = std::get_if<std::string>(&f.value)) {
                tag(kText);
                put_bytes(out, *s);
            } else {
                tag(kId);
                out.append(static_cast<const char*>(std::get<Uuid>(f.value).data()), 16);
            }
            if (has_base) put_varint(out, static_cast<std::uint64_t>(f.hlc - f.base));
        }
    }
    put_u32le(out, crc32c(out));
    return out;
}

Changeset decode(std::string_view blob) {
    if (blob.size() > kMaxBlobBytes) corrupt("larger than 1 GiB");
    if (blob.size() < kMagic.size() + 4 || blob.substr(0, kMagic.size()) != kMagic) corrupt("not a crmlite changeset");
    const std::string_view body = blob.substr(0, blob.size() - 4);
    std::uint32_t stored = 0;
    for (int i = 3; i >= 0; --i) stored = (stored << 8) | static_cast<unsigned char>(blob[body.size() + static_cast<std::size_t>(i)]);
    Reader in(body);
    in.bytes(kMagic.size(), "magic");
    const auto format = in.varint("format version");
    // The version is checked before the checksum: a newer format may checksum differently.
    if (format > kFormatVersion)
        throw Error(CRM_EFORMAT, "changeset: format " + std::to_string(format) + " is newer than this library's (" +
                                     std::to_string(kFormatVersion) + "); upgrade crmlite to apply it");
    if (format == 0) corrupt("format version 0");
    if (crc32c(body) != stored) corrupt("checksum mismatch (the blob was damaged or truncated)");

    Changeset cs;
    cs.fingerprint = in.u64le("schema fingerprint");
    cs.from_seq = static_cast<std::int64_t>(in.bounded("from_seq", INT64_MAX));
    cs.through_seq = cs.from_seq + static_cast<std::int64_t>(in.bounded("through_seq", static_cast<std::uint64_t>(INT64_MAX - cs.from_seq)));
    if (format >= 4) cs.knows_through = static_cast<std::int64_t>(in.bounded("knows_through", INT64_MAX)) - 1;
    const auto n_sites = in.bounded("site count", kMaxSites);
    if (n_sites == 0) corrupt("no sender site");
    if (n_sites * 16 > in.remaining()) corrupt("truncated site list");
    std::set<Uuid> seen_sites;
    for (std::uint64_t i = 0; i < n_sites; ++i) {
        cs.sites.push_back(in.id("site id"));
        if (!seen_sites.insert(cs.sites.back()).second) corrupt("site listed twice");
    }
    const auto n_names = in.bounded("field name count", kMaxNames);
    std::set<std::string_view> seen_names;
    for (std::uint64_t i = 0; i < n_names; ++i) {
        const auto len = in.bounded("field name length", kMaxNameBytes);
        const auto name = in.bytes(len, "field name");
        if (!valid_name(name)) corrupt("field name is not [a-z0-9_]{1,64}");
        if (!seen_names.insert(name).second) corrupt("field name listed twice");
        cs.names.emplace_back(name);
    }
    const auto lo = static_cast<std::int64_t>(in.bounded("clock", INT64_MAX));
    const auto span = in.bounded("clock span", static_cast<std::uint64_t>(INT64_MAX - lo));
    const std::int64_t hi = lo + static_cast<std::int64_t>(span);
    // Every record takes at least 19 bytes: bound the count before reserving.
    const auto n_records = in.bounded("record count", in.remaining() / 19);
    cs.records.reserve(n_records);
    std::int64_t prev = lo;
    const unsigned char known_flags = kTombstoneFlag | kEvictFlag | (format >= 3 ? kSharedStampFlag : 0);
    for (std::uint64_t r = 0; r < n_records; ++r) {
        RecordChange rc;
        rc.table = static_cast<int>(in.bounded("table", 1000));
        rc.id = in.id("record id");
        const auto flags = in.byte("record flags");
        if (flags & ~known_flags || (flags & (kTombstoneFlag | kEvictFlag)) == (kTombstoneFlag | kEvictFlag))
            corrupt("unknown record flags");
        rc.tombstone = flags & kTombstoneFlag;
        rc.evict = flags & kEvictFlag;
        const bool shared = flags & kSharedStampFlag;
        if (rc.tombstone) {
            rc.hlc = in.clock(prev, lo, hi);
            rc.site = static_cast<std::uint32_t>(in.bounded("site index", n_sites - 1));
        }
        const auto n_fields = in.bounded("field count", kMaxFieldsPerRecord);
        if (shared && n_fields < 2) corrupt("a shared field stamp on fewer than two fields");
        std::uint32_t shared_site = 0;
        std::int64_t shared_hlc = 0;
        if (shared) {
            shared_site = static_cast<std::uint32_t>(in.bounded("site index", n_sites - 1));
            shared_hlc = in.clock(prev, lo, hi);
        }
        std::set<std::uint32_t> fields_seen;
        for (std::uint64_t f = 0; f < n_fields; ++f) {
            FieldChange fc;
            if (n_names == 0) corrupt("a field without a field name list");
            fc.name = static_cast<std::uint32_t>(in.bounded("field name index", n_names - 1));
            if (!fields_seen.insert(fc.name).second) corrupt("a field twice in one record");
            if (shared) {
                fc.site = shared_site;
                fc.hlc = shared_hlc;
            } else {
                fc.site = static_cast<std::uint32_t>(in.bounded("site index", n_sites - 1));
                fc.hlc = in.clock(prev, lo, hi);
            }
            const auto value_tag = in.byte("value tag");
            switch (value_tag & ~kHasBase) {
            case kNull: break;
            case kInt: fc.value = unzigzag(in.varint("integer value")); break;
            case kText: {
                const auto len = in.bounded("text length", kMaxValueBytes);
                const auto text = in.bytes(len, "text value");
                if (!utf8_valid(text)) corrupt("text value is not valid UTF-8");
                fc.value = std::string(text);
                break;
            }
            case kId: fc.value = in.id("id value"); break;
            default: corrupt("unknown value tag");
            }
            if (value_tag & kHasBase) {
                const auto back = in.varint("base clock");
                if (back == 0 || back >= static_cast<std::uint64_t>(fc.hlc)) corrupt("base clock out of range");
                fc.base = fc.hlc - static_cast<std::int64_t>(back);
            }
            rc.fields.push_back(std::move(fc));
        }
        // A tombstone may carry its record's last state (a ghost, format 2 on); an eviction never carries fields.
        if (format < 2 && rc.tombstone && !rc.fields.empty()) corrupt("a tombstone with fields in a format-1 blob");
        if (rc.evict && !rc.fields.empty()) corrupt("an evicted record with fields");
        if (!rc.tombstone && !rc.evict && rc.fields.empty()) corrupt("a record with neither fields nor a tombstone");
        cs.records.push_back(std::move(rc));
    }
    if (in.remaining() != 0) corrupt("trailing bytes after the last record");
    return cs;
}

Json to_json(const Changeset& cs, const std::vector<std::string>& table_names) {
    const auto table_name = [&](int t) {
        return t >= 0 && static_cast<std::size_t>(t) < table_names.size() && !table_names[static_cast<std::size_t>(t)].empty()
                   ? table_names[static_cast<std::size_t>(t)]
                   : "table_" + std::to_string(t);
    };
    const auto value = [](const Value& v) -> Json {
        if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
        if (const auto* s = std::get_if<std::string>(&v)) return *s;
        if (const auto* u = std::get_if<Uuid>(&v)) return u->str();
        return nullptr;
    };
    char fp[17];
    std::snprintf(fp, sizeof fp, "%016llx", static_cast<unsigned long long>(cs.fingerprint));
    Json out = {{"format", kFormatVersion}, {"schema_fingerprint", fp}, {"sender", cs.sites.at(0).str()},
                {"from_seq", cs.from_seq}, {"through_seq", cs.through_seq}};
    if (cs.knows_through >= 0) out["knows_through"] = cs.knows_through;
    Json records = Json::array();
    for (const auto& r : cs.records) {
        Json j = {{"table", table_name(r.table)}, {"id", r.id.str()}};
        if (r.tombstone) j["deleted"] = {{"hlc", r.hlc}, {"site", cs.sites.at(r.site).str()}};
        if (r.evict) j["evicted"] = true;
        Json fields = Json::object();
        for (const auto& f : r.fields)
        {
            Json fj = {{"value", value(f.value)}, {"hlc", f.hlc}, {"site", cs.sites.at(f.site).str()}};
            if (f.base) fj["base"] = f.base;
            fields[cs.names.at(f.name)] = std::move(fj);
        }
        if (!r.fields.empty()) j["fields"] = std::move(fields);
        records.push_back(std::move(j));
    }
    out["records"] = std::move(records);
    return out;
}

}  // namespace crmlite::sync
