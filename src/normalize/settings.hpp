// Data-quality settings kept in the file (quality_settings, local to this
// replica): the default phone region and the validation rules.
#pragma once

#include <optional>
#include <string>

#include "store/database.hpp"

namespace crmlite::normalize {

std::optional<std::string> setting(Database& db, const std::string& key);
void set_setting(Database& db, const std::string& key, const std::string& value);
// The region of numbers written without a country prefix ("CN" unless set).
std::string phone_region(Database& db);
// Sets it; CRM_EINVAL naming "region" for a region libphonenumber does not know.
void set_phone_region(Database& db, const std::string& region);

}  // namespace crmlite::normalize
