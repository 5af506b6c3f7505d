// Calls of the key-exchange sample: enclave B makes a key pair and proves it
// with evidence; enclave A checks that evidence and encrypts data for B; the
// host only ever carries public keys, evidence and ciphertext.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cloister/call.h"

namespace exchange {

inline constexpr std::uint16_t kProductA = 1;
inline constexpr std::uint16_t kProductB = 2;

// What A sends to B: ECIES over P-256 (ECDH + HKDF-SHA256 + AES-256-GCM).
struct Envelope {
  cloister::Bytes ephemeral_public_key;  // SPKI DER
  std::array<std::uint8_t, 12> iv{};
  cloister::Bytes ciphertext;  // with the GCM tag
  CLOISTER_FIELDS(ephemeral_public_key, iv, ciphertext)
};

struct Summary {
  std::uint64_t count = 0;
  std::uint64_t total = 0;
  std::uint64_t minimum = 0;
  std::uint64_t maximum = 0;
  CLOISTER_FIELDS(count, total, minimum, maximum)
};

// ecall to B.
struct CreateKeyPair {
  static constexpr std::uint32_t id = 1;
  CLOISTER_FIELDS()
  struct Reply {
    cloister::Bytes public_key;  // SPKI DER
    cloister::Bytes evidence;    // report data = SHA-256(public_key) || zeros
    CLOISTER_FIELDS(public_key, evidence)
  };
};

// ecall to A.
struct ProduceSecretData {
  static constexpr std::uint32_t id = 2;
  cloister::Bytes peer_public_key;
  cloister::Bytes peer_evidence;
  std::uint32_t records = 1000;
  CLOISTER_FIELDS(peer_public_key, peer_evidence, records)
  struct Reply {
    std::string what_a_verified;
    Envelope envelope;
    Summary own_summary;  // computed inside A, so the host can compare B's answer
    CLOISTER_FIELDS(what_a_verified, envelope, own_summary)
  };
};

// ecall to B.
struct ProcessData {
  static constexpr std::uint32_t id = 3;
  Envelope envelope;
  CLOISTER_FIELDS(envelope)
  struct Reply {
    Summary summary;
    CLOISTER_FIELDS(summary)
  };
};

}  // namespace exchange
