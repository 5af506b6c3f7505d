// libFuzzer target: the messages a host sends the platform daemon and an
// enclave sends its platform (and their replies), decoded with the limits the
// daemon uses. Decoding must fail cleanly or re-encode to the same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "platform/protocol.h"

namespace {

template <typename Message>
void round_trip(cloister::ByteView input) {
  auto decoded = cloister::wire::decode<Message>(input, cloister::platform::platform_limits());
  if (!decoded.is_ok()) return;
  cloister::Bytes again = cloister::wire::encode(*decoded);
  if (again.size() != input.size() || !std::equal(again.begin(), again.end(), input.begin())) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  cloister::ByteView input(data, size);
  round_trip<cloister::platform::LaunchRequest>(input);
  round_trip<cloister::platform::LaunchReply>(input);
  round_trip<cloister::platform::EnclaveRequest>(input);
  round_trip<cloister::platform::EnclaveReply>(input);
  return 0;
}
