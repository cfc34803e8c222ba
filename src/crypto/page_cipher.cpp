#include "crypto/page_cipher.hpp"

#include <sodium.h>

#include <algorithm>
#include <cstring>

#include "common/error.hpp"

namespace crmlite::crypto {

namespace {

constexpr char kSqliteMagic[16] = {'S', 'Q', 'L', 'i', 't', 'e', ' ', 'f', 'o', 'r', 'm', 'a', 't', ' ', '3', '\0'};

// Associated data: the page number, the last 16 bytes of the page (the salt on
// page 1, zeros elsewhere) and, for page 1, the clear header bytes 16..23.
// Every byte of a stored page is thus either ciphertext or authenticated.
std::size_t associated_data(unsigned char ad[32], std::uint32_t pgno, const unsigned char* page, std::uint32_t size) {
    for (int i = 0; i < 4; ++i) ad[i] = static_cast<unsigned char>(pgno >> (8 * i));
    ad[4] = 'p', ad[5] = 'g', ad[6] = 'n', ad[7] = 'o';
    std::memcpy(ad + 8, page + size - kSaltBytes, kSaltBytes);
    if (pgno != 1) return 24;
    std::memcpy(ad + 24, page + 16, 8);
    return 32;
}

}  // namespace

void init_sodium() {
    static const int rc = sodium_init();
    if (rc < 0) throw Error(CRM_ERROR, "libsodium could not be initialised");
}

Key derive_key(const std::string& passphrase, const Salt& salt) {
    init_sodium();
    Key key{};
    if (crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), salt.data(),
                      crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE,
                      crypto_pwhash_ALG_ARGON2ID13) != 0)
        throw Error(CRM_ENOMEM, "passphrase: key derivation ran out of memory");
    return key;
}

Key key_from_bytes(const std::string& raw) {
    Key key{};
    std::memcpy(key.data(), raw.data(), std::min(raw.size(), key.size()));
    return key;
}

Salt random_salt() {
    init_sodium();
    Salt salt{};
    randombytes_buf(salt.data(), salt.size());
    return salt;
}

bool valid_page_size(std::uint32_t size) {
    return size >= 512 && size <= 65536 && (size & (size - 1)) == 0;
}

std::uint32_t header_page_size(const unsigned char* header) {
    const std::uint32_t v = (std::uint32_t{header[16]} << 8) | header[17];
    return v == 1 ? 65536 : v;
}

bool encrypt_page(unsigned char* out, const unsigned char* plain, std::uint32_t size, std::uint32_t pgno,
                  const Key& key, const Salt& salt) {
    if (pgno == 1 && plain[20] < kReserve) return false;
    const std::uint32_t usable = size - kReserve;
    if (out != plain) std::memcpy(out, plain, size);
    unsigned char* nonce = out + usable;
    unsigned char* tag = nonce + kNonceBytes;
    unsigned char* salt_at = tag + kTagBytes;
    randombytes_buf(nonce, kNonceBytes);
    if (pgno == 1) {
        std::memcpy(out, kMagic, sizeof kMagic);
        std::memcpy(salt_at, salt.data(), kSaltBytes);
    } else {
        std::memset(salt_at, 0, kSaltBytes);
    }
    unsigned char ad[32];
    const std::size_t ad_len = associated_data(ad, pgno, out, size);
    const std::uint32_t skip = pgno == 1 ? 24 : 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt_detached(out + skip, tag, nullptr, out + skip, usable - skip, ad, ad_len,
                                                        nullptr, nonce, key.data());
    return true;
}

bool decrypt_page(unsigned char* page, std::uint32_t size, std::uint32_t pgno, const Key& key) {
    const std::uint32_t usable = size - kReserve;
    const unsigned char* nonce = page + usable;
    const unsigned char* tag = nonce + kNonceBytes;
    if (pgno == 1 && std::memcmp(page, kMagic, sizeof kMagic) != 0) {
        std::memset(page, 0, size);
        return false;
    }
    unsigned char ad[32];
    const std::size_t ad_len = associated_data(ad, pgno, page, size);
    const std::uint32_t skip = pgno == 1 ? 24 : 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt_detached(page + skip, nullptr, page + skip, usable - skip, tag, ad,
                                                            ad_len, nonce, key.data()) != 0) {
        std::memset(page, 0, size);
        return false;
    }
    if (pgno == 1) std::memcpy(page, kSqliteMagic, sizeof kSqliteMagic);
    std::memset(page + usable, 0, kReserve);
    return true;
}

void xor_stream(unsigned char* buf, std::size_t n, std::int64_t offset, const Key& key,
                const unsigned char nonce[kNonceBytes]) {
    while (n > 0) {
        const auto block = static_cast<std::uint64_t>(offset) / 64;
        const auto skip = static_cast<std::size_t>(offset % 64);
        if (skip != 0 || n < 64) {
            unsigned char ks[64] = {};
            crypto_stream_xchacha20_xor_ic(ks, ks, sizeof ks, nonce, block, key.data());
            const std::size_t take = std::min<std::size_t>(64 - skip, n);
            for (std::size_t i = 0; i < take; ++i) buf[i] ^= ks[skip + i];
            buf += take, n -= take, offset += static_cast<std::int64_t>(take);
        } else {
            const std::size_t whole = n & ~static_cast<std::size_t>(63);
            crypto_stream_xchacha20_xor_ic(buf, buf, whole, nonce, block, key.data());
            buf += whole, n -= whole, offset += static_cast<std::int64_t>(whole);
        }
    }
}

}  // namespace crmlite::crypto
