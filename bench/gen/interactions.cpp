#include "interactions.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <span>

#include "dates.hpp"
#include "rng.hpp"
#include "texts.hpp"

namespace gen {
namespace {

enum class Kind : std::uint8_t { Call, Email, Visit, Meeting, Chat, Note, Order, Ticket, Survey };
constexpr std::string_view kKindNames[] = {"call", "email", "visit",  "meeting", "chat",
                                           "note", "order", "ticket", "survey"};
// Relative frequency of each kind, in the order above.
constexpr int kBuyerKindWeights[] = {18, 16, 5, 5, 15, 7, 20, 8, 6};
constexpr int kProspectKindWeights[] = {30, 25, 8, 7, 20, 10, 0, 0, 0};

enum class Channel : std::uint8_t { Phone, Email, Wechat, Web, Store, Field };
constexpr std::string_view kChannelNames[] = {"phone", "email", "wechat", "web", "store", "field"};

constexpr std::string_view kTicketStatuses[] = {"open", "pending", "resolved", "closed"};
constexpr int kMaxInteractions = 5000;
constexpr int kMaxItems = 3;

long weight_of(int w) {
    return static_cast<long>(w);
}

template <std::size_t N>
int pick_by_weights(Rng& rng, const int (&weights)[N]) {
    return static_cast<int>(rng.pick_index_weighted(weights, weight_of));
}

// Lomax with mean ~10.5 before flooring (~10 after): median 5, one customer in ~150 above 100.
int interaction_count(Rng& rng) {
    const double x = rng.lomax(15.75, 2.5);
    return x >= kMaxInteractions ? kMaxInteractions : static_cast<int>(x);
}

// Seconds into a day: mostly Beijing office hours (09:00-19:00 = 01:00-11:00 UTC).
std::int64_t time_of_day(Rng& rng) {
    return rng.chance(0.75) ? rng.range(3600, 39599) : rng.range(0, 86399);
}

// Chinese and English tables are used interchangeably by index.
static_assert(std::size(kCallZh) == std::size(kCallEn) && std::size(kEmailZh) == std::size(kEmailEn) &&
              std::size(kVisitZh) == std::size(kVisitEn) && std::size(kMeetingZh) == std::size(kMeetingEn) &&
              std::size(kChatZh) == std::size(kChatEn) && std::size(kNoteZh) == std::size(kNoteEn) &&
              std::size(kOrderZh) == std::size(kOrderEn) && std::size(kRefundZh) == std::size(kRefundEn) &&
              std::size(kTicketZh) == std::size(kTicketEn));
static_assert(std::size(kOrderZh) == 3 && std::size(kVisitZh) == 3 && std::size(kChatZh) == 3 &&
                  std::size(kMeetingZh) == 3,
              "pick_template() relies on these layouts");

std::span<const Template> templates_for(Kind kind, Lang lang) {
    const bool zh = lang == Lang::Zh;
    switch (kind) {
        case Kind::Call:
            return zh ? std::span<const Template>(kCallZh) : kCallEn;
        case Kind::Email:
            return zh ? std::span<const Template>(kEmailZh) : kEmailEn;
        case Kind::Visit:
            return zh ? std::span<const Template>(kVisitZh) : kVisitEn;
        case Kind::Meeting:
            return zh ? std::span<const Template>(kMeetingZh) : kMeetingEn;
        case Kind::Chat:
            return zh ? std::span<const Template>(kChatZh) : kChatEn;
        case Kind::Note:
            return zh ? std::span<const Template>(kNoteZh) : kNoteEn;
        case Kind::Order:
            return zh ? std::span<const Template>(kOrderZh) : kOrderEn;
        case Kind::Ticket:
            return zh ? std::span<const Template>(kTicketZh) : kTicketEn;
        case Kind::Survey:
            break;
    }
    return {};
}

// Replaces each "{p}" in `pattern` by `product`.
void render_template(std::string_view pattern, std::string_view product, std::string& out) {
    out.clear();
    for (std::size_t at = 0;;) {
        const std::size_t hole = pattern.find("{p}", at);
        if (hole == std::string_view::npos) {
            out.append(pattern.substr(at));
            return;
        }
        out.append(pattern.substr(at, hole - at)).append(product);
        at = hole + 3;
    }
}

int nps_band(int nps) {
    return nps <= 6 ? 0 : nps <= 8 ? 1 : 2;
}

}  // namespace

struct InteractionWriter::Interaction {
    struct Item {
        int product;
        int quantity;  // negative on refunds
        std::int64_t unit_price_minor;
    };
    std::int64_t at = 0;    // seconds since the epoch
    std::uint32_t seq = 0;  // generation order, breaks ties when sorting
    Kind kind = Kind::Call;
    Channel channel = Channel::Phone;
    bool inbound = false;
    int user = 1;
    int product = 0;  // named in the subject/body
    int templ = 0;    // index into the kind's templates
    // orders
    int n_items = 0;
    Item items[kMaxItems] = {};
    std::int64_t amount_minor = 0;
    int refund_of = -1;  // index in the sorted history of the order this refunds
    // tickets and surveys
    int status = 0;
    int nps = 0, rating = 0;
};

InteractionWriter::InteractionWriter(std::uint64_t seed, int as_of_day, OutFile& out)
    : seed_(seed), as_of_day_(as_of_day), out_(out) {
    history_.reserve(256);
}
InteractionWriter::~InteractionWriter() = default;

namespace {

Channel pick_channel(Rng& rng, Kind kind, Lang lang, bool& inbound) {
    const bool zh = lang == Lang::Zh;
    switch (kind) {
        case Kind::Call:
            inbound = rng.chance(0.4);
            return Channel::Phone;
        case Kind::Email:
            inbound = rng.chance(0.4);
            return Channel::Email;
        case Kind::Visit: {
            const bool store = rng.chance(0.5);
            inbound = store;
            return store ? Channel::Store : Channel::Field;
        }
        case Kind::Meeting:
            inbound = rng.chance(0.2);
            return rng.chance(0.6) ? Channel::Field : Channel::Web;
        case Kind::Chat:
            inbound = rng.chance(0.65);
            return rng.chance(zh ? 0.75 : 0.35) ? Channel::Wechat : Channel::Web;
        case Kind::Note: {
            inbound = false;
            static constexpr Channel note_channels[] = {Channel::Phone, Channel::Wechat, Channel::Field};
            return rng.pick(note_channels);
        }
        case Kind::Order: {
            inbound = true;
            const double u = rng.uniform();
            return u < 0.5 ? Channel::Web : u < 0.7 ? Channel::Store : zh ? Channel::Wechat : Channel::Web;
        }
        case Kind::Ticket: {
            inbound = rng.chance(0.9);
            const double u = rng.uniform();
            return u < 0.4 ? Channel::Web : u < 0.75 ? Channel::Phone : Channel::Email;
        }
        case Kind::Survey: {
            inbound = true;
            const double u = rng.uniform();
            return u < 0.4 ? Channel::Email : u < 0.75 ? (zh ? Channel::Wechat : Channel::Web) : Channel::Web;
        }
    }
    return Channel::Phone;
}

// Items whose total follows a log-normal around the customer's median order size.
template <class Order>
void fill_order(Rng& rng, double median, Order& it) {
    static constexpr int item_count_weights[] = {60, 28, 12};
    static constexpr int quantities[] = {1, 2, 3, 5, 10};
    static constexpr int quantity_weights[] = {65, 20, 8, 4, 3};
    const double target = std::clamp(rng.lognormal(median, 1.0), 100.0, 5.0e7);
    it.n_items = 1 + pick_by_weights(rng, item_count_weights);
    double shares[kMaxItems], total_share = 0;
    for (int i = 0; i < it.n_items; ++i) total_share += shares[i] = 0.2 + rng.uniform();
    it.amount_minor = 0;
    for (int i = 0; i < it.n_items; ++i) {
        auto& item = it.items[i];
        item.product = static_cast<int>(rng.below(static_cast<std::uint32_t>(std::size(kProducts))));
        item.quantity = quantities[pick_by_weights(rng, quantity_weights)];
        const double unit = target * shares[i] / total_share / item.quantity;
        item.unit_price_minor = std::max<std::int64_t>(100, std::llround(unit / 100.0) * 100);  // whole units
        it.amount_minor += item.quantity * item.unit_price_minor;
    }
    it.product = it.items[0].product;
}

// A template that fits the channel (no "web order" placed in a store); zh and en tables align.
int pick_template(Rng& rng, Kind kind, Channel channel) {
    switch (kind) {
        case Kind::Order:  // 0 generic, 1 web, 2 store
            return channel == Channel::Web ? static_cast<int>(rng.below(2)) : channel == Channel::Store ? 2 : 0;
        case Kind::Visit:  // 1 is the customer coming to the store
            return channel == Channel::Store ? 1 : rng.chance(0.5) ? 0 : 2;
        case Kind::Chat:  // 0 is a WeChat inquiry
            return channel == Channel::Wechat ? static_cast<int>(rng.below(3)) : 1 + static_cast<int>(rng.below(2));
        case Kind::Meeting:  // 1 is an online demo
            return channel == Channel::Web ? static_cast<int>(rng.below(3)) : rng.chance(0.5) ? 0 : 2;
        default:
            break;
    }
    return static_cast<int>(rng.below(static_cast<std::uint32_t>(templates_for(kind, Lang::Zh).size())));
}

int ticket_status(Rng& rng, int age_days) {
    static constexpr int fresh[] = {40, 30, 20, 10}, recent[] = {10, 15, 35, 40}, old[] = {2, 3, 30, 65};
    if (age_days <= 14) return pick_by_weights(rng, fresh);
    if (age_days <= 60) return pick_by_weights(rng, recent);
    return pick_by_weights(rng, old);
}

template <class Survey>
void fill_survey(Rng& rng, Survey& it) {
    static constexpr int nps_weights[] = {2, 1, 1, 2, 2, 4, 6, 12, 18, 22, 20};
    it.nps = pick_by_weights(rng, nps_weights);
    const int base = it.nps <= 3 ? 1 : it.nps <= 6 ? 2 : it.nps <= 8 ? 4 : 5;
    const int jitter = rng.chance(0.7) ? 0 : (rng.chance(0.5) ? 1 : -1);
    it.rating = std::clamp(base + jitter, 1, 5);
    it.templ = static_cast<int>(rng.below(2));
}

}  // namespace

void InteractionWriter::generate(std::uint64_t record_key, const RecordTraits& traits) {
    Rng rng(seed_, Stream::Interactions, record_key);
    history_.clear();
    const int n = interaction_count(rng);
    if (n == 0) return;

    const StageRow* stage = &kStages[0];
    for (const auto& s : kStages)
        if (s.stage == traits.stage) stage = &s;
    const bool buyer = traits.stage != Stage::Prospect;
    const bool churner = buyer && rng.chance(stage->churn_probability);
    int start_day = as_of_day_ - static_cast<int>(rng.range(7, kHistoryDays));
    int cut_day = as_of_day_;  // orders happen up to this day
    if (churner) {
        cut_day = as_of_day_ - kChurnGapDays - static_cast<int>(rng.range(0, 500));
        if (start_day > cut_day - 30)
            start_day = std::max(as_of_day_ - kHistoryDays, cut_day - static_cast<int>(rng.range(30, 400)));
    }
    const auto moment = [&](int from_day, int to_day) {
        return rng.range(from_day, to_day) * 86400 + time_of_day(rng);
    };

    for (int i = 0; i < n; ++i) {
        Interaction it;
        it.seq = static_cast<std::uint32_t>(i);
        it.kind = static_cast<Kind>(pick_by_weights(rng, buyer ? kBuyerKindWeights : kProspectKindWeights));
        if (it.kind == Kind::Order)
            it.at = moment(start_day, cut_day);
        else if (churner && rng.chance(0.15))
            it.at = moment(cut_day, as_of_day_);  // win-back attempts
        else
            it.at = moment(start_day, churner ? cut_day : as_of_day_);
        it.channel = pick_channel(rng, it.kind, traits.lang, it.inbound);
        it.user = rng.chance(0.85) ? traits.owner : 1 + static_cast<int>(rng.below(kOwners));
        it.product = static_cast<int>(rng.below(static_cast<std::uint32_t>(std::size(kProducts))));
        if (it.kind == Kind::Survey) {
            fill_survey(rng, it);
        } else {
            it.templ = pick_template(rng, it.kind, it.channel);
        }
        if (it.kind == Kind::Order) fill_order(rng, traits.order_median, it);
        if (it.kind == Kind::Ticket) {
            const int age = as_of_day_ - static_cast<int>(it.at / 86400);
            it.status = ticket_status(rng, age);
        }
        history_.push_back(it);
    }

    // A customer who keeps buying has ordered recently; move the latest order into the window.
    if (buyer && !churner) {
        Interaction* latest = nullptr;
        for (auto& it : history_)
            if (it.kind == Kind::Order && (!latest || it.at > latest->at)) latest = &it;
        const int recent_from = as_of_day_ - kRecentOrderDays;
        if (latest && latest->at < static_cast<std::int64_t>(recent_from) * 86400) {
            latest->at = moment(std::max(start_day, recent_from), as_of_day_);
        }
    }

    std::sort(history_.begin(), history_.end(),
              [](const Interaction& a, const Interaction& b) { return a.at != b.at ? a.at < b.at : a.seq < b.seq; });

    // About 3% of orders are refunds, each of the latest earlier order (never of a refund, never twice).
    int candidate = -1;
    for (int i = 0; i < static_cast<int>(history_.size()); ++i) {
        Interaction& it = history_[static_cast<std::size_t>(i)];
        if (it.kind != Kind::Order) continue;
        if (candidate < 0 || !rng.chance(0.045)) {
            candidate = i;
            continue;
        }
        Interaction& original = history_[static_cast<std::size_t>(candidate)];
        it.refund_of = candidate;
        it.n_items = original.n_items;
        for (int k = 0; k < it.n_items; ++k) {
            it.items[k] = original.items[k];
            it.items[k].quantity = -original.items[k].quantity;
        }
        it.amount_minor = -original.amount_minor;
        it.product = original.product;
        it.templ = static_cast<int>(rng.below(static_cast<std::uint32_t>(std::size(kRefundZh))));
        candidate = -1;
    }
}

InteractionWriter::Result InteractionWriter::write(std::uint64_t record_key, std::string_view customer_id,
                                                   const RecordTraits& traits) {
    generate(record_key, traits);
    const std::uint64_t first_id = next_id_;
    next_id_ += history_.size();
    std::int64_t last_order = -1;
    for (std::size_t i = 0; i < history_.size(); ++i) {
        write_one(history_[i], first_id, i, customer_id, traits);
        if (history_[i].kind == Kind::Order) last_order = history_[i].at;
    }
    Result result;
    result.written = history_.size();
    const std::int64_t churn_line = static_cast<std::int64_t>(as_of_day_ - kChurnGapDays + 1) * 86400;
    result.churner = last_order >= 0 && last_order < churn_line;
    return result;
}

void InteractionWriter::write_one(const Interaction& it, std::uint64_t first_id, std::size_t index,
                                  std::string_view customer_id, const RecordTraits& traits) {
    const bool zh = traits.lang == Lang::Zh;
    const std::string_view product = zh ? kProducts[it.product].zh : kProducts[it.product].en;
    const bool refund = it.refund_of >= 0;
    const Template& tmpl = it.kind == Kind::Survey ? (zh ? kSurveyZh : kSurveyEn)[nps_band(it.nps)][it.templ]
                           : refund                ? (zh ? kRefundZh : kRefundEn)[it.templ]
                                    : templates_for(it.kind, traits.lang)[static_cast<std::size_t>(it.templ)];
    OutFile& o = out_;
    o.put('{');
    o.json_key("external_id", true);
    o.json_id('I', first_id + index, 8);
    o.json_key("customer_external_id");
    o.json_string(customer_id);
    o.json_key("kind");
    o.json_string(kKindNames[static_cast<int>(it.kind)]);
    o.json_key("channel");
    o.json_string(kChannelNames[static_cast<int>(it.channel)]);
    o.json_key("direction");
    o.json_string(it.inbound ? "inbound" : "outbound");
    o.json_key("occurred_at");
    text_.clear();
    append_iso_timestamp(text_, it.at);
    o.json_string(text_);
    o.json_key("subject");
    render_template(tmpl.subject, product, text_);
    o.json_string(text_);
    o.json_key("body");
    render_template(tmpl.body, product, text_);
    o.json_string(text_);
    o.json_key("user");
    o.put("\"u");
    o.put(static_cast<char>('0' + it.user / 10));
    o.put(static_cast<char>('0' + it.user % 10));
    o.put('"');

    switch (it.kind) {
        case Kind::Order:
            write_order(it, first_id, traits);
            break;
        case Kind::Ticket:
            o.json_key("status");
            o.json_string(kTicketStatuses[it.status]);
            break;
        case Kind::Survey:
            o.json_key("nps");
            o.put_int(it.nps);
            o.json_key("rating");
            o.put_int(it.rating);
            break;
        default:
            break;
    }
    o.put('}');
    o.end_line();
}

void InteractionWriter::write_order(const Interaction& it, std::uint64_t first_id, const RecordTraits& traits) {
    const bool zh = traits.lang == Lang::Zh;
    OutFile& o = out_;
    o.json_key("amount_minor");
    o.put_int(it.amount_minor);
    o.json_key("currency");
    o.json_string(traits.currency);
    o.json_key("items");
    o.put('[');
    for (int k = 0; k < it.n_items; ++k) {
        const auto& item = it.items[k];
        if (k > 0) o.put(',');
        o.put('{');
        o.json_key("product", true);
        o.json_string(zh ? kProducts[item.product].zh : kProducts[item.product].en);
        o.json_key("quantity");
        o.put_int(item.quantity);
        o.json_key("unit_price_minor");
        o.put_int(item.unit_price_minor);
        o.put('}');
    }
    o.put(']');
    o.json_key("status");
    if (it.refund_of >= 0) {
        o.json_string("refunded");
        // Application data goes under "attributes" (the API's free-form object).
        o.json_key("attributes");
        o.put('{');
        o.json_key("refund_of", true);
        o.json_id('I', first_id + static_cast<std::uint64_t>(it.refund_of), 8);
        o.put('}');
    } else {
        o.json_string("paid");
    }
}

}  // namespace gen
