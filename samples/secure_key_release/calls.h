// The calls between the secure key release sample's host and its enclave.
#pragma once

#include <cstdint>
#include <string>

#include "cloister/bytes.h"
#include "cloister/call.h"

namespace skr {

// The key broker's answer, a JWE wrapped to the enclave's instance key. The
// enclave unwraps it and keeps the data key; nothing comes back but its id.
struct InstallKey {
  static constexpr std::uint32_t id = 1;
  std::string jwe;
  CLOISTER_FIELDS(jwe)
  struct Reply {
    std::string key_id;  // "kid" of the released key, if it had one
    CLOISTER_FIELDS(key_id)
  };
};

// A file encrypted under the data key. The enclave decrypts it and answers
// only a summary: the plaintext never leaves the enclave.
struct SummarizeFile {
  static constexpr std::uint32_t id = 2;
  cloister::Bytes sealed_file;
  CLOISTER_FIELDS(sealed_file)
  struct Reply {
    std::uint64_t bytes = 0;
    std::uint64_t lines = 0;
    cloister::Bytes sha256;  // of the plaintext, so the owner can check the enclave read the right file
    CLOISTER_FIELDS(bytes, lines, sha256)
  };
};

}  // namespace skr
