// A small command-line front end to src/jose for the PyJWT interoperability
// test (pyjwt_interop_test.py). Not installed; every argument is positional.
//   jose_tool sign KEY.pem ALG KID CLAIMS_JSON      -> compact JWS
//   jose_tool verify JWKS.json TOKEN NOW [ISSUER]   -> payload JSON
//   jose_tool jwk KEY.pem                           -> public JWK (kid = thumbprint)
//   jose_tool encrypt PUBLIC.pem PLAINTEXT          -> compact JWE
//   jose_tool decrypt KEY.pem JWE                   -> plaintext
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "jose/jose.h"

namespace {

using cloister::Status;
using namespace cloister::jose;

std::string read_file(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "cannot read " << path << "\n";
    std::exit(2);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

int fail(const Status& status) {
  std::cerr << status.to_string() << "\n";
  return 1;
}

cloister::Result<cloister::crypto::PublicKey> load_public(const std::string& pem) {
  auto key = cloister::crypto::PublicKey::from_pem(pem);
  if (key.is_ok()) return key;
  auto private_key = cloister::crypto::PrivateKey::from_pem(pem);
  if (!private_key.is_ok()) return private_key.status();
  return private_key->public_key();
}

int run(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "sign" && argc == 6) {
    auto key = cloister::crypto::PrivateKey::from_pem(read_file(argv[2]));
    if (!key.is_ok()) return fail(key.status());
    auto algorithm = algorithm_from_string(argv[3]);
    if (!algorithm.is_ok()) return fail(algorithm.status());
    auto claims = nlohmann::json::parse(argv[5], nullptr, false);
    if (claims.is_discarded()) return fail(Status(cloister::ErrorCode::decode_error, "claims are not JSON"));
    SignOptions options;
    options.algorithm = *algorithm;
    options.kid = argv[4];
    auto token = sign_jwt(claims, *key, options);
    if (!token.is_ok()) return fail(token.status());
    std::cout << *token << "\n";
    return 0;
  }
  if (command == "verify" && (argc == 5 || argc == 6)) {
    auto jwks = nlohmann::json::parse(read_file(argv[2]), nullptr, false);
    auto keys = KeySet::from_jwks(jwks);
    if (!keys.is_ok()) return fail(keys.status());
    ValidationOptions options;
    options.now_seconds = std::strtoll(argv[4], nullptr, 10);
    if (argc == 6) options.issuer = argv[5];
    auto payload = verify_jwt(argv[3], *keys, options);
    if (!payload.is_ok()) return fail(payload.status());
    std::cout << payload->dump() << "\n";
    return 0;
  }
  if (command == "jwk" && argc == 3) {
    auto key = load_public(read_file(argv[2]));
    if (!key.is_ok()) return fail(key.status());
    auto jwk = public_jwk(*key);
    if (!jwk.is_ok()) return fail(jwk.status());
    std::cout << jwk->dump() << "\n";
    return 0;
  }
  if (command == "encrypt" && argc == 4) {
    auto key = load_public(read_file(argv[2]));
    if (!key.is_ok()) return fail(key.status());
    auto jwe = encrypt_jwe(cloister::as_bytes(argv[3]), *key);
    if (!jwe.is_ok()) return fail(jwe.status());
    std::cout << *jwe << "\n";
    return 0;
  }
  if (command == "decrypt" && argc == 4) {
    auto key = cloister::crypto::PrivateKey::from_pem(read_file(argv[2]));
    if (!key.is_ok()) return fail(key.status());
    auto plaintext = decrypt_jwe(argv[3], *key);
    if (!plaintext.is_ok()) return fail(plaintext.status());
    std::cout << cloister::to_string(plaintext->view()) << "\n";
    return 0;
  }
  std::cerr << "usage: jose_tool sign|verify|jwk|encrypt|decrypt ... (see jose_tool.cpp)\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  return run(argc, argv);
}
