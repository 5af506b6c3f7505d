// Messages between an enclave and its platform, and between a host and the
// platform daemon. Every one is wire-encoded and decoded with tight limits.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "cloister/bytes.h"
#include "cloister/evidence.h"
#include "cloister/result.h"
#include "cloister/wire.h"
#include "image/identity.h"

namespace cloister::platform {

inline constexpr std::size_t kMaxPlatformMessage = 64 * 1024;

// enclave -> platform, on the enclave's private platform socket.
enum class EnclaveRequestKind : std::uint8_t { hello = 1, evidence = 2, seal_key = 3 };

struct EnclaveRequest {
  EnclaveRequestKind kind = EnclaveRequestKind::hello;
  std::array<std::uint8_t, 64> report_data{};
  std::uint8_t seal_policy = 0;
  std::uint16_t seal_svn = 0;
  Bytes key_id;
  CLOISTER_FIELDS(kind, report_data, seal_policy, seal_svn, key_id)
};

struct EnclaveReply {
  std::uint32_t status = 0;  // ErrorCode
  std::string message;
  EnclaveIdentity identity;           // hello
  EnclaveConfig config;               // hello
  Bytes evidence;                     // evidence
  SecretBytes key;                    // seal_key
  Bytes platform_ca_der;              // hello: the operator CA that certifies this platform
  bool development_platform = false;  // hello
  CLOISTER_FIELDS(status, message, identity, config, evidence, key, platform_ca_der, development_platform)
};

// host -> daemon: launch the image passed as a file descriptor.
struct LaunchRequest {
  std::uint32_t version = 1;
  std::uint32_t slot_capacity = 0;
  std::uint32_t spin_iterations = 0;
  CLOISTER_FIELDS(version, slot_capacity, spin_iterations)
};

// daemon -> host, with the channel memfd and the lifeline socket attached.
struct LaunchReply {
  std::uint32_t status = 0;
  std::string message;
  std::int32_t pid = 0;
  EnclaveIdentity identity;
  EnclaveConfig config;
  bool development_platform = false;
  Bytes platform_ca_der;
  CLOISTER_FIELDS(status, message, pid, identity, config, development_platform, platform_ca_der)
};

inline Status status_from(std::uint32_t code, const std::string& message) {
  if (code == 0) return Status::ok();
  // A code this side does not know (a newer peer) becomes internal.
  if (code > static_cast<std::uint32_t>(kLastErrorCode))
    code = static_cast<std::uint32_t>(ErrorCode::internal);
  return Status(static_cast<ErrorCode>(code), message);
}

inline wire::Limits platform_limits() {
  wire::Limits limits;
  limits.max_total_bytes = kMaxPlatformMessage;
  limits.max_field_bytes = kMaxPlatformMessage;
  limits.max_elements = 16;
  limits.max_depth = 4;
  return limits;
}

}  // namespace cloister::platform
