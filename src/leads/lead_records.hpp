// Internal to src/leads: the lead record's field positions and helpers shared
// by capture, assignment and conversion.
#pragma once

#include <optional>
#include <string>

#include "leads/leads.hpp"
#include "pipeline/sales_record.hpp"

namespace crmlite::leads {

using sales::id_of;
using sales::int_of;
using sales::is_null;
using sales::text_of;
using sales::Values;

enum : int { kName, kCompany, kPhone, kEmail, kPhoneNorm, kEmailNorm, kSource, kCampaign, kStatus, kOwner, kTeam, kRegion,
             kCustomer, kOpportunity, kConvertedAt, kNotes };

const sales::RecordType& lead_type();
const sales::RecordType& event_type();
void add_event(WriteScope& w, const Uuid& lead, const std::string& kind, const std::string& from, const std::string& to,
               const std::string& by, const std::optional<Uuid>& rule);
Json events_of(Database& db, const Uuid& id);

struct Choice {
    std::string owner;
    std::string team;
    Uuid rule;
};
// The owner the first matching active rule picks for a lead with these values.
std::optional<Choice> choose_owner(Database& db, const Values& lead);

}  // namespace crmlite::leads
