// attestd's REST endpoints, shaped like Microsoft Azure Attestation:
//   POST /attest/Cloister                 evidence + runtime data -> {"token": JWT}
//   POST /attest/SgxEnclave               {"quote", "runtimeData"?, "nonce"?} (hardware_attest.h)
//   POST /attest/OpenEnclave              {"report", ...}
//   POST /attest/TdxVm                    {"quote", ...}
//   POST /attest/SevSnpVm                 {"report": base64url({"SnpReport", "VcekCertChain"}), ...}
//   GET  /certs                           JWKS (with x5c)
//   GET  /.well-known/openid-configuration
//   GET  /policies/{type}                 policy text and x-ms-policy-hash
//   PUT  /policies/{type}                 new policy (text or MAA JWS envelope); admin only
//   POST /policies/{type}:reset           back to the default policy; admin only
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
