// The FTS5 tokenizer "crm": Latin words (case-, width- and accent-insensitive) plus CJK
// unigrams/bigrams and phone-number suffixes, so that 2-character Chinese queries, name prefixes
// and partial phone numbers all match. See docs/architecture.md (full-text search).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

struct sqlite3;

namespace crmlite::search {

// Registers the FTS5 tokenizer named "crm" on this connection (via the fts5_api pointer obtained
// with `SELECT fts5(?1)` + sqlite3_bind_pointer(..., "fts5_api_ptr", ...)). Idempotent per
// connection. Throws crmlite::Error (common/error.hpp) on failure.
void register_tokenizer(sqlite3* db);

// Shared with match_query.cpp so that the query builder and the tokenizer agree exactly on what
// a character is. Not part of the public API.
namespace detail {

// Decodes one UTF-8 code point at text[i] and advances i. Returns -1 for an invalid byte
// (overlong form, surrogate, truncated sequence, > U+10FFFF) and advances i by one byte only,
// so callers can treat each bad byte as a separator.
std::int32_t next_code_point(std::string_view text, std::size_t& i) noexcept;

// True when the tokenizer, in query mode, produces at least one token from `text`.
// build_match_expression drops chunks for which this is false (e.g. "--", "@", U+3164 filler).
bool has_searchable_token(std::string_view text);

}  // namespace detail
}  // namespace crmlite::search
