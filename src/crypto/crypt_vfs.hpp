// The encrypting VFS: a shim over SQLite's default VFS that encrypts every page
// of the main database, its WAL and its rollback journal (page_cipher.hpp), and
// every temporary file with a throw-away key. SQLite above it sees plaintext
// pages and is unaware of it; its memory-mapped I/O is disabled (the shim's
// files offer no xFetch), so every byte goes through xRead / xWrite.
//
// One CryptVfs is registered per open connection (under a unique name) and
// carries that connection's key; it is unregistered when destroyed, which must
// happen after the connection closed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include <sqlite3.h>

#include "crypto/page_cipher.hpp"

namespace crmlite::crypto {

// What the first bytes of a file say it is.
enum class FileState { absent, empty, plain, encrypted, foreign };

struct Probe {
    FileState state = FileState::absent;
    std::uint32_t page_size = 0;  // encrypted files
    int reserve = 0;              // encrypted files: reserved bytes per page
};
Probe probe_file(const std::string& path);

// How the caller names the key: a passphrase (Argon2id with the file's salt),
// or a raw 32-byte key. Both empty: no encryption.
struct KeySpec {
    std::string passphrase;
    std::string raw_key;
    bool empty() const { return passphrase.empty() && raw_key.empty(); }
};

// Checks a KeySpec's form; throws CRM_EINVAL naming `field` when bad.
void check_key_spec(const KeySpec& spec, const std::string& field);

class CryptVfs {
public:
    CryptVfs(const Key& key, const Salt& salt);
    ~CryptVfs();
    CryptVfs(const CryptVfs&) = delete;
    CryptVfs& operator=(const CryptVfs&) = delete;

    // The registered VFS name, for sqlite3_open_v2.
    const char* name() const;
    const Key& key() const;
    const Salt& salt() const;

    struct State;

private:
    std::unique_ptr<State> state_;
};

// The VFS for opening `path` with `spec`: for an existing encrypted file the
// key is derived with its stored salt and checked against page 1 (a wrong key
// is CRM_ENOTADB, "wrong key"); for a new or empty file a fresh salt is drawn.
// A plain SQLite file is CRM_ENOTADB ("not encrypted").
std::unique_ptr<CryptVfs> vfs_for_file(const std::string& path, const KeySpec& spec);
// The same for a file encrypted with the key of `like` (a copy made through
// it, e.g. VACUUM INTO a snapshot): no key derivation; for a new or empty
// file, a clone of `like`.
std::unique_ptr<CryptVfs> vfs_for_file(const std::string& path, const CryptVfs& like);
// The VFS for a new file encrypted with `spec` (fresh salt).
std::unique_ptr<CryptVfs> vfs_for_new_file(const KeySpec& spec);
// A second VFS with the same key and salt (a backup under the same key).
std::unique_ptr<CryptVfs> clone_vfs(const CryptVfs& vfs);

// The file under a file of the encrypting VFS (SQLITE_FCNTL_FILE_POINTER), to
// write bytes as they are stored; any other file is returned as is.
sqlite3_file* raw_file(sqlite3_file* file);

// The fixed key of the test hook CRMLITE_TEST_ENCRYPT=1 (tests only).
std::string test_raw_key();

}  // namespace crmlite::crypto
