#include "store/ids.hpp"

#include <sodium.h>

#include <chrono>
#include <cstring>

#include "common/error.hpp"
#include "common/time.hpp"

namespace crmlite {

namespace {

void ensure_sodium() {
    static const bool ok = sodium_init() >= 0;
    if (!ok) throw Error(CRM_ERROR, "libsodium failed to initialise");
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

Uuid Uuid::v7() {
    ensure_sodium();
    // RFC 9562 §6.2 method 1 would need shared state for a counter; 74 random
    // bits per millisecond make collisions negligible and keep ids stateless.
    Uuid u;
    const auto ms = static_cast<std::uint64_t>(now_ms());
    for (int i = 0; i < 6; ++i) u.bytes[i] = static_cast<std::uint8_t>(ms >> (40 - 8 * i));
    randombytes_buf(u.bytes.data() + 6, 10);
    u.bytes[6] = static_cast<std::uint8_t>(0x70 | (u.bytes[6] & 0x0F));
    u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
    return u;
}

Uuid Uuid::v8(std::string_view ns, std::string_view key) {
    ensure_sodium();
    // The namespace and key are length-prefixed so ("ab","c") != ("a","bc").
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    const std::uint64_t nlen = ns.size();
    unsigned char len_bytes[8];
    for (int i = 0; i < 8; ++i) len_bytes[i] = static_cast<unsigned char>(nlen >> (8 * i));
    crypto_hash_sha256_update(&st, len_bytes, 8);
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(ns.data()), ns.size());
    crypto_hash_sha256_update(&st, reinterpret_cast<const unsigned char*>(key.data()), key.size());
    unsigned char digest[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final(&st, digest);
    Uuid u;
    std::memcpy(u.bytes.data(), digest, 16);
    u.bytes[6] = static_cast<std::uint8_t>(0x80 | (u.bytes[6] & 0x0F));
    u.bytes[8] = static_cast<std::uint8_t>(0x80 | (u.bytes[8] & 0x3F));
    return u;
}

bool Uuid::try_parse(std::string_view text, Uuid& out) {
    if (text.size() != 36) return false;
    int bi = 0;
    for (std::size_t i = 0; i < 36;) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-') return false;
            ++i;
            continue;
        }
        const int hi = hex_value(text[i]);
        const int lo = hex_value(text[i + 1]);
        if (hi < 0 || lo < 0) return false;
        out.bytes[bi++] = static_cast<std::uint8_t>(hi << 4 | lo);
        i += 2;
    }
    return bi == 16;
}

Uuid Uuid::parse(std::string_view text, const std::string& field) {
    Uuid u;
    if (!try_parse(text, u)) invalid(field, "not a UUID: \"" + std::string(text.substr(0, 40)) + "\"");
    return u;
}

Uuid Uuid::from_blob(const void* data, int size) {
    if (size != 16 || data == nullptr) throw Error(CRM_ECORRUPT, "stored id is not 16 bytes");
    Uuid u;
    std::memcpy(u.bytes.data(), data, 16);
    return u;
}

std::string Uuid::str() const {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) s.push_back('-');
        s.push_back(digits[bytes[i] >> 4]);
        s.push_back(digits[bytes[i] & 0x0F]);
    }
    return s;
}

}  // namespace crmlite
