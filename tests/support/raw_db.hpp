// A plain SQLite connection to a crmlite file, for tests that read or tamper
// with what is stored (audit rows, versions, a schema set back). In the
// encryption pass (CRMLITE_TEST_ENCRYPT=1, scripts/test.sh) files are
// encrypted with the test key: the connection then goes through the
// encrypting VFS, as crmlite's own does. A plain file opens plainly.
#pragma once

#include <SQLiteCpp/Database.h>

#include <memory>
#include <string>

#include "crypto/crypt_vfs.hpp"

namespace crmlite::testing {

namespace raw_detail {
inline std::unique_ptr<crypto::CryptVfs> vfs_for(const std::string& path) {
    const auto state = crypto::probe_file(path).state;
    if (state != crypto::FileState::encrypted) return nullptr;
    crypto::KeySpec key;
    key.raw_key = crypto::test_raw_key();
    return crypto::vfs_for_file(path, key);
}
struct VfsHolder {
    std::unique_ptr<crypto::CryptVfs> vfs;
};
}  // namespace raw_detail

// The VFS (a base initialised first) outlives the connection.
class RawDb : private raw_detail::VfsHolder, public SQLite::Database {
public:
    explicit RawDb(const std::string& path, int flags = SQLite::OPEN_READONLY)
        : raw_detail::VfsHolder{raw_detail::vfs_for(path)},
          SQLite::Database(path.c_str(), flags, 0, vfs ? vfs->name() : nullptr) {}
};

}  // namespace crmlite::testing
