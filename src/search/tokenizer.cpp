// The "crm" FTS5 tokenizer. Why a custom one: SQLite's unicode61 makes a whole CJK run one token
// (so "小明" cannot find "王小明") and trigram cannot match 2-character queries. Here:
//  * non-CJK letters/digits/marks form word tokens, normalised NFKC + case fold + Latin accents
//    stripped, so "ＪＯＳÉ", "José" and "jose" are one token;
//  * each CJK character is a token; documents also carry the bigram with the next character
//    colocated at the same position, and queries are written as bigrams, so any substring of two
//    or more CJK characters is a phrase match on bigrams;
//  * long digit runs (phones, stored digits-only) also index their suffixes, so a prefix query on
//    any 3+ digit substring matches.
// Offsets handed to FTS5 are byte offsets into the original text (highlight()/snippet() use them).
#include "search/tokenizer.hpp"

#include <sqlite3.h>
#include <unicode/bytestream.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <algorithm>
#include <array>
#include <climits>
#include <new>
#include <string>

#include "common/error.hpp"

namespace crmlite::search {
namespace {

constexpr const char* kTokenizerName = "crm";
constexpr std::size_t kMaxTokenBytes = 64;       // longer tokens are truncated (index size, DoS)
constexpr std::size_t kMaxNormalizeInput = 1024;  // cap on a run handed to ICU; output is cut anyway
constexpr std::size_t kMinPhoneDigits = 7;        // shorter digit runs are not phone numbers
constexpr std::size_t kMinPhoneSuffix = 3;        // shorter suffixes would match almost anything

// ---- character classes --------------------------------------------------------------------------

enum class Cls : std::uint8_t { Sep, Word, Cjk, Mark };

// ASCII is decided by table so that the common case (Latin text, emails, digits) never calls ICU.
constexpr std::array<bool, 128> make_ascii_word() {
    std::array<bool, 128> t{};
    for (int c = '0'; c <= '9'; ++c) t[c] = true;
    for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
    return t;
}
constexpr std::array<bool, 128> kAsciiWord = make_ascii_word();

bool is_ascii_word(unsigned char b) { return b < 0x80 && kAsciiWord[b]; }

// Han (all extensions and compatibility ideographs), Hiragana, Katakana, Hangul. Called only for
// letters/numbers. The ranges cover almost all real text; the script lookup (which honours
// Script_Extensions, so U+30FC "ー" and U+3005 "々" count) handles the rest.
bool is_cjk(UChar32 c) {
    if ((c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3040 && c <= 0x30FF) ||
        (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0x3400 && c <= 0x4DBF) ||
        (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x20000 && c <= 0x3FFFF))
        return true;
    if (c < 0x1100) return false;  // nothing below Hangul Jamo is CJK
    return uscript_hasScript(c, USCRIPT_HAN) || uscript_hasScript(c, USCRIPT_HIRAGANA) ||
           uscript_hasScript(c, USCRIPT_KATAKANA) || uscript_hasScript(c, USCRIPT_HANGUL);
}

Cls classify(UChar32 c) {
    if (c < 0x80) return kAsciiWord[c] ? Cls::Word : Cls::Sep;
    const std::uint32_t m = U_GET_GC_MASK(c);
    if (m & U_GC_M_MASK) return Cls::Mark;
    // Grapheme extenders that are not marks: halfwidth (han)dakuten U+FF9E/F (Lm) must stay with
    // their kana so NFKC can compose "ｶﾞ" -> "ガ"; ZWNJ (Cf) sits inside Persian/Indic words.
    if ((m & (U_GC_LM_MASK | U_GC_CF_MASK)) && u_hasBinaryProperty(c, UCHAR_GRAPHEME_EXTEND))
        return Cls::Mark;
    if (m & (U_GC_L_MASK | U_GC_N_MASK)) return is_cjk(c) ? Cls::Cjk : Cls::Word;
    return Cls::Sep;
}

bool is_latin_letter(UChar32 c) {
    if (c < 0x80) return is_ascii_word(static_cast<unsigned char>(c)) && !(c >= '0' && c <= '9');
    UErrorCode ec = U_ZERO_ERROR;
    return uscript_getScript(c, &ec) == USCRIPT_LATIN && U_SUCCESS(ec);
}

// ---- normalisation ------------------------------------------------------------------------------

// ICU's Normalizer2 getters return process-wide immutable singletons (thread-safe), so fetching
// them once here is the "created once" the design asks for; no per-token setup cost.
struct Normalizers {
    const icu::Normalizer2* nfkc_cf = nullptr;  // NFKC + case folding in one pass
    const icu::Normalizer2* nfd = nullptr;      // to split accents off Latin letters
    const icu::Normalizer2* nfc = nullptr;      // to recompose what is left
    bool ok() const { return nfkc_cf && nfd && nfc; }
};

const Normalizers& normalizers() {
    static const Normalizers n = [] {
        Normalizers r;
        UErrorCode ec = U_ZERO_ERROR;
        r.nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(ec);
        r.nfd = icu::Normalizer2::getNFDInstance(ec);
        r.nfc = icu::Normalizer2::getNFCInstance(ec);
        if (U_FAILURE(ec)) r = Normalizers{};
        return r;
    }();
    return n;
}

void icu_normalize(const icu::Normalizer2* n, std::string_view in, std::string& out) {
    out.clear();
    icu::StringByteSink<std::string> sink(&out);
    UErrorCode ec = U_ZERO_ERROR;
    n->normalizeUTF8(0, icu::StringPiece(in.data(), static_cast<std::int32_t>(in.size())), sink,
                     nullptr, ec);
    if (U_FAILURE(ec)) out.assign(in);  // never fail a whole document over one odd token
}

// Cuts at a code point boundary at or below max bytes.
std::string_view utf8_prefix(std::string_view s, std::size_t max) {
    if (s.size() <= max) return s;
    std::size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    return s.substr(0, cut);
}

// Removes nonspacing marks that follow a Latin base ("é" -> "e", "ễ" -> "e"), leaving marks of
// other scripts alone (dakuten, Devanagari vowel signs and Cyrillic "й" carry meaning).
void strip_latin_marks(const Normalizers& nz, std::string& s) {
    bool candidate = false;  // cheap pre-scan: only Latin letters or marks can need the work
    for (std::size_t i = 0; i < s.size() && !candidate;) {
        if (static_cast<unsigned char>(s[i]) < 0x80) { ++i; continue; }
        const auto c = detail::next_code_point(s, i);
        candidate = c >= 0 && ((U_GET_GC_MASK(c) & U_GC_MN_MASK) || is_latin_letter(c));
    }
    if (!candidate) return;

    std::string decomposed, kept;
    icu_normalize(nz.nfd, s, decomposed);
    kept.reserve(decomposed.size());
    bool latin_base = false, changed = false;
    for (std::size_t i = 0; i < decomposed.size();) {
        const std::size_t at = i;
        const auto c = detail::next_code_point(decomposed, i);
        if (c >= 0 && (U_GET_GC_MASK(c) & U_GC_MN_MASK)) {
            if (latin_base) { changed = true; continue; }
        } else {
            latin_base = is_latin_letter(c);
            // Letters with a built-in stroke have no decomposition; fold the common ones a user
            // would type without the stroke (Vietnamese Đ, Danish/Norwegian Ø, Polish Ł).
            const char plain = c == 0x0111 ? 'd' : c == 0x00F8 ? 'o' : c == 0x0142 ? 'l' : 0;
            if (plain) { kept.push_back(plain); changed = true; continue; }
        }
        kept.append(decomposed, at, i - at);
    }
    if (changed) icu_normalize(nz.nfc, kept, s);
}

// CJK code points that NFKC + case folding leave unchanged, so the common case skips ICU.
bool cjk_is_normalized(UChar32 c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
           (c >= 0x3041 && c <= 0x3096) || (c >= 0x30A1 && c <= 0x30FA) ||
           (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0x20000 && c <= 0x2F7FF) ||
           (c >= 0x30000 && c <= 0x3FFFF);
}

// ---- the tokenizing pass ------------------------------------------------------------------------

using EmitFn = int (*)(void* ctx, int tflags, const char* token, int n, int start, int end);

// One pass over one text. Word runs and CJK characters are collected as byte ranges of the
// original text and emitted once complete (a CJK character is complete when the next code point
// is not a combining mark; a CJK bigram needs the following character).
class Pass {
public:
    Pass(const Normalizers& nz, bool query, void* ctx, EmitFn emit)
        : nz_(nz), query_(query), ctx_(ctx), emit_(emit) {}

