// build_match_expression: quoting rather than passing user text through means no input can cause
// an FTS5 syntax error or reach FTS5 operators; the tokenizer itself splits each quoted chunk into
// a phrase (e.g. "john@x.com" -> john x com, "王小明" -> CJK bigrams).
#include "search/match_query.hpp"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "search/tokenizer.hpp"

namespace crmlite::search {
namespace {

// Chunk separators: Unicode White_Space (incl. U+3000 ideographic space, NBSP) and control
// characters (a NUL or newline pasted into a search box is never meant as text).
bool is_separator(std::int32_t c) {
    if (c < 0) return true;  // invalid UTF-8 byte
    if (c < 0x80) return c <= 0x20 || c == 0x7F;
    return u_isUWhiteSpace(c) || (U_GET_GC_MASK(c) & U_GC_CC_MASK);
}

// The typed word is complete when it ends in punctuation or CJK; only an unfinished Latin word
// or number gets the prefix star (CJK is already matched as substrings by the tokenizer).
bool wants_prefix(std::int32_t c) {
    if (c < 0) return false;
    if (c < 0x80) return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const std::uint32_t m = U_GET_GC_MASK(c);
    if (m & U_GC_ND_MASK) return true;  // incl. full-width digits
    if (!(m & U_GC_L_MASK)) return false;
    UErrorCode ec = U_ZERO_ERROR;
    return uscript_getScript(c, &ec) == USCRIPT_LATIN && U_SUCCESS(ec);  // incl. full-width Ａ
}

void append_chunk(std::string& out, std::string_view chunk, std::int32_t last_base) {
    if (!detail::has_searchable_token(chunk)) return;  // "--", "@", "..." add nothing
    if (!out.empty()) out += " AND ";
    out += '"';
    for (const char ch : chunk) {
        if (ch == '"') out += '"';  // FTS5 string: a quote is written twice
        out += ch;
    }
    out += '"';
    if (wants_prefix(last_base)) out += '*';
}

}  // namespace

std::string build_match_expression(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    while (i < text.size()) {
        std::size_t start = i;
        std::int32_t c = detail::next_code_point(text, i);
        if (is_separator(c)) continue;
        std::int32_t last_base = c;  // last non-mark character, so "José" in NFD still ends in e
        std::size_t end = i;
        while (i < text.size()) {
            c = detail::next_code_point(text, i);
            if (is_separator(c)) break;
            if (!(U_GET_GC_MASK(c) & U_GC_M_MASK)) last_base = c;
            end = i;
        }
        append_chunk(out, text.substr(start, end - start), last_base);
    }
    return out;
}

}  // namespace crmlite::search
