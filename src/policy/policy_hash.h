// The x-ms-policy-hash claim of Microsoft Azure Attestation.
//
// Source: learn.microsoft.com/azure/attestation/claim-sets, "x-ms-policy-hash":
// "Azure Attestation evaluation policy hash computed as
//  BASE64URL(SHA256(UTF8(BASE64URL(UTF8(policy text)))))".
// The policy text is taken as the UTF-8 bytes given; base64url without padding.
#pragma once

#include <string>
#include <string_view>

namespace cloister::policy {

std::string policy_hash(std::string_view policy_text);

}  // namespace cloister::policy
