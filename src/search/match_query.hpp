// Turns what a user typed into a search box into a safe FTS5 MATCH expression for tables that use
// the "crm" tokenizer (search/tokenizer.hpp). The user's text is never parsed as FTS5 syntax:
// every chunk is quoted, so AND/OR/NEAR/column filters/stray quotes are just words.
#pragma once

#include <string>
#include <string_view>

namespace crmlite::search {

// Turns a user's search text into an FTS5 MATCH expression: whitespace-separated chunks ANDed,
// each chunk a quoted string (embedded " doubled); a chunk whose last character is a Latin letter
// or digit gets a trailing * (prefix query). CJK chunks are NOT prefixed. Returns "" when the
// text holds nothing searchable (only punctuation/space). Never throws on any UTF-8 input;
// invalid UTF-8 bytes are treated as separators.
std::string build_match_expression(std::string_view user_text);

}  // namespace crmlite::search
