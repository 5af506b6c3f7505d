// A small bounds-checked DER reader for the few ASN.1 structures Cloister
// reads itself (Intel's SGX certificate extension). It reads only definite
// lengths in their shortest form, refuses anything longer than what encloses
// it, and limits nesting, so hostile certificates cannot make it read out of
// bounds or recurse without end. Anything else goes through OpenSSL.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::crypto::der {

// Universal tags this reader knows by name.
enum Tag : std::uint8_t {
  kBoolean = 0x01,
  kInteger = 0x02,
  kOctetString = 0x04,
  kNull = 0x05,
  kOid = 0x06,
  kEnumerated = 0x0a,
  kSequence = 0x30,
  kSet = 0x31,
};

// One tag-length-value, its content a view into the reader's input.
struct Tlv {
  std::uint8_t tag = 0;
  ByteView content;
  std::size_t offset = 0;  // where the tag byte sits in the outermost input
};

class Reader {
 public:
  // Nesting deeper than this is refused: real certificate extensions go three
  // or four levels deep.
  static constexpr int kMaxDepth = 16;

  explicit Reader(ByteView input) : Reader(input, 0, 0) {}

  [[nodiscard]] bool at_end() const { return position_ == input_.size(); }
  [[nodiscard]] std::size_t offset() const { return base_ + position_; }

  // The next TLV, whatever its tag (single-byte tags only: no high tag numbers).
  Result<Tlv> next();
  // The next TLV, which must carry `tag`; `what` names it in errors.
  Result<Tlv> expect(std::uint8_t tag, const std::string& what);
  // A reader over the content of a constructed TLV just read (SEQUENCE, SET).
  Result<Reader> enter(const Tlv& constructed) const;
  // Fails unless everything was read: trailing bytes are an error in DER.
  [[nodiscard]] Status finish(const std::string& what) const;

 private:
  Reader(ByteView input, std::size_t base, int depth) : input_(input), base_(base), depth_(depth) {}

  ByteView input_;
  std::size_t position_ = 0;
  std::size_t base_ = 0;
  int depth_ = 0;
};

// Content decoders. Each checks the DER rules for its type.
Result<std::string> oid_to_string(ByteView content);                        // "1.2.840.113741.1.13.1"
Result<std::uint64_t> integer_to_u64(ByteView content, std::uint64_t max);  // non-negative, <= max
Result<bool> boolean_value(ByteView content);

}  // namespace cloister::crypto::der
