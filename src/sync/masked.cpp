#include "sync/masked.hpp"

#include "masking/masking.hpp"

namespace crmlite::sync {

namespace {

using MaskFn = std::string (*)(const std::string&);

// The rules of access::mask_customer, access::mask_interaction and access::mask_lead.
MaskFn rule_of(Table table, std::string_view column, const std::string& point_type) {
    switch (table) {
    case Table::customers:
        if (column == "national_id" || column == "postcode") return &masking::id_number;
        if (column == "address") return &masking::address;
        if (column == "birthday") return &masking::birthday;
        if (column == "notes") return &masking::text;
        return nullptr;
    case Table::contact_points:
        if (column == "value" || column == "normalized") return point_type == "email" ? &masking::email : &masking::phone;
        return nullptr;
    case Table::interactions:
        if (column == "subject" || column == "body") return &masking::text;
        return nullptr;
    // access::mask_lead, and the opportunity notes opportunities::get masks.
    case Table::leads:
        if (column == "phone" || column == "phone_norm") return &masking::phone;
        if (column == "email" || column == "email_norm") return &masking::email;
        if (column == "notes") return &masking::text;
        return nullptr;
    case Table::opportunities:
        if (column == "notes") return &masking::text;
        return nullptr;
    default: return nullptr;
    }
}

}  // namespace

bool masked_column(Table table, std::string_view column) { return rule_of(table, column, "phone") != nullptr; }

void mask_record(Changeset& cs, RecordChange& rc, const std::string& point_type) {
    const Table table = static_cast<Table>(rc.table);
    std::string names;
    const FieldChange* first = nullptr;
    for (auto& f : rc.fields) {
        const std::string& name = cs.names[f.name];
        const auto rule = rule_of(table, name, point_type);
        const auto* text = std::get_if<std::string>(&f.value);
        if (!rule || !text) continue;
        f.value = rule(*text);
        names += (names.empty() ? "" : ",") + name;
        if (!first) first = &f;
    }
    if (!first) return;
    const std::uint32_t site = first->site;
    const std::int64_t hlc = first->hlc;
    rc.fields.push_back({cs.name_index(kMaskedField), site, hlc, std::move(names), 0});
}

std::set<std::string> masked_names(const Changeset& cs, const RecordChange& rc) {
    std::set<std::string> out;
    for (const auto& f : rc.fields) {
        if (cs.names[f.name] != kMaskedField) continue;
        const auto* list = std::get_if<std::string>(&f.value);
        if (!list) continue;
        std::size_t start = 0;
        while (start <= list->size()) {
            const auto comma = list->find(',', start);
            const auto end = comma == std::string::npos ? list->size() : comma;
            if (end > start) out.insert(list->substr(start, end - start));
            if (comma == std::string::npos) break;
            start = comma + 1;
        }
    }
    return out;
}

MaskedFields::MaskedFields(Database& db) : db_(db) {
    auto& st = db.stmt("SELECT EXISTS (SELECT 1 FROM sync_masked)");
    any_ = st.executeStep() && st.getColumn(0).getInt() != 0;
    st.reset();
}

std::uint64_t MaskedFields::held(Table table, const Uuid& id) {
    if (!any_) return 0;
    auto& st = db_.stmt("SELECT fields FROM sync_masked WHERE tbl = ? AND id = ?");
    st.bind(1, static_cast<int>(table));
    st.bind(2, id.data(), Uuid::size());
    const std::uint64_t bits = st.executeStep() ? static_cast<std::uint64_t>(st.getColumn(0).getInt64()) : 0;
    st.reset();
    return bits;
}

void MaskedFields::store(Table table, const Uuid& id, std::uint64_t bits) {
    if (bits == 0) {
        if (!any_) return;
        auto& del = db_.stmt("DELETE FROM sync_masked WHERE tbl = ? AND id = ?");
        del.bind(1, static_cast<int>(table));
        del.bind(2, id.data(), Uuid::size());
        del.exec();
        return;
    }
    auto& put = db_.stmt("INSERT OR REPLACE INTO sync_masked(tbl, id, fields) VALUES (?, ?, ?)");
    put.bind(1, static_cast<int>(table));
    put.bind(2, id.data(), Uuid::size());
    put.bind(3, static_cast<std::int64_t>(bits));
    put.exec();
    any_ = true;
}

}  // namespace crmlite::sync
