// The enclave-side services, routed to the backend's context for this thread.
#include "cloister/enclave.h"
#include "crypto/sha.h"
#include "enclave/context.h"
#include "enclave/seal_format.h"

namespace cloister::enclave {

namespace {
thread_local EnclaveContext* tls_context = nullptr;

Status outside_enclave() {
  return Status(ErrorCode::invalid_argument, "called outside an enclave handler");
}
}  // namespace

EnclaveContext* current_context() {
  return tls_context;
}
ContextScope::ContextScope(EnclaveContext* context) : previous_(tls_context) {
  tls_context = context;
}
ContextScope::~ContextScope() {
  tls_context = previous_;
}

const EnclaveIdentity& identity() {
  static const EnclaveIdentity none{};
  return tls_context != nullptr ? tls_context->identity() : none;
}

Backend backend() {
  return tls_context != nullptr ? tls_context->backend() : Backend::sim;
}

const Bytes& platform_ca_der() {
  static const Bytes none;
  return tls_context != nullptr ? tls_context->platform_ca_der() : none;
}

bool development_platform() {
  return tls_context == nullptr || tls_context->development_platform();
}

Result<Bytes> ocall_raw(std::uint32_t id, ByteView request) {
  if (tls_context == nullptr) return outside_enclave();
  return tls_context->ocall(id, request);
}

Result<Bytes> get_evidence(const std::array<std::uint8_t, 64>& report_data) {
  if (tls_context == nullptr) return outside_enclave();
  return tls_context->evidence(report_data);
}

Result<Bytes> get_evidence_for(ByteView data) {
  std::array<std::uint8_t, 64> report_data{};
  auto digest = crypto::sha256(data);
  std::copy(digest.begin(), digest.end(), report_data.begin());
  return get_evidence(report_data);
}

Result<Bytes> seal(SealPolicy policy, ByteView plaintext, ByteView aad) {
  EnclaveContext* context = tls_context;
  if (context == nullptr) return outside_enclave();
  SealKeyProvider keys = [context](SealPolicy p, std::uint16_t svn, ByteView key_id) {
    return context->seal_key(p, svn, key_id);
  };
  return seal_blob(keys, policy, context->identity().security_version, aad, plaintext);
}

Result<SecretBytes> unseal(ByteView sealed, ByteView aad) {
  EnclaveContext* context = tls_context;
  if (context == nullptr) return outside_enclave();
  SealKeyProvider keys = [context](SealPolicy p, std::uint16_t svn, ByteView key_id) {
    return context->seal_key(p, svn, key_id);
  };
  return unseal_blob(keys, sealed, aad);
}

}  // namespace cloister::enclave
