// Interaction histories for crm-gen. Each customer record gets a heavy-tailed number of
// interactions (calls, e-mails, orders, tickets, surveys...) spread over the three years before
// --as-of, written grouped by customer and sorted by time within a customer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "customers.hpp"
#include "output.hpp"

namespace gen {

// Orders of churners stop at least this many days before --as-of; every other buying customer
// has an order within the last kRecentOrderDays days. Nothing falls in between, so any churn
// rule with a threshold in that gap (for example 180 days) finds exactly the churners.
inline constexpr int kChurnGapDays = 200;
inline constexpr int kRecentOrderDays = 160;
inline constexpr int kHistoryDays = 1095;  // interactions reach back about three years

class InteractionWriter {
public:
    InteractionWriter(std::uint64_t seed, int as_of_day, OutFile& out);
    ~InteractionWriter();
    InteractionWriter(const InteractionWriter&) = delete;
    InteractionWriter& operator=(const InteractionWriter&) = delete;

    struct Result {
        std::uint64_t written = 0;
        bool churner = false;  // has orders, the last one at least kChurnGapDays before as-of
    };
    // record_key identifies the customer record (entity * 4 + copy); customer_id is its external id.
    Result write(std::uint64_t record_key, std::string_view customer_id, const RecordTraits& traits);

    std::uint64_t total() const { return next_id_ - 1; }

private:
    struct Interaction;
    void generate(std::uint64_t record_key, const RecordTraits& traits);
    void write_one(const Interaction& it, std::uint64_t first_id, std::size_t index, std::string_view customer_id,
                   const RecordTraits& traits);
    void write_order(const Interaction& it, std::uint64_t first_id, const RecordTraits& traits);

    std::uint64_t seed_;
    int as_of_day_;
    OutFile& out_;
    std::uint64_t next_id_ = 1;
    std::vector<Interaction> history_;  // reused between customers
    std::string text_;
};

}  // namespace gen
