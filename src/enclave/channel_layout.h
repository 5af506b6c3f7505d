// The shared-memory channel between a host and a process-backend enclave.
//
// One memfd, mapped by both sides: a header, then one slot per enclave
// thread. A host thread owns a slot for the length of one ecall; the slot's
// state word hands the buffer back and forth and doubles as the futex both
// sides sleep on. Either side may be hostile to the other, so each reads the
// length and ids once into private memory, checks them, and copies the
// payload out before parsing it.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace cloister::channel {

inline constexpr std::uint32_t kMagic = 0x434c4348;  // "CLCH"
inline constexpr std::uint32_t kVersion = 2;

enum SlotState : std::uint32_t {
  kIdle = 0,
  kRequest = 1,     // host -> enclave: an ecall is ready
  kReply = 2,       // enclave -> host: the ecall's reply is ready
  kOcall = 3,       // enclave -> host: an ocall made during the ecall
  kOcallReply = 4,  // host -> enclave: the ocall's reply
};

// Why the enclave died, as the enclave itself recorded it just before.
enum DeathReason : std::uint32_t {
  kAlive = 0,
  kForbiddenSyscall = 1,  // detail: the system call number
  kFatalSignal = 2,       // detail: the signal number
  kStartupFailed = 3,     // detail: the step that failed (StartupStep)
};

struct alignas(64) Header {
  std::uint32_t magic;
  std::uint32_t version;
  std::uint32_t slot_count;
  std::uint32_t slot_capacity;       // payload bytes per slot
  std::atomic<std::uint32_t> ready;  // futex: the enclave sets 1 when it serves calls
  std::atomic<std::uint32_t> death_reason;
  std::atomic<std::int64_t> death_detail;
  std::uint32_t spin_iterations;  // how long a waiting side spins before sleeping; 0: sleep at once
};

// The state word shares its cache line with the message's ids and length, so
// a small message crosses between cores as one line, as in a raw ping-pong.
// The sleeping flags, which rarely change, have a line of their own that both
// sides keep cached while they spin.
struct alignas(64) SlotHeader {
  std::atomic<std::uint32_t> state;  // futex word
  std::uint32_t call_id;
  std::uint32_t status;  // ErrorCode of the reply; 0 for ok
  std::uint32_t length;  // payload bytes in use
  alignas(64) std::atomic<std::uint32_t> host_sleeping;
  std::atomic<std::uint32_t> enclave_sleeping;
};

inline std::size_t slot_stride(std::uint32_t capacity) {
  return (sizeof(SlotHeader) + capacity + 63) & ~std::size_t{63};
}
inline std::size_t region_size(std::uint32_t slot_count, std::uint32_t capacity) {
  return sizeof(Header) + std::size_t{slot_count} * slot_stride(capacity);
}
inline SlotHeader* slot_at(void* base, std::uint32_t capacity, std::uint32_t index) {
  return reinterpret_cast<SlotHeader*>(static_cast<std::uint8_t*>(base) + sizeof(Header) +
                                       std::size_t{index} * slot_stride(capacity));
}
inline std::uint8_t* payload_of(SlotHeader* slot) {
  return reinterpret_cast<std::uint8_t*>(slot + 1);
}

// File descriptors a process-backend enclave starts with.
inline constexpr int kLifelineFd = 3;  // SOCK_SEQPACKET to the host: hang-up means the other side is gone
inline constexpr int kChannelFd = 4;   // the memfd holding this layout
inline constexpr int kPlatformFd = 5;  // SOCK_SEQPACKET to the platform: evidence and sealing keys

}  // namespace cloister::channel
