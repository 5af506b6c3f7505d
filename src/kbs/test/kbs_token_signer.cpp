// Test helper for tests/kbs_e2e_test.sh: plays the attestation authority
// (signs tokens, prints its JWKS) and the enclave (prints its public JWK),
// with keys made by `cloister enclave keygen`.
//
//   kbs_token_signer jwks KEY.pem KID          JWKS {"keys":[...]} of the key
//   kbs_token_signer jwk KEY.pem               public JWK of the key
//   kbs_token_signer sign KEY.pem KID CLAIMS   ES256 JWT over the JSON claims
#include <fstream>
#include <iostream>
#include <iterator>

#include "jose/jose.h"

namespace {

using namespace cloister;

int usage() {
  std::cerr << "usage: kbs_token_signer jwks KEY.pem KID | jwk KEY.pem | sign KEY.pem KID CLAIMS_JSON\n";
  return 2;
}

Result<crypto::PrivateKey> load_key(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(ErrorCode::not_found, "cannot open " + path);
  const std::string pem((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return crypto::PrivateKey::from_pem(pem);
}

int run(int argc, char** argv) {
  if (argc < 3) return usage();
  const std::string command = argv[1];
  auto key = load_key(argv[2]);
  if (!key.is_ok()) {
    std::cerr << key.status().to_string() << "\n";
    return 1;
  }
  if (command == "jwk" && argc == 3) {
    auto jwk = jose::public_jwk(key->public_key());
    if (!jwk.is_ok()) return 1;
    std::cout << jwk->dump() << "\n";
    return 0;
  }
  if (command == "jwks" && argc == 4) {
    auto jwk = jose::public_jwk(key->public_key(), argv[3]);
    if (!jwk.is_ok()) return 1;
    std::cout << nlohmann::json{{"keys", {*jwk}}}.dump() << "\n";
    return 0;
  }
  if (command == "sign" && argc == 5) {
    auto claims = nlohmann::json::parse(argv[4], nullptr, false);
    if (claims.is_discarded()) {
      std::cerr << "claims are not JSON\n";
      return 1;
    }
    jose::SignOptions options;
    options.kid = argv[3];
    auto token = jose::sign_jwt(claims, *key, options);
    if (!token.is_ok()) {
      std::cerr << token.status().to_string() << "\n";
      return 1;
    }
    std::cout << *token << "\n";
    return 0;
  }
  return usage();
}

}  // namespace

int main(int argc, char** argv) {
  return run(argc, argv);
}
