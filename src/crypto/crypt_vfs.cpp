#include "crypto/crypt_vfs.hpp"

#include <sodium.h>
#include <sqlite3.h>

#include <atomic>
#include <functional>
#include <cstring>
#include <fstream>
#include <vector>

#include "common/error.hpp"

namespace crmlite::crypto {

struct CryptVfs::State {
    sqlite3_vfs base{};
    sqlite3_vfs* root = nullptr;
    Key key{};
    Salt salt{};
    std::string name;
    // The main database's page size, for its rollback journal (whose page
    // images carry no page size of their own).
    std::atomic<std::uint32_t> main_page_size{0};
};

namespace {

using State = CryptVfs::State;

enum class Kind { main_db, wal, journal, temp, plain };

// A page that fails to authenticate is reported as corruption: SQLite passes
// this code through unchanged to the statement that read the page (an I/O
// error code would lose its extended part on some paths, e.g. schema loading).
constexpr int kAuthFailed = SQLITE_CORRUPT;

constexpr int kWalHeader = 32;
constexpr int kFrameHeader = 24;

// Lives in memory SQLite allocates (szOsFile bytes): plain data only, set up in
// xOpen, released in xClose. The underlying file follows it.
struct CryptFile {
    sqlite3_file base;  // first: SQLite sees this
    State* vfs;
    sqlite3_file* real;
    Kind kind;
    std::uint32_t page_size;  // 0 until known
    unsigned char* scratch;   // sqlite3_malloc'ed, scratch_size bytes
    std::uint32_t scratch_size;
    sqlite3_int64 hdr_off;  // WAL: offset of the frame header last written, or -1
    unsigned char hdr[kFrameHeader];
    Key temp_key;  // temporary files: a throw-away key and nonce
    unsigned char temp_nonce[kNonceBytes];
};

constexpr std::size_t kFileSlot = (sizeof(CryptFile) + 7) & ~std::size_t{7};

CryptFile* cf(sqlite3_file* f) { return reinterpret_cast<CryptFile*>(f); }
sqlite3_file* real_of(CryptFile* f) { return reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kFileSlot); }

std::uint32_t be32(const unsigned char* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

int real_read(CryptFile* f, void* buf, int n, sqlite3_int64 off) {
    return f->real->pMethods->xRead(f->real, buf, n, off);
}
int real_write(CryptFile* f, const void* buf, int n, sqlite3_int64 off) {
    return f->real->pMethods->xWrite(f->real, buf, n, off);
}

unsigned char* scratch(CryptFile* f, std::uint32_t size) {
    if (f->scratch_size < size) {
        auto* p = static_cast<unsigned char*>(sqlite3_realloc64(f->scratch, size));
        if (p == nullptr) return nullptr;
        f->scratch = p;
        f->scratch_size = size;
    }
    return f->scratch;
}

void learn_page_size(CryptFile* f, std::uint32_t size) {
    f->page_size = size;
    if (f->kind == Kind::main_db) f->vfs->main_page_size = size;
}

// ------------------------------------------------------------ main database

std::uint32_t main_page_size(CryptFile* f) {
    if (f->page_size != 0) return f->page_size;
    unsigned char head[24];
    if (real_read(f, head, sizeof head, 0) != SQLITE_OK) return 0;
    if (std::memcmp(head, kMagic, sizeof kMagic) != 0) return 0;
    const std::uint32_t size = header_page_size(head);
    if (!valid_page_size(size) || head[20] < kReserve) return 0;
    learn_page_size(f, size);
    return size;
}

int main_read(CryptFile* f, void* buf, int n, sqlite3_int64 off) {
    const std::uint32_t ps = main_page_size(f);
    auto* out = static_cast<unsigned char*>(buf);
    if (ps == 0) {
        // An empty file reads as zeros (a new database); anything else that is
        // not an encrypted page is refused rather than handed up as data.
        const int rc = real_read(f, buf, n, off);
        if (rc == SQLITE_IOERR_SHORT_READ) std::memset(buf, 0, static_cast<std::size_t>(n));
        return rc == SQLITE_OK ? kAuthFailed : rc;
    }
    if (static_cast<std::uint32_t>(n) == ps && off % ps == 0) {
        const int rc = real_read(f, buf, n, off);
        if (rc == SQLITE_IOERR_SHORT_READ) {
            // SQLite takes a short read for a page of zeros. A page it asks
            // for lies within the database's size (the file's, or the one the
            // WAL records); one the file does not hold was cut off, and zeros
            // are not the page: refused like a page that fails to authenticate.
            std::memset(buf, 0, static_cast<std::size_t>(n));
            return kAuthFailed;
        }
        if (rc != SQLITE_OK) return rc;
        return decrypt_page(out, ps, static_cast<std::uint32_t>(off / ps) + 1, f->vfs->key) ? SQLITE_OK
                                                                                              : kAuthFailed;
    }
    if (off >= 0 && off + n <= ps) {  // a part of page 1: the header
        unsigned char* page = scratch(f, ps);
        if (page == nullptr) return SQLITE_IOERR_NOMEM;
        const int rc = real_read(f, page, static_cast<int>(ps), 0);
        if (rc == SQLITE_IOERR_SHORT_READ) {
            std::memset(buf, 0, static_cast<std::size_t>(n));
            return rc;
        }
        if (rc != SQLITE_OK) return rc;
        if (!decrypt_page(page, ps, 1, f->vfs->key)) return kAuthFailed;
        std::memcpy(buf, page + off, static_cast<std::size_t>(n));
        return SQLITE_OK;
    }
    return SQLITE_IOERR_READ;
}

int main_write(CryptFile* f, const void* buf, int n, sqlite3_int64 off) {
    std::uint32_t ps = main_page_size(f);
    if (ps == 0) {
        if (!valid_page_size(static_cast<std::uint32_t>(n)) || off % n != 0) return SQLITE_IOERR_WRITE;
        ps = static_cast<std::uint32_t>(n);
        learn_page_size(f, ps);
    }
    if (static_cast<std::uint32_t>(n) != ps || off % ps != 0) return SQLITE_IOERR_WRITE;
    unsigned char* page = scratch(f, ps);
    if (page == nullptr) return SQLITE_IOERR_NOMEM;
    // Fails only for a page 1 without room for the reserve: a plain database
    // copied into an encrypted file.
    if (!encrypt_page(page, static_cast<const unsigned char*>(buf), ps, static_cast<std::uint32_t>(off / ps) + 1,
                      f->vfs->key, f->vfs->salt))
        return SQLITE_IOERR_WRITE;
    return real_write(f, page, n, off);
}

// ---------------------------------------------------------------------- WAL
// Layout: a 32-byte header (page size at bytes 8..11), then frames of a
// 24-byte header (page number first) and one page. Headers stay clear (SQLite
// needs them to find frames); pages are encrypted as in the database.

std::uint32_t wal_page_size(CryptFile* f) {
    if (f->page_size != 0) return f->page_size;
    unsigned char head[kWalHeader];
    if (real_read(f, head, sizeof head, 0) != SQLITE_OK) return 0;
    const std::uint32_t size = be32(head + 8);
    if (!valid_page_size(size)) return 0;
    f->page_size = size;
    return size;
}

std::uint32_t frame_pgno(CryptFile* f, sqlite3_int64 header_off) {
    if (f->hdr_off == header_off) return be32(f->hdr);
    unsigned char p[4];
    if (real_read(f, p, sizeof p, header_off) != SQLITE_OK) return 0;
    return be32(p);
}

int wal_read(CryptFile* f, void* buf, int n, sqlite3_int64 off) {
    auto* out = static_cast<unsigned char*>(buf);
    if (off + n <= kWalHeader) return real_read(f, buf, n, off);
    const std::uint32_t ps = wal_page_size(f);
    if (ps == 0 || off < kWalHeader) return SQLITE_IOERR_READ;
    const sqlite3_int64 frame = ps + kFrameHeader, rel = off - kWalHeader;
    if (n == kFrameHeader && rel % frame == 0) return real_read(f, buf, n, off);
    if (static_cast<std::uint32_t>(n) == ps && rel % frame == kFrameHeader) {
        const int rc = real_read(f, buf, n, off);
        if (rc == SQLITE_IOERR_SHORT_READ) std::memset(buf, 0, static_cast<std::size_t>(n));
        if (rc != SQLITE_OK) return rc;
        const std::uint32_t pgno = frame_pgno(f, off - kFrameHeader);
        return pgno != 0 && decrypt_page(out, ps, pgno, f->vfs->key) ? SQLITE_OK : kAuthFailed;
    }
    if (n == frame && rel % frame == 0) {
        // Whole frames are read by WAL recovery only. A frame that does not
        // authenticate (torn by a crash) comes back zeroed, so its checksum
        // fails and the log ends there, as SQLite does with a torn frame.
        const int rc = real_read(f, buf, n, off);
        if (rc == SQLITE_IOERR_SHORT_READ) std::memset(buf, 0, static_cast<std::size_t>(n));
        if (rc != SQLITE_OK) return rc;
        (void)decrypt_page(out + kFrameHeader, ps, be32(out), f->vfs->key);
        return SQLITE_OK;
    }
    return SQLITE_IOERR_READ;
}

int wal_write(CryptFile* f, const void* buf, int n, sqlite3_int64 off) {
    const auto* in = static_cast<const unsigned char*>(buf);
    if (off + n <= kWalHeader) {
        if (off == 0 && n >= kWalHeader && valid_page_size(be32(in + 8))) f->page_size = be32(in + 8);
        return real_write(f, buf, n, off);
    }
    const std::uint32_t ps = wal_page_size(f);
    if (ps == 0 || off < kWalHeader) return SQLITE_IOERR_WRITE;
    const sqlite3_int64 frame = ps + kFrameHeader, rel = off - kWalHeader;
    if (n == kFrameHeader && rel % frame == 0) {
        std::memcpy(f->hdr, in, kFrameHeader);
        f->hdr_off = off;
        return real_write(f, buf, n, off);
    }
    unsigned char* page = scratch(f, static_cast<std::uint32_t>(frame));
    if (page == nullptr) return SQLITE_IOERR_NOMEM;
    if (static_cast<std::uint32_t>(n) == ps && rel % frame == kFrameHeader) {
        const std::uint32_t pgno = frame_pgno(f, off - kFrameHeader);
        if (pgno == 0 || !encrypt_page(page, in, ps, pgno, f->vfs->key, f->vfs->salt)) return SQLITE_IOERR_WRITE;
        return real_write(f, page, n, off);
    }
    if (n == frame && rel % frame == 0) {
        std::memcpy(page, in, kFrameHeader);
        if (!encrypt_page(page + kFrameHeader, in + kFrameHeader, ps, be32(in), f->vfs->key, f->vfs->salt))
            return SQLITE_IOERR_WRITE;
        return real_write(f, page, n, off);
    }
    return SQLITE_IOERR_WRITE;
}

// ---------------------------------------------------------- rollback journal
// Records are a 4-byte page number, the page image and a 4-byte checksum,
// after a sector-aligned header: a page image is the only write of a whole
// page at an offset that is 4 modulo 8. The images are encrypted as pages.

bool journal_image(CryptFile* f, int n, sqlite3_int64 off) {
    const std::uint32_t ps = f->vfs->main_page_size;
    return ps != 0 && static_cast<std::uint32_t>(n) == ps && off % 8 == 4;
}

int journal_read(CryptFile* f, void* buf, int n, sqlite3_int64 off) {
    const int rc = real_read(f, buf, n, off);
    if (rc != SQLITE_OK || !journal_image(f, n, off)) return rc;
    unsigned char p[4];
    if (real_read(f, p, 4, off - 4) != SQLITE_OK) return kAuthFailed;
    return decrypt_page(static_cast<unsigned char*>(buf), static_cast<std::uint32_t>(n), be32(p), f->vfs->key)
               ? SQLITE_OK
               : kAuthFailed;
}

int journal_write(CryptFile* f, const void* buf, int n, sqlite3_int64 off) {
    if (!journal_image(f, n, off)) return real_write(f, buf, n, off);
    unsigned char p[4];
    if (real_read(f, p, 4, off - 4) != SQLITE_OK) return SQLITE_IOERR_WRITE;
    unsigned char* page = scratch(f, static_cast<std::uint32_t>(n));
    if (page == nullptr) return SQLITE_IOERR_NOMEM;
    if (!encrypt_page(page, static_cast<const unsigned char*>(buf), static_cast<std::uint32_t>(n), be32(p),
                      f->vfs->key, f->vfs->salt))
        return SQLITE_IOERR_WRITE;
    return real_write(f, page, n, off);
}

// ------------------------------------------------------------ temporary files

int temp_read(CryptFile* f, void* buf, int n, sqlite3_int64 off) {
    const int rc = real_read(f, buf, n, off);
    sqlite3_int64 valid = n;
    if (rc == SQLITE_IOERR_SHORT_READ) {
        sqlite3_int64 size = 0;
        if (f->real->pMethods->xFileSize(f->real, &size) != SQLITE_OK) return SQLITE_IOERR_READ;
        valid = size > off ? std::min<sqlite3_int64>(n, size - off) : 0;
    } else if (rc != SQLITE_OK) {
        return rc;
    }
    xor_stream(static_cast<unsigned char*>(buf), static_cast<std::size_t>(valid), off, f->temp_key, f->temp_nonce);
    return rc;
}

int temp_write(CryptFile* f, const void* buf, int n, sqlite3_int64 off) {
    unsigned char* tmp = scratch(f, static_cast<std::uint32_t>(n));
    if (tmp == nullptr) return SQLITE_IOERR_NOMEM;
    std::memcpy(tmp, buf, static_cast<std::size_t>(n));
    xor_stream(tmp, static_cast<std::size_t>(n), off, f->temp_key, f->temp_nonce);
    return real_write(f, tmp, n, off);
}

// ------------------------------------------------------------ io methods

int x_close(sqlite3_file* file) {
    auto* f = cf(file);
    const int rc = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
    sqlite3_free(f->scratch);
    f->scratch = nullptr;
    sodium_memzero(&f->temp_key, sizeof f->temp_key);
    return rc;
}

int x_read(sqlite3_file* file, void* buf, int n, sqlite3_int64 off) {
    auto* f = cf(file);
    switch (f->kind) {
    case Kind::main_db: return main_read(f, buf, n, off);
    case Kind::wal: return wal_read(f, buf, n, off);
    case Kind::journal: return journal_read(f, buf, n, off);
    case Kind::temp: return temp_read(f, buf, n, off);
    case Kind::plain: break;
    }
    return real_read(f, buf, n, off);
}

int x_write(sqlite3_file* file, const void* buf, int n, sqlite3_int64 off) {
    auto* f = cf(file);
    switch (f->kind) {
    case Kind::main_db: return main_write(f, buf, n, off);
    case Kind::wal: return wal_write(f, buf, n, off);
    case Kind::journal: return journal_write(f, buf, n, off);
    case Kind::temp: return temp_write(f, buf, n, off);
    case Kind::plain: break;
    }
    return real_write(f, buf, n, off);
}

int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
    auto* f = cf(file);
    f->hdr_off = -1;
    if (size == 0 && f->kind == Kind::main_db) f->page_size = 0;
    return f->real->pMethods->xTruncate(f->real, size);
}
int x_sync(sqlite3_file* file, int flags) { return cf(file)->real->pMethods->xSync(cf(file)->real, flags); }
int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
    return cf(file)->real->pMethods->xFileSize(cf(file)->real, size);
}
int x_lock(sqlite3_file* file, int level) { return cf(file)->real->pMethods->xLock(cf(file)->real, level); }
int x_unlock(sqlite3_file* file, int level) { return cf(file)->real->pMethods->xUnlock(cf(file)->real, level); }
int x_check_reserved(sqlite3_file* file, int* out) {
    return cf(file)->real->pMethods->xCheckReservedLock(cf(file)->real, out);
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
    auto* f = cf(file);
    if (op == SQLITE_FCNTL_VFSNAME) {
        // Say which VFS is in use (PRAGMA vfs_list / .vfsname).
        const int rc = f->real->pMethods->xFileControl(f->real, op, arg);
        if (rc == SQLITE_OK) {
            auto** name = static_cast<char**>(arg);
            char* mine = sqlite3_mprintf("crmlite-crypt/%z", *name);
            *name = mine;
        }
        return rc;
    }
    return f->real->pMethods->xFileControl(f->real, op, arg);
}
int x_sector_size(sqlite3_file* file) { return cf(file)->real->pMethods->xSectorSize(cf(file)->real); }
int x_device_characteristics(sqlite3_file* file) {
    return cf(file)->real->pMethods->xDeviceCharacteristics(cf(file)->real);
}
int x_shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
    return cf(file)->real->pMethods->xShmMap(cf(file)->real, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
    return cf(file)->real->pMethods->xShmLock(cf(file)->real, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) { cf(file)->real->pMethods->xShmBarrier(cf(file)->real); }
int x_shm_unmap(sqlite3_file* file, int del) { return cf(file)->real->pMethods->xShmUnmap(cf(file)->real, del); }

// Version 2: no xFetch/xUnfetch, so SQLite never memory-maps a file and every
// page passes through x_read.
const sqlite3_io_methods kMethods = {
    2,           x_close,       x_read,         x_write,        x_truncate,
    x_sync,      x_file_size,   x_lock,         x_unlock,       x_check_reserved,
    x_file_control, x_sector_size, x_device_characteristics, x_shm_map, x_shm_lock,
    x_shm_barrier,  x_shm_unmap,   nullptr,        nullptr,
};

// ------------------------------------------------------------------ the VFS

State* state_of(sqlite3_vfs* vfs) { return static_cast<State*>(vfs->pAppData); }

int v_open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    State* st = state_of(vfs);
    auto* f = cf(file);
    std::memset(f, 0, sizeof(CryptFile));
    f->vfs = st;
    f->real = real_of(f);
    f->hdr_off = -1;
    if (flags & SQLITE_OPEN_MAIN_DB) f->kind = Kind::main_db;
    else if (flags & SQLITE_OPEN_WAL) f->kind = Kind::wal;
    else if (flags & SQLITE_OPEN_MAIN_JOURNAL) f->kind = Kind::journal;
    else if (flags & (SQLITE_OPEN_TEMP_DB | SQLITE_OPEN_TEMP_JOURNAL | SQLITE_OPEN_SUBJOURNAL | SQLITE_OPEN_TRANSIENT_DB))
        f->kind = Kind::temp;
    else f->kind = Kind::plain;
    const int rc = st->root->xOpen(st->root, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (f->real->pMethods) f->real->pMethods->xClose(f->real);
        f->base.pMethods = nullptr;
        return rc;
    }
    if (f->kind == Kind::temp) {
        randombytes_buf(f->temp_key.data(), f->temp_key.size());
        randombytes_buf(f->temp_nonce, sizeof f->temp_nonce);
    }
    f->base.pMethods = &kMethods;
    return SQLITE_OK;
}