    int run(std::string_view text) {
        text_ = text;
        const std::size_t n = text.size();
        std::size_t i = 0;
        while (i < n && rc_ == SQLITE_OK) {
            const std::size_t start = i;
            const auto b = static_cast<unsigned char>(text[i]);
            if (b < 0x80) {  // fast path: no decoding, no ICU
                if (!kAsciiWord[b]) { end_all(); ++i; continue; }
                end_cjk_run();
                while (i < n && is_ascii_word(static_cast<unsigned char>(text[i]))) ++i;
                extend_word(start, i, true);
                continue;
            }
            const auto c = detail::next_code_point(text, i);
            switch (c < 0 ? Cls::Sep : classify(c)) {
                case Cls::Sep: end_all(); break;
                case Cls::Word: end_cjk_run(); extend_word(start, i, false); break;
                case Cls::Mark:  // belongs to whatever precedes it
                    if (cjk_pending_) cjk_end_ = i; else extend_word(start, i, false);
                    break;
                case Cls::Cjk:
                    flush_word();
                    finish_cjk_char();
                    cjk_pending_ = true, cjk_start_ = start, cjk_end_ = i;
                    break;
            }
        }
        end_all();
        return rc_;
    }

private:
    void emit(std::string_view tok, int flags, std::size_t start, std::size_t end) {
        if (rc_ != SQLITE_OK) return;
        rc_ = emit_(ctx_, flags, tok.data(), static_cast<int>(tok.size()), static_cast<int>(start),
                    static_cast<int>(end));
    }

