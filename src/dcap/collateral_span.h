// Finds the exact bytes of one top-level member of a JSON object. Intel signs
// the text of the tcbInfo / enclaveIdentity object as PCS sent it, so the
// verifier must hash those bytes, not a re-serialisation of a parsed value.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::dcap {

// The value of top-level member `key` of the JSON object `json`, from its
// opening '{' to the matching '}', which it must be (an object). Strings and
// escapes are honoured, so braces inside strings do not count. Fails
// (decode_error, naming the key) when the text is not one object, the member
// is missing or appears twice, or its value is not an object. The member name
// is compared as written, without decoding escapes. Does not validate every
// token: callers also parse the whole text.
Result<std::string_view> find_member_span(std::string_view json, std::string_view key);

// Rejects text nested deeper than `max_depth` objects/arrays before it reaches
// a recursive parser or destructor (fuzzed input can nest a million deep).
Status check_json_depth(std::string_view json, std::size_t max_depth);

// A PCS response body: the signed object's exact text and its signature.
struct SignedCollateral {
  std::string body;  // the exact bytes of the tcbInfo / enclaveIdentity value
  Bytes signature;   // ECDSA P-256 r||s, 64 bytes
};

// {"<key>":{...},"signature":"hex"}: the member's exact text and the
// signature; the whole text must also be valid JSON.
Result<SignedCollateral> parse_signed_response(std::string_view text, std::string_view key);

}  // namespace cloister::dcap
