#include "sync/schema.hpp"

#include <sodium.h>

#include "customers/customers.hpp"
#include "interactions/interactions.hpp"
#include "campaigns/campaigns.hpp"
#include "leads/leads.hpp"
#include "pipeline/opportunities.hpp"
#include "pipeline/pipelines.hpp"
#include "tasks/tables.hpp"

namespace crmlite::sync {

namespace {

ColumnType type_of(FieldKind k) {
    switch (k) {
    case FieldKind::boolean:
    case FieldKind::integer:
    case FieldKind::instant: return ColumnType::integer;
    case FieldKind::ref: return ColumnType::id;
    default: return ColumnType::text;
    }
}

std::vector<SyncedColumn> from_specs(std::span<const FieldSpec> specs, std::initializer_list<const char*> required) {
    std::vector<SyncedColumn> out;
    for (const auto& f : specs) {
        bool req = false;
        for (const char* r : required) req = req || std::string(r) == f.column;
        const bool to_customer = std::string(f.column) == "customer_id" || std::string(f.column) == "company_id";
        out.push_back({f.column, type_of(f.kind), req, to_customer ? static_cast<int>(Table::customers) : 0});
    }
    return out;
}

std::vector<SyncedTable> build() {
    using C = ColumnType;
    constexpr int kCustomer = static_cast<int>(Table::customers), kTag = static_cast<int>(Table::tags);
    std::vector<SyncedTable> t;
    t.push_back({Table::customers, "customers",
                 from_specs(customers::fields(), {"kind", "display_name"}),
                 "id", true, true, false, 1});
    t.push_back({Table::tags, "tags",
                 {{"path", C::text, true}, {"name", C::text, true}, {"parent_id", C::id, false, kTag},
                  {"kind", C::text, true}, {"level", C::integer, true}},
                 "", true, false, true, 2});
    t.push_back({Table::contact_points, "contact_points",
                 {{"customer_id", C::id, true, kCustomer}, {"type", C::text, true}, {"label", C::text, false},
                  {"value", C::text, true}, {"normalized", C::text, true}, {"is_primary", C::integer, true}},
                 "customer_id", true, false, true, 3});
    t.push_back({Table::external_ids, "external_ids",
                 {{"system", C::text, true}, {"external_id", C::text, true}, {"customer_id", C::id, true, kCustomer}},
                 "customer_id", false, false, true, 4});
    t.push_back({Table::customer_tags, "customer_tags",
                 {{"customer_id", C::id, true, kCustomer}, {"tag_id", C::id, true, kTag}, {"source", C::text, true}},
                 "customer_id", true, false, true, 5});
    t.push_back({Table::interactions, "interactions",
                 from_specs(interactions::fields(), {"customer_id", "kind", "occurred_at"}), "customer_id", true, true,
                 false, 6});
    // Data quality (src/merge): merges (whether one was undone) and then a
    // merged-away customer's redirect (id = the loser's id) go first, so the
    // customers of the same changeset find which redirects are in force.
    t.push_back({Table::customer_redirects, "customer_redirects",
                 {{"survivor_id", C::id, true}, {"merge_id", C::id, true}, {"merged_hlc", C::integer, true},
                  {"seen", C::text, true}},
                 "survivor_id", true, false, false, 0});
    t.push_back({Table::customer_merges, "customer_merges",
                 {{"survivor_id", C::id, true}, {"losers", C::text, true}, {"sources", C::text, true},
                  {"before", C::text, true}, {"status", C::text, true}},
                 "survivor_id", true, false, false, -1});
    // Sales and marketing (issue 8). Leads, rules, pipelines and campaigns are
    // not tied to a customer (a lead only links the customer it matched, so
    // that link is no sync reference): rules, pipelines and campaigns go to
    // every replica, leads and their events to the shares holding the lead's
    // owner or region (sync/share.hpp); opportunities,
    // their stage history and campaign members follow their customer.
    const auto sales_table = [&](Table table, const char* name, std::span<const FieldSpec> specs,
                                 std::initializer_list<const char*> required,
                                 std::initializer_list<std::pair<const char*, Table>> refs, const char* customer_column,
                                 int order) {
        auto cols = from_specs(specs, required);
        for (auto& c : cols) {
            c.ref_table = 0;
            for (const auto& [col, target] : refs)
                if (c.name == col) c.ref_table = static_cast<int>(target);
        }
        t.push_back({table, name, std::move(cols), customer_column, true, true, false, order});
    };
    sales_table(Table::pipelines, "pipelines", pipeline::pipeline_fields(), {"name"}, {}, "", 7);
    sales_table(Table::pipeline_stages, "pipeline_stages", pipeline::stage_fields(),
                {"pipeline_id", "name", "position", "probability", "outcome"}, {{"pipeline_id", Table::pipelines}}, "", 8);
    sales_table(Table::campaigns, "campaigns", campaigns::fields(),
                {"name", "status", "audience_mode", "attribution_days", "control_pct"}, {}, "", 9);
    sales_table(Table::assignment_rules, "assignment_rules", leads::rule_fields(),
                {"name", "kind", "members", "priority", "active"}, {}, "", 10);
    sales_table(Table::leads, "leads", leads::fields(), {"name", "status"}, {{"campaign_id", Table::campaigns}}, "", 11);
    sales_table(Table::lead_events, "lead_events", leads::event_fields(), {"lead_id", "kind", "at"},
                {{"lead_id", Table::leads}}, "", 12);
    sales_table(Table::opportunities, "opportunities", opportunities::fields(),
                {"customer_id", "name", "pipeline_id", "stage_id", "status"},
                {{"customer_id", Table::customers}, {"pipeline_id", Table::pipelines}, {"stage_id", Table::pipeline_stages},
                 {"campaign_id", Table::campaigns}},
                "customer_id", 13);
    sales_table(Table::stage_history, "stage_history", opportunities::history_fields(),
                {"opportunity_id", "customer_id", "to_stage_id", "at"},
                {{"opportunity_id", Table::opportunities}, {"customer_id", Table::customers}}, "customer_id", 14);
    sales_table(Table::campaign_members, "campaign_members", campaigns::member_fields(),
                {"campaign_id", "customer_id", "status", "control"},
                {{"campaign_id", Table::campaigns}, {"customer_id", Table::customers}}, "customer_id", 15);
    // Customer value and lifecycle (issue 5): tasks, follow-up rules, tag rules
    // and stage history are synced data; RFM snapshots, rule-assigned tags and
    // churn scores are derived and recomputed on each device.
    t.push_back({value_tables::tasks, "tasks",
                 {{"customer_id", C::id, true, kCustomer}, {"assignee", C::text, false}, {"kind", C::text, true},
                  {"title", C::text, false}, {"due_at", C::integer, true}, {"status", C::text, true},
                  {"snoozed_until", C::integer, false}, {"notes", C::text, false}, {"rule_id", C::id, false},
                  {"completed_at", C::integer, false}},
                 "customer_id", true, true, false, 7});
    t.push_back({value_tables::followup_rules, "followup_rules",
                 {{"name", C::text, true}, {"definition", C::text, true}, {"enabled", C::integer, true}},
                 "", true, true, false, 8});
    t.push_back({value_tables::tag_rules, "tag_rules",
                 {{"name", C::text, true}, {"tag", C::text, true}, {"condition", C::text, true}, {"enabled", C::integer, true}},
                 "", true, true, false, 9});
    t.push_back({value_tables::lifecycle_history, "lifecycle_history",
                 {{"customer_id", C::id, true, kCustomer}, {"stage", C::text, true}, {"previous", C::text, false},
                  {"source", C::text, true}, {"at", C::integer, true}},
                 "customer_id", true, false, false, 10});
    return t;
}

}  // namespace

const std::vector<SyncedTable>& synced_tables() {
    static const std::vector<SyncedTable> tables = build();
    return tables;
}

const SyncedTable* find_table(int table) {
    for (const auto& t : synced_tables())
        if (static_cast<int>(t.table) == table) return &t;
    return nullptr;
}

int column_index(const SyncedTable& t, const std::string& name) {
    for (std::size_t i = 0; i < t.columns.size(); ++i)
        if (t.columns[i].name == name) return static_cast<int>(i);
    return -1;
}

std::uint64_t fingerprint() {
    static const std::uint64_t fp = [] {
        std::string text = "crmlite-sync-1";
        for (const auto& t : synced_tables())
            text += ";" + std::to_string(static_cast<int>(t.table)) + ":" + t.name + (t.recreatable ? ":v8" : ":v7");
        unsigned char h[crypto_generichash_BYTES_MIN];
        crypto_generichash(h, sizeof h, reinterpret_cast<const unsigned char*>(text.data()), text.size(), nullptr, 0);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v = (v << 8) | h[i];
        return v;
    }();
    return fp;
}

}  // namespace crmlite::sync
