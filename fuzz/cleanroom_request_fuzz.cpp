// libFuzzer target: what crosses into the clean room from the network and
// from the host: a party's signed-request headers as the service reads them
// (fields split at newlines: party, time, nonce, signature, method, path,
// body hash), and a data key release as the training enclave opens it. The
// first byte picks which. Neither may crash; no fuzzed request or release
// may be accepted (they would need a party's key); and a request the party
// really signs over the fuzzed method, path and body hash is accepted once
// and refused as a replay after.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cleanroom/contract.h"
#include "cleanroom/data_key_release.h"
#include "cleanroom/party_request.h"
#include "jose/jose.h"

namespace {

using namespace cloister;
using namespace cloister::cleanroom;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "cleanroom_request_fuzz: %s\n", what);
  std::abort();
}

struct Fixture {
  crypto::PrivateKey party_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  crypto::PrivateKey other_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  crypto::PrivateKey enclave_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256).value();
  Contract contract;

  Fixture() {
    const std::string text =
        nlohmann::json{
            {"contract", "cloister-cleanroom/1"},
            {"name", "fuzz"},
            {"parties",
             {{{"name", "hospital-a"}, {"public_key", jose::public_jwk(party_key.public_key()).value()}},
              {{"name", "hospital-b"}, {"public_key", jose::public_jwk(other_key.public_key()).value()}}}},
            {"schema", {{"features", {"a", "b"}}, {"label", "y"}, {"positive", "M"}, {"negative", "B"}}},
            {"algorithm", {{"name", "logistic_regression"}}},
            {"outputs", {{{"party", "hospital-a"}, {"receives", "model"}}}}}
            .dump();
    contract = parse_contract(as_bytes(text)).value();
  }
};

Fixture& fixture() {
  static Fixture instance;
  return instance;
}

std::vector<std::string> fields(std::string_view text, std::size_t count) {
  std::vector<std::string> out;
  while (out.size() + 1 < count) {
    const auto end = text.find('\n');
    if (end == std::string_view::npos) break;
    out.emplace_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  out.emplace_back(text);
  out.resize(count);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture& f = fixture();
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (data[0] % 2 == 0) {
    const auto field = fields(text, 7);
    const PartyRequestHeaders headers{
        .party = field[0], .time = field[1], .nonce = field[2], .signature = field[3]};
    // "now" is the request's own time when it is a number, so the signature
    // check is reached rather than the clock's.
    std::int64_t now = 1'800'000'000;
    if (!field[1].empty() && field[1].size() < 12 &&
        field[1].find_first_not_of("0123456789") == std::string::npos)
      now = std::stoll(field[1]);
    PartyRequestVerifier verifier(f.contract);
    if (verifier.verify(headers, field[4], field[5], field[6], now).is_ok())
      fail("a request no party signed was accepted");
    auto signed_headers = sign_party_request("hospital-a", f.party_key, field[4], field[5], field[6], now);
    if (!signed_headers.is_ok()) fail("signing failed");
    auto accepted = verifier.verify(*signed_headers, field[4], field[5], field[6], now);
    if (!accepted.is_ok() || *accepted != "hospital-a") fail("hospital-a's own request was refused");
    if (verifier.verify(*signed_headers, field[4], field[5], field[6], now).is_ok())
      fail("a replayed request was accepted");
    if (verifier.verify(*signed_headers, field[4], field[5] + "x", field[6], now + 1).is_ok())
      fail("a request was accepted for another path");
  } else {
    if (open_data_key_release(text, f.enclave_key, f.contract).is_ok())
      fail("a key release no party sealed was opened");
  }
  return 0;
}
