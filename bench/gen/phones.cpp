#include "phones.hpp"

#include <iterator>

#include "places.hpp"

namespace gen {
namespace {

void append_digits(Rng& rng, std::string& out, int count) {
    for (int i = 0; i < count; ++i) out.push_back(rng.digit());
}

// clang-format off
constexpr std::string_view kMobilePrefixes[] = {
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "170", "171", "173", "175", "176", "177", "178", "180",
    "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "193", "195", "196", "197",
    "198", "199"};
// clang-format on

// Relative frequency of each format; see render_phone() for what they look like.
constexpr int kMobileFormatWeights[] = {50, 12, 5, 10, 4, 8, 7, 4};
constexpr int kFixedFormatWeights[] = {35, 15, 30, 10, 10};
constexpr int kForeignFormatWeights[] = {50, 25, 15, 10};

int pick_format(Rng& rng, PhoneKind kind) {
    auto pick = [&](const auto& weights) {
        return static_cast<int>(rng.pick_index_weighted(weights, [](int w) { return static_cast<long>(w); }));
    };
    switch (kind) {
        case PhoneKind::Mobile:
            return pick(kMobileFormatWeights);
        case PhoneKind::Fixed:
            return pick(kFixedFormatWeights);
        case PhoneKind::Foreign:
            return pick(kForeignFormatWeights);
        case PhoneKind::None:
            break;
    }
    return 0;
}

// Writes `digits` in groups of the sizes listed in `groups` ("34" -> "555 0123").
void append_grouped(std::string& out, std::string_view digits, std::string_view groups, char sep) {
    std::size_t at = 0;
    for (char g : groups) {
        if (at > 0) out.push_back(sep);
        const auto n = static_cast<std::size_t>(g - '0');
        out.append(digits.substr(at, n));
        at += n;
    }
}

void render_mobile(std::string_view d, int format, std::string& out) {
    const auto spaced = [&](std::string_view lead, char sep) {
        out.append(lead);
        append_grouped(out, d, "344", sep);
    };
    switch (format) {
        case 0:
            out.append(d);
            break;  // 13812345678
        case 1:
            spaced("+86 ", ' ');
            break;  // +86 138 1234 5678
        case 2:
            spaced("+86-", '-');
            break;  // +86-138-1234-5678
        case 3:
            spaced("", '-');
            break;  // 138-1234-5678
        case 4:
            out.append("0086 ").append(d);
            break;  // 0086 13812345678
        case 5:
            spaced("", ' ');
            break;  // 138 1234 5678
        case 6:
            out.append("+86").append(d);
            break;  // +8613812345678
        default:    // full-width digits
            for (char c : d) {
                out.append("\xEF\xBC");
                out.push_back(static_cast<char>(0x90 + (c - '0')));
            }
    }
}

void render_fixed(const City& city, std::string_view local, int format, std::string& out) {
    const std::string_view head = local.substr(0, local.size() - 4), tail = local.substr(local.size() - 4);
    const std::string_view area = city.area_code;
    switch (format) {
        case 0:
            out.append(area).append("-").append(head).append(" ").append(tail);
            break;  // 021-6234 5678
        case 1:
            out.append("(").append(area).append(") ").append(head).append("-").append(tail);
            break;
        case 2:
            out.append(area).append("-").append(local);
            break;  // 021-62345678
        case 3:
            out.append("+86 ").append(area.substr(1)).append(" ").append(head).append(" ").append(tail);
            break;
        default:
            out.append(area).append(local);  // 02162345678
    }
}

void render_foreign(const ForeignCity& fc, std::string_view local, int format, std::string& out) {
    switch (format) {
        case 0:  // +1 415 555 0123
            out.append("+").append(fc.calling_code).append(" ").append(fc.area_code).append(" ");
            append_grouped(out, local, fc.groups, ' ');
            break;
        case 1:  // +14155550123
            out.append("+").append(fc.calling_code).append(fc.area_code).append(local);
            break;
        case 2:  // 001 415 555 0123 (dialled from China)
            out.append("00").append(fc.calling_code).append(" ").append(fc.area_code).append(" ");
            append_grouped(out, local, fc.groups, ' ');
            break;
        default:  // national format: (415) 555-0123, 020 7946 0958
            if (fc.country == Country::US) {
                out.append("(")
                    .append(fc.area_code)
                    .append(") ")
                    .append(local.substr(0, 3))
                    .append("-")
                    .append(local.substr(3));
            } else {
                out.append(fc.trunk).append(fc.area_code).append(" ");
                append_grouped(out, local, fc.groups, ' ');
            }
    }
}

}  // namespace

void make_mobile(Rng& rng, Phone& phone) {
    phone.kind = PhoneKind::Mobile;
    phone.digits.assign(rng.pick(kMobilePrefixes));
    append_digits(rng, phone.digits, 8);
    phone.format = pick_format(rng, phone.kind);
}

void make_fixed(Rng& rng, int city, Phone& phone) {
    phone.kind = PhoneKind::Fixed;
    phone.place = city;
    phone.digits.clear();
    phone.digits.push_back(static_cast<char>('2' + rng.below(7)));  // local numbers start 2-8
    append_digits(rng, phone.digits, kCities[city].local_digits - 1);
    phone.format = pick_format(rng, phone.kind);
}

void make_foreign(Rng& rng, int city, Phone& phone) {
    const ForeignCity& fc = kForeignCities[city];
    phone.kind = PhoneKind::Foreign;
    phone.place = city;
    phone.digits.assign(fc.local_prefix);
    if (phone.digits.empty()) phone.digits.push_back(static_cast<char>('2' + rng.below(8)));
    append_digits(rng, phone.digits, fc.local_digits - static_cast<int>(phone.digits.size()));
    phone.format = pick_format(rng, phone.kind);
}

int phone_format_count(PhoneKind kind) {
    switch (kind) {
        case PhoneKind::Mobile:
            return static_cast<int>(std::size(kMobileFormatWeights));
        case PhoneKind::Fixed:
            return static_cast<int>(std::size(kFixedFormatWeights));
        case PhoneKind::Foreign:
            return static_cast<int>(std::size(kForeignFormatWeights));
        case PhoneKind::None:
            break;
    }
    return 0;
}

void render_phone(const Phone& phone, int format, std::string& out) {
    out.clear();
    switch (phone.kind) {
        case PhoneKind::Mobile:
            render_mobile(phone.digits, format, out);
            break;
        case PhoneKind::Fixed:
            render_fixed(kCities[phone.place], phone.digits, format, out);
            break;
        case PhoneKind::Foreign:
            render_foreign(kForeignCities[phone.place], phone.digits, format, out);
            break;
        case PhoneKind::None:
            break;
    }
}

}  // namespace gen
