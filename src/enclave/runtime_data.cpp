// The enclave instance key and the runtime data that binds it into evidence.
#include "enclave/runtime_data.h"

#include "cloister/enclave.h"
#include "common/encoding.h"
#include "crypto/sha.h"
#include "enclave/context.h"

namespace cloister::enclave {

const crypto::PrivateKey& EnclaveContext::instance_key() {
  // Generation can only fail if the RNG does; the key then stays invalid and
  // every use of it reports the failure instead of using a weak key.
  std::call_once(instance_key_once_, [this] {
    auto key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
    if (key.is_ok()) instance_key_ = std::move(key).value();
  });
  return instance_key_;
}

const crypto::PrivateKey& instance_key() {
  static const crypto::PrivateKey none;
  EnclaveContext* context = current_context();
  return context != nullptr ? context->instance_key() : none;
}

namespace {

constexpr char kInstanceKid[] = "enclave-instance";
constexpr std::size_t kCoordinateSize = 32;  // P-256

// The public JWK of a P-256 key (RFC 7518 section 6.2.1), members in
// lexicographic order. Written out by hand: every value is a constant or
// base64url, so nothing needs escaping, and the enclave runtime keeps its
// small dependency set (no JSON library in every enclave image).
Result<std::string> instance_jwk(const crypto::PrivateKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes point, key.public_key().ec_point());
  if (point.size() != 1 + 2 * kCoordinateSize || point[0] != 0x04) {
    return Status(ErrorCode::crypto_error, "instance key is not an uncompressed P-256 point");
  }
  ByteView view(point);
  return std::string(R"({"crv":"P-256","kid":")") + kInstanceKid + R"(","kty":"EC","use":"enc","x":")" +
         to_base64url(view.subspan(1, kCoordinateSize)) + R"(","y":")" +
         to_base64url(view.subspan(1 + kCoordinateSize, kCoordinateSize)) + "\"}";
}

}  // namespace

Result<std::string> runtime_data_json(ByteView nonce) {
  if (nonce.size() > kMaxRuntimeNonceSize) {
    return Status(ErrorCode::invalid_argument, "nonce is " + std::to_string(nonce.size()) +
                                                   " bytes; at most " + std::to_string(kMaxRuntimeNonceSize) +
                                                   " are accepted");
  }
  if (current_context() == nullptr)
    return Status(ErrorCode::invalid_argument, "called outside an enclave handler");
  const crypto::PrivateKey& key = instance_key();
  if (!key.valid()) return Status(ErrorCode::crypto_error, "the enclave instance key could not be generated");
  CLOISTER_ASSIGN_OR_RETURN(std::string jwk, instance_jwk(key));
  // Compact, members sorted: the same key and nonce always give the same
  // bytes, which is what a hash binding needs. A relying party hashes the
  // bytes it received, so it never has to re-serialise.
  return R"({"keys":[)" + jwk + R"(],"nonce":")" + to_base64url(nonce) + "\"}";
}

Result<RuntimeEvidence> get_runtime_evidence(ByteView nonce) {
  CLOISTER_ASSIGN_OR_RETURN(std::string json, runtime_data_json(nonce));
  Bytes runtime_data(json.begin(), json.end());
  CLOISTER_ASSIGN_OR_RETURN(Bytes evidence, get_evidence_for(runtime_data));
  return RuntimeEvidence{.evidence = std::move(evidence), .runtime_data = std::move(runtime_data)};
}

Result<Bytes> dispatch_runtime_call(std::uint32_t id, ByteView request) {
  if (id == RuntimeEvidenceRequest::id) {
    auto handler = typed_handler<RuntimeEvidenceRequest>(
        [](const RuntimeEvidenceRequest& call) { return get_runtime_evidence(call.nonce); },
        "malformed request");
    return handler(request);
  }
  return Status(ErrorCode::unknown_call, "the enclave runtime has no call id " + std::to_string(id));
}

}  // namespace cloister::enclave
