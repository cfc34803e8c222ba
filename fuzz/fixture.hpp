// The world the changeset fuzzer plays in: a "local" replica (the database the
// fuzzed blobs are applied to) and a "remote" one, both filled through the
// normal module APIs (customers with contact points, external ids and tags, a
// company, interactions), synced once, then edited on both sides. The remote's
// later changes, exported with changes_since, are the seed corpus: real blobs
// that meet records the local replica already holds.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace crmlite::fuzz {

// How changeset_fuzz reads an input: the first byte's low two bits pick the
// mode, bit 2 (kDecodeOnly) skips apply(), the rest is the payload.
enum Mode : unsigned char {
    kRaw = 0,        // payload as is: decode(), and apply() if it decodes
    kResign = 1,     // payload's last 4 bytes replaced by its CRC-32C
    kSequence = 2,   // payload cut before every "CRMS"; each piece re-signed, applied in order
    kAppendCrc = 3,  // CRC-32C of the payload appended
};
// decode() is some hundred times cheaper than apply(): inputs with this bit
// explore the decoder at full speed.
constexpr unsigned char kDecodeOnly = 4;

struct Seed {
    std::string name;
    std::string input;  // mode byte + payload
};

// Builds both replicas (files at the two paths, which must not exist yet) and
// returns the seed inputs. Throws on any failure.
std::vector<Seed> build_fixture(const std::string& local_path, const std::string& remote_path);

// The payload of `blob` (a valid changeset) for the given mode.
std::string as_input(Mode mode, std::string_view blob, unsigned char flags = 0);

}  // namespace crmlite::fuzz
