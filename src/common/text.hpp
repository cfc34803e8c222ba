// Unicode text services from ICU: NFKC folding, pinyin of Chinese text, and
// collation sort keys so lists sort by pinyin (Chinese) and alphabetically
// (Latin) with a plain index. ICU objects are created once per thread.
#pragma once

#include <string>
#include <string_view>

namespace crmlite::text {

// NFKC: full-width letters and digits become ASCII, compatibility forms fold.
std::string nfkc(std::string_view s);
// True when s contains a Han character.
bool has_han(std::string_view s);
// Toneless lower-case pinyin syllables separated by spaces ("王小明" -> "wang xiao ming");
// non-Han text passes through lower-cased. Empty when s has no Han character.
std::string pinyin(std::string_view s);
// Search forms of a Chinese name: syllables, the joined form and the initials
// ("wang xiao ming wangxiaoming wxm"); empty for non-Han names.
std::string pinyin_search_forms(std::string_view name);
// ICU collation sort key (root collation with zh pinyin ordering for Han).
// Compare with memcmp: SQLite's BLOB ordering gives the collation order.
std::string sort_key(std::string_view s);
// Sort key for a person's or company's name: Chinese names sort by their pinyin
// among Latin names (李四 "li si" between "Lee" and "Lin"), ties broken by the
// full collation key of the name itself. Keys compare with memcmp.
std::string name_sort_key(std::string_view name);
// Digits of s (after NFKC), in order: "+86 138-1234 5678" -> "8613812345678".
std::string digits_only(std::string_view s);

}  // namespace crmlite::text
