// libFuzzer target: the key broker's Key Vault-shaped key operations
// (POST /keys/{name}/{version}/unwrapkey and .../sign) without the network.
// An input is "OP\nNAME\nVERSION\nBODY": OP "unwrapkey" or "sign", then the
// URL's key name and version segments and the request body, as
// kbs_service.cpp passes them to run_key_operation. A real KeyStore over a
// temporary data dir holds an RSA key "cmk" (version 1), an EC key "ec" and
// a disabled RSA key "off". Every call must return a value or a clear
// refusal, never crash or throw; a result only from the enabled RSA key (an
// unwrapped key of at most 214 bytes, a 256-byte signature); and every call
// leaves exactly one audit record (checked every 512 calls against the
// audit hash chain). Seeds in fuzz/corpus/kbs_key_operation_fuzz/.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "kbs/key_material.h"
#include "kbs/key_operations.h"
#include "kbs_fuzz_store.h"

namespace {

using namespace cloister;
using namespace cloister::kbs;

[[noreturn]] void fail(const std::string& what, const std::string& detail = {}) {
  std::fprintf(stderr, "kbs_key_operation_fuzz: %s\n%s\n", what.c_str(), detail.c_str());
  std::abort();
}

template <typename T>
T must(Result<T> result, const char* what) {
  if (!result.is_ok()) fail(what, result.status().to_string());
  return std::move(result).value();
}

fuzz::FuzzKeyStore& fixture() {
  static fuzz::FuzzKeyStore instance(
      "kbs_key_operation_fuzz", [] { return std::int64_t{1700000000}; }, 512);
  static const bool ready = [] {
    KeyStore& store = instance.store();
    const KeySpec rsa = must(make_key_spec("RSA", 2048), "RSA spec");
    must(store.create("cmk", rsa, std::nullopt), "create cmk");
    must(store.create("ec", must(make_key_spec("EC", 0), "EC spec"), std::nullopt), "create ec");
    must(store.create("off", rsa, std::nullopt), "create off");
    must(store.set_enabled("off", false), "disable off");
    instance.start_counting();
    return true;
  }();
  (void)ready;
  return instance;
}

// The next line of `input` from `at` (all the rest if there is no newline).
std::string next_line(const std::string& input, std::size_t& at) {
  const auto newline = input.find('\n', at);
  std::string line = input.substr(at, newline == std::string::npos ? std::string::npos : newline - at);
  at = newline == std::string::npos ? input.size() : newline + 1;
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::size_t at = 0;
  const std::string op = next_line(input, at);
  const std::string name = next_line(input, at);
  const std::string version = next_line(input, at);
  const std::string body = input.substr(at);
  const KeyOperation operation = op == "sign" ? KeyOperation::sign : KeyOperation::unwrap_key;

  Result<KeyOperationResult> result = Status(ErrorCode::internal, "not called");
  try {
    result = run_key_operation(fixture().store(), operation, name, version, body);
  } catch (const std::exception& e) {
    fail(std::string("an exception escaped: ") + e.what());
  }
  fixture().audited_once();

  static const bool print = std::getenv("KBS_FUZZ_PRINT") != nullptr;
  if (print)
    std::fprintf(stderr, "kbs_key_operation_fuzz: %s\n",
                 result.is_ok() ? result->kid.c_str() : result.status().to_string().c_str());
  if (!result.is_ok()) {
    const ErrorCode code = result.status().code();
    if (code != ErrorCode::invalid_argument && code != ErrorCode::not_found &&
        code != ErrorCode::permission_denied)
      fail("a refusal that is not a client error", result.status().to_string());
    if (result.status().message().empty()) fail("a refusal without a message");
    return 0;
  }
  if (result->kid != "cmk/1") fail("a result from a key that may not give one", result->kid);
  const std::size_t bytes = result->value.size();
  if (operation == KeyOperation::sign ? bytes != 256 : bytes > 214)
    fail("a result of the wrong size", std::to_string(bytes) + " bytes");
  return 0;
}
