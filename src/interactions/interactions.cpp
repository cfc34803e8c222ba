#include "interactions/interactions.hpp"

#include <SQLiteCpp/Statement.h>

#include <cmath>

#include "access/access.hpp"
#include "common/error.hpp"
#include "common/time.hpp"
#include "search/index_queue.hpp"

namespace crmlite::interactions {

namespace {

const std::vector<FieldSpec> kFields = {
    {"customer_id", "customer_id", FieldKind::ref},
    {"kind", "kind", FieldKind::text, 32},
    {"channel", "channel", FieldKind::text, 32},
    {"direction", "direction", FieldKind::choice, 0, {"inbound", "outbound"}},
    {"occurred_at", "occurred_at", FieldKind::instant},
    {"subject", "subject", FieldKind::text, 500},
    {"body", "body", FieldKind::text, 200000},
    {"user", "user_id", FieldKind::text, 100},
    {"status", "status", FieldKind::text, 32},
    {"amount_minor", "amount_minor", FieldKind::integer, 0, {}, -1000000000000000, 1000000000000000},
    {"currency", "currency", FieldKind::text, 3},
    {"rating", "rating", FieldKind::integer, 0, {}, 1, 5},
    {"nps", "nps", FieldKind::integer, 0, {}, 0, 10},
    {"items", "items", FieldKind::array, 65536},
    {"attributes", "attributes", FieldKind::object, 65536},
};
enum : int { kCustomer, kKind, kChannel, kDirection, kOccurred, kSubject, kBody, kUser, kStatus, kAmount, kCurrency,
             kRating, kNps, kItems, kAttributes };

std::string text_of(const Value& v) {
    const auto* s = std::get_if<std::string>(&v);
    return s ? *s : std::string();
}

bool is_null(const Value& v) { return std::holds_alternative<std::monostate>(v); }

void check_kind(const std::string& kind) {
    if (kind.empty()) invalid("interaction.kind", "required");
    for (const char c : kind)
        if (!((c >= 'a' && c <= 'z') || c == '_' || (c >= '0' && c <= '9')))
            invalid("interaction.kind", "\"" + kind + "\" must be a lower-case name (call, email, visit, order, ...)");
}

// Line items: [{"product", "quantity" > 0, "unit_price_minor"}]; returns the
// total in minor units (quantities may be fractional; the total is rounded).
std::int64_t check_items(const std::string& items_json) {
    const Json items = Json::parse(items_json);
    double total = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const std::string field = "interaction.items[" + std::to_string(i) + "]";
        if (!items[i].is_object()) invalid(field, "expected an object");
        Input in(items[i], field);
        in.allow_only({"product", "sku", "quantity", "unit_price_minor"});
        in.required_text("product", 200);
        in.text("sku", 64);
        if (!in.has("quantity") || !items[i]["quantity"].is_number()) invalid(field + ".quantity", "expected a number");
        const double q = items[i]["quantity"].get<double>();
        // Negative quantities are returns (refund orders carry them).
        if (!(q != 0) || q > 1e9 || q < -1e9) invalid(field + ".quantity", "must be a non-zero number");
        const auto price = in.integer("unit_price_minor", -1000000000000, 1000000000000);
        if (!price) invalid(field + ".unit_price_minor", "required");
        total += q * static_cast<double>(*price);
    }
    return static_cast<std::int64_t>(std::llround(total));
}

void check_record(std::vector<Value>& v) {
    check_kind(text_of(v[kKind]));
    const std::string currency = text_of(v[kCurrency]);
    if (!currency.empty()) {
        bool ok = currency.size() == 3;
        for (const char c : currency) ok = ok && c >= 'A' && c <= 'Z';
        if (!ok) invalid("interaction.currency", "\"" + currency + "\" is not an ISO-4217 code like CNY");
    }
    if (!is_null(v[kItems])) {
        const std::int64_t total = check_items(text_of(v[kItems]));
        if (is_null(v[kAmount])) v[kAmount] = total;
    }
    if (!is_null(v[kAmount]) && currency.empty()) invalid("interaction.currency", "required with amount_minor");
}

void check_keys(const Json& input) {
    for (const auto& [key, value] : input.items()) {
        if (key == "id" || key == "created_at" || key == "updated_at" || field_index(kFields, key) >= 0) continue;
        invalid("interaction." + key, "unknown field");
    }
    if (input.contains("id") || input.contains("created_at") || input.contains("updated_at"))
        invalid(input.contains("id") ? "interaction.id" : "interaction.updated_at", "set by the library, not by the caller");
}

void require_customer(Database& db, const Value& v) {
    const auto* id = std::get_if<Uuid>(&v);
    if (!id) invalid("interaction.customer_id", "required");
    auto& st = db.stmt("SELECT 1 FROM customers WHERE id = ?");
    st.bind(1, id->data(), Uuid::size());
    if (!st.executeStep()) throw Error(CRM_ENOTFOUND, "interaction.customer_id: no customer " + id->str());
    st.reset();
    access::require_customer(db, *id, access::kCreate, "interaction");
}

std::optional<std::vector<Value>> load(Database& db, const Uuid& id) {
    static const std::string sql = [] {
        std::string s = "SELECT ";
        for (std::size_t i = 0; i < kFields.size(); ++i) s += std::string(i ? ", " : "") + kFields[i].column;
        return s + " FROM interactions WHERE id = ?";
    }();
    auto& st = db.stmt(sql);
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) return std::nullopt;
    std::vector<Value> out;
    for (std::size_t i = 0; i < kFields.size(); ++i) out.push_back(column_value(st.getColumn(static_cast<int>(i)), kFields[i]));
    return out;
}

