// The ecalls between HostTlsBridge and EnclaveTlsSessions: the host moves
// TLS records, never plaintext. Ids 0x52540000..0x525400FF ("RT") belong to
// attested TLS; an enclave using it must not use them for its own calls.
#pragma once

#include <cstdint>

#include "cloister/bytes.h"
#include "cloister/call.h"

namespace cloister::ratls {

inline constexpr std::uint32_t kRatlsCallIdBase = 0x52540000u;

// A new TCP connection arrived: start a TLS session for it.
struct TlsOpen {
  static constexpr std::uint32_t id = kRatlsCallIdBase + 1;
  CLOISTER_FIELDS()
  struct Reply {
    std::uint64_t session = 0;
    CLOISTER_FIELDS(session)
  };
};

// Ciphertext from the client in, ciphertext for the client out.
struct TlsExchange {
  static constexpr std::uint32_t id = kRatlsCallIdBase + 2;
  std::uint64_t session = 0;
  Bytes records;             // bytes read from the socket (may be empty)
  bool peer_closed = false;  // the client closed its side
  CLOISTER_FIELDS(session, records, peer_closed)
  struct Reply {
    Bytes records;        // bytes to write to the socket
    bool closed = false;  // the enclave ended the session: write `records`, then close the socket
    CLOISTER_FIELDS(records, closed)
  };
};

// The host dropped the connection: forget the session.
struct TlsClose {
  static constexpr std::uint32_t id = kRatlsCallIdBase + 3;
  std::uint64_t session = 0;
  CLOISTER_FIELDS(session)
  struct Reply {
    CLOISTER_FIELDS()
  };
};

}  // namespace cloister::ratls