int v_delete(sqlite3_vfs* v, const char* name, int sync) { return state_of(v)->root->xDelete(state_of(v)->root, name, sync); }
int v_access(sqlite3_vfs* v, const char* name, int flags, int* out) {
    return state_of(v)->root->xAccess(state_of(v)->root, name, flags, out);
}
int v_full_pathname(sqlite3_vfs* v, const char* name, int n, char* out) {
    return state_of(v)->root->xFullPathname(state_of(v)->root, name, n, out);
}
void* v_dlopen(sqlite3_vfs* v, const char* name) { return state_of(v)->root->xDlOpen(state_of(v)->root, name); }
void v_dlerror(sqlite3_vfs* v, int n, char* msg) { state_of(v)->root->xDlError(state_of(v)->root, n, msg); }
void (*v_dlsym(sqlite3_vfs* v, void* h, const char* sym))(void) { return state_of(v)->root->xDlSym(state_of(v)->root, h, sym); }
void v_dlclose(sqlite3_vfs* v, void* h) { state_of(v)->root->xDlClose(state_of(v)->root, h); }
int v_randomness(sqlite3_vfs* v, int n, char* out) { return state_of(v)->root->xRandomness(state_of(v)->root, n, out); }
int v_sleep(sqlite3_vfs* v, int us) { return state_of(v)->root->xSleep(state_of(v)->root, us); }
int v_current_time(sqlite3_vfs* v, double* out) { return state_of(v)->root->xCurrentTime(state_of(v)->root, out); }
int v_last_error(sqlite3_vfs* v, int n, char* out) { return state_of(v)->root->xGetLastError(state_of(v)->root, n, out); }
int v_current_time64(sqlite3_vfs* v, sqlite3_int64* out) {
    return state_of(v)->root->xCurrentTimeInt64(state_of(v)->root, out);
}

