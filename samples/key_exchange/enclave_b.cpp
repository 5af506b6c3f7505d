// Enclave B: owns a key pair that never leaves it, proves it with evidence,
// and processes data that only it can decrypt.
#include <mutex>
#include <optional>

#include "cloister/enclave.h"
#include "envelope.h"

namespace {

using namespace cloister;

std::mutex key_mutex;
std::optional<crypto::PrivateKey> key_pair;

}  // namespace

CLOISTER_ENCLAVE(key_exchange_b) {
  enclave.on<exchange::CreateKeyPair>(
      [](const exchange::CreateKeyPair&) -> Result<exchange::CreateKeyPair::Reply> {
        std::lock_guard lock(key_mutex);
        CLOISTER_ASSIGN_OR_RETURN(crypto::PrivateKey key,
                                  crypto::PrivateKey::generate(crypto::KeyType::ec_p256));
        exchange::CreateKeyPair::Reply reply;
        CLOISTER_ASSIGN_OR_RETURN(reply.public_key, key.public_key().to_der());
        // Binding the public key into the evidence is what lets A trust it.
        CLOISTER_ASSIGN_OR_RETURN(reply.evidence, enclave::get_evidence_for(reply.public_key));
        key_pair = std::move(key);
        return reply;
      });

  enclave.on<exchange::ProcessData>(
      [](const exchange::ProcessData& request) -> Result<exchange::ProcessData::Reply> {
        std::lock_guard lock(key_mutex);
        if (!key_pair)
          return Status(ErrorCode::invalid_argument, "no key pair yet: call CreateKeyPair first");
        auto plaintext = exchange::open_envelope(*key_pair, request.envelope);
        if (!plaintext.is_ok()) return plaintext.status().with_context("B cannot open the envelope");
        auto records = wire::decode<std::vector<std::uint64_t>>(plaintext->view());
        if (!records.is_ok()) return records.status().with_context("B received malformed records");
        exchange::ProcessData::Reply reply;
        reply.summary.count = records->size();
        reply.summary.minimum = records->empty() ? 0 : UINT64_MAX;
        for (auto value : *records) {
          reply.summary.total += value;
          reply.summary.minimum = std::min(reply.summary.minimum, value);
          reply.summary.maximum = std::max(reply.summary.maximum, value);
        }
        return reply;
      });
}
