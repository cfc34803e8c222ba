// RFM segments: a total map from the 125 (R, F, M) score cells to named
// segments. The default is a full table (each cell to exactly one segment,
// every segment reached); an application may replace it with its own
// 125-cell table or an ordered rule list that must cover every cell.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "common/json.hpp"

namespace crmlite::rfm {

// The eleven default segment names, in report order.
const std::vector<std::string>& default_segment_names();
// Segment of customers without purchases (no scores).
inline constexpr const char* kNoPurchases = "No Purchases";

class SegmentMap {
public:
    // The default table.
    SegmentMap();
    // {"table": {"555": "Champions", ... all 125 cells}} or
    // {"rules": [{"segment": "...", "r": [lo, hi] | n, "f": ..., "m": ...}, ...]}
    // (first match wins; every cell must be matched). CRM_EINVAL names the field.
    static SegmentMap parse(const Json& spec, const std::string& field);

    // REQUIRES: 1 <= r, f, m <= 5.
    const std::string& of(int r, int f, int m) const { return names_[cells_[index(r, f, m)]]; }
    // The position in names() of the cell's segment.
    std::uint8_t name_of(int r, int f, int m) const { return cells_[index(r, f, m)]; }
    const std::vector<std::string>& names() const { return names_; }
    // {"555": "Champions", ...} in cell order.
    Json to_json() const;

    static int index(int r, int f, int m) { return (r - 1) * 25 + (f - 1) * 5 + (m - 1); }

private:
    std::vector<std::string> names_;
    std::array<std::uint8_t, 125> cells_{};
    std::uint8_t name_index(const std::string& name);
};

}  // namespace crmlite::rfm
