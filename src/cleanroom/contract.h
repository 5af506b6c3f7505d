// The collaboration contract: who the parties are (name and public key),
// what their data looks like (the schema), how the model is trained, and
// who receives it. Its identity is the SHA-256 of its exact bytes, which
// every party signs (ECDSA P-256 over the bytes, JWS's raw r||s form) and
// the training enclave binds into its evidence, so a party knows which
// contract the enclave enforces.
//
//   {
//     "contract": "cloister-cleanroom/1",
//     "name": "breast-cancer-screening",
//     "parties": [{"name": "hospital-a", "public_key": {JWK, EC P-256}}, ...],
//     "schema": {"features": ["radius_mean", ...], "label": "diagnosis",
//                "positive": "M", "negative": "B"},
//     "algorithm": {"name": "logistic_regression", "epochs": 1000,
//                   "learning_rate": 0.5, "l2": 0.001},
//        or       {"name": "mlp", "hidden": 16, "epochs": 1500,
//                   "learning_rate": 0.3, "l2": 0.0001, "seed": 1},
//     "outputs": [{"party": "hospital-a", "receives": "model"}, ...]
//   }
//
// Parsing is strict (unknown members refused) and bounded: the contract
// comes from other organisations and crosses into the enclave.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "cleanroom/labelled_csv.h"
#include "cleanroom/training.h"
#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::cleanroom {

inline constexpr std::string_view kContractFormat = "cloister-cleanroom/1";
inline constexpr std::size_t kMaxContractBytes = 256 * 1024;
inline constexpr std::size_t kMaxParties = 16;
inline constexpr std::size_t kMaxFeatures = 1024;

struct Party {
  std::string name;  // 1-64 of a-z 0-9 -
  crypto::PublicKey public_key;
};

using Algorithm = std::variant<LogisticRegressionParams, MlpParams>;

struct Contract {
  std::string name;
  std::vector<Party> parties;
  Schema schema;
  Algorithm algorithm;
  std::vector<std::string> model_recipients;  // parties that receive the model
  Bytes bytes;                                // exactly as given
  std::array<std::uint8_t, 32> hash{};        // SHA-256 of bytes

  [[nodiscard]] std::string hash_hex() const;
  [[nodiscard]] const Party* party(std::string_view name) const;
  [[nodiscard]] std::string algorithm_name() const;
};

// invalid_argument naming the member that is wrong.
Result<Contract> parse_contract(ByteView bytes);

// A party's signature on the contract: ECDSA P-256 over its bytes, r||s.
Result<Bytes> sign_contract(const Contract& contract, const crypto::PrivateKey& party_key);
// ok if `signature` is `party`'s signature on `contract`; verification_failed
// otherwise, not_found if the contract has no such party.
Status verify_contract_signature(const Contract& contract, std::string_view party, ByteView signature);

}  // namespace cloister::cleanroom
