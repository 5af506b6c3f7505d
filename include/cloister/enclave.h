// The enclave side of the SDK: what code inside an enclave includes.
//
//   #include <cloister/enclave.h>
//
//   CLOISTER_ENCLAVE(hello) {
//     enclave.on<Greet>([](const Greet& request) -> cloister::Result<Greet::Reply> {
//       return Greet::Reply{.text = "hello, " + request.name};
//     });
//   }
//
// The body runs once, after the runtime has locked the enclave down (syscall
// filter, no file descriptors but its channels), to register handlers. Inside
// a handler, the functions below reach the host (ocall) and the platform
// (evidence, sealing keys). Nothing here throws across the boundary: a
// handler that throws becomes an error reply.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <string>

#include "cloister/bytes.h"
#include "cloister/call.h"
#include "cloister/evidence.h"
#include "cloister/result.h"
#include "cloister/runtime_calls.h"
#include "cloister/seal.h"
#include "crypto/keys.h"

namespace cloister::enclave {

using RawHandler = RawCallHandler;

// The calls an enclave answers.
class Handlers {
 public:
  template <CallMessage Call>
  void on(std::function<Result<typename Call::Reply>(const Call&)> handler) {
    static_assert(Call::id < kReservedCallIdBase, "call ids from 0xFFFF0000 up are reserved for the runtime");
    add(Call::id, typed_handler<Call>(std::move(handler), "malformed request"));
  }
  // Ids from kReservedCallIdBase up are answered by the runtime (runtime_calls.h)
  // and never reach a handler added here.
  void add(std::uint32_t id, RawHandler handler);
  // Runs the handler for `id`; unknown ids and exceptions become errors.
  [[nodiscard]] Result<Bytes> dispatch(std::uint32_t id, ByteView request) const;
  [[nodiscard]] bool empty() const { return handlers_.empty(); }

 private:
  std::map<std::uint32_t, RawHandler> handlers_;
};

using EntryFunction = void (*)(Handlers& enclave);

// Registers an enclave's entry function under a name; CLOISTER_ENCLAVE does it.
struct EntryRegistrar {
  EntryRegistrar(const char* name, EntryFunction entry);
};
// Looks up an entry linked into this process (the sim backend uses it).
EntryFunction find_entry(const std::string& name);
// The only entry linked into this process, or null when there are none or several.
EntryFunction sole_entry(std::string* name = nullptr);

#define CLOISTER_ENCLAVE(name)                                                        \
  static void cloister_enclave_entry_##name(::cloister::enclave::Handlers& enclave);  \
  static const ::cloister::enclave::EntryRegistrar cloister_enclave_registrar_##name{ \
      #name, &cloister_enclave_entry_##name};                                         \
  static void cloister_enclave_entry_##name(::cloister::enclave::Handlers& enclave)

// ---- Services available inside a handler ----

// The identity the platform measured for this enclave.
const EnclaveIdentity& identity();
Backend backend();
// The operator CA (DER) that certifies the platform this enclave runs on, as
// the platform itself reported it: a root an enclave may trust for its peers.
const Bytes& platform_ca_der();
// True on the in-process development platform, whose keys are ephemeral.
bool development_platform();

// Calls the host; served by the host thread that made the current ecall.
Result<Bytes> ocall_raw(std::uint32_t id, ByteView request);
template <CallMessage Call>
Result<typename Call::Reply> ocall(const Call& request) {
  auto reply = ocall_raw(Call::id, wire::encode(request));
  if (!reply.is_ok()) return reply.status();
  return wire::decode<typename Call::Reply>(*reply);
}

// Evidence signed by the platform over this enclave's identity and `report_data`.
Result<Bytes> get_evidence(const std::array<std::uint8_t, 64>& report_data);
// report_data = SHA-256(data) || 32 zero bytes, the usual way to bind a key or nonce.
Result<Bytes> get_evidence_for(ByteView data);

// The enclave's instance key: an EC P-256 key pair generated inside this
// enclave instance on first use. It lives only in enclave memory and is never
// sealed or exported, so every launch (and every sim enclave) has its own.
// Outside an enclave handler, or if generation failed, the key is not valid().
const crypto::PrivateKey& instance_key();

// The runtime data document binding the instance key and a nonce, compact and
// deterministic (members sorted, no spaces):
//   {"keys":[{"crv":"P-256","kid":"enclave-instance","kty":"EC","use":"enc","x":"..","y":".."}],
//    "nonce":"<base64url(nonce), no padding>"}
// The nonce is at most kMaxRuntimeNonceSize bytes.
Result<std::string> runtime_data_json(ByteView nonce);
// Evidence over the runtime data: report_data = SHA-256(runtime data) || 32
// zero bytes, as Microsoft Azure Attestation binds runtime data.
Result<RuntimeEvidence> get_runtime_evidence(ByteView nonce);

// Verifies another enclave's evidence (see evidence.h); usable inside an enclave.
using cloister::verify_evidence;

// Encrypts data so that only this enclave (unique) or enclaves from the same
// signer and product (product) at this or a newer security version can open it.
Result<Bytes> seal(SealPolicy policy, ByteView plaintext, ByteView aad = {});
Result<SecretBytes> unseal(ByteView sealed, ByteView aad = {});

}  // namespace cloister::enclave