std::int64_t rid_of(Database& db, const Uuid& id) {
    auto& st = db.stmt("SELECT rid FROM interactions WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) throw Error(CRM_ENOTFOUND, "interaction: no interaction " + id.str());
    const std::int64_t rid = st.getColumn(0).getInt64();
    st.reset();
    return rid;
}

void insert_in(WriteScope& w, const Uuid& id, const Json& input) {
    check_keys(input);
    Input in(input, "interaction");
    std::vector<Value> v(kFields.size());
    for (auto& fv : read_fields(in, kFields)) v[static_cast<std::size_t>(fv.index)] = std::move(fv.value);
    if (is_null(v[kOccurred])) v[kOccurred] = w.now();
    check_record(v);
    require_customer(w.db(), v[kCustomer]);
    std::uint64_t mask = 0;
    for (std::size_t i = 0; i < v.size(); ++i)
        if (!is_null(v[i])) mask |= 1ull << i;
    static const std::string sql = [] {
        std::string cols = "id", params = "?";
        for (const auto& f : kFields) {
            cols += std::string(", ") + f.column;
            params += ", ?";
        }
        return "INSERT INTO interactions(" + cols + ", created_at, updated_at, sync_hlc, sync_seq, sync_vers) VALUES (" +
               params + ", ?, ?, ?, ?, ?)";
    }();
    // Change capture's versions go into the row with it (a new record has none before).
    const auto rv = w.change_in_row(Table::interactions, id, mask, std::nullopt);
    auto& ins = w.db().stmt(sql);
    ins.bind(1, id.data(), Uuid::size());
    int p = 2;
    for (const auto& value : v) bind_value(ins, p++, value);
    ins.bind(p++, w.now());
    ins.bind(p++, w.now());
    rv.bind(ins, p);
    ins.exec();
    search::after_insert(w.db(), search::Doc::interaction, w.db().sql().getLastInsertRowid());
    w.count("interactions", 1);
}

bool update_in(WriteScope& w, const Uuid& id, const Json& patch, std::vector<Value> current) {
    check_keys(patch);
    Input in(patch, "interaction");
    auto next = current;
    for (auto& fv : read_fields(in, kFields)) next[static_cast<std::size_t>(fv.index)] = std::move(fv.value);
    if (next[kCustomer] != current[kCustomer]) invalid("interaction.customer_id", "cannot change");
    if (const auto* c = std::get_if<Uuid>(&current[kCustomer])) access::require_customer(w.db(), *c, access::kUpdate, "interaction");
    if (is_null(next[kOccurred])) invalid("interaction.occurred_at", "cannot be cleared");
    // Items given without an amount recompute it.
    if (patch.contains("items") && !patch.contains("amount_minor")) next[kAmount] = std::monostate{};
    check_record(next);
    std::uint64_t mask = 0;
    std::string sql = "UPDATE interactions SET updated_at = ?";
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        if (next[i] == current[i]) continue;
        mask |= 1ull << i;
        sql += std::string(", ") + kFields[i].column + " = ?";
    }
    if (mask == 0) return false;
    if (mask & ((1ull << kSubject) | (1ull << kBody))) search::before_change(w.db(), search::Doc::interaction, rid_of(w.db(), id));
    auto& up = w.db().stmt(sql + " WHERE id = ?");
    int p = 1;
    up.bind(p++, w.now());
    for (std::size_t i = 0; i < kFields.size(); ++i)
        if (mask & (1ull << i)) bind_value(up, p++, next[i]);
    up.bind(p, id.data(), Uuid::size());
    up.exec();
    w.record_change(Table::interactions, id, mask);
    return true;
}

