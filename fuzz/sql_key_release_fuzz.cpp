// libFuzzer target: arbitrary bytes as the plaintext of a key release (the
// JSON the SQL enclave parses after decrypting a client's JWE; key_release.h).
//  - parse_key_release_document either refuses or returns a release within
//    every bound (<= 256 keys, 32-byte keys, distinct non-zero ids);
//  - a parsed release re-serializes, and that parses to the same release;
//  - verify_key_release never crashes on what parsing let through.
// Seeds in corpus/sql_key_release_fuzz/ are hand-made documents with fake
// CMK public keys and signatures: they parse, and their signatures do not verify.
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "sql/cell_cipher.h"
#include "sql/key_release.h"

namespace {

using namespace cloister;
using namespace cloister::sql;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "sql_key_release_fuzz: %s\n", what);
  std::abort();
}

bool same(const KeyRelease& a, const KeyRelease& b) {
  if (a.database_id != b.database_id || a.keys.size() != b.keys.size()) return false;
  for (std::size_t i = 0; i < a.keys.size(); ++i) {
    const ReleasedKey& x = a.keys[i];
    const ReleasedKey& y = b.keys[i];
    if (x.cek_id != y.cek_id || x.cek_name != y.cek_name ||
        to_string(x.key.view()) != to_string(y.key.view()) || x.cmk_provider != y.cmk_provider ||
        x.cmk_key_path != y.cmk_key_path || x.cmk_public_key_der != y.cmk_public_key_der ||
        x.cmk_enclave_signature != y.cmk_enclave_signature ||
        x.allow_decryption_to_host != y.allow_decryption_to_host) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Result<KeyRelease> release = parse_key_release_document(text);
  if (!release.is_ok()) return 0;
  if (release->keys.empty() || release->keys.size() > kMaxReleasedKeys) die("a release out of bounds");
  for (const ReleasedKey& key : release->keys) {
    if (key.key.size() != kColumnKeySize || key.cek_id == 0) die("a key out of bounds");
  }
  Result<SecretBytes> again = key_release_document(*release);
  if (!again.is_ok()) die("a parsed release does not serialize");
  const ByteView bytes = again->view();
  Result<KeyRelease> reparsed =
      parse_key_release_document(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
  if (!reparsed.is_ok() || !same(*release, *reparsed)) die("a re-serialized release parses differently");
  (void)verify_key_release(*release);
  return 0;
}
