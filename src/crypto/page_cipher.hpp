// The page format of an encrypted crmlite file, and the only cryptography of
// the project: XChaCha20-Poly1305 (libsodium) over each page, Argon2id
// (libsodium's crypto_pwhash) from a passphrase to the key.
//
// A page of P bytes is stored as
//   [ciphertext of bytes 0 .. P-56 ][ nonce 24 ][ tag 16 ][ salt 16 ]
// in the last 56 bytes, which SQLite leaves to us as "reserved bytes per page"
// (byte 20 of the database header, set with SQLITE_FCNTL_RESERVE_BYTES before
// the first page is written). The nonce is fresh random for every write; the
// associated data is the page number and the page's last 16 bytes, so a page
// moved to another place fails to authenticate and every stored byte is
// either ciphertext or authenticated. Page 1 keeps bytes 16..23 of the SQLite header (page size,
// file format versions, reserved bytes: all that SQLite and we need before any
// key is known) in the clear but authenticated, and its first 16 bytes carry
// kMagic instead of "SQLite format 3", so an encrypted file is recognised as
// such. The salt of the passphrase sits in page 1's last 16 bytes (in the
// clear; the other pages leave those bytes zero).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace crmlite::crypto {

constexpr int kNonceBytes = 24;
constexpr int kTagBytes = 16;
constexpr int kSaltBytes = 16;
constexpr int kReserve = kNonceBytes + kTagBytes + kSaltBytes;  // 56
constexpr int kKeyBytes = 32;
// Bytes 0..15 of an encrypted file (replacing "SQLite format 3\0").
constexpr char kMagic[16] = {'c', 'r', 'm', 'l', 'i', 't', 'e', ' ', 'c', 'r', 'y', 'p', 't', ' ', '1', '\0'};

using Key = std::array<unsigned char, kKeyBytes>;
using Salt = std::array<unsigned char, kSaltBytes>;

// Makes sure libsodium is initialised (idempotent, thread-safe).
void init_sodium();

// Argon2id (libsodium's crypto_pwhash, "interactive" limits) of a passphrase.
Key derive_key(const std::string& passphrase, const Salt& salt);
Key key_from_bytes(const std::string& raw);  // REQUIRES: raw.size() == kKeyBytes
Salt random_salt();

// True for a page size SQLite may use with our reserve (512..65536, a power of two).
bool valid_page_size(std::uint32_t size);
// The page size stored at bytes 16..17 of a database header (1 means 65536).
std::uint32_t header_page_size(const unsigned char* header);

// Encrypts `plain` (one page of `size` bytes, page number `pgno`) into `out`
// (may be the same buffer). Returns false when the page has no room for the
// reserve (page 1 announcing fewer than kReserve reserved bytes).
bool encrypt_page(unsigned char* out, const unsigned char* plain, std::uint32_t size, std::uint32_t pgno,
                  const Key& key, const Salt& salt);
// Decrypts in place. False when the page does not authenticate (wrong key,
// modified bytes, a page moved from elsewhere); the buffer is then zeroed.
bool decrypt_page(unsigned char* page, std::uint32_t size, std::uint32_t pgno, const Key& key);

// XChaCha20 keystream at byte `offset` (for temporary files: ephemeral key,
// confidentiality only, since they never outlive the connection).
void xor_stream(unsigned char* buf, std::size_t n, std::int64_t offset, const Key& key,
                const unsigned char nonce[kNonceBytes]);

}  // namespace crmlite::crypto
