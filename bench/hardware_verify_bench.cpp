// Verifications per second of real hardware evidence, beside the raw ECDSA
// rate measured in the same run: an SGX quote with its collateral (about
// five P-256 checks: quote, QE report, PCK chain, TCB info, QE identity, plus
// two CRLs) and an SEV-SNP report with its VCEK chain (one P-384 check and
// three RSA-4096 PSS checks).
//   cloister_hardware_bench [--vectors DIR] [--json FILE]
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

#include "crypto/keys.h"
#include "crypto/sha.h"
#include "crypto/signature_memo.h"
#include "dcap/collateral.h"
#include "hwattest/evidence.h"
#include "measure.h"

namespace {

using namespace cloister;

Bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::cerr << "error: cannot open " << path << " (pass --vectors ../shared/test-vectors)\n";
    std::exit(1);
  }
  return Bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

double per_second(double ns) {
  return ns > 0 ? 1e9 / ns : 0;
}

// Raw verification rate of one signature on `curve` over a 432-byte message.
double raw_ecdsa_ns(crypto::KeyType curve) {
  auto key = crypto::PrivateKey::generate(curve).value();
  const Bytes message(432, 0x5a);
  const Bytes signature = key.sign(message).value();
  const crypto::PublicKey pub = key.public_key();
  return bench::ns_per_op([&] {
    if (!pub.verify(message, signature)) std::abort();
  });
}

}  // namespace

int main(int argc, char** argv) {
  std::string vectors = CLOISTER_DEFAULT_VECTORS;
  std::string json;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--vectors") == 0 && i + 1 < argc) {
      vectors = argv[++i];
    } else if (std::strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
      json = argv[++i];
    } else {
      std::cout << "usage: cloister_hardware_bench [--vectors DIR] [--json FILE]\n";
      return std::strcmp(argv[i], "--help") == 0 ? 0 : 2;
    }
  }
  const std::string att = vectors + "/attestation/";

  const Bytes quote = read_file(att + "sgx/phala/sgx_quote");
  const Bytes bundle = read_file(att + "sgx/phala/sgx_quote_collateral.json");
  auto collateral = dcap::parse_collateral_bundle(to_string(bundle));
  if (!collateral) {
    std::cerr << "error: " << collateral.status().message() << "\n";
    return 1;
  }
  hwattest::VerifyOptions sgx_options;
  sgx_options.now = 1751328000;  // 2025-07-01: while the sample collateral was current
  sgx_options.collateral = &*collateral;
  if (auto verdict = hwattest::verify_evidence(quote, sgx_options); !verdict.verified()) {
    std::cerr << "error: the SGX sample does not verify: " << verdict.first_failure()->detail << "\n";
    return 1;
  }
  // Warm: the PCK chain, TCB Signing chain, CRLs and collateral signatures
  // were verified before (src/crypto/signature_memo.h), as for any quote from
  // a machine seen before; the quote and QE report signatures are checked
  // every time. Cold: nothing remembered.
  const double sgx_ns = bench::ns_per_op([&] {
    if (!hwattest::verify_evidence(quote, sgx_options).verified()) std::abort();
  });
  const double sgx_cold_ns = bench::ns_per_op([&] {
    crypto::clear_signature_memo();
    if (!hwattest::verify_evidence(quote, sgx_options).verified()) std::abort();
  });

  Bytes report = read_file(att + "snp/go-sev-guest-milan/attestation.bin");
  hwattest::VerifyOptions snp_options;
  snp_options.now = 1751328000;
  for (const char* name : {"snp/go-sev-guest-milan/vcek.testcer", "snp/go-sev-guest-milan/milan.testcer"}) {
    auto certificates = hwattest::read_certificates(read_file(att + name)).value();
    for (auto& certificate : certificates) snp_options.certificates.push_back(std::move(certificate));
  }
  if (auto verdict = hwattest::verify_evidence(report, snp_options); !verdict.verified()) {
    std::cerr << "error: the SNP sample does not verify: " << verdict.first_failure()->detail << "\n";
    return 1;
  }
  const double snp_ns = bench::ns_per_op([&] {
    if (!hwattest::verify_evidence(report, snp_options).verified()) std::abort();
  });

  const double p256_ns = raw_ecdsa_ns(crypto::KeyType::ec_p256);
  const double p384_ns = raw_ecdsa_ns(crypto::KeyType::ec_p384);

  bench::Table table("hardware evidence verification (one core)");
  table.add({"SGX quote + collateral, verifications/s", per_second(sgx_ns), "/s",
             "raw ECDSA P-256 verifies/s", per_second(p256_ns),
             "floor: about 1/5 to 1/7 of raw (5 signatures + 2 CRLs)"});
  table.add({"SGX quote + collateral, time per verification", sgx_ns / 1000, "us", "5 raw P-256 verifies",
             5 * p256_ns / 1000, "public Rust verifier: about 1000 us"});
  table.add({"SGX quote + collateral, cold (nothing remembered)", sgx_cold_ns / 1000, "us",
             "5 raw P-256 verifies", 5 * p256_ns / 1000,
             "13 signature checks: 3 PCK chain, 2 TCB chain, 2 CRLs, ..."});
  table.add({"SEV-SNP report + VCEK chain, verifications/s", per_second(snp_ns), "/s",
             "raw ECDSA P-384 verifies/s", per_second(p384_ns), "plus 3 RSA-4096 PSS checks"});
  table.print();
  if (!json.empty() && !table.write_json(json)) {
    std::cerr << "error: cannot write " << json << "\n";
    return 1;
  }
  return 0;
}
