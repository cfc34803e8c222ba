// Normalisers for data quality: e-mails, free text, Chinese name readings and
// places. Each returns the normalised form; the original stays where it was
// written (the record), the normal form feeds matching, validation and reports.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crmlite::normalize {

struct Email {
    std::string normalized;  // trimmed, NFKC, domain lower-cased ("John.Doe@example.com")
    std::string match_key;   // fully lower-cased, for matching ("john.doe@example.com")
    std::string local, domain;
    bool valid = false;      // syntax check (RFC 5321 shape: local@domain.tld, no spaces)
};
Email parse_email(std::string_view raw);

// NFKC (full-width letters and digits to half-width), trimmed, runs of white
// space collapsed to one space.
std::string text(std::string_view raw);
// text() then case-folded, for comparisons.
std::string fold(std::string_view raw);

// Toneless pinyin syllables of a Chinese name, surname first, separated by
// spaces ("单伟" -> "shan wei", "欧阳娜娜" -> "ouyang na na"). The surname is
// read from our own table of surname readings (ICU reads polyphonic surnames
// as ordinary words: 单 dan, 解 jie, 区 qu); the rest through ICU. Latin names
// come back folded ("Zhang  Wei" -> "zhang wei"). Empty for empty input.
std::string name_pinyin(std::string_view name);
// The surname reading of a Chinese name's leading character(s), with the
// number of bytes of `name` it covers; empty when the table has none.
struct Surname {
    std::string reading;
    std::size_t bytes = 0;
};
Surname surname_reading(std::string_view name);
// A name as a sorted bag of romanised tokens, so "Zhang Wei", "Wei Zhang",
// "张伟" and "zhangwei" compare equal: syllables joined, lower-case.
std::string name_key(std::string_view name);

// Canonical province ("广东" / "Guangdong" / "广东省" -> "广东省") and city
// ("深圳" / "Shenzhen" -> "深圳市"); unrecognised text comes back as text().
std::string province(std::string_view raw);
std::string city(std::string_view raw);
// Bytes of a known city name at the start of `name` ("上海华为..." -> 6), else 0.
std::size_t city_prefix(std::string_view name);

}  // namespace crmlite::normalize
