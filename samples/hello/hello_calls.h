// The calls between the hello host and its enclave, declared once for both.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cloister/call.h"

namespace hello {

// ecall: the host asks the enclave to greet someone.
struct Greet {
  static constexpr std::uint32_t id = 1;
  std::string name;
  CLOISTER_FIELDS(name)
  struct Reply {
    std::string greeting;
    std::uint64_t greetings_so_far = 0;
    CLOISTER_FIELDS(greeting, greetings_so_far)
  };
};

// ecall: evidence of this enclave, fresh for a verifier's nonce.
struct Attest {
  static constexpr std::uint32_t id = 2;
  std::array<std::uint8_t, 64> nonce{};
  CLOISTER_FIELDS(nonce)
  struct Reply {
    cloister::Bytes evidence;
    CLOISTER_FIELDS(evidence)
  };
};

// ocall: the enclave asks the host for the time (it cannot read a clock the host controls anyway).
struct HostName {
  static constexpr std::uint32_t id = 100;
  CLOISTER_FIELDS()
  struct Reply {
    std::string name;
    CLOISTER_FIELDS(name)
  };
};

}  // namespace hello
