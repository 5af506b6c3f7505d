// The enclave's side of its private platform socket.
#pragma once

#include <mutex>

#include "platform/protocol.h"

namespace cloister::enclave {

class PlatformClient {
 public:
  explicit PlatformClient(int socket) : socket_(socket) {}
  Result<platform::EnclaveReply> request(const platform::EnclaveRequest& request);

 private:
  int socket_;
  std::mutex mutex_;  // one request in flight: replies carry no id
};

}  // namespace cloister::enclave
