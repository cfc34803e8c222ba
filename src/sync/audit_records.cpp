#include "sync/audit_records.hpp"

#include "access/access.hpp"
#include "audit/audit.hpp"
#include "common/error.hpp"
#include "store/hlc.hpp"

namespace crmlite::sync {

namespace {

std::string hex(const std::string& bytes) {
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (unsigned char c : bytes) {
        out.push_back(digits[c >> 4]);
        out.push_back(digits[c & 15]);
    }
    return out;
}

int nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string unhex(const std::string& text) {
    std::string out;
    for (std::size_t i = 0; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<char>(nibble(text[i]) * 16 + nibble(text[i + 1])));
    return out;
}

[[noreturn]] void corrupt_audit(const std::string& what) {
    throw Error(CRM_ECORRUPT, "changeset: audit record " + what + "; nothing applied");
}

const FieldChange* field(const Changeset& cs, const RecordChange& rc, const char* name) {
    for (const auto& f : rc.fields)
        if (cs.names[f.name] == name) return &f;
    return nullptr;
}

const std::string* text(const Changeset& cs, const RecordChange& rc, const char* name) {
    const FieldChange* f = field(cs, rc, name);
    return f ? std::get_if<std::string>(&f->value) : nullptr;
}

}  // namespace

void add_audit_records(Database& db, Changeset& cs, const std::vector<Uuid>& ids) {
    for (const auto& id : ids) {
        const auto e = audit::load(db, id);
        if (!e) continue;
        RecordChange rc;
        rc.table = kAuditTable;
        rc.id = e->id;
        const std::uint32_t site = cs.site_index(e->site);
        const std::int64_t clock = HybridClock::pack(e->at, 0);
        const auto put = [&](const char* name, Value v) { rc.fields.push_back({cs.name_index(name), site, clock, std::move(v), 0}); };
        put("n", e->n);
        put("principal", e->principal);
        put("action", e->action);
        put("outcome", e->outcome);
        if (!e->record_type.empty()) put("record_type", e->record_type);
        if (e->record_id) put("record_id", *e->record_id);
        if (!e->detail.empty()) put("detail", e->detail);
        put("hash", hex(e->hash));
        cs.records.push_back(std::move(rc));
    }
}

void validate_audit_record(const Changeset& cs, const RecordChange& rc) {
    if (rc.tombstone || rc.evict) corrupt_audit(rc.id.str() + " is a tombstone or an eviction");
    const FieldChange* n = field(cs, rc, "n");
    if (!n || !std::holds_alternative<std::int64_t>(n->value) || std::get<std::int64_t>(n->value) < 1)
        corrupt_audit(rc.id.str() + " has no entry number");
    for (const char* name : {"principal", "action", "outcome"})
        if (!text(cs, rc, name)) corrupt_audit(rc.id.str() + " has no " + name);
    const std::string* hash = text(cs, rc, "hash");
    if (!hash || hash->size() != 64) corrupt_audit(rc.id.str() + " has no hash");
    for (char c : *hash)
        if (nibble(c) < 0) corrupt_audit(rc.id.str() + ": the hash is not lowercase hex");
    for (const auto& f : rc.fields) {
        const std::string& name = cs.names[f.name];
        if (f.site != n->site || f.hlc != n->hlc) corrupt_audit(rc.id.str() + ": fields of one entry from different sites or times");
        if (name == "record_id" ? !std::holds_alternative<Uuid>(f.value)
                                : (name == "record_type" || name == "detail") && !std::holds_alternative<std::string>(f.value))
            corrupt_audit(rc.id.str() + "." + name + " has a value of the wrong type");
    }
    if (HybridClock::counter(n->hlc) != 0) corrupt_audit(rc.id.str() + ": its time is not a whole millisecond");
}

Json apply_audit_records(Database& db, const Changeset& cs, const std::vector<const RecordChange*>& records) {
    audit::Receipt r;
    std::vector<audit::ChainEntry> entries;
    for (const auto* rc : records) {
        const FieldChange* n = field(cs, *rc, "n");
        // Only the sender's own chain: a chain travels one hop, and one
        // device may not write into another's.
        if (cs.sites[n->site] != cs.sites[0]) {
            ++r.refused;
            continue;
        }
        audit::ChainEntry e;
        e.id = rc->id;
        e.site = cs.sites[n->site];
        e.n = std::get<std::int64_t>(n->value);
        e.at = HybridClock::physical(n->hlc);
        e.principal = *text(cs, *rc, "principal");
        e.action = *text(cs, *rc, "action");
        e.outcome = *text(cs, *rc, "outcome");
        if (const auto* t = text(cs, *rc, "record_type")) e.record_type = *t;
        if (const FieldChange* f = field(cs, *rc, "record_id")) e.record_id = std::get<Uuid>(f->value);
        if (const auto* d = text(cs, *rc, "detail")) e.detail = *d;
        e.hash = unhex(*text(cs, *rc, "hash"));
        entries.push_back(std::move(e));
    }
    audit::receive(db, std::move(entries), r);
    for (const auto& [site, n] : r.mismatches)
        access::audit_always(db, "audit.mismatch", "audit", std::nullopt, {{"site", site.str()}, {"n", n}}, "denied");
    return {{"appended", r.appended}, {"known", r.known},           {"deferred", r.deferred},
            {"broken", r.broken},     {"mismatched", r.mismatched}, {"refused", r.refused}};
}

}  // namespace crmlite::sync
