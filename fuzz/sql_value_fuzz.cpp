// libFuzzer target: the plaintext codec and the comparisons the SQL enclave
// runs on decrypted cells (sql_value.h). The first byte picks the column type,
// the second where the input splits into two plaintexts a and b.
//  - deserialize_plaintext either refuses or returns a value that serializes
//    back to exactly the same bytes;
//  - compare_plaintext is antisymmetric, and 0 on a plaintext and itself;
//  - like_plaintext of a string with itself, and with "%", is a match, and
//    any LIKE finishes (no exponential backtracking: -timeout catches it).
// Seeds in corpus/sql_value_fuzz/ are hand-made: two ints, two UTF-16
// strings, a LIKE pattern with wildcards.
#include <cstdio>
#include <cstdlib>

#include "sql/sql_value.h"

namespace {

using namespace cloister;
using namespace cloister::sql;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sql_value_fuzz: %s\n", what);
  std::abort();
}

void check_round_trip(SqlType type, ByteView plaintext) {
  Result<SqlValue> value = deserialize_plaintext(type, plaintext);
  if (!value.is_ok()) return;
  Result<SecretBytes> again = serialize_plaintext(type, *value);
  if (!again.is_ok()) die("a deserialized value does not serialize");
  const ByteView bytes = again->view();
  if (to_string(bytes) != to_string(plaintext)) die("a value does not serialize to the bytes it came from");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const auto type = static_cast<SqlType>(1 + data[0] % 6);
  const ByteView rest(data + 2, size - 2);
  const std::size_t split = rest.empty() ? 0 : data[1] % (rest.size() + 1);
  const ByteView a = rest.first(split);
  const ByteView b = rest.subspan(split);
  check_round_trip(type, a);
  check_round_trip(type, b);

  Result<int> ab = compare_plaintext(type, a, b);
  Result<int> ba = compare_plaintext(type, b, a);
  if (ab.is_ok() != ba.is_ok()) die("compare(a, b) and compare(b, a) disagree on validity");
  if (ab.is_ok() && *ab != -*ba) die("compare is not antisymmetric");
  Result<int> aa = compare_plaintext(type, a, a);
  if (aa.is_ok() && *aa != 0) die("a plaintext differs from itself");

  if (type == SqlType::varchar || type == SqlType::nvarchar) {
    (void)like_plaintext(type, a, b);
    Result<bool> self = like_plaintext(type, a, a);
    if (self.is_ok() && !*self) die("a string is not LIKE itself");
    const Bytes percent = type == SqlType::varchar ? Bytes{'%'} : Bytes{'%', 0};
    Result<bool> any = like_plaintext(type, a, percent);
    if (self.is_ok() != any.is_ok() || (any.is_ok() && !*any)) die("a string is not LIKE '%'");
  }
  return 0;
}
