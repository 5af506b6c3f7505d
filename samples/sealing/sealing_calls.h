// Calls of the sealing sample.
#pragma once

#include <cstdint>
#include <string>

#include "cloister/call.h"

namespace sealing {

struct SealSecret {
  static constexpr std::uint32_t id = 1;
  std::string secret;
  std::uint8_t policy = 2;  // cloister::SealPolicy
  cloister::Bytes aad;
  CLOISTER_FIELDS(secret, policy, aad)
  struct Reply {
    cloister::Bytes sealed;
    CLOISTER_FIELDS(sealed)
  };
};

struct UnsealSecret {
  static constexpr std::uint32_t id = 2;
  cloister::Bytes sealed;
  cloister::Bytes aad;
  CLOISTER_FIELDS(sealed, aad)
  struct Reply {
    std::string secret;
    CLOISTER_FIELDS(secret)
  };
};

}  // namespace sealing