Json row_json(SQLite::Statement& st, int first_field_col) {
    Json out;
    for (std::size_t i = 0; i < kFields.size(); ++i) {
        const auto v = column_value(st.getColumn(first_field_col + static_cast<int>(i)), kFields[i]);
        if (auto j = value_json(v, kFields[i])) out[kFields[i].json] = std::move(*j);
    }
    return out;
}

const std::string& select_list() {
    static const std::string s = [] {
        std::string r = "id, created_at, updated_at";
        for (const auto& f : kFields) r += std::string(", ") + f.column;
        return r;
    }();
    return s;
}

Json full_row(SQLite::Statement& st) {
    Json out = {{"id", Uuid::from_blob(st.getColumn(0).getBlob(), 16).str()}};
    out.update(row_json(st, 3));
    out["created_at"] = format_instant(st.getColumn(1).getInt64());
    out["updated_at"] = format_instant(st.getColumn(2).getInt64());
    return out;
}

class TimelineCursor : public Cursor {
public:
    TimelineCursor(Database& db, const Json& query) : db_(db) {
        Input in(query, "timeline");
        in.allow_only({"customer_id", "kinds", "limit", "after"});
        customer_ = Uuid::parse(in.required_text("customer_id", 64), "timeline.customer_id");
        access::require_customer(db, customer_, access::kRead, "timeline");
        limit_ = in.integer("limit", 1, 10000).value_or(50);
        std::string sql = "SELECT " + select_list() + " FROM interactions WHERE customer_id = ?1";
        if (query.contains("kinds")) {
            const Json& kinds = query["kinds"];
            if (!kinds.is_array() || kinds.empty()) invalid("timeline.kinds", "expected a non-empty array of kinds");
            for (std::size_t i = 0; i < kinds.size(); ++i)
                if (!kinds[i].is_string()) invalid("timeline.kinds[" + std::to_string(i) + "]", "expected a string");
            kinds_ = kinds.dump();
            sql += " AND +kind IN (SELECT value FROM json_each(?2))";  // + : stay on the timeline index
        }
        std::int64_t after_time = 0;
        std::string after_id;
        if (auto after = in.text("after", 200)) {
            const auto parts = parse_token(*after, 2, "timeline.after");
            after_time = token_int(parts[0], "timeline.after");
            after_id = parts[1];
            if (after_id.size() != 16) invalid("timeline.after", "not a token returned by this query");
            sql += " AND (occurred_at < ?3 OR (occurred_at = ?3 AND id < ?4))";
        }
        sql += " ORDER BY occurred_at DESC, id DESC LIMIT ?5";
        st_ = std::make_unique<SQLite::Statement>(db.sql(), sql);
        st_->bind(1, customer_.data(), Uuid::size());
        if (!kinds_.empty()) st_->bind(2, kinds_);
        if (!after_id.empty()) {
            st_->bind(3, after_time);
            st_->bind(4, after_id.data(), 16);
        }
        st_->bind(5, limit_);
    }

    bool next(std::string& row) override {
        if (!st_->executeStep()) return false;
        last_time_ = std::to_string(st_->getColumn(kOccurred + 3).getInt64());
        last_id_.assign(static_cast<const char*>(st_->getColumn(0).getBlob()), 16);
        Json r = full_row(*st_);
        access::mask_interaction(db_, r);
        row = dump(r);
        return true;
    }

    std::optional<std::string> token() const override {
        if (last_id_.empty()) return std::nullopt;
        return make_token({last_time_, last_id_});
    }

private:
    Database& db_;
    Uuid customer_;
    std::int64_t limit_ = 50;
    std::string kinds_;
    std::unique_ptr<SQLite::Statement> st_;
    std::string last_time_, last_id_;
};

}  // namespace

std::span<const FieldSpec> fields() { return kFields; }

Uuid id_for_external(const std::string& system, const std::string& external_id) {
    return Uuid::v8("interaction", system + '\0' + external_id);
}

