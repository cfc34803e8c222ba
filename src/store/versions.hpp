// Per-record field versions, packed. One row per synced record in
// sync_versions(tbl, id, hlc, seq, vers) instead of one row per field: `hlc` is
// the newest stamp of any field, `seq` the newest change sequence number of any
// field, and `vers` lists, for each field ever written, varint(field index)
// varint(hlc - field stamp) varint(site index) varint(seq - field seq), where a
// field index of 64 or more (index + 64) says a varint(stamp - base stamp)
// follows. A freshly created record (no base) would cost four bytes per field;
// the group form says it once: a first byte 0xFF (no plain entry starts with a
// byte above 0x7F), then varint(hlc - stamp) varint(site index) varint(seq -
// field seq) shared by the fields of varint(bit mask of field indexes), then
// the other fields as plain entries — a fresh record in about 6 bytes. The
// encoder writes whichever form is shorter; see docs/architecture.md. The
// per-field sequence number is what lets a changeset carry only the fields
// changed since a peer's cursor.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crmlite {

struct FieldVersion {
    int field;
    std::int64_t stamp;
    std::int64_t site;  // index into sync_sites
    std::int64_t seq = 0;  // the local change sequence number that last wrote it
    // The stamp of the version this write replaced where it was made (0: the
    // field had none). A merge uses it to tell a concurrent overwrite (the
    // writer never saw the value it replaced here) from a sequential one.
    std::int64_t base = 0;
};

// The first byte of the group form (see above).
constexpr unsigned char kGroupedVersions = 0xFF;

void put_varint(std::string& out, std::uint64_t v);
// Reads a varint at pos; returns false on truncation or overlong encoding.
bool get_varint(std::string_view in, std::size_t& pos, std::uint64_t& v);

// Encodes versions sorted by field; `row_stamp` must be >= every stamp and
// `row_seq` >= every seq.
std::string encode_versions(const std::vector<FieldVersion>& versions, std::int64_t row_stamp, std::int64_t row_seq);
// Decodes; throws Error(CRM_ECORRUPT) on a malformed blob.
std::vector<FieldVersion> decode_versions(std::string_view blob, std::int64_t row_stamp, std::int64_t row_seq);

}  // namespace crmlite