    void extend_word(std::size_t start, std::size_t end, bool ascii) {
        if (!word_active_) word_active_ = true, word_start_ = start, word_ascii_ = true;
        word_ascii_ = word_ascii_ && ascii;
        word_end_ = end;
    }

    void end_all() { flush_word(); end_cjk_run(); }

    void flush_word() {
        if (!word_active_) return;
        word_active_ = false;
        const std::string_view raw = text_.substr(word_start_, word_end_ - word_start_);
        tok_.clear();
        if (word_ascii_) {
            const std::size_t len = std::min(raw.size(), kMaxTokenBytes);
            for (std::size_t k = 0; k < len; ++k) {
                const char ch = raw[k];
                tok_.push_back(ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch);
            }
        } else {
            icu_normalize(nz_.nfkc_cf, utf8_prefix(raw, kMaxNormalizeInput), tok_);
            strip_latin_marks(nz_, tok_);
            tok_.resize(utf8_prefix(tok_, kMaxTokenBytes).size());
        }
        if (tok_.empty()) return;  // e.g. only default-ignorables such as variation selectors
        emit(tok_, 0, word_start_, word_end_);
        if (query_ || tok_.size() < kMinPhoneDigits) return;
        if (!std::all_of(tok_.begin(), tok_.end(), [](char ch) { return ch >= '0' && ch <= '9'; }))
            return;
        // Phone numbers: every suffix of 3+ digits at the same position, so "5678"* or "1234"*
        // (prefix of the suffix "12345678") find "8613812345678".
        const std::string_view digits = tok_;
        for (std::size_t k = 1; k + kMinPhoneSuffix <= digits.size(); ++k)
            emit(digits.substr(k), FTS5_TOKEN_COLOCATED, word_start_, word_end_);
    }

    // Completes the pending CJK character (base + any marks) and pushes it through the n-gram
    // logic: documents get unigram + colocated bigram, queries get bigrams only. The run's last
    // unigram is emitted by end_cjk_run().
    void finish_cjk_char() {
        if (!cjk_pending_) return;
        cjk_pending_ = false;
        const std::string_view raw = text_.substr(cjk_start_, cjk_end_ - cjk_start_);
        std::size_t i = 0;
        const auto c = detail::next_code_point(raw, i);
        if (i == raw.size() && cjk_is_normalized(c)) {
            cur_.assign(raw);
        } else {
            icu_normalize(nz_.nfkc_cf, utf8_prefix(raw, kMaxNormalizeInput), cur_);
            cur_.resize(utf8_prefix(cur_, kMaxTokenBytes).size());
        }
        if (cur_.empty()) return;
        if (have_prev_) {
            bigram_ = prev_;
            bigram_ += cur_;
            if (!query_) emit(prev_, 0, prev_start_, prev_end_);
            emit(bigram_, query_ ? 0 : FTS5_TOKEN_COLOCATED, prev_start_, cjk_end_);
        }
        prev_.swap(cur_);
        prev_start_ = cjk_start_, prev_end_ = cjk_end_, have_prev_ = true;
    }

    // The last character of a run is emitted as a unigram in both modes. In a document it is the
    // token of its position. In a query it keeps the phrase as long (in positions) as the text:
    // "王小明" -> 王小 小明 明 spans three positions, so highlight() marks all three characters and
    // a mixed chunk like "王小明abc" lines "abc" up with the document's position of "abc". It does
    // not change what matches: the last bigram already implies that character.
    void end_cjk_run() {
        finish_cjk_char();
        if (!have_prev_) return;
        have_prev_ = false;
        emit(prev_, 0, prev_start_, prev_end_);
    }

    const Normalizers& nz_;
    const bool query_;
    void* const ctx_;
    const EmitFn emit_;
    int rc_ = SQLITE_OK;
    std::string_view text_;

