// The sim backend: the enclave's handlers run in the host process, on the
// calling thread. No isolation at all; its evidence says so (isolation none,
// debug), and default policies refuse it. For debugging and unit tests.
#include <semaphore>

#include "cloister/enclave.h"
#include "enclave/context.h"
#include "host/backend.h"
#include "image/signed_image.h"
#include "platform/launcher.h"

namespace cloister {
namespace {

class SimBackend final : public EnclaveBackend, public enclave::EnclaveContext {
 public:
  SimBackend(std::shared_ptr<platform::EnclaveLauncher> platform, EnclaveInfo info)
      : platform_(std::move(platform)), threads_(static_cast<std::ptrdiff_t>(info.config.max_threads)) {
    info_ = std::move(info);
  }

  void start(enclave::EntryFunction entry) {
    enclave::ContextScope scope(this);
    entry(handlers_);
  }

  Result<Bytes> call(std::uint32_t id, ByteView request) override {
    // As many concurrent calls as the enclave has threads, like the process backend.
    threads_.acquire();
    Bytes copy(request.begin(), request.end());
    Result<Bytes> reply = [&] {
      enclave::ContextScope scope(this);
      return handlers_.dispatch(id, copy);
    }();
    threads_.release();
    return reply;
  }

  [[nodiscard]] const EnclaveIdentity& identity() const override { return info_.identity; }
  [[nodiscard]] Backend backend() const override { return Backend::sim; }
  [[nodiscard]] const Bytes& platform_ca_der() const override { return info_.platform_ca_der; }
  [[nodiscard]] bool development_platform() const override { return true; }
  Result<Bytes> ocall(std::uint32_t id, ByteView request) override { return ocalls_.dispatch(id, request); }
  Result<Bytes> evidence(const std::array<std::uint8_t, 64>& report_data) override {
    return platform_->identity().sign_report(Backend::sim, Isolation::none, info_.identity, report_data);
  }
  Result<SecretBytes> seal_key(SealPolicy policy, std::uint16_t svn, ByteView key_id) override {
    return platform_->identity().derive_seal_key(info_.identity, policy, svn, key_id);
  }

 private:
  std::shared_ptr<platform::EnclaveLauncher> platform_;
  enclave::Handlers handlers_;
  std::counting_semaphore<256> threads_;
};

}  // namespace

Result<std::unique_ptr<EnclaveBackend>> create_sim_backend(const std::string& image_path,
                                                           const EnclaveOptions& options) {
  CLOISTER_ASSIGN_OR_RETURN(image::SignedImage image, image::load_signed_image(image_path));
  std::string name = options.sim_entry;
  enclave::EntryFunction entry = name.empty() ? enclave::sole_entry(&name) : enclave::find_entry(name);
  if (entry == nullptr) {
    return Status(ErrorCode::not_found,
                  name.empty() ? "the sim backend needs the enclave's code linked into the host: "
                                 "link exactly one CLOISTER_ENCLAVE, or set EnclaveOptions::sim_entry"
                               : "no CLOISTER_ENCLAVE(" + name + ") is linked into this host");
  }
  auto platform = platform::development_launcher();
  if (!platform) return Status(ErrorCode::internal, "cannot create the development platform");
  EnclaveInfo info;
  info.identity = image.identity;
  info.identity.debug = true;  // nothing protects a sim enclave: never let it pass for a production one
  info.config = image.config;
  info.backend = Backend::sim;
  info.development_platform = true;
  info.platform_ca_der = platform->identity().operator_ca_der();
  auto backend = std::make_unique<SimBackend>(std::move(platform), std::move(info));
  backend->start(entry);
  return std::unique_ptr<EnclaveBackend>(std::move(backend));
}

}  // namespace cloister
