// The key-exchange host: launches enclaves A and B, carries B's public key and
// evidence to A and A's ciphertext to B, and shows that it never sees the data,
// and that every attack it can mount on the way is refused.
//   key_exchange_host ENCLAVE_A.signed ENCLAVE_B.signed [--sim]
#include "cloister/host.h"

#include <cstring>
#include <iostream>

#include "common/encoding.h"
#include "crypto/keys.h"
#include "exchange_calls.h"

namespace {

using namespace cloister;

std::string short_hex(ByteView bytes, std::size_t n = 24) {
  std::string hex = to_hex(bytes);
  return hex.size() > n ? hex.substr(0, n) + "..." : hex;
}

void print_summary(const char* who, const exchange::Summary& s) {
  std::cout << who << " count=" << s.count << " mean=" << (s.count ? s.total / s.count : 0)
            << " min=" << s.minimum << " max=" << s.maximum << "\n";
}

bool same(const exchange::Summary& a, const exchange::Summary& b) {
  return a.count == b.count && a.total == b.total && a.minimum == b.minimum && a.maximum == b.maximum;
}

int fail(const std::string& what, const Status& status) {
  std::cerr << "error: " << what << ": " << status.to_string() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: key_exchange_host ENCLAVE_A.signed ENCLAVE_B.signed [--sim]\n";
    return 2;
  }
  EnclaveOptions options;
  if (argc > 3 && std::strcmp(argv[3], "--sim") == 0) {
    options.backend = Backend::sim;
  }
  options.sim_entry = "key_exchange_a";
  auto a = Enclave::create(argv[1], options);
  if (!a.is_ok()) return fail("launching enclave A", a.status());
  options.sim_entry = "key_exchange_b";
  auto b = Enclave::create(argv[2], options);
  if (!b.is_ok()) return fail("launching enclave B", b.status());
  std::cout << "[host] enclave A: measurement " << short_hex(a->identity().measurement) << " pid " << a->pid()
            << "\n"
            << "[host] enclave B: measurement " << short_hex(b->identity().measurement) << " pid " << b->pid()
            << "\n"
            << "[host] platform: "
            << (a->development_platform() ? "in-process DEVELOPMENT platform" : "platform daemon")
            << ", backend " << (a->backend() == Backend::sim ? "sim (no isolation)" : "process") << "\n";

  auto key = b->call(exchange::CreateKeyPair{});
  if (!key.is_ok()) return fail("B creating its key pair", key.status());
  std::cout << "[B]    generated a P-256 key pair inside the enclave; public key "
            << short_hex(key->public_key) << "; evidence " << key->evidence.size()
            << " bytes binds SHA-256 of that key\n"
            << "[host] carries B's public key and evidence to A\n";

  auto produced = a->call(exchange::ProduceSecretData{
      .peer_public_key = key->public_key, .peer_evidence = key->evidence, .records = 1000});
  if (!produced.is_ok()) return fail("A verifying B", produced.status());
  std::cout << "[A]    verified B's evidence: " << produced->what_a_verified << "\n"
            << "[A]    generated 1000 secret salary records and encrypted them to B's key\n";
  const auto& envelope = produced->envelope;
  std::cout << "[host] sees only ciphertext: " << short_hex(envelope.ciphertext, 48) << " ("
            << envelope.ciphertext.size() << " bytes)\n";

  auto processed = b->call(exchange::ProcessData{.envelope = envelope});
  if (!processed.is_ok()) return fail("B processing the data", processed.status());
  print_summary("[B]    decrypted and processed the records:", processed->summary);
  print_summary("[A]    its own summary, for comparison:   ", produced->own_summary);
  bool agree = same(processed->summary, produced->own_summary);
  std::cout << "[host] B's result matches A's: " << (agree ? "yes" : "NO") << "\n\n";

  std::cout << "attacks by the host, each of which must be refused:\n";
  int refused = 0;
  auto tampered = envelope;
  tampered.ciphertext[tampered.ciphertext.size() / 2] ^= 0x01;
  auto r1 = b->call(exchange::ProcessData{.envelope = tampered});
  std::cout << "  1. flip one ciphertext byte on the way to B:  "
            << (r1.is_ok() ? "ACCEPTED (bad)" : "refused: " + r1.status().message()) << "\n";
  refused += r1.is_ok() ? 0 : 1;

  auto host_key = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  auto host_der = host_key->public_key().to_der();
  auto r2 =
      a->call(exchange::ProduceSecretData{.peer_public_key = *host_der, .peer_evidence = key->evidence});
  std::cout << "  2. swap in the host's own key with B's evidence: "
            << (r2.is_ok() ? "ACCEPTED (bad)" : "refused: " + r2.status().message()) << "\n";
  refused += r2.is_ok() ? 0 : 1;

  auto forged = key->evidence;
  forged[forged.size() / 3] ^= 0x01;
  auto r3 = a->call(exchange::ProduceSecretData{.peer_public_key = key->public_key, .peer_evidence = forged});
  std::cout << "  3. edit one byte of B's evidence:              "
            << (r3.is_ok() ? "ACCEPTED (bad)" : "refused: " + r3.status().message()) << "\n";
  refused += r3.is_ok() ? 0 : 1;

  bool ok = agree && refused == 3;
  std::cout << "\nkey exchange " << (ok ? "succeeded" : "FAILED") << ": " << refused
            << " of 3 attacks refused\n";
  return ok ? 0 : 1;
}
