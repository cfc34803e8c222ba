// Field masking: what a principal without the unmask permission receives in
// place of a personal value. Pure functions over UTF-8 text; the rules keep
// enough to recognise a value (a phone's first three and last four digits, an
// e-mail's first letter and domain) and never enough to use it.
#pragma once

#include <string>

namespace crmlite::masking {

// "13812345678" -> "138****5678"; "+8613812345678" -> "+86138****5678" (the
// digits between the first three and the last four of the national part
// become '*'); fewer than 8 digits: all but the last two. A value already
// holding '*' is returned as it is (every rule here maps a masked value to itself).
std::string phone(const std::string& value);
// "alice@example.com" -> "a****@example.com".
std::string email(const std::string& value);
// ID / passport numbers: the first 3 and the last 4 characters kept
// ("110101199001011234" -> "110***********1234"); 8 or fewer: all masked.
std::string id_number(const std::string& value);
// Addresses: the first 6 characters kept, then "****".
std::string address(const std::string& value);
// Birthdays: "1990-05-17" -> "****-**-**" (no part of a birthday is shown).
std::string birthday(const std::string& value);
// Free text (search snippets, notes): every run of 7 or more digits (spaces,
// dashes and highlight brackets inside a run allowed) is masked as a phone and
// every e-mail address as an e-mail.
std::string text(const std::string& value);

}  // namespace crmlite::masking