Uuid add(Database& db, const Json& input) {
    WriteScope w(db);
    const Uuid id = Uuid::v7();
    insert_in(w, id, input);
    w.commit();
    return id;
}

Upsert upsert(Database& db, const Uuid& id, const Json& input) {
    WriteScope w(db);
    Upsert result = Upsert::inserted;
    if (auto current = load(db, id)) {
        result = update_in(w, id, input, std::move(*current)) ? Upsert::updated : Upsert::unchanged;
    } else {
        insert_in(w, id, input);
    }
    w.commit();
    return result;
}

bool update(Database& db, const Uuid& id, const Json& patch) {
    WriteScope w(db);
    auto current = load(db, id);
    if (!current) throw Error(CRM_ENOTFOUND, "interaction: no interaction " + id.str());
    const bool changed = update_in(w, id, patch, std::move(*current));
    w.commit();
    return changed;
}

void remove(Database& db, const Uuid& id) {
    WriteScope w(db);
    access::require_interaction(db, id, access::kDelete, "interaction");
    const std::int64_t rid = rid_of(db, id);
    search::before_change(db, search::Doc::interaction, rid);
    std::optional<Uuid> customer;
    {
        auto& st = db.stmt("SELECT customer_id FROM interactions WHERE rid = ?");
        st.bind(1, rid);
        if (st.executeStep()) customer = Uuid::from_blob(st.getColumn(0).getBlob(), st.getColumn(0).getBytes());
        st.reset();
    }
    auto& del = db.stmt("DELETE FROM interactions WHERE rid = ?");
    del.bind(1, rid);
    del.exec();
    w.record_delete(Table::interactions, id, customer);
    w.count("interactions", -1);
    w.commit();
}

Json get(Database& db, const Uuid& id) {
    access::require_interaction(db, id, access::kRead, "interaction");
    auto& st = db.stmt("SELECT " + select_list() + " FROM interactions WHERE id = ?");
    st.bind(1, id.data(), Uuid::size());
    if (!st.executeStep()) throw Error(CRM_ENOTFOUND, "interaction: no interaction " + id.str());
    Json out = full_row(st);
    access::mask_interaction(db, out);
    return out;
}

std::unique_ptr<Cursor> timeline(Database& db, const Json& query) { return std::make_unique<TimelineCursor>(db, query); }

Json summary(Database& db, const Uuid& customer, int latest) {
    Json out;
    Json recent = Json::array();
    {
        auto& st = db.stmt("SELECT " + select_list() +
                           " FROM interactions WHERE customer_id = ? ORDER BY occurred_at DESC, id DESC LIMIT ?");
        st.bind(1, customer.data(), Uuid::size());
        st.bind(2, latest);
        while (st.executeStep()) {
            recent.push_back(full_row(st));
            access::mask_interaction(db, recent.back());
        }
    }
    out["latest_interactions"] = std::move(recent);
    Json totals = Json::array();
    {
        auto& st = db.stmt(
            "SELECT currency, count(*), sum(amount_minor), max(occurred_at) FROM interactions "
            // +kind: the kind index would scan every order of every customer.
            "WHERE customer_id = ? AND +kind = 'order' AND amount_minor IS NOT NULL GROUP BY currency ORDER BY currency");
        st.bind(1, customer.data(), Uuid::size());
        while (st.executeStep())
            totals.push_back({{"currency", st.getColumn(0).getString()},
                              {"orders", st.getColumn(1).getInt64()},
                              {"amount_minor", st.getColumn(2).getInt64()},
                              {"last_order_at", format_instant(st.getColumn(3).getInt64())}});
    }
    out["order_totals"] = std::move(totals);
    Json counts = Json::object();
    {
        auto& st = db.stmt(
            "SELECT kind, count(*), min(occurred_at), max(occurred_at) FROM interactions WHERE customer_id = ? "
            "GROUP BY kind ORDER BY kind");
        st.bind(1, customer.data(), Uuid::size());
        std::int64_t first = INT64_MAX, last = INT64_MIN;
        while (st.executeStep()) {
            counts[st.getColumn(0).getString()] = st.getColumn(1).getInt64();
            first = std::min(first, st.getColumn(2).getInt64());
            last = std::max(last, st.getColumn(3).getInt64());
        }
        if (first != INT64_MAX) {
            out["first_interaction_at"] = format_instant(first);
            out["last_interaction_at"] = format_instant(last);
        }
    }
    out["interaction_counts"] = std::move(counts);
    return out;
}

}  // namespace crmlite::interactions
