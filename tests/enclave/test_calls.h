// Calls of the test enclave that the end-to-end tests and benchmarks drive.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cloister/call.h"

namespace test_enclave {

struct Empty {
  static constexpr std::uint32_t id = 1;
  CLOISTER_FIELDS()
  struct Reply {
    CLOISTER_FIELDS()
  };
};

struct Echo {
  static constexpr std::uint32_t id = 2;
  cloister::Bytes data;
  CLOISTER_FIELDS(data)
  struct Reply {
    cloister::Bytes data;
    CLOISTER_FIELDS(data)
  };
};

// Sums a byte string in the enclave; the reply is small, so payload cost is one-way.
struct Checksum {
  static constexpr std::uint32_t id = 3;
  cloister::Bytes data;
  CLOISTER_FIELDS(data)
  struct Reply {
    std::uint64_t sum = 0;
    CLOISTER_FIELDS(sum)
  };
};

// Takes a payload and does nothing with it: the cost of moving bytes in.
struct Sink {
  static constexpr std::uint32_t id = 11;
  cloister::Bytes data;
  CLOISTER_FIELDS(data)
  struct Reply {
    std::uint64_t size = 0;
    CLOISTER_FIELDS(size)
  };
};

// Makes `count` ocalls to Increment, each adding its index; returns the total.
struct OcallLoop {
  static constexpr std::uint32_t id = 4;
  std::uint32_t count = 0;
  CLOISTER_FIELDS(count)
  struct Reply {
    std::uint64_t total = 0;
    CLOISTER_FIELDS(total)
  };
};

struct Increment {  // ocall
  static constexpr std::uint32_t id = 100;
  std::uint64_t value = 0;
  CLOISTER_FIELDS(value)
  struct Reply {
    std::uint64_t value = 0;
    CLOISTER_FIELDS(value)
  };
};

// Asks the enclave to break its own rules; the runtime must stop it.
struct Misbehave {
  static constexpr std::uint32_t id = 5;
  enum Kind : std::uint8_t {
    open_file = 1,
    crash = 2,
    throw_exception = 3,
    spawn_process = 4,
    exec_memory = 5
  };
  std::uint8_t kind = 0;
  std::string path;
  CLOISTER_FIELDS(kind, path)
  struct Reply {
    std::int64_t result = 0;
    CLOISTER_FIELDS(result)
  };
};

struct GetEvidence {
  static constexpr std::uint32_t id = 6;
  std::array<std::uint8_t, 64> report_data{};
  CLOISTER_FIELDS(report_data)
  struct Reply {
    cloister::Bytes evidence;
    CLOISTER_FIELDS(evidence)
  };
};

// A secret the enclave keeps in its memory, and where it is: the isolation
// test tries to read it from outside.
struct SecretLocation {
  static constexpr std::uint32_t id = 7;
  CLOISTER_FIELDS()
  struct Reply {
    std::uint64_t address = 0;
    std::uint32_t size = 0;
    CLOISTER_FIELDS(address, size)
  };
};

// Holds a thread for a while, to check concurrency.
struct Work {
  static constexpr std::uint32_t id = 8;
  std::uint64_t input = 0;
  std::uint32_t sleep_ms = 0;
  CLOISTER_FIELDS(input, sleep_ms)
  struct Reply {
    std::uint64_t output = 0;
    std::uint32_t threads_inside = 0;  // how many calls were inside at once, at most
    CLOISTER_FIELDS(output, threads_inside)
  };
};

struct Seal {
  static constexpr std::uint32_t id = 9;
  std::uint8_t policy = 1;
  cloister::Bytes plaintext;
  cloister::Bytes aad;
  CLOISTER_FIELDS(policy, plaintext, aad)
  struct Reply {
    cloister::Bytes sealed;
    CLOISTER_FIELDS(sealed)
  };
};

struct Unseal {
  static constexpr std::uint32_t id = 10;
  cloister::Bytes sealed;
  cloister::Bytes aad;
  CLOISTER_FIELDS(sealed, aad)
  struct Reply {
    cloister::Bytes plaintext;
    CLOISTER_FIELDS(plaintext)
  };
};

// ECDH between the enclave's instance key and a peer's P-256 point: proves
// the key named in the runtime data is really held inside.
struct InstanceKeyAgree {
  static constexpr std::uint32_t id = 12;
  cloister::Bytes peer_point;  // uncompressed
  CLOISTER_FIELDS(peer_point)
  struct Reply {
    cloister::Bytes shared_secret;
    CLOISTER_FIELDS(shared_secret)
  };
};

inline constexpr char kSecret[] = "CLOISTER-ENCLAVE-SECRET-MARKER-7f3a9c";

}  // namespace test_enclave
