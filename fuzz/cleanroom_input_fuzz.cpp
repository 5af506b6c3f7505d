// libFuzzer target: what the clean room reads from other organisations and
// from the service: a collaboration contract, a party's CSV checked against
// a schema, and an encrypted dataset (header, then chunks opened with a
// fixed data key). The first byte picks the parser; the rest is its input.
// Each must return a value or a clear error, never crash; a contract that
// parses keeps its hash and bytes; an opened dataset has the rows and
// columns its header claims; a parsed CSV has one label per row.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "cleanroom/contract.h"
#include "cleanroom/encrypted_dataset.h"
#include "cleanroom/labelled_csv.h"
#include "crypto/sha.h"

namespace {

using namespace cloister;
using namespace cloister::cleanroom;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "cleanroom_input_fuzz: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const ByteView input(data + 1, size - 1);
  switch (data[0] % 3) {
    case 0: {
      auto contract = parse_contract(input);
      if (contract.is_ok() && (contract->bytes != Bytes(input.begin(), input.end()) ||
                               contract->hash != crypto::sha256(input) || contract->parties.empty()))
        fail("a parsed contract lost its bytes, hash or parties");
      break;
    }
    case 1: {
      const Schema schema{.features = {"a", "b", "c"}, .label = "y", .positive = "M", .negative = "B"};
      auto rows = parse_labelled_csv(
          std::string_view(reinterpret_cast<const char*>(input.data()), input.size()), schema);
      if (rows.is_ok() && (rows->labels.size() != rows->features.rows ||
                           rows->features.values.size() != rows->features.rows * 3))
        fail("a parsed CSV has rows without labels or values");
      break;
    }
    default: {
      const Bytes key(kDataKeySize, 0x42);
      auto header = read_dataset_header(input);
      auto rows = open_dataset(input, key);
      if (rows.is_ok() && (!header.is_ok() || rows->features.rows != header->rows ||
                           rows->features.cols != header->columns || rows->labels.size() != header->rows))
        fail("an opened dataset does not match its header");
      break;
    }
  }
  return 0;
}
