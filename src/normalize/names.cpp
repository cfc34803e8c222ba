// Chinese name readings: a surname table on top of ICU's Han-Latin
// transliteration, which reads a character by its most common word reading
// and so gets polyphonic surnames wrong (单 is "shan" as a surname, not "dan").
#include <algorithm>
#include <array>
#include <string_view>
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include "common/text.hpp"
#include "normalize/normalize.hpp"

namespace crmlite::normalize {

namespace {

struct Reading {
    std::string_view hanzi, pinyin;
};

// Compound surnames first (longest match wins), then single characters whose
// surname reading differs from ICU's reading or which are ambiguous. A
// character absent here is read by ICU.
constexpr std::array kSurnames = {
    Reading{"欧阳", "ouyang"}, Reading{"司马", "sima"},   Reading{"诸葛", "zhuge"}, Reading{"上官", "shangguan"},
    Reading{"东方", "dongfang"}, Reading{"皇甫", "huangfu"}, Reading{"尉迟", "yuchi"}, Reading{"万俟", "moqi"},
    Reading{"长孙", "zhangsun"}, Reading{"令狐", "linghu"}, Reading{"慕容", "murong"}, Reading{"司徒", "situ"},
    Reading{"夏侯", "xiahou"}, Reading{"公孙", "gongsun"}, Reading{"宇文", "yuwen"}, Reading{"澹台", "tantai"},
    Reading{"单", "shan"},  Reading{"曾", "zeng"},  Reading{"解", "xie"},   Reading{"区", "ou"},
    Reading{"仇", "qiu"},   Reading{"朴", "piao"},  Reading{"查", "zha"},   Reading{"盖", "ge"},
    Reading{"缪", "miao"},  Reading{"翟", "zhai"},  Reading{"乐", "yue"},   Reading{"种", "chong"},
    Reading{"覃", "qin"},   Reading{"折", "she"},   Reading{"召", "shao"},  Reading{"祭", "zhai"},
    Reading{"黑", "he"},    Reading{"员", "yun"},   Reading{"繁", "po"},    Reading{"秘", "bi"},
    Reading{"那", "na"},    Reading{"句", "gou"},   Reading{"尉", "yu"},    Reading{"贲", "ben"},
    Reading{"万", "wan"},   Reading{"沈", "shen"},  Reading{"柏", "bai"},
    Reading{"薄", "bo"},    Reading{"费", "fei"},   Reading{"葛", "ge"},    Reading{"华", "hua"},
    Reading{"纪", "ji"},    Reading{"任", "ren"},   Reading{"宿", "su"},    Reading{"洗", "xian"},
    Reading{"冼", "xian"},  Reading{"臧", "zang"},  Reading{"瞿", "qu"},    Reading{"阚", "kan"},
    Reading{"吕", "lv"},    Reading{"闫", "yan"},   Reading{"庞", "pang"},  Reading{"藏", "zang"},
    Reading{"隗", "wei"},   Reading{"卜", "bu"},    Reading{"都", "du"},    Reading{"长", "chang"},
    Reading{"朝", "chao"},  Reading{"重", "chong"}, Reading{"难", "nan"},   Reading{"能", "nai"},
    Reading{"适", "kuo"},   Reading{"曲", "qu"},    Reading{"过", "guo"},   Reading{"车", "che"},
};

bool has_space(std::string_view s) { return s.find(' ') != std::string_view::npos; }

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto j = s.find(' ', i);
        const auto end = j == std::string::npos ? s.size() : j;
        if (end > i) out.push_back(s.substr(i, end - i));
        i = end + 1;
    }
    return out;
}

// "lü"/"lu:" spelled "lv", as keyboards and our tables do.
std::string plain_ascii(std::string s) {
    std::string out;
    for (char c : s) {
        const unsigned char u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == ' ') out.push_back(c);
        else if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c + 32));
        else if (u < 0x80) out.push_back(' ');
        else out.push_back(c);
    }
    return out;
}

}  // namespace

Surname surname_reading(std::string_view name) {
    const std::string n = text(name);
    for (const auto& r : kSurnames)
        if (std::string_view(n).starts_with(r.hanzi)) return {std::string(r.pinyin), r.hanzi.size()};
    return {};
}

std::string name_pinyin(std::string_view raw) {
    const std::string name = text(raw);
    if (name.empty()) return {};
    if (!crmlite::text::has_han(name)) return fold(plain_ascii(name));
    std::string out;
    std::string_view rest = name;
    if (const auto s = surname_reading(name); s.bytes > 0) {
        out = s.reading;
        rest.remove_prefix(s.bytes);
    }
    std::string tail = crmlite::text::pinyin(rest);
    // ICU spells ü with a diaeresis removed by Latin-ASCII ("lu"): keep it.
    if (!tail.empty()) out += (out.empty() ? "" : " ") + tail;
    return text(plain_ascii(out));
}

std::string name_key(std::string_view raw) {
    const std::string name = text(raw);
    std::vector<std::string> parts;
    if (crmlite::text::has_han(name) && !has_space(name)) {
        // Surname, then the given name's syllables joined: 王小明 -> {wang, xiaoming}.
        const auto s = surname_reading(name);
        std::string family;
        std::string_view rest = name;
        if (s.bytes > 0) {
            family = s.reading;
            rest.remove_prefix(s.bytes);
        } else {
            UChar32 c;
            std::int32_t i = 0;
            U8_NEXT(reinterpret_cast<const std::uint8_t*>(rest.data()), i, static_cast<std::int32_t>(rest.size()), c);
            family = name_pinyin(rest.substr(0, static_cast<std::size_t>(i)));
            rest.remove_prefix(static_cast<std::size_t>(i));
        }
        std::string given;
        for (const auto& syl : split(crmlite::text::pinyin(rest))) given += syl;
        parts.push_back(plain_ascii(family));
        if (!given.empty()) parts.push_back(plain_ascii(given));
    } else {
        parts = split(name_pinyin(name));
    }
    std::string joined;
    for (auto& p : parts) p.erase(std::remove(p.begin(), p.end(), ' '), p.end());
    std::sort(parts.begin(), parts.end());
    for (const auto& p : parts) {
        if (p.empty()) continue;
        if (!joined.empty()) joined += ' ';
        joined += p;
    }
    return joined;
}

}  // namespace crmlite::normalize
