#include "store/captured_tables.hpp"

namespace crmlite {

namespace {
constexpr CapturedTable kTables[] = {
    {1, "customers"},          {2, "contact_points"},   {3, "interactions"},      {4, "tags"},
    {5, "customer_tags"},      {6, "external_ids"},     {10, "tasks"},            {11, "followup_rules"},
    {12, "tag_rules"},         {13, "lifecycle_history"}, {20, "customer_redirects"}, {21, "customer_merges"},
    {40, "pipelines"},         {41, "pipeline_stages"}, {42, "leads"},            {43, "lead_events"},
    {44, "assignment_rules"},  {45, "opportunities"},   {46, "stage_history"},    {47, "campaigns"},
    {48, "campaign_members"}};

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (std::size_t p = text.find(from); p != std::string::npos; p = text.find(from, p + to.size()))
        text.replace(p, from.size(), to);
    return text;
}
}  // namespace

std::span<const CapturedTable> captured_tables() { return kTables; }

const char* captured_table_name(Table table) {
    for (const auto& t : captured_tables())
        if (t.table == static_cast<int>(table)) return t.name;
    return nullptr;
}

std::string over_captured_tables(const std::string& columns, const std::string& where) {
    std::string sql;
    for (const auto& t : captured_tables()) {
        const std::string n = std::to_string(t.table);
        if (!sql.empty()) sql += " UNION ALL ";
        sql += "SELECT " + replace_all(columns, "$tbl", n) + " FROM " + t.name;
        if (!where.empty()) sql += " WHERE " + replace_all(where, "$tbl", n);
    }
    return sql;
}

}  // namespace crmlite
