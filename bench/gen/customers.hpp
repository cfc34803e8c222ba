// Customer records for crm-gen. An entity (a real person or company) is a pure function of
// (seed, entity number); its original record and each injected duplicate are renderings of it,
// the duplicates with 1-3 perturbations. Nothing is kept between records.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "texts.hpp"

namespace gen {

enum Column : int {
    kColExternalId,
    kColKind,
    kColDisplayName,
    kColFamilyName,
    kColGivenName,
    kColGender,
    kColBirthday,
    kColPhone,
    kColPhone2,
    kColEmail,
    kColCompany,
    kColProvince,
    kColCity,
    kColAddress,
    kColPostcode,
    kColSource,
    kColStage,
    kColOwner,
    kColConsent,
    kColNationalId,
    kColNotes,
    kColTags,
    kColumnCount
};

inline constexpr std::array<std::string_view, kColumnCount> kColumnNames = {
    "external_id", "kind",  "display_name",      "family_name", "given_name", "gender",  "birthday", "phone",
    "phone2",      "email", "company",           "province",    "city",       "address", "postcode", "source",
    "stage",       "owner", "consent_marketing", "national_id", "notes",      "tags"};

struct CustomerRow {
    std::array<std::string, kColumnCount> field;  // empty string = no value
};

// What the interaction generator needs to know about the record it writes history for.
struct RecordTraits {
    Lang lang = Lang::Zh;  // language of subjects and bodies (Zh or En)
    Stage stage = Stage::Prospect;
    int owner = 1;              // sales rep number, 1..20
    std::string_view currency;  // ISO 4217
    double order_median = 0;    // median order size in minor units
};

inline constexpr int kOwners = 20;

class CustomerMaker {
public:
    CustomerMaker(std::uint64_t seed, bool strong_ids);
    ~CustomerMaker();
    CustomerMaker(const CustomerMaker&) = delete;
    CustomerMaker& operator=(const CustomerMaker&) = delete;

    // Fills every field but external_id. copy 0 is the original record, 1.. are duplicates.
    RecordTraits make(std::uint64_t entity, int copy, CustomerRow& row);

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace gen
