// Message shapes for wire_fuzz: between them they use every kind of field the
// codec supports, nested the way real host/enclave messages are.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/wire.h"

namespace cloister::wire_fuzz {

enum class Kind : std::uint16_t { quote = 1, report = 2, certificate = 3 };

struct Measurement {
  std::array<std::uint8_t, 32> digest{};
  std::uint32_t index = 0;
  std::string algorithm;
  CLOISTER_FIELDS(digest, index, algorithm)
};

struct Evidence {
  std::uint16_t version = 0;
  Kind kind = Kind::quote;
  bool debug = false;
  std::optional<std::uint64_t> nonce;
  Bytes report;
  std::vector<Measurement> measurements;
  std::optional<std::string> note;
  std::vector<std::vector<std::int32_t>> matrix;
  double score = 0;
  std::int64_t skew = 0;
  CLOISTER_FIELDS(version, kind, debug, nonce, report, measurements, note, matrix, score, skew)
};

struct Envelope {
  std::uint8_t tag = 0;
  std::vector<Evidence> items;
  std::optional<Measurement> extra;
  SecretBytes key;
  std::optional<std::optional<std::uint8_t>> maybe;
  std::vector<bool> flags;
  CLOISTER_FIELDS(tag, items, extra, key, maybe, flags)
};

// Recursive, so only max_depth bounds how deep a hostile input can nest.
struct Node {
  std::uint8_t tag = 0;
  std::vector<Node> children;
  CLOISTER_FIELDS(tag, children)
};

}  // namespace cloister::wire_fuzz
