// The sealing enclave: seals and unseals secrets with the platform's sealing keys.
#include "cloister/enclave.h"

#include "sealing_calls.h"

using namespace cloister;

CLOISTER_ENCLAVE(sealing) {
  enclave.on<sealing::SealSecret>(
      [](const sealing::SealSecret& request) -> Result<sealing::SealSecret::Reply> {
        if (request.policy != static_cast<std::uint8_t>(SealPolicy::unique) &&
            request.policy != static_cast<std::uint8_t>(SealPolicy::product)) {
          return Status(ErrorCode::invalid_argument, "policy must be 1 (unique) or 2 (product)");
        }
        CLOISTER_ASSIGN_OR_RETURN(Bytes sealed, enclave::seal(static_cast<SealPolicy>(request.policy),
                                                              as_bytes(request.secret), request.aad));
        return sealing::SealSecret::Reply{.sealed = std::move(sealed)};
      });
  enclave.on<sealing::UnsealSecret>(
      [](const sealing::UnsealSecret& request) -> Result<sealing::UnsealSecret::Reply> {
        CLOISTER_ASSIGN_OR_RETURN(SecretBytes secret, enclave::unseal(request.sealed, request.aad));
        return sealing::UnsealSecret::Reply{.secret = to_string(secret.view())};
      });
}
