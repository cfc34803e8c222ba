#include <algorithm>
#include <array>
#include <unicode/unistr.h>

#include "common/text.hpp"
#include "normalize/normalize.hpp"

namespace crmlite::normalize {

namespace {

bool is_space(unsigned char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string ascii_lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return s;
}

struct Place {
    std::string_view canonical, bare, latin;
};

// Provincial-level divisions: the canonical name, the name without its
// suffix, and the romanised name.
constexpr std::array kProvinces = {
    Place{"北京市", "北京", "beijing"},       Place{"天津市", "天津", "tianjin"},
    Place{"上海市", "上海", "shanghai"},      Place{"重庆市", "重庆", "chongqing"},
    Place{"河北省", "河北", "hebei"},         Place{"山西省", "山西", "shanxi"},
    Place{"辽宁省", "辽宁", "liaoning"},      Place{"吉林省", "吉林", "jilin"},
    Place{"黑龙江省", "黑龙江", "heilongjiang"}, Place{"江苏省", "江苏", "jiangsu"},
    Place{"浙江省", "浙江", "zhejiang"},      Place{"安徽省", "安徽", "anhui"},
    Place{"福建省", "福建", "fujian"},        Place{"江西省", "江西", "jiangxi"},
    Place{"山东省", "山东", "shandong"},      Place{"河南省", "河南", "henan"},
    Place{"湖北省", "湖北", "hubei"},         Place{"湖南省", "湖南", "hunan"},
    Place{"广东省", "广东", "guangdong"},     Place{"海南省", "海南", "hainan"},
    Place{"四川省", "四川", "sichuan"},       Place{"贵州省", "贵州", "guizhou"},
    Place{"云南省", "云南", "yunnan"},        Place{"陕西省", "陕西", "shaanxi"},
    Place{"甘肃省", "甘肃", "gansu"},         Place{"青海省", "青海", "qinghai"},
    Place{"台湾省", "台湾", "taiwan"},        Place{"内蒙古自治区", "内蒙古", "inner mongolia"},
    Place{"广西壮族自治区", "广西", "guangxi"}, Place{"西藏自治区", "西藏", "tibet"},
    Place{"宁夏回族自治区", "宁夏", "ningxia"}, Place{"新疆维吾尔自治区", "新疆", "xinjiang"},
    Place{"香港特别行政区", "香港", "hong kong"}, Place{"澳门特别行政区", "澳门", "macau"},
};

// Cities whose romanised names are recognised (any Han city name is
// canonicalised by its suffix rule without the table).
constexpr std::array kCities = {
    Place{"北京市", "北京", "beijing"},   Place{"上海市", "上海", "shanghai"},  Place{"天津市", "天津", "tianjin"},
    Place{"重庆市", "重庆", "chongqing"}, Place{"广州市", "广州", "guangzhou"}, Place{"深圳市", "深圳", "shenzhen"},
    Place{"杭州市", "杭州", "hangzhou"},  Place{"南京市", "南京", "nanjing"},   Place{"苏州市", "苏州", "suzhou"},
    Place{"成都市", "成都", "chengdu"},   Place{"武汉市", "武汉", "wuhan"},     Place{"西安市", "西安", "xian"},
    Place{"长沙市", "长沙", "changsha"},  Place{"郑州市", "郑州", "zhengzhou"}, Place{"青岛市", "青岛", "qingdao"},
    Place{"厦门市", "厦门", "xiamen"},    Place{"宁波市", "宁波", "ningbo"},    Place{"济南市", "济南", "jinan"},
    Place{"沈阳市", "沈阳", "shenyang"},  Place{"大连市", "大连", "dalian"},    Place{"东莞市", "东莞", "dongguan"},
    Place{"佛山市", "佛山", "foshan"},    Place{"合肥市", "合肥", "hefei"},     Place{"福州市", "福州", "fuzhou"},
    Place{"昆明市", "昆明", "kunming"},   Place{"哈尔滨市", "哈尔滨", "harbin"}, Place{"长春市", "长春", "changchun"},
    Place{"石家庄市", "石家庄", "shijiazhuang"}, Place{"南昌市", "南昌", "nanchang"}, Place{"贵阳市", "贵阳", "guiyang"},
    Place{"南宁市", "南宁", "nanning"},   Place{"太原市", "太原", "taiyuan"},   Place{"无锡市", "无锡", "wuxi"},
    Place{"海口市", "海口", "haikou"},    Place{"珠海市", "珠海", "zhuhai"},    Place{"温州市", "温州", "wenzhou"},
    Place{"兰州市", "兰州", "lanzhou"},   Place{"呼和浩特市", "呼和浩特", "hohhot"}, Place{"乌鲁木齐市", "乌鲁木齐", "urumqi"},
    Place{"拉萨市", "拉萨", "lhasa"},     Place{"银川市", "银川", "yinchuan"},  Place{"西宁市", "西宁", "xining"},
};

std::string latin_key(std::string_view s) {
    std::string k = ascii_lower(std::string(s));
    for (const char* suffix : {" province", " city", " shi", " sheng", " municipality", " autonomous region", " sar"})
        if (k.ends_with(suffix)) k.resize(k.size() - std::string_view(suffix).size());
    k.erase(std::remove(k.begin(), k.end(), '\''), k.end());
    std::replace(k.begin(), k.end(), '-', ' ');
    return k;
}

template <std::size_t N>
const Place* find_place(const std::array<Place, N>& table, const std::string& t) {
    const std::string key = latin_key(t);
    for (const auto& p : table)
        if (t == p.canonical || t == p.bare || key == p.latin ||
            (p.latin.find(' ') != std::string_view::npos && key == std::string(p.latin).erase(p.latin.find(' '), 1)))
            return &p;
    return nullptr;
}

}  // namespace

std::string text(std::string_view raw) {
    const std::string n = crmlite::text::nfkc(raw);
    std::string out;
    out.reserve(n.size());
    bool pending_space = false;
    for (std::size_t i = 0; i < n.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(n[i]);
        // U+3000 ideographic space folds to U+0020 under NFKC; U+00A0 too.
        if (is_space(c)) {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out.push_back(' ');
        pending_space = false;
        out.push_back(static_cast<char>(c));
    }
    return out;
}

std::string fold(std::string_view raw) {
    const std::string t = text(raw);
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(t);
    u.foldCase();
    std::string out;
    u.toUTF8String(out);
    return out;
}

Email parse_email(std::string_view raw) {
    Email e;
    const std::string v = text(raw);
    const auto at = v.find('@');
    e.normalized = v;
    e.match_key = ascii_lower(v);
    if (at == std::string::npos) return e;
    e.local = v.substr(0, at);
    e.domain = ascii_lower(v.substr(at + 1));
    e.normalized = e.local + "@" + e.domain;
    e.match_key = ascii_lower(e.normalized);
    bool ok = !e.local.empty() && e.local.size() <= 64 && !e.domain.empty() && e.domain.size() <= 253 &&
              e.domain.find('@') == std::string::npos && v.find(' ') == std::string::npos &&
              e.domain.find('.') != std::string::npos && e.domain.front() != '.' && e.domain.back() != '.' &&
              e.domain.find("..") == std::string::npos && e.local.front() != '.' && e.local.back() != '.' &&
              e.local.find("..") == std::string::npos;
    for (const char c : e.domain) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (!(u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) ok = false;
    }
    for (const char c : e.local) {
        const unsigned char u = static_cast<unsigned char>(c);
        if (u < 0x21 || c == '(' || c == ')' || c == ',' || c == ':' || c == ';' || c == '<' || c == '>' || c == '[' ||
            c == ']' || c == '\\' || c == '"')
            ok = false;
    }
    // The top-level domain is letters only, at least two.
    const std::string tld = e.domain.substr(e.domain.rfind('.') + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) { return (c >= 'a' && c <= 'z') || static_cast<unsigned char>(c) >= 0x80; }))
        ok = false;
    e.valid = ok;
    return e;
}

std::string province(std::string_view raw) {
    const std::string t = text(raw);
    if (t.empty()) return t;
    if (const auto* p = find_place(kProvinces, t)) return std::string(p->canonical);
    return t;
}

std::size_t city_prefix(std::string_view name) {
    std::size_t best = 0;
    for (const auto& p : kCities) {
        if (name.starts_with(p.canonical)) best = std::max(best, p.canonical.size());
        else if (name.starts_with(p.bare)) best = std::max(best, p.bare.size());
    }
    return best;
}

std::string city(std::string_view raw) {
    const std::string t = text(raw);
    if (t.empty()) return t;
    if (const auto* p = find_place(kCities, t)) return std::string(p->canonical);
    if (crmlite::text::has_han(t)) {
        for (const char* suffix : {"市", "自治州", "盟", "地区", "县", "区"})
            if (t.ends_with(suffix)) return t;
        return t + "市";
    }
    return t;
}

}  // namespace crmlite::normalize
