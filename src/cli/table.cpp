#include "table.hpp"

#include <algorithm>
#include <iterator>

namespace crmcli {

namespace {

struct Range {
    char32_t first, last;
};

// Zero-width: combining marks, zero-width space/joiners, variation selectors.
constexpr Range kZero[] = {
    {0x0300, 0x036F}, {0x0483, 0x0489}, {0x0591, 0x05BD}, {0x0610, 0x061A}, {0x064B, 0x065F},
    {0x1AB0, 0x1AFF}, {0x1DC0, 0x1DFF}, {0x200B, 0x200F}, {0x202A, 0x202E}, {0x2060, 0x2064},
    {0x20D0, 0x20FF}, {0xFE00, 0xFE0F}, {0xFE20, 0xFE2F}, {0xFEFF, 0xFEFF}, {0xE0100, 0xE01EF},
};

// East Asian Width W and F (Unicode UAX #11), condensed to the blocks that
// matter for CRM data: Hangul Jamo, CJK punctuation and ideographs, kana,
// Hangul syllables, fullwidth forms and the common emoji blocks.
constexpr Range kWide[] = {
    {0x1100, 0x115F},   {0x231A, 0x231B},   {0x2329, 0x232A},   {0x23E9, 0x23EC},   {0x23F0, 0x23F0},
    {0x23F3, 0x23F3},   {0x25FD, 0x25FE},   {0x2614, 0x2615},   {0x2648, 0x2653},   {0x267F, 0x267F},
    {0x2693, 0x2693},   {0x26A1, 0x26A1},   {0x26AA, 0x26AB},   {0x26BD, 0x26BE},   {0x26C4, 0x26C5},
    {0x26CE, 0x26CE},   {0x26D4, 0x26D4},   {0x26EA, 0x26EA},   {0x26F2, 0x26F3},   {0x26F5, 0x26F5},
    {0x26FA, 0x26FA},   {0x26FD, 0x26FD},   {0x2705, 0x2705},   {0x270A, 0x270B},   {0x2728, 0x2728},
    {0x274C, 0x274C},   {0x274E, 0x274E},   {0x2753, 0x2755},   {0x2757, 0x2757},   {0x2795, 0x2797},
    {0x27B0, 0x27B0},   {0x27BF, 0x27BF},   {0x2B1B, 0x2B1C},   {0x2B50, 0x2B50},   {0x2B55, 0x2B55},
    {0x2E80, 0x303E},   {0x3041, 0x33FF},   {0x3400, 0x4DBF},   {0x4E00, 0x9FFF},   {0xA000, 0xA4CF},
    {0xA960, 0xA97F},   {0xAC00, 0xD7A3},   {0xF900, 0xFAFF},   {0xFE10, 0xFE19},   {0xFE30, 0xFE6F},
    {0xFF00, 0xFF60},   {0xFFE0, 0xFFE6},   {0x16FE0, 0x16FE4}, {0x17000, 0x18AFF}, {0x1B000, 0x1B2FF},
    {0x1F004, 0x1F004}, {0x1F0CF, 0x1F0CF}, {0x1F18E, 0x1F18E}, {0x1F191, 0x1F19A}, {0x1F200, 0x1F251},
    {0x1F300, 0x1F64F}, {0x1F680, 0x1F6FF}, {0x1F7E0, 0x1F7EB}, {0x1F90C, 0x1F9FF}, {0x1FA70, 0x1FAFF},
    {0x20000, 0x2FFFD}, {0x30000, 0x3FFFD},
};

template <std::size_t N>
bool in(const Range (&table)[N], char32_t cp) {
    // Tables are sorted: binary search for the last range starting at or before cp.
    auto it = std::upper_bound(std::begin(table), std::end(table), cp,
                               [](char32_t c, const Range& r) { return c < r.first; });
    return it != std::begin(table) && cp <= std::prev(it)->last;
}

constexpr char32_t kBad = 0xFFFD;

// Decodes one code point at s[i], advancing i; invalid sequences yield U+FFFD
// and consume one byte so decoding resynchronises.
char32_t decode(std::string_view s, std::size_t& i) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    int len = 0;
    char32_t cp = 0;
    if ((b0 & 0xE0) == 0xC0) len = 2, cp = b0 & 0x1F;
    else if ((b0 & 0xF0) == 0xE0) len = 3, cp = b0 & 0x0F;
    else if ((b0 & 0xF8) == 0xF0) len = 4, cp = b0 & 0x07;
    else {
        ++i;
        return kBad;
    }
    if (i + static_cast<std::size_t>(len) > s.size()) {
        ++i;
        return kBad;
    }
    for (int k = 1; k < len; ++k) {
        const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return kBad;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return kBad;
    }
    i += static_cast<std::size_t>(len);
    return cp;
}

void encode(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7F && cp < 0xA0) || cp == 0x2028 || cp == 0x2029; }

}  // namespace

