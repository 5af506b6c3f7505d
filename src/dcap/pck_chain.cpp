#include "dcap/pck_chain.h"

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <algorithm>

#include "common/encoding.h"
#include "crypto/cert_cache.h"
#include "crypto/sha.h"
#include "crypto/signature_memo.h"
#include "dcap/collateral_root_key.h"
#include "dcap/collateral_time.h"

namespace cloister::dcap {
namespace {

constexpr std::size_t kChainLength = 3;

bool signed_by(const crypto::Certificate& certificate, const crypto::Certificate& issuer) {
  auto certificate_der = certificate.to_der();
  auto issuer_der = issuer.to_der();
  if (!certificate_der.is_ok() || !issuer_der.is_ok()) return false;
  return crypto::verify_memoized("x509", *issuer_der, *certificate_der,
                                 [&]() -> Status {
                                   auto key = issuer.public_key();
                                   if (!key.is_ok()) return key.status();
                                   return crypto::verify_issued_by(certificate, *key);
                                 })
      .is_ok();
}

bool is_ca(const crypto::Certificate& certificate) {
  return X509_check_ca(certificate.get()) >= 1;
}

bool names_intel_pck_ca(const std::string& subject) {
  return subject.find("CN=Intel SGX PCK Processor CA") != std::string::npos ||
         subject.find("CN=Intel SGX PCK Platform CA") != std::string::npos;
}

}  // namespace

Result<std::vector<crypto::Certificate>> parse_pck_chain_pem(ByteView pem) {
  std::size_t size = pem.size();
  while (size > 0 && pem[size - 1] == 0) --size;
  std::string_view text(reinterpret_cast<const char*>(pem.data()), size);
  if (text.find('\0') != std::string_view::npos) {
    return error(ErrorCode::decode_error, "the PCK certificate chain holds a NUL byte inside its PEM");
  }
  auto chain = crypto::parse_pem_chain_cached(text);
  if (!chain.is_ok()) return chain.status().with_context("PCK certificate chain");
  if (chain->empty()) return error(ErrorCode::decode_error, "the PCK certificate chain holds no certificate");
  return chain;
}

Status verify_pck_chain(const std::vector<crypto::Certificate>& chain, std::int64_t now,
                        nlohmann::json& chain_json) {
  std::vector<std::string> problems;
  for (std::size_t i = 0; i < chain.size(); ++i) {
    const crypto::Certificate& certificate = chain[i];
    const crypto::Certificate& issuer = i + 1 < chain.size() ? chain[i + 1] : certificate;
    const bool signature_ok = signed_by(certificate, issuer) && certificate.issuer() == issuer.subject();
    auto der = certificate.to_der();
    const std::string subject = certificate.subject();
    chain_json.push_back({{"subject", subject},
                          {"issuer", certificate.issuer()},
                          {"not_before", format_iso8601(certificate.not_before())},
                          {"not_after", format_iso8601(certificate.not_after())},
                          {"sha256", der.is_ok() ? to_hex(crypto::sha256(*der)) : ""},
                          {"signature_ok_by_next", signature_ok}});
    if (!signature_ok) {
      problems.push_back(i + 1 < chain.size()
                             ? "certificate '" + subject + "' is not signed by '" + issuer.subject() + "'"
                             : "the root '" + subject + "' is not self-signed");
    }
    if (now < certificate.not_before()) {
      problems.push_back("certificate '" + subject + "' is not valid before " +
                         format_iso8601(certificate.not_before()));
    }
    if (now > certificate.not_after()) {
      problems.push_back("certificate '" + subject + "' expired at " +
                         format_iso8601(certificate.not_after()));
    }
    if (i > 0 && !is_ca(certificate)) problems.push_back("certificate '" + subject + "' is not a CA");
  }
  if (chain.size() != kChainLength) {
    problems.push_back("the chain holds " + std::to_string(chain.size()) +
                       " certificates; a PCK chain is PCK certificate, PCK Processor or Platform CA, root");
  } else if (!names_intel_pck_ca(chain[1].subject())) {
    problems.push_back("the intermediate '" + chain[1].subject() +
                       "' is neither the Intel SGX PCK Processor CA nor the PCK Platform CA");
  }
  if (!chain.empty()) {
    auto root_key = chain.back().public_key();
    if (!root_key.is_ok() || !is_intel_sgx_root_key(*root_key)) {
      problems.push_back("root key is not the Intel SGX Root CA key");
    }
  }
  if (problems.empty()) return Status::ok();
  std::string message;
  for (const auto& problem : problems) message += (message.empty() ? "" : "; ") + problem;
  return error(ErrorCode::verification_failed, message);
}

}  // namespace cloister::dcap
