#include "rfm/segments.hpp"

#include "common/error.hpp"

namespace crmlite::rfm {

namespace {

// The default grid. Rows are recency, columns frequency; monetary splits a few
// cells (a frequent buyer who spends little is Loyal rather than a Champion;
// a lapsed frequent buyer is Cannot Lose Them only when they spent the most).
// Unlike the first-match rule lists copied between tutorials, every cell is
// assigned exactly once and each of the eleven segments owns at least one cell
// (tests/rfm/segments_test.cpp proves both).
std::string default_of(int r, int f, int m) {
    switch (r) {
    case 5:
        if (f == 1) return "New Customers";
        if (f <= 3) return "Potential Loyalist";
        return m >= 3 ? "Champions" : "Loyal";
    case 4:
        if (f == 1) return "Promising";
        if (f == 2) return "Potential Loyalist";
        if (f == 3) return "Loyal";
        return m >= 4 ? "Champions" : "Loyal";
    case 3:
        if (f == 1) return "About To Sleep";
        if (f <= 3) return "Need Attention";
        return "Loyal";
    case 2:
        if (f == 1) return "Hibernating";
        if (f == 2) return "About To Sleep";
        if (f == 3) return "At Risk";
        return m >= 4 ? "Cannot Lose Them" : "At Risk";
    default:
        if (f == 1) return "Lost";
        if (f == 2) return "Hibernating";
        if (f == 3) return "At Risk";
        return m >= 4 ? "Cannot Lose Them" : "At Risk";
    }
}

std::string check_name(const Json& v, const std::string& field) {
    if (!v.is_string()) invalid(field, "expected a segment name (string)");
    const auto s = v.get<std::string>();
    if (s.empty() || !utf8_valid(s) || utf8_length(s) > 64 || s.find('\0') != std::string::npos)
        invalid(field, "a segment name is 1 to 64 characters of UTF-8 text");
    return s;
}

std::pair<int, int> range(const Json& rule, const char* key, const std::string& field) {
    if (!rule.contains(key)) return {1, 5};
    const Json& v = rule.at(key);
    const auto score = [&](const Json& x, const std::string& f) {
        if (!x.is_number_integer() || x.get<std::int64_t>() < 1 || x.get<std::int64_t>() > 5)
            invalid(f, "expected a score from 1 to 5");
        return static_cast<int>(x.get<std::int64_t>());
    };
    if (v.is_array()) {
        if (v.size() != 2) invalid(field + "." + key, "expected [low, high]");
        const int lo = score(v[0], field + "." + key + "[0]"), hi = score(v[1], field + "." + key + "[1]");
        if (lo > hi) invalid(field + "." + key, "low is above high");
        return {lo, hi};
    }
    const int s = score(v, field + "." + key);
    return {s, s};
}

}  // namespace

const std::vector<std::string>& default_segment_names() {
    static const std::vector<std::string> names = {
        "Champions", "Loyal", "Potential Loyalist", "New Customers", "Promising", "Need Attention",
        "About To Sleep", "At Risk", "Cannot Lose Them", "Hibernating", "Lost"};
    return names;
}

std::uint8_t SegmentMap::name_index(const std::string& name) {
    for (std::size_t i = 0; i < names_.size(); ++i)
        if (names_[i] == name) return static_cast<std::uint8_t>(i);
    names_.push_back(name);
    return static_cast<std::uint8_t>(names_.size() - 1);
}

SegmentMap::SegmentMap() {
    names_ = default_segment_names();
    for (int r = 1; r <= 5; ++r)
        for (int f = 1; f <= 5; ++f)
            for (int m = 1; m <= 5; ++m) cells_[static_cast<std::size_t>(index(r, f, m))] = name_index(default_of(r, f, m));
}

SegmentMap SegmentMap::parse(const Json& spec, const std::string& field) {
    if (!spec.is_object()) invalid(field, "expected an object {\"table\": {...}} or {\"rules\": [...]}");
    SegmentMap map;
    map.names_.clear();
    if (spec.size() != 1 || (!spec.contains("table") && !spec.contains("rules")))
        invalid(field, "expected exactly one of \"table\" or \"rules\"");
    if (spec.contains("table")) {
        const Json& t = spec.at("table");
        const std::string tf = field + ".table";
        if (!t.is_object()) invalid(tf, "expected an object of 125 cells {\"555\": \"Champions\", ...}");
        std::array<bool, 125> seen{};
        for (const auto& [key, value] : t.items()) {
            if (key.size() != 3 || key[0] < '1' || key[0] > '5' || key[1] < '1' || key[1] > '5' || key[2] < '1' || key[2] > '5')
                invalid(tf + "." + key, "a cell is three scores 1-5 written as \"RFM\" (e.g. \"543\")");
            const int i = index(key[0] - '0', key[1] - '0', key[2] - '0');
            seen[static_cast<std::size_t>(i)] = true;
            map.cells_[static_cast<std::size_t>(i)] = map.name_index(check_name(value, tf + "." + key));
            if (map.names_.size() > 125) invalid(tf, "too many segments");
        }
        for (int i = 0; i < 125; ++i)
            if (!seen[static_cast<std::size_t>(i)])
                invalid(tf, "cell \"" + std::to_string(i / 25 + 1) + std::to_string(i / 5 % 5 + 1) + std::to_string(i % 5 + 1) +
                                "\" is missing (every one of the 125 cells needs a segment)");
        return map;
    }
    const Json& rules = spec.at("rules");
    const std::string rf = field + ".rules";
    if (!rules.is_array() || rules.empty()) invalid(rf, "expected a non-empty array of rules");
    if (rules.size() > 125) invalid(rf, "at most 125 rules");
    std::array<bool, 125> set{};
    for (std::size_t k = 0; k < rules.size(); ++k) {
        const Json& rule = rules[k];
        const std::string f = rf + "[" + std::to_string(k) + "]";
        if (!rule.is_object()) invalid(f, "expected an object {\"segment\", \"r\", \"f\", \"m\"}");
        for (const auto& [key, v] : rule.items())
            if (key != "segment" && key != "r" && key != "f" && key != "m") invalid(f + "." + key, "unknown key");
        if (!rule.contains("segment")) invalid(f + ".segment", "required");
        const std::uint8_t name = map.name_index(check_name(rule.at("segment"), f + ".segment"));
        const auto [r0, r1] = range(rule, "r", f);
        const auto [f0, f1] = range(rule, "f", f);
        const auto [m0, m1] = range(rule, "m", f);
        for (int r = r0; r <= r1; ++r)
            for (int ff = f0; ff <= f1; ++ff)
                for (int m = m0; m <= m1; ++m) {
                    const auto i = static_cast<std::size_t>(index(r, ff, m));
                    if (!set[i]) map.cells_[i] = name, set[i] = true;  // first match wins
                }
    }
    for (int i = 0; i < 125; ++i)
        if (!set[static_cast<std::size_t>(i)])
            invalid(rf, "cell R=" + std::to_string(i / 25 + 1) + " F=" + std::to_string(i / 5 % 5 + 1) +
                            " M=" + std::to_string(i % 5 + 1) + " matches no rule (add a catch-all rule last)");
    return map;
}

Json SegmentMap::to_json() const {
    Json out = Json::object();
    for (int r = 1; r <= 5; ++r)
        for (int f = 1; f <= 5; ++f)
            for (int m = 1; m <= 5; ++m)
                out[std::to_string(r) + std::to_string(f) + std::to_string(m)] = of(r, f, m);
    return out;
}

}  // namespace crmlite::rfm
