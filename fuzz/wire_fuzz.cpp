// Decodes the input as each of a few message types with tight limits. Any
// input must either be rejected with a decode Status or decode to a value whose
// encoding is exactly the input: bools and optionals are strict and lengths
// are exact, so the codec is canonical, and a second encoding of the same
// value would let two parties disagree about what was signed or measured.
//
// Seeds in corpus/wire_fuzz/ are wire::encode() of small sample values of
// these types (one or two per type, including empty ones).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "wire_fuzz_messages.h"

namespace cloister::wire_fuzz {
namespace {

[[noreturn]] void die(const char* type, const char* what, const std::string& detail) {
  std::fprintf(stderr, "wire_fuzz: %s: %s: %s\n", type, what, detail.c_str());
  std::abort();
}

template <typename T>
void check(const char* type, ByteView in) {
  // Tight enough that the fuzzer reaches every limit with small inputs.
  wire::Limits limits;
  limits.max_total_bytes = 1 << 16;
  limits.max_field_bytes = 1 << 12;
  limits.max_elements = 64;
  limits.max_depth = 8;

  auto decoded = wire::decode<T>(in, limits);
  if (!decoded.is_ok()) {
    const Status& s = decoded.status();
    if (s.code() == ErrorCode::out_of_range && in.size() > limits.max_total_bytes) return;
    if (s.code() != ErrorCode::decode_error) die(type, "unexpected error code", s.to_string());
    if (s.message().find(" at offset ") == std::string::npos)
      die(type, "error without an offset", s.to_string());
    return;
  }
  const Bytes again = wire::encode(*decoded);
  const auto [out, at] = std::mismatch(again.begin(), again.end(), in.begin(), in.end());
  if (out != again.end() || at != in.end()) {
    die(type, "re-encoding differs from the input",
        "first at offset " + std::to_string(at - in.begin()) + " of " + std::to_string(in.size()));
  }
}

// ByteStrings is the one-buffer form of std::vector<Bytes>: both decode the
// same inputs to the same strings.
void check_byte_strings_match_vector(ByteView in) {
  wire::Limits limits;
  limits.max_elements = 64;
  limits.max_field_bytes = 1 << 12;
  auto flat = wire::decode<wire::ByteStrings>(in, limits);
  auto vector = wire::decode<std::vector<Bytes>>(in, limits);
  if (flat.is_ok() != vector.is_ok())
    die("ByteStrings", "differs from vector<Bytes>", "one decodes, one not");
  if (flat.is_ok() && *flat != wire::ByteStrings(*vector))
    die("ByteStrings", "differs from vector<Bytes>", "different strings");
}

}  // namespace
}  // namespace cloister::wire_fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace cloister::wire_fuzz;
  const cloister::ByteView in(data, size);
  check<Measurement>("Measurement", in);
  check<Evidence>("Evidence", in);
  check<Envelope>("Envelope", in);
  check<Node>("Node", in);
  check<std::vector<std::string>>("vector<string>", in);
  check<cloister::wire::ByteStrings>("ByteStrings", in);
  check_byte_strings_match_vector(in);
  return 0;
}
