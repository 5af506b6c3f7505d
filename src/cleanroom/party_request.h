// How a party proves to the clean-room service that a request is its own:
// an ES256 signature, by the key the contract names for it, over the
// method, the path, the time, a fresh nonce and the SHA-256 of the body,
// carried in four headers. The service refuses requests from a name the contract does not
// have, with a signature that does not verify, more than five minutes off
// its clock, or seen before (a replay within that window).
//
//   X-Cloister-Party: hospital-a
//   X-Cloister-Time: 1795000000
//   X-Cloister-Nonce: base64url of 16 random bytes
//   X-Cloister-Signature: base64url(r || s) over
//     "cloister-cleanroom-request/1\n" METHOD "\n" PATH "\n" TIME "\n" NONCE "\n" hex(SHA-256(body))
//   X-Cloister-Content-SHA256: hex(SHA-256(body)), the hash signed above
//
// The fifth header lets the service check the signature of an upload before
// it stores a byte of the body; the body must then hash to it.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

#include "cleanroom/contract.h"
#include "cloister/bytes.h"
#include "cloister/result.h"
#include "crypto/keys.h"

namespace cloister::cleanroom {

inline constexpr std::string_view kPartyHeader = "X-Cloister-Party";
inline constexpr std::string_view kTimeHeader = "X-Cloister-Time";
inline constexpr std::string_view kNonceHeader = "X-Cloister-Nonce";
inline constexpr std::string_view kSignatureHeader = "X-Cloister-Signature";
inline constexpr std::string_view kContentHashHeader = "X-Cloister-Content-SHA256";
inline constexpr std::int64_t kRequestClockSkewSeconds = 300;

struct PartyRequestHeaders {
  std::string party;
  std::string time;
  std::string nonce;           // base64url, at most 64 characters
  std::string signature;       // base64url
  std::string content_sha256;  // hex, as signed
};

// What to send: the headers for `party`'s request.
Result<PartyRequestHeaders> sign_party_request(std::string_view party, const crypto::PrivateKey& key,
                                               std::string_view method, std::string_view path,
                                               std::string_view body_sha256_hex, std::int64_t now);

// Checks signed requests and remembers their signatures for the window in
// which they would still be accepted, so none is accepted twice.
class PartyRequestVerifier {
 public:
  explicit PartyRequestVerifier(const Contract& contract) : contract_(contract) {}

  // The party's name when the request is its own; permission_denied (no or
  // malformed headers, a name not in the contract, a bad signature, a
  // replay) or failed_precondition (clock skew) with what to do.
  Result<std::string> verify(const PartyRequestHeaders& headers, std::string_view method,
                             std::string_view path, std::string_view body_sha256_hex, std::int64_t now);

 private:
  const Contract& contract_;
  std::mutex mutex_;
  std::map<std::string, std::int64_t> seen_;  // party and signed text -> request time
};

}  // namespace cloister::cleanroom
