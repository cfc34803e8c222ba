// Money at the command line: "123.45" CNY <-> 12345 minor units, by string
// arithmetic only. A binary float cannot hold 0.1 exactly, and a CRM that books
// 19.99 as 1998 fen is wrong; so no float ever touches an amount.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace crmcli {

// Digits after the decimal point of an ISO-4217 currency (CNY 2, JPY 0, KWD 3).
int currency_exponent(std::string_view code);
// "cny" -> "CNY"; UsageError unless three ASCII letters.
std::string currency_code(std::string_view text);
// Parses a decimal amount ("-12.5", "1999", "0.01") into minor units of `currency`.
// UsageError (naming `option`) for anything else, including more decimals than
// the currency has (unless they are zeros) and amounts that overflow.
std::int64_t parse_amount(std::string_view text, std::string_view currency, std::string_view option = "--amount");
// 1234567, "CNY" -> "12,345.67".
std::string format_amount(std::int64_t minor, std::string_view currency);

}  // namespace crmcli
