// The command declarations, one factory per command; main.cpp lists them in
// the order `crm --help` shows them.
#pragma once

#include "cli.hpp"

namespace crmcli {

// commands_db.cpp: the database file as a whole
Command init_command();
Command info_command();
Command import_command();
Command export_command();
// commands_customers.cpp: customer records
Command add_command();
Command list_command();
Command count_command();
Command tag_command();
// commands_show.cpp: the 360-degree view
Command show_command();
// commands_activity.cpp: interactions and search
Command log_command();
Command search_command();
// commands_sync.cpp: replicas
Command sync_command();
Command changes_command();
Command apply_command();
Command conflicts_command();
// commands_storage.cpp: backup, restore, verify, changing the key (issue 7)
Command backup_command();
Command restore_command();
Command verify_command();
Command rekey_command();
Command encrypt_command();
Command decrypt_command();
// commands_quality.cpp: data quality
Command quality_command();
Command dupes_command();
Command merge_command();
Command unmerge_command();
Command validate_command();
Command normalize_command();
// commands_privacy.cpp: principals, roles, audit, data subjects (issue 7)
Command user_command();
Command role_command();
Command whoami_command();
Command audit_command();
Command subject_command();
// commands_sales.cpp: pipelines, opportunities, leads, campaigns, reports
Command pipeline_command();
Command opp_command();
Command opp_move_command();
Command opps_command();
Command lead_command();
Command leads_command();
Command lead_set_command();
Command lead_rule_command();
Command campaign_command();
Command audience_command();
Command member_command();
Command sales_delete_command();
Command sales_report_command();
// commands_value.cpp: customer value and lifecycle (issue 5)
Command rfm_command();
Command tasks_command();
Command followup_command();
Command stage_command();
Command tagrule_command();
Command churn_command();
Command report_command();

}  // namespace crmcli