    bool word_active_ = false, word_ascii_ = true;
    std::size_t word_start_ = 0, word_end_ = 0;
    bool cjk_pending_ = false, have_prev_ = false;
    std::size_t cjk_start_ = 0, cjk_end_ = 0, prev_start_ = 0, prev_end_ = 0;
    std::string tok_, cur_, prev_, bigram_;  // reused across tokens of this pass
};

// ---- FTS5 glue ----------------------------------------------------------------------------------

// The tokenizer object needs no per-table state beyond the (shared) normalizers.
struct CrmTokenizer {
    const Normalizers* nz;
};

int crm_create(void*, const char** /*azArg*/, int nArg, Fts5Tokenizer** out) {
    *out = nullptr;
    if (nArg > 0) return SQLITE_ERROR;  // "crm" takes no options; reject typos loudly
    if (!normalizers().ok()) return SQLITE_ERROR;
    auto* t = new (std::nothrow) CrmTokenizer{&normalizers()};
    if (!t) return SQLITE_NOMEM;
    *out = reinterpret_cast<Fts5Tokenizer*>(t);
    return SQLITE_OK;
}

void crm_delete(Fts5Tokenizer* t) { delete reinterpret_cast<CrmTokenizer*>(t); }

int crm_tokenize(Fts5Tokenizer* tok, void* ctx, int flags, const char* text, int n,
                 int (*x_token)(void*, int, const char*, int, int, int)) {
    // No exception may cross into SQLite's C frames.
    try {
        if (!text || n <= 0) return SQLITE_OK;
        const auto* t = reinterpret_cast<CrmTokenizer*>(tok);
        // FTS5_TOKENIZE_AUX (highlight/snippet) must see exactly the document's positions.
        Pass pass(*t->nz, (flags & FTS5_TOKENIZE_QUERY) != 0, ctx, x_token);
        return pass.run(std::string_view(text, static_cast<std::size_t>(n)));
    } catch (const std::bad_alloc&) {
        return SQLITE_NOMEM;
    } catch (...) {
        return SQLITE_ERROR;
    }
}

fts5_api* fts5_api_of(sqlite3* db) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &stmt, nullptr);
    if (rc != SQLITE_OK) {
        throw Error(CRM_ERROR, std::string("FTS5 is not available: ") + sqlite3_errmsg(db), rc);
    }
    fts5_api* api = nullptr;
    sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
    rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_ROW || !api || api->iVersion < 2) {
        throw Error(CRM_ERROR, "FTS5 API pointer unavailable", rc == SQLITE_ROW ? 0 : rc);
    }
    return api;
}

}  // namespace

void register_tokenizer(sqlite3* db) {
    if (!db) throw Error(CRM_EMISUSE, "register_tokenizer: null connection");
    if (!normalizers().ok()) throw Error(CRM_ERROR, "ICU normalizers unavailable (ICU data?)");
    fts5_api* api = fts5_api_of(db);

    // Idempotent: re-registering would stack another entry on the connection's tokenizer list.
    void* user_data = nullptr;
    fts5_tokenizer existing{};
    if (api->xFindTokenizer(api, kTokenizerName, &user_data, &existing) == SQLITE_OK &&
        existing.xCreate == &crm_create)
        return;

    fts5_tokenizer tok{&crm_create, &crm_delete, &crm_tokenize};
    const int rc = api->xCreateTokenizer(api, kTokenizerName, nullptr, &tok, nullptr);
    if (rc != SQLITE_OK) throw Error(CRM_ERROR, "cannot register FTS5 tokenizer 'crm'", rc);
}

namespace detail {

std::int32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) return ++i, b0;
    std::size_t len;
    std::int32_t cp, min;
    if (b0 >= 0xC2 && b0 <= 0xDF) len = 2, cp = b0 & 0x1F, min = 0x80;
    else if (b0 >= 0xE0 && b0 <= 0xEF) len = 3, cp = b0 & 0x0F, min = 0x800;
    else if (b0 >= 0xF0 && b0 <= 0xF4) len = 4, cp = b0 & 0x07, min = 0x10000;
    else return ++i, -1;  // continuation byte, C0/C1 overlong lead, F5..FF
    if (s.size() - i < len) return ++i, -1;
    for (std::size_t k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) return ++i, -1;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return ++i, -1;
    i += len;
    return cp;
}

bool has_searchable_token(std::string_view text) {
    if (!normalizers().ok()) return false;
    if (text.size() > static_cast<std::size_t>(INT_MAX)) text = utf8_prefix(text, INT_MAX);
    bool found = false;
    // Stop at the first token: returning non-OK ends the pass early.
    const EmitFn stop = [](void* ctx, int, const char*, int, int, int) {
        *static_cast<bool*>(ctx) = true;
        return SQLITE_DONE;
    };
    Pass(normalizers(), true, &found, stop).run(text);
    return found;
}

}  // namespace detail
}  // namespace crmlite::search
