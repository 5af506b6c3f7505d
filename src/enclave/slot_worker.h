// One enclave thread per channel slot: waits for an ecall, copies it out of
// shared memory, dispatches it, and writes the reply back.
#pragma once

#include <cstdint>

#include "cloister/enclave.h"
#include "enclave/channel_layout.h"
#include "enclave/context.h"
#include "enclave/platform_client.h"

namespace cloister::enclave {

// Parameters read once from the channel header at start-up: the host may
// rewrite the header later, so nothing here is read from it again.
struct ChannelView {
  void* base = nullptr;
  std::uint32_t slot_count = 0;
  std::uint32_t capacity = 0;
  std::uint32_t spin_iterations = 0;
};

class ProcessContext final : public EnclaveContext {
 public:
  ProcessContext(const platform::EnclaveReply& hello, PlatformClient& platform, ChannelView channel)
      : identity_(hello.identity),
        platform_ca_der_(hello.platform_ca_der),
        development_platform_(hello.development_platform),
        platform_(platform),
        channel_(channel) {}
  [[nodiscard]] const EnclaveIdentity& identity() const override { return identity_; }
  [[nodiscard]] Backend backend() const override { return Backend::process; }
  [[nodiscard]] const Bytes& platform_ca_der() const override { return platform_ca_der_; }
  [[nodiscard]] bool development_platform() const override { return development_platform_; }
  Result<Bytes> ocall(std::uint32_t id, ByteView request) override;
  Result<Bytes> evidence(const std::array<std::uint8_t, 64>& report_data) override;
  Result<SecretBytes> seal_key(SealPolicy policy, std::uint16_t svn, ByteView key_id) override;

 private:
  EnclaveIdentity identity_;
  Bytes platform_ca_der_;
  bool development_platform_;
  PlatformClient& platform_;
  ChannelView channel_;
};

// Serves slot `index` forever.
[[noreturn]] void serve_slot(const Handlers& handlers, ProcessContext& context, const ChannelView& channel,
                             std::uint32_t index);

}  // namespace cloister::enclave