std::atomic<std::uint64_t> g_vfs_counter{0};

std::vector<unsigned char> read_prefix(const std::string& path, std::size_t n) {
    std::ifstream in(path, std::ios::binary);
    std::vector<unsigned char> buf(n);
    if (!in) return {};
    in.read(reinterpret_cast<char*>(buf.data()), static_cast<std::streamsize>(n));
    buf.resize(static_cast<std::size_t>(in.gcount()));
    return buf;
}

}  // namespace

Probe probe_file(const std::string& path) {
    Probe p;
    std::ifstream in(path, std::ios::binary);
    if (!in) return p;
    const auto head = read_prefix(path, 24);
    if (head.empty()) {
        p.state = FileState::empty;
    } else if (head.size() >= 16 && std::memcmp(head.data(), "SQLite format 3", 16) == 0) {
        p.state = FileState::plain;
    } else if (head.size() == 24 && std::memcmp(head.data(), kMagic, sizeof kMagic) == 0) {
        p.state = FileState::encrypted;
        p.page_size = header_page_size(head.data());
        p.reserve = head[20];
    } else {
        p.state = FileState::foreign;
    }
    return p;
}

void check_key_spec(const KeySpec& spec, const std::string& field) {
    if (!spec.passphrase.empty() && !spec.raw_key.empty())
        throw Error(CRM_EINVAL, field + ": give a passphrase or a raw key, not both");
    if (!spec.raw_key.empty() && spec.raw_key.size() != kKeyBytes)
        throw Error(CRM_EINVAL, field + ": a raw key is exactly " + std::to_string(kKeyBytes) + " bytes (got " +
                                    std::to_string(spec.raw_key.size()) + ")");
}

