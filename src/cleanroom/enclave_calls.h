// The calls the clean-room service makes into its training enclave
// (enclave/enclave.cpp). One enclave instance serves one collaboration: the
// first OpenCollaboration fixes the contract, and its hash is in every
// evidence the instance gives, so a party that verifies the evidence knows
// which contract the enclave enforces. Rows never leave the enclave; the
// model leaves only sealed to the contract's recipients.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/call.h"

namespace cloister::cleanroom {

inline constexpr std::uint32_t kCleanroomCallIdBase = 0x434C0000u;  // "CL"
// A dataset crosses the boundary in parts of at most this many bytes.
inline constexpr std::size_t kMaxDatasetPart = std::size_t{2} << 20;
inline constexpr std::size_t kMaxLoadedDatasetBytes = std::size_t{512} << 20;

// Fixes the contract (again with the same bytes: ok; other bytes: conflict).
struct OpenCollaboration {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 1;
  Bytes contract;
  CLOISTER_FIELDS(contract)
  struct Reply {
    std::string contract_sha256;  // hex
    CLOISTER_FIELDS(contract_sha256)
  };
};

// Evidence over the runtime data
//   {"contract":"<sha256 hex>","keys":[<instance key JWK>],"nonce":"<base64url>"}
// (compact, members sorted): report_data = SHA-256(runtime data) || zeros.
struct CollaborationEvidence {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 2;
  Bytes nonce;  // at most 1024 bytes
  CLOISTER_FIELDS(nonce)
  struct Reply {
    Bytes evidence;
    Bytes runtime_data;
    CLOISTER_FIELDS(evidence, runtime_data)
  };
};

// A party's data key release (data_key_release.h), sealed to the instance
// key. The reply carries the opened release sealed with this enclave build's
// sealing key (SealPolicy::unique; the contract's hash as associated data):
// only the same enclave code on the same platform can open it again, after a
// restart (RestoreDataKey), and it is checked there as a fresh release.
struct ReleaseDataKey {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 3;
  std::string jwe;
  bool replace = false;
  CLOISTER_FIELDS(jwe, replace)
  struct Reply {
    std::string party;
    Bytes sealed_release;
    CLOISTER_FIELDS(party, sealed_release)
  };
};

// A release sealed by ReleaseDataKey before the service restarted.
struct RestoreDataKey {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 8;
  Bytes sealed_release;  // at most kMaxSealedRelease bytes
  CLOISTER_FIELDS(sealed_release)
  struct Reply {
    std::string party;
    CLOISTER_FIELDS(party)
  };
};
inline constexpr std::size_t kMaxSealedRelease = 64 * 1024;

// A party's encrypted dataset, in parts, in order; the last part loads it.
struct LoadDatasetPart {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 4;
  std::string party;
  std::uint64_t offset = 0;  // of this part in the file
  Bytes bytes;               // at most kMaxDatasetPart
  bool last = false;
  CLOISTER_FIELDS(party, offset, bytes, last)
  struct Reply {
    std::uint64_t rows = 0;  // once loaded
    CLOISTER_FIELDS(rows)
  };
};

struct WithdrawParty {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 5;
  std::string party;
  CLOISTER_FIELDS(party)
  struct Reply {
    CLOISTER_FIELDS()
  };
};

struct CollaborationProgress {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 6;
  CLOISTER_FIELDS()
  struct Party {
    std::string name;
    bool key_released = false;
    bool data_loaded = false;
    std::uint64_t rows = 0;
    CLOISTER_FIELDS(name, key_released, data_loaded, rows)
  };
  struct Reply {
    std::vector<Party> parties;
    CLOISTER_FIELDS(parties)
  };
};

struct TrainModel {
  static constexpr std::uint32_t id = kCleanroomCallIdBase + 7;
  CLOISTER_FIELDS()
  struct SealedModel {
    std::string party;
    std::string jwe;
    CLOISTER_FIELDS(party, jwe)
  };
  struct Reply {
    std::vector<SealedModel> models;
    std::uint64_t rows = 0;
    double seconds = 0;  // training time inside the enclave
    CLOISTER_FIELDS(models, rows, seconds)
  };
};

}  // namespace cloister::cleanroom