int char_width(char32_t cp) {
    if (cp == 0) return 0;
    if (cp < 0x300) return 1;  // fast path: ASCII and Latin-1
    if (in(kZero, cp)) return 0;
    if (in(kWide, cp)) return 2;
    return 1;
}

int display_width(std::string_view s) {
    int w = 0;
    for (std::size_t i = 0; i < s.size();) w += char_width(decode(s, i));
    return w;
}

std::string clean(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    bool space = false;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp = decode(s, i);
        if (is_control(cp) || cp == ' ') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out.push_back(' ');
        space = false;
        encode(cp, out);
    }
    return out;
}

std::string fit(std::string_view s, int max_width) {
    if (max_width <= 0 || display_width(s) <= max_width) return std::string(s);
    std::string out;
    int w = 0;
    for (std::size_t i = 0; i < s.size();) {
        const std::size_t start = i;
        const int cw = char_width(decode(s, i));
        if (w + cw > max_width - 1) break;  // keep one column for the ellipsis
        out.append(s.substr(start, i - start));
        w += cw;
    }
    return out + "…";
}

std::string pad(std::string_view s, int width) {
    std::string out(s);
    const int w = display_width(s);
    if (w < width) out.append(static_cast<std::size_t>(width - w), ' ');
    return out;
}

Table& Table::column(std::string header, int max_width, bool right, bool optional) {
    columns_.push_back({std::move(header), max_width, right, optional});
    return *this;
}

Table& Table::row(std::vector<std::string> cells) {
    cells.resize(columns_.size());
    for (std::size_t i = 0; i < cells.size(); ++i) cells[i] = fit(clean(cells[i]), columns_[i].max_width);
    rows_.push_back(std::move(cells));
    return *this;
}

void Table::print(std::ostream& out, int indent) const {
    // Columns shown: all but the optional ones that no row fills.
    std::vector<std::size_t> shown;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
        const bool filled = std::any_of(rows_.begin(), rows_.end(), [&](const auto& r) { return !r[i].empty(); });
        if (!columns_[i].optional || filled) shown.push_back(i);
    }
    std::vector<int> widths(columns_.size(), 0);
    for (const auto i : shown) {
        widths[i] = display_width(columns_[i].header);
        for (const auto& r : rows_) widths[i] = std::max(widths[i], display_width(r[i]));
    }
    const auto line = [&](const std::vector<std::string>& cells) {
        std::string text(static_cast<std::size_t>(indent), ' ');
        for (std::size_t k = 0; k < shown.size(); ++k) {
            const std::size_t i = shown[k];
            if (k) text += "  ";
            const int gap = widths[i] - display_width(cells[i]);
            if (columns_[i].right) text.append(static_cast<std::size_t>(gap), ' ') += cells[i];
            else text += (k + 1 == shown.size() ? cells[i] : pad(cells[i], widths[i]));
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        out << text << '\n';
    };
    std::vector<std::string> headers;
    for (const auto& c : columns_) headers.push_back(c.header);
    line(headers);
    for (const auto& r : rows_) line(r);
}

void print_fields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields, int indent) {
    int width = 0;
    for (const auto& [k, v] : fields)
        if (!v.empty()) width = std::max(width, display_width(k));
    for (const auto& [k, v] : fields) {
        if (v.empty()) continue;
        out << std::string(static_cast<std::size_t>(indent), ' ') << pad(k, width) << "  " << clean(v) << '\n';
    }
}

std::string group_digits(unsigned long long n) {
    const std::string digits = std::to_string(n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out.push_back(',');
        out.push_back(digits[i]);
    }
    return out;
}

std::string group_digits(long long n) {
    // The magnitude as unsigned, so LLONG_MIN does not overflow.
    const unsigned long long mag = n < 0 ? 0ull - static_cast<unsigned long long>(n) : static_cast<unsigned long long>(n);
    return n < 0 ? "-" + group_digits(mag) : group_digits(mag);
}

}  // namespace crmcli
