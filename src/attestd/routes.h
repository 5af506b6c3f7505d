// attestd's REST endpoints, shaped like Microsoft Azure Attestation:
//   POST /attest/Cloister                 evidence + runtime data -> {"token": JWT}
//   GET  /certs                           JWKS (with x5c)
//   GET  /.well-known/openid-configuration
//   GET  /policies/Cloister               policy text and x-ms-policy-hash
//   PUT  /policies/Cloister               new policy (text or MAA JWS envelope); admin only
//   POST /policies/Cloister:reset         back to the default policy; admin only
#pragma once

#include <optional>
#include <string>

#include "attestd/service.h"
#include "cloister/result.h"
#include "http/http_server.h"

namespace cloister::attestd {

void register_routes(http::Server& server, AttestationService& service);

// The policy text in a PUT body: the text itself, or MAA's JWS envelope
// whose payload is {"AttestationPolicy": base64url(text)}. The envelope's
// signature is not checked: the administrator credential authorises the change.
Result<std::string> policy_from_body(const std::string& body);

}  // namespace cloister::attestd
