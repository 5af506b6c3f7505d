// Calls every Cloister enclave answers, whatever its own handlers: the
// runtime registers them, the host reaches them through Enclave methods.
//
// Call ids at and above kReservedCallIdBase belong to the runtime. An
// enclave's own calls must stay below it (Handlers::on checks at compile
// time; a raw Handlers::add of a reserved id is never dispatched).
#pragma once

#include <cstdint>

#include "cloister/bytes.h"
#include "cloister/call.h"

namespace cloister {

inline constexpr std::uint32_t kReservedCallIdBase = 0xFFFF0000u;

// Evidence binding the enclave's instance key (see enclave::get_runtime_evidence).
// Safe to answer for anyone: only the public half of the key is disclosed,
// and the private half never leaves the enclave.
struct RuntimeEvidenceRequest {
  static constexpr std::uint32_t id = kReservedCallIdBase + 1;
  Bytes nonce;  // at most kMaxRuntimeNonceSize bytes; goes into the runtime data as base64url
  CLOISTER_FIELDS(nonce)
  struct Reply {
    Bytes evidence;      // report_data = SHA-256(runtime_data) || 32 zero bytes
    Bytes runtime_data;  // the JSON document whose hash the evidence carries
    CLOISTER_FIELDS(evidence, runtime_data)
  };
};

using RuntimeEvidence = RuntimeEvidenceRequest::Reply;

inline constexpr std::size_t kMaxRuntimeNonceSize = 1024;

}  // namespace cloister
