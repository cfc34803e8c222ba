// The changeset blob: what one replica sends another. A self-describing,
// versioned, compact binary encoding, validated whole before anything is
// applied. Layout (docs/sync.md has the full grammar):
//
//   magic "CRMS" | varint format | u64le schema fingerprint | varint from_seq
//   | varint (through_seq - from_seq) | varint (knows_through + 1) (format 4)
//   | varint site count, 16-byte site ids ([0] is the sender)
//   | varint name count, field names (each once) | varint min_hlc | varint hlc span
//   | varint record count, records ... | u32le CRC-32C of everything before it
//
// A record: varint table | 16-byte id | flags (bit 0: tombstone, bit 1: evict, bit 2: shared stamp)
// | tombstone: clock + site | fields (a tombstone's: its record's last state): count, [shared stamp: site
// index, clock], then per field name index, [no shared stamp: site index, clock], value (its tag's bit 7 says a
// base clock follows). Clocks are zigzag deltas from the previous clock in the blob (fields of
// one edit share a clock: written once with the shared stamp, else a byte each); values are tagged (null, integer
// as zigzag varint, text, 16-byte id).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/json.hpp"
#include "store/ids.hpp"
#include "store/record.hpp"

namespace crmlite::sync {

// 2: a tombstone may carry fields (the ghost of a content-addressed record).
// 3: a record whose fields share one site and clock writes them once (flag bit 2).
// 4: the header says through which seq of the receiver the sender had applied
//    the receiver's changes when it made the blob (knows_through).
constexpr std::uint64_t kFormatVersion = 4;
// Hard limits a decoder enforces on any input (hostile blobs included).
constexpr std::size_t kMaxBlobBytes = std::size_t{1} << 30;
constexpr std::size_t kMaxSites = 65535;
constexpr std::size_t kMaxNames = 4096;
constexpr std::size_t kMaxNameBytes = 64;
constexpr std::size_t kMaxFieldsPerRecord = 256;
constexpr std::size_t kMaxValueBytes = std::size_t{16} << 20;

struct FieldChange {
    std::uint32_t name = 0;  // index into Changeset::names
    std::uint32_t site = 0;  // index into Changeset::sites
    std::int64_t hlc = 0;
    Value value;
    std::int64_t base = 0;  // the stamp this write replaced where it was made (0: none)
};

struct RecordChange {
    int table = 0;  // crmlite::Table value
    Uuid id;
    bool tombstone = false;
    // The customer (or lead) left the receiver's share (filtered replication):
    // drop it and everything under it locally, without a delete that would sync.
    bool evict = false;
    std::int64_t hlc = 0;    // tombstone: when it was deleted
    std::uint32_t site = 0;  // tombstone: by which site
    std::vector<FieldChange> fields;
};

struct Changeset {
    std::uint64_t fingerprint = 0;  // of the synced schema (sync/schema)
    std::int64_t from_seq = 0;      // the sender's changes after this seq ...
    std::int64_t through_seq = 0;   // ... up to and including this one
    // How far the sender held the receiver's changes when it made the blob
    // (its cursor for that peer), -1 when it did not say (no known receiver,
    // or a blob of format 3 or older). A hub refuses a device's changes to a
    // customer it re-sent the device whole after that point: the device's
    // copy dropped them (docs/sync.md, "A late device page after a reset").
    std::int64_t knows_through = -1;
    std::vector<Uuid> sites;        // [0] = the sender
    std::vector<std::string> names;
    std::vector<RecordChange> records;

    std::uint32_t site_index(const Uuid& site);  // adds on first use
    std::uint32_t name_index(std::string_view name);
};

// Encodes; the hlc range is computed from the records.
std::string encode(const Changeset& cs);

// Decodes and validates everything (structure, limits, indexes, UTF-8, the
// checksum) before returning. Throws Error(CRM_ECORRUPT) naming what is wrong,
// or Error(CRM_EFORMAT) for a blob of a newer format version.
Changeset decode(std::string_view blob);

// A JSON rendering for debugging (`crm sync dump`). Table and field names are
// resolved by the caller-provided function when it knows them.
Json to_json(const Changeset& cs, const std::vector<std::string>& table_names);

std::uint32_t crc32c(std::string_view data);

}  // namespace crmlite::sync
