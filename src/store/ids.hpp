// Record identity: 16-byte UUIDs. Fresh records get a UUIDv7 (time-ordered,
// random tail) so offline devices never collide; records with a natural key get
// a deterministic UUIDv8 derived from SHA-256 of the key (RFC 9562 §B.2 style),
// so two devices creating "the same" record offline converge on one id.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace crmlite {

struct Uuid {
    std::array<std::uint8_t, 16> bytes{};

    static Uuid v7();                                 // time-ordered, random
    static Uuid v8(std::string_view ns, std::string_view key);  // name-based
    // Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (either case). Throws Error
    // CRM_EINVAL naming `field` when malformed.
    static Uuid parse(std::string_view text, const std::string& field);
    static bool try_parse(std::string_view text, Uuid& out);
    static Uuid from_blob(const void* data, int size);

    std::string str() const;  // canonical lower-case form
    const void* data() const { return bytes.data(); }
    static constexpr int size() { return 16; }
    bool operator==(const Uuid&) const = default;
    auto operator<=>(const Uuid&) const = default;
};

}  // namespace crmlite
