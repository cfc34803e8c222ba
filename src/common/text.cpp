#include "common/text.hpp"

#include <unicode/coll.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <memory>
#include <unordered_map>

#include "common/error.hpp"

namespace crmlite::text {

namespace {

struct IcuServices {
    std::unique_ptr<icu::Transliterator> to_pinyin;
    std::unique_ptr<icu::Collator> collator;
    const icu::Normalizer2* nfkc = nullptr;

    IcuServices() {
        UErrorCode status = U_ZERO_ERROR;
        nfkc = icu::Normalizer2::getNFKCInstance(status);
        if (U_FAILURE(status)) throw Error(CRM_ERROR, std::string("ICU NFKC: ") + u_errorName(status));
        status = U_ZERO_ERROR;
        to_pinyin.reset(icu::Transliterator::createInstance("Han-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, status));
        if (U_FAILURE(status)) throw Error(CRM_ERROR, std::string("ICU Han-Latin: ") + u_errorName(status));
        status = U_ZERO_ERROR;
        collator.reset(icu::Collator::createInstance(icu::Locale("zh"), status));
        if (U_FAILURE(status)) throw Error(CRM_ERROR, std::string("ICU collator: ") + u_errorName(status));
        collator->setStrength(icu::Collator::TERTIARY);
    }
};

IcuServices& icu_services() {
    thread_local IcuServices services;
    return services;
}

bool is_han(UChar32 c) {
    UErrorCode status = U_ZERO_ERROR;
    return uscript_getScript(c, &status) == USCRIPT_HAN;
}

std::string to_utf8(const icu::UnicodeString& u) {
    std::string out;
    u.toUTF8String(out);
    return out;
}

}  // namespace

std::string nfkc(std::string_view s) {
    bool ascii = true;
    for (const char c : s)
        if (static_cast<unsigned char>(c) >= 0x80) ascii = false;
    if (ascii) return std::string(s);
    UErrorCode status = U_ZERO_ERROR;
    const auto u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    const auto n = icu_services().nfkc->normalize(u, status);
    if (U_FAILURE(status)) return std::string(s);
    return to_utf8(n);
}

bool has_han(std::string_view s) {
    int32_t i = 0;
    const auto len = static_cast<int32_t>(s.size());
    while (i < len) {
        UChar32 c;
        U8_NEXT(s.data(), i, len, c);
        if (c >= 0 && is_han(c)) return true;
    }
    return false;
}

namespace {

// ICU's rule-based Han-Latin transliterator costs microseconds a character;
// names repeat the same few thousand characters, so each character's reading
// is computed once per thread and cached. Characters are read one at a time,
// which is also how a surname reading table (issue: data quality) plugs in.
const std::string& han_syllable(UChar32 c) {
    thread_local std::unordered_map<UChar32, std::string> cache;
    auto it = cache.find(c);
    if (it != cache.end()) return it->second;
    icu::UnicodeString u(c);
    icu_services().to_pinyin->transliterate(u);
    std::string syllable = to_utf8(u);
    std::erase(syllable, ' ');
    return cache.emplace(c, std::move(syllable)).first->second;
}

// Text between Han characters: ASCII is lower-cased directly, anything else
// goes through the same transliterator (accents dropped, lower-cased).
void append_other(std::string& out, std::string_view run) {
    bool ascii = true;
    for (const char ch : run)
        if (static_cast<unsigned char>(ch) >= 0x80) ascii = false;
    if (ascii) {
        for (const char ch : run) out.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
        return;
    }
    auto u = icu::UnicodeString::fromUTF8(icu::StringPiece(run.data(), static_cast<int32_t>(run.size())));
    icu_services().to_pinyin->transliterate(u);
    out += to_utf8(u);
}

}  // namespace

std::string pinyin(std::string_view s) {
    if (!has_han(s)) return {};
    std::string raw;
    const auto len = static_cast<int32_t>(s.size());
    int32_t i = 0, run_start = 0;
    while (i < len) {
        const int32_t at = i;
        UChar32 c;
        U8_NEXT(s.data(), i, len, c);
        if (c < 0 || !is_han(c)) continue;
        if (run_start < at) append_other(raw, s.substr(static_cast<std::size_t>(run_start), static_cast<std::size_t>(at - run_start)));
        raw.push_back(' ');
        raw += han_syllable(c);
        raw.push_back(' ');
        run_start = i;
    }
    if (run_start < len) append_other(raw, s.substr(static_cast<std::size_t>(run_start)));
    // One space between syllables and words, none at the ends.
    std::string out;
    for (const char c : raw) {
        if (c == ' ' && (out.empty() || out.back() == ' ')) continue;
        out.push_back(c);
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out;
}

std::string pinyin_search_forms(std::string_view name) {
    const std::string syllables = pinyin(name);
    if (syllables.empty()) return {};
    std::string joined, initials;
    bool at_start = true;
    for (const char c : syllables) {
        if (c == ' ') {
            at_start = true;
            continue;
        }
        joined.push_back(c);
        if (at_start && c >= 'a' && c <= 'z') initials.push_back(c);
        at_start = false;
    }
    return syllables + " " + joined + " " + initials;
}

std::string sort_key(std::string_view s) {
    const auto u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
    auto& coll = *icu_services().collator;
    std::string key(64, '\0');
    int32_t n = coll.getSortKey(u, reinterpret_cast<uint8_t*>(key.data()), static_cast<int32_t>(key.size()));
    if (n > static_cast<int32_t>(key.size())) {
        key.resize(static_cast<std::size_t>(n));
        n = coll.getSortKey(u, reinterpret_cast<uint8_t*>(key.data()), n);
    }
    key.resize(n > 0 ? static_cast<std::size_t>(n - 1) : 0);  // drop the trailing NUL
    return key;
}

std::string name_sort_key(std::string_view name) {
    // ICU sort keys contain no NUL byte, so keeping the first key's terminating
    // NUL makes the concatenation order by (first key, second key).
    const std::string reading = has_han(name) ? pinyin(name) : std::string(name);
    std::string key = sort_key(reading);
    key.push_back('\0');
    key += sort_key(name);
    return key;
}

std::string digits_only(std::string_view s) {
    const std::string folded = nfkc(s);
    std::string out;
    for (const char c : folded)
        if (c >= '0' && c <= '9') out.push_back(c);
    return out;
}

}  // namespace crmlite::text