CryptVfs::CryptVfs(const Key& key, const Salt& salt) : state_(std::make_unique<State>()) {
    init_sodium();
    State& st = *state_;
    st.root = sqlite3_vfs_find(nullptr);
    if (st.root == nullptr) throw Error(CRM_ERROR, "no default SQLite VFS");
    st.key = key;
    st.salt = salt;
    st.name = "crmlite-crypt-" + std::to_string(++g_vfs_counter);
    sqlite3_vfs& v = st.base;
    v.iVersion = st.root->iVersion < 2 ? st.root->iVersion : 2;
    v.szOsFile = static_cast<int>(kFileSlot) + st.root->szOsFile;
    v.mxPathname = st.root->mxPathname;
    v.zName = st.name.c_str();
    v.pAppData = &st;
    v.xOpen = v_open;
    v.xDelete = v_delete;
    v.xAccess = v_access;
    v.xFullPathname = v_full_pathname;
    v.xDlOpen = v_dlopen;
    v.xDlError = v_dlerror;
    v.xDlSym = v_dlsym;
    v.xDlClose = v_dlclose;
    v.xRandomness = v_randomness;
    v.xSleep = v_sleep;
    v.xCurrentTime = v_current_time;
    v.xGetLastError = v_last_error;
    v.xCurrentTimeInt64 = v_current_time64;
    if (sqlite3_vfs_register(&v, 0) != SQLITE_OK) throw Error(CRM_ERROR, "cannot register the encrypting VFS");
}

