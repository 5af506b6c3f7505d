// Typed calls across the host/enclave boundary, declared once and shared by both sides.
//
//   struct GenerateKey {
//     static constexpr std::uint32_t id = 1;        // unique per direction
//     std::uint32_t bits = 0;
//     CLOISTER_FIELDS(bits)
//     struct Reply { Bytes public_key; CLOISTER_FIELDS(public_key) };
//   };
//
// The host calls `enclave.call(GenerateKey{.bits = 256})` and gets
// Result<GenerateKey::Reply>; the enclave registers a handler for it. Ocalls
// are declared the same way and flow the other direction. Fields are encoded
// with the wire codec, so no code generator is needed.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>

#include "cloister/wire.h"

namespace cloister {

template <typename T>
concept CallMessage = requires {
  { T::id } -> std::convertible_to<std::uint32_t>;
  typename T::Reply;
}
&&wire::HasFields<T>;

// A handler of raw bytes, as the channel carries them.
using RawCallHandler = std::function<Result<Bytes>(ByteView request)>;

// Wraps a typed handler: decodes the request (a failure says `malformed`),
// runs the handler, encodes its reply.
template <CallMessage Call>
RawCallHandler typed_handler(std::function<Result<typename Call::Reply>(const Call&)> handler,
                             const char* malformed) {
  return [handler = std::move(handler), malformed](ByteView bytes) -> Result<Bytes> {
    auto request = wire::decode<Call>(bytes);
    if (!request.is_ok()) return request.status().with_context(malformed);
    auto reply = handler(*request);
    if (!reply.is_ok()) return reply.status();
    return wire::encode(*reply);
  };
}

}  // namespace cloister
