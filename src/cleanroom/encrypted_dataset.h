// A party's dataset as it leaves the party: its rows (features as
// little-endian doubles, then the label as 0.0 or 1.0) in chunks, each
// sealed with AES-256-GCM under a data key only the party and, after key
// release, the training enclave hold. The header is authenticated with
// every chunk (its SHA-256 is in each chunk's associated data, with the
// chunk's index and whether it is the last), so the service can neither read
// nor reorder, drop, truncate or splice chunks, nor relabel whose data it is.
//
//   "CLDS" | u32 header size | header (JSON) | chunks
//   header: {"format": "cloister-dataset/1", "contract": <sha256 hex>,
//            "party": NAME, "columns": N, "rows": R, "chunk_rows": C}
//   chunk i: u32 sealed size | AES-256-GCM(key, nonce = 4 zero bytes || u64 BE i,
//            aad = SHA-256(header) || u64 BE i || u8 last, rows) || 16-byte tag
//
// Numbers are binary, not CSV text, so the enclave reads them without a
// parser whose branches depend on the digits. A data key seals one dataset
// only (the nonces count from 0 in every file).
#pragma once

#include <cstdint>
#include <string>

#include "cleanroom/labelled_csv.h"
#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::cleanroom {

inline constexpr std::size_t kDataKeySize = 32;
inline constexpr std::size_t kDefaultChunkRows = 4096;
inline constexpr std::uint64_t kMaxDatasetRows = std::uint64_t{1} << 26;

struct DatasetHeader {
  std::string contract;  // the contract's SHA-256, hex
  std::string party;
  std::size_t columns = 0;  // features
  std::uint64_t rows = 0;
  std::size_t chunk_rows = kDefaultChunkRows;
};

Result<Bytes> seal_dataset(const LabelledRows& rows, const DatasetHeader& header, ByteView data_key);

// A party's rows sealed under a fresh random data key, as they leave its
// side: the file to upload and the key to release only to a verified enclave.
struct SealedDataset {
  Bytes file;
  SecretBytes data_key;
};
Result<SealedDataset> seal_with_fresh_key(const LabelledRows& rows, const std::string& contract_hash,
                                          const std::string& party);

// The header, read without the key (the service checks whose and which
// contract's data an upload claims to be before storing it).
Result<DatasetHeader> read_dataset_header(ByteView sealed);

// Every chunk verified and decrypted. A wrong key or any change to the file
// is verification_failed naming the chunk; a malformed file decode_error.
Result<LabelledRows> open_dataset(ByteView sealed, ByteView data_key);

}  // namespace cloister::cleanroom
