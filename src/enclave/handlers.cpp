#include <exception>
#include <map>
#include <mutex>

#include "cloister/enclave.h"
#include "enclave/runtime_data.h"

namespace cloister::enclave {

void Handlers::add(std::uint32_t id, RawHandler handler) {
  handlers_[id] = std::move(handler);
}

Result<Bytes> Handlers::dispatch(std::uint32_t id, ByteView request) const {
  const bool runtime_call = id >= kReservedCallIdBase;
  auto it = handlers_.find(id);
  if (!runtime_call && it == handlers_.end()) {
    return Status(ErrorCode::unknown_call, "the enclave has no handler for call id " + std::to_string(id));
  }
  // Exceptions stop here: they never cross the host/enclave boundary.
  try {
    return runtime_call ? dispatch_runtime_call(id, request) : it->second(request);
  } catch (const std::exception& e) {
    return Status(ErrorCode::internal, std::string("enclave handler threw: ") + e.what());
  } catch (...) {
    return Status(ErrorCode::internal, "enclave handler threw a non-standard exception");
  }
}

namespace {
std::map<std::string, EntryFunction>& entries() {
  static std::map<std::string, EntryFunction> registered;
  return registered;
}
}  // namespace

EntryRegistrar::EntryRegistrar(const char* name, EntryFunction entry) {
  entries()[name] = entry;
}

EntryFunction find_entry(const std::string& name) {
  auto it = entries().find(name);
  return it == entries().end() ? nullptr : it->second;
}

EntryFunction sole_entry(std::string* name) {
  if (entries().size() != 1) return nullptr;
  if (name != nullptr) *name = entries().begin()->first;
  return entries().begin()->second;
}

}  // namespace cloister::enclave
