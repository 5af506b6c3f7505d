#include "cleanroom/party_request.h"

#include <charconv>

#include "common/encoding.h"
#include "crypto/rng.h"

namespace cloister::cleanroom {

namespace {

std::string signed_text(std::string_view method, std::string_view path, const PartyRequestHeaders& headers,
                        std::string_view body_sha256_hex) {
  std::string text = "cloister-cleanroom-request/1\n";
  for (std::string_view part :
       {method, path, std::string_view(headers.time), std::string_view(headers.nonce)})
    text.append(part).append("\n");
  return text.append(body_sha256_hex);
}

// A claimed name as it may appear in errors and the audit log: only a name
// of the contract's alphabet is repeated, never arbitrary bytes.
std::string shown_name(std::string_view name) {
  const bool plain =
      !name.empty() && name.size() <= 64 &&
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789-") == std::string_view::npos;
  return plain ? std::string(name) : std::string("(a malformed name)");
}

Status denied(const std::string& why) {
  return Status(ErrorCode::permission_denied, "the request is not a party's own: " + why);
}

}  // namespace

Result<PartyRequestHeaders> sign_party_request(std::string_view party, const crypto::PrivateKey& key,
                                               std::string_view method, std::string_view path,
                                               std::string_view body_sha256_hex, std::int64_t now) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes nonce, crypto::random_bytes(16));
  PartyRequestHeaders headers{.party = std::string(party),
                              .time = std::to_string(now),
                              .nonce = to_base64url(nonce),
                              .signature = {}};
  CLOISTER_ASSIGN_OR_RETURN(Bytes signature,
                            key.sign_raw(as_bytes(signed_text(method, path, headers, body_sha256_hex))));
  headers.signature = to_base64url(signature);
  headers.content_sha256 = std::string(body_sha256_hex);
  return headers;
}

Result<std::string> PartyRequestVerifier::verify(const PartyRequestHeaders& headers, std::string_view method,
                                                 std::string_view path, std::string_view body_sha256_hex,
                                                 std::int64_t now) {
  if (headers.party.empty() || headers.time.empty() || headers.nonce.empty() || headers.signature.empty())
    return denied("it lacks the " + std::string(kPartyHeader) + ", " + std::string(kTimeHeader) + ", " +
                  std::string(kNonceHeader) + " or " + std::string(kSignatureHeader) +
                  " header; send it with the party CLI");
  if (headers.nonce.size() > 64) return denied("its nonce is longer than 64 characters");
  const Party* party = contract_.party(headers.party);
  if (party == nullptr) return denied("the contract has no party " + shown_name(headers.party));
  std::int64_t time = 0;
  const auto* end = headers.time.data() + headers.time.size();
  if (headers.time.size() > 20 || std::from_chars(headers.time.data(), end, time).ptr != end)
    return denied("its time is not a number of seconds");
  if (time < now - kRequestClockSkewSeconds || time > now + kRequestClockSkewSeconds)
    return Status(ErrorCode::failed_precondition,
                  "the request's time is more than five minutes from the service's clock: check the clocks");
  auto signature = from_base64url(headers.signature);
  if (!signature.is_ok() || signature->size() != 64) return denied("its signature is not 64 base64url bytes");
  const std::string text = signed_text(method, path, headers, body_sha256_hex);
  if (!party->public_key.verify_raw(as_bytes(text), *signature, crypto::HashAlgorithm::sha256).is_ok())
    return denied("the signature is not " + party->name + "'s (is this the contract's key for it?)");
  std::lock_guard lock(mutex_);
  std::erase_if(seen_,
                [now](const auto& entry) { return entry.second < now - 2 * kRequestClockSkewSeconds; });
  // Keyed on what was signed, not on the signature: (r, n - s) verifies too.
  if (!seen_.emplace(party->name + "\n" + text, time).second)
    return denied("it was sent before (a replay); send a new request");
  return party->name;
}

}  // namespace cloister::cleanroom