CryptVfs::~CryptVfs() {
    sqlite3_vfs_unregister(&state_->base);
    sodium_memzero(state_->key.data(), state_->key.size());
}

const char* CryptVfs::name() const { return state_->name.c_str(); }
const Key& CryptVfs::key() const { return state_->key; }
const Salt& CryptVfs::salt() const { return state_->salt; }

namespace {
Key key_of(const KeySpec& spec, const Salt& salt) {
    return spec.raw_key.empty() ? derive_key(spec.passphrase, salt) : key_from_bytes(spec.raw_key);
}
}  // namespace

std::unique_ptr<CryptVfs> vfs_for_new_file(const KeySpec& spec) {
    check_key_spec(spec, "key");
    if (spec.empty()) throw Error(CRM_EINVAL, "key: empty");
    const Salt salt = random_salt();
    return std::make_unique<CryptVfs>(key_of(spec, salt), salt);
}

namespace {

using KeyFor = std::function<Key(const Salt&)>;

// A database file that is empty (or absent) beside a WAL holding frames has
// been cut: SQLite would delete the WAL and start a new, empty database (the
// WAL of a database is only ever written after its first page). That loss is
// refused here instead: CRM_ECORRUPT, or CRM_ENOTADB when a frame of page 1
// is there and the key does not open it.
void check_wal_of_empty_file(const std::string& path, const KeyFor& key_for) {
    std::ifstream in(path + "-wal", std::ios::binary);
    if (!in) return;
    unsigned char head[kWalHeader];
    if (!in.read(reinterpret_cast<char*>(head), sizeof head)) return;
    const std::uint32_t ps = be32(head + 8);
    if (!valid_page_size(ps)) return;
    std::vector<unsigned char> frame(ps + kFrameHeader);
    bool any = false;
    while (in.read(reinterpret_cast<char*>(frame.data()), static_cast<std::streamsize>(frame.size()))) {
        any = true;
        if (be32(frame.data()) != 1) continue;
        unsigned char* page = frame.data() + kFrameHeader;
        Salt salt{};
        std::memcpy(salt.data(), page + ps - kSaltBytes, kSaltBytes);
        if (!decrypt_page(page, ps, 1, key_for(salt)))
            throw Error(CRM_ENOTADB, path + ": wrong key for this encrypted database (or its WAL is damaged)");
        break;
    }
    if (any)
        throw Error(CRM_ECORRUPT, path + ": the database file is empty but its WAL holds pages: the file was cut short "
                                         "(not opened, so that the WAL is not discarded)");
}

// The VFS for an existing encrypted file (key checked against page 1), or,
// for an absent or empty one, null (the caller picks a salt).
std::unique_ptr<CryptVfs> vfs_for_existing(const std::string& path, const KeyFor& key_for) {
    const Probe p = probe_file(path);
    switch (p.state) {
    case FileState::absent:
    case FileState::empty:
        check_wal_of_empty_file(path, key_for);
        return nullptr;
    case FileState::plain:
        throw Error(CRM_ENOTADB, path + ": not an encrypted database (open it without a key)");
    case FileState::foreign: throw Error(CRM_ENOTADB, path + ": not a crmlite database (not an SQLite file)");
    case FileState::encrypted: break;
    }
    if (!valid_page_size(p.page_size) || p.reserve < kReserve)
        throw Error(CRM_ENOTADB, path + ": damaged header of an encrypted database");
    auto page = read_prefix(path, p.page_size);
    if (page.size() != p.page_size) throw Error(CRM_ENOTADB, path + ": encrypted database cut short");
    Salt salt{};
    std::memcpy(salt.data(), page.data() + p.page_size - kSaltBytes, kSaltBytes);
    const Key key = key_for(salt);
    if (!decrypt_page(page.data(), p.page_size, 1, key))
        throw Error(CRM_ENOTADB, path + ": wrong key for this encrypted database (or its first page is damaged)");
    return std::make_unique<CryptVfs>(key, salt);
}

}  // namespace

std::unique_ptr<CryptVfs> vfs_for_file(const std::string& path, const KeySpec& spec) {
    check_key_spec(spec, "key");
    if (spec.empty()) throw Error(CRM_EINVAL, "key: empty");
    if (auto vfs = vfs_for_existing(path, [&](const Salt& salt) { return key_of(spec, salt); })) return vfs;
    return vfs_for_new_file(spec);
}

std::unique_ptr<CryptVfs> vfs_for_file(const std::string& path, const CryptVfs& like) {
    if (auto vfs = vfs_for_existing(path, [&](const Salt&) { return like.key(); })) return vfs;
    return clone_vfs(like);
}

std::unique_ptr<CryptVfs> clone_vfs(const CryptVfs& vfs) { return std::make_unique<CryptVfs>(vfs.key(), vfs.salt()); }

sqlite3_file* raw_file(sqlite3_file* file) {
    return file != nullptr && file->pMethods == &kMethods ? cf(file)->real : file;
}

std::string test_raw_key() { return "crmlite-test-key-not-a-secret-01"; }

}  // namespace crmlite::crypto
