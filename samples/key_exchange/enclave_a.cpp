// Enclave A: verifies B's evidence against a policy compiled into A, then
// generates data only it sees and encrypts it to B's attested key.
#include <sstream>

#include "cloister/enclave.h"
#include "common/encoding.h"
#include "crypto/rng.h"
#include "crypto/sha.h"
#include "envelope.h"

namespace {

using namespace cloister;

// A's policy for its peer. The trusted root comes from A's own platform, the
// expected signer is A's own: neither is taken from the untrusted host.
Expectations peer_policy(ByteView peer_public_key) {
  Expectations expect;
  expect.signer = enclave::identity().signer;
  expect.product_id = exchange::kProductB;
  auto digest = crypto::sha256(peer_public_key);
  expect.report_data_prefix = Bytes(digest.begin(), digest.end());
  expect.max_age_seconds = 300;
  // A peer may be no less protected than A itself.
  expect.allow_debug = enclave::identity().debug;
  expect.allow_isolation_none = enclave::backend() == Backend::sim;
  expect.allow_development_platform = enclave::development_platform();
  return expect;
}

Result<Bytes> secret_records(std::uint32_t count, exchange::Summary& summary) {
  std::vector<std::uint64_t> records(count);
  CLOISTER_ASSIGN_OR_RETURN(Bytes random, crypto::random_bytes(std::size_t{count} * 4));
  summary = {};
  summary.count = count;
  summary.minimum = count == 0 ? 0 : UINT64_MAX;
  for (std::uint32_t i = 0; i < count; ++i) {
    // Salaries between 30,000 and 230,000.
    std::uint32_t r = random[4 * i] | (random[4 * i + 1] << 8) | (random[4 * i + 2] << 16) |
                      (static_cast<std::uint32_t>(random[4 * i + 3]) << 24);
    records[i] = 30000 + r % 200001;
    summary.total += records[i];
    summary.minimum = std::min(summary.minimum, records[i]);
    summary.maximum = std::max(summary.maximum, records[i]);
  }
  Bytes encoded = wire::encode(records);
  secure_wipe(records.data(), records.size() * sizeof(std::uint64_t));
  return encoded;
}

}  // namespace

CLOISTER_ENCLAVE(key_exchange_a) {
  enclave.on<exchange::ProduceSecretData>(
      [](const exchange::ProduceSecretData& request) -> Result<exchange::ProduceSecretData::Reply> {
        if (request.records > 1'000'000) return Status(ErrorCode::out_of_range, "at most 1,000,000 records");
        std::vector<Bytes> roots{enclave::platform_ca_der()};
        auto verified = verify_evidence(request.peer_evidence, roots, peer_policy(request.peer_public_key));
        if (!verified.is_ok()) return verified.status().with_context("A refuses the peer");
        CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey peer,
                                  crypto::PublicKey::from_der(request.peer_public_key));

        exchange::ProduceSecretData::Reply reply;
        std::ostringstream what;
        const Report& report = verified->report;
        what << "platform " << to_hex(report.platform_id).substr(0, 16) << "... certified by \""
             << verified->platform_ca_subject << "\""
             << (report.development_platform ? " (DEVELOPMENT platform)" : "") << "; measurement "
             << to_hex(report.identity.measurement).substr(0, 16) << "...; signer matches A's own; product "
             << report.identity.product_id << "; svn " << report.identity.security_version
             << (report.identity.debug ? "; DEBUG" : "; not debug")
             << "; B's public key is bound in the report data";
        reply.what_a_verified = what.str();
        CLOISTER_ASSIGN_OR_RETURN(Bytes plaintext, secret_records(request.records, reply.own_summary));
        auto envelope = exchange::seal_to(peer, plaintext);
        secure_wipe(plaintext.data(), plaintext.size());
        if (!envelope.is_ok()) return envelope.status();
        reply.envelope = std::move(envelope).value();
        return reply;
      });
}
