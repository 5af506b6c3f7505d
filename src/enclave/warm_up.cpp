#include "enclave/warm_up.h"

#include <vector>

namespace cloister::enclave {
namespace {
std::vector<WarmUpFunction>& warm_ups() {
  static std::vector<WarmUpFunction> registered;
  return registered;
}
}  // namespace

WarmUpRegistrar::WarmUpRegistrar(WarmUpFunction function) {
  warm_ups().push_back(function);
}

Status run_registered_warm_ups() {
  for (WarmUpFunction function : warm_ups()) CLOISTER_RETURN_IF_ERROR(function());
  return Status::ok();
}

}  // namespace cloister::enclave
