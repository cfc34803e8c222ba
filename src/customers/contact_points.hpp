// Phones and emails of a customer: each a synced record whose id derives from
// (customer, type, normalised value), so the same number added on two devices
// converges on one record.
#pragma once

#include <string>
#include <vector>

#include "common/json.hpp"
#include "store/database.hpp"

namespace crmlite::customers {

struct ContactPoint {
    std::string type;  // "phone" | "email"
    std::string label;
    std::string value;       // as given (trimmed)
    std::string normalized;  // E.164-like phone / lower-cased email
    bool primary = false;
};

// Parses and validates a "phones" or "emails" array (strings or objects with
// value/label/primary). Throws CRM_EINVAL naming e.g. "customer.phones[1].value".
std::vector<ContactPoint> parse_contact_points(const Json& list, const std::string& type, const std::string& field,
                                               const std::string& region = "CN");
// Makes the customer's points of `type` exactly `wanted` (adds, updates, deletes
// with versions and tombstones). Returns true when anything changed.
bool replace_contact_points(WriteScope& w, const Uuid& customer, const std::string& type,
                            const std::vector<ContactPoint>& wanted);
// {"phones":[...], "emails":[...]} of a customer, primary first.
void render_contact_points(Database& db, const Uuid& customer, Json& out);

// `region`: where numbers without a country prefix belong (quality setting phone_region).
std::string normalize_phone(const std::string& value, const std::string& field, const std::string& region = "CN");
// A contact point's id, made from its customer, type and normalised value.
Uuid point_id(const Uuid& customer, const std::string& type, const std::string& normalized);
std::string normalize_email(const std::string& value, const std::string& field);

}  // namespace crmlite::customers
