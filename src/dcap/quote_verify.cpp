// verify_quote: parse, then each check as its own step, in the order Intel's
// Quote Verification Library performs them. Each check that does not depend
// on an earlier one still runs after a failure, so a verdict shows
// everything that is wrong; a check that cannot run is skipped with the reason.
#include "dcap/quote_verify.h"

#include <chrono>

#include "common/encoding.h"
#include "crypto/constant_time.h"
#include "crypto/keys.h"
#include "crypto/sha.h"
#include "dcap/pck_chain.h"
#include "dcap/pck_extensions.h"
#include "dcap/quote_collateral_step.h"
#include "dcap/quote_fields.h"
#include "dcap/quote_format.h"

namespace cloister::dcap {
namespace {

using hwattest::EvidenceKind;
using hwattest::Verdict;

const char* const kStepsAfterParse[] = {"quote_signature", "qe_report_data", "qe_report_signature",
                                        "pck_chain", "collateral"};

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string describe(const Quote& quote, std::size_t size) {
  std::string what = quote.oe_header  ? "Open Enclave report wrapping an SGX quote v"
                     : quote.is_tdx() ? "TDX quote v"
                                      : "SGX quote v";
  what += std::to_string(quote.header.version);
  if (quote.tdx_body) what += quote.tdx_body->tee_tcb_svn2 ? " (TDX 1.5 body)" : " (TDX 1.0 body)";
  what += ", " + std::to_string(size) + " bytes";
  if (quote.trailing_bytes != 0)
    what += " (the last " + std::to_string(quote.trailing_bytes) + " unsigned and ignored)";
  return what;
}

// The attestation key signs header || body with ECDSA P-256 / SHA-256.
void check_quote_signature(const Quote& quote, Verdict& verdict) {
  Bytes point = {0x04};
  point.insert(point.end(), quote.attestation_key.begin(), quote.attestation_key.end());
  auto key = crypto::PublicKey::from_ec_point(crypto::KeyType::ec_p256, point);
  if (!key.is_ok()) {
    verdict.fail("quote_signature", "the attestation key is not a P-256 point: " + key.status().message());
    return;
  }
  Status status = key->verify_raw(quote.signed_bytes, quote.signature, crypto::HashAlgorithm::sha256);
  if (!status.is_ok()) {
    verdict.fail("quote_signature", "the attestation key's signature over the quote header and body (" +
                                        std::to_string(quote.signed_bytes.size()) +
                                        " bytes) does not verify");
    return;
  }
  verdict.pass("quote_signature", "header and body (" + std::to_string(quote.signed_bytes.size()) +
                                      " bytes) signed by the attestation key");
}

// The QE binds the attestation key (and its auth data) into its own report:
// report_data = SHA-256(key || auth data) || 32 zero bytes.
void check_qe_report_data(const Quote& quote, Verdict& verdict) {
  crypto::Hasher hasher(crypto::HashAlgorithm::sha256);
  hasher.update(quote.attestation_key).update(quote.qe_auth_data);
  Bytes expected = hasher.finish();
  expected.resize(64, 0);
  if (!crypto::constant_time_equal(expected, quote.qe_report.report_data)) {
    verdict.fail(
        "qe_report_data",
        "the QE report's report data is not SHA-256(attestation key || QE auth data) followed by zeros: "
        "the attestation key is not bound to the quoting enclave");
    return;
  }
  verdict.pass("qe_report_data", "the QE report binds the attestation key and QE auth data");
}

void check_qe_report_signature(const Quote& quote, const crypto::Certificate& leaf, Verdict& verdict) {
  auto key = leaf.public_key();
  auto type = key.is_ok() ? key->type() : Result<crypto::KeyType>(key.status());
  if (!type.is_ok() || *type != crypto::KeyType::ec_p256) {
    verdict.fail("qe_report_signature", "the PCK certificate's key is not an EC P-256 key");
    return;
  }
  Status status =
      key->verify_raw(quote.qe_report.raw, quote.qe_report_signature, crypto::HashAlgorithm::sha256);
  if (!status.is_ok()) {
    verdict.fail("qe_report_signature",
                 "the QE report's signature does not verify with the PCK certificate's key");
    return;
  }
  verdict.pass("qe_report_signature", "the QE report is signed by the PCK certificate's key");
}

TcbFacts tcb_facts(const Quote& quote, const PckExtensions& extensions,
                   const std::vector<crypto::Certificate>& chain) {
  TcbFacts facts;
  facts.tee = quote.is_tdx() ? TeeType::tdx : TeeType::sgx;
  facts.fmspc = extensions.fmspc;
  facts.pce_id = extensions.pce_id;
  facts.cpu_svn_components = extensions.tcb.comp_svn;
  facts.pce_svn = extensions.tcb.pce_svn;
  facts.qe.mr_signer = quote.qe_report.mr_signer;
  facts.qe.isv_prod_id = quote.qe_report.isv_prod_id;
  facts.qe.isv_svn = quote.qe_report.isv_svn;
  facts.qe.misc_select = quote.qe_report.misc_select;
  facts.qe.attributes = quote.qe_report.attributes;
  if (quote.tdx_body) {
    facts.tee_tcb_svn = quote.tdx_body->tee_tcb_svn;
    facts.mr_signer_seam = quote.tdx_body->mr_signer_seam;
    facts.seam_attributes = quote.tdx_body->seam_attributes;
  }
  for (const auto& certificate : chain) facts.pck_chain.push_back(certificate.clone());
  return facts;
}

void skip_after_parse(Verdict& verdict, const std::string& why) {
  for (const char* step : kStepsAfterParse) verdict.skip(step, why);
}

}  // namespace

hwattest::Verdict verify_quote(ByteView evidence, const QuoteVerifyOptions& options) {
  Verdict verdict;
  const std::int64_t now = options.now != 0 ? options.now : system_now();

  auto parsed = parse_quote(evidence);
  if (!parsed.is_ok()) {
    verdict.fail("parse", parsed.status().message());
    skip_after_parse(verdict, "the quote did not parse");
    return verdict;
  }
  const Quote& quote = *parsed;
  verdict.kind = quote.oe_header  ? EvidenceKind::open_enclave_report
                 : quote.is_tdx() ? EvidenceKind::tdx_quote
                                  : EvidenceKind::sgx_quote;
  verdict.attestation_type = quote.is_tdx() ? "tdxvm" : "sgx";
  verdict.report_data = quote.report_data();
  verdict.fields = quote_fields_json(quote);
  verdict.claims = quote_claims(quote);

  auto chain = parse_pck_chain_pem(quote.pck_chain_pem);
  if (!chain.is_ok()) {
    verdict.fail("parse", chain.status().message());
    skip_after_parse(verdict, "the quote did not parse");
    return verdict;
  }
  verdict.pass("parse", describe(quote, evidence.size()));

  check_quote_signature(quote, verdict);
  check_qe_report_data(quote, verdict);
  check_qe_report_signature(quote, chain->front(), verdict);

  auto extensions = pck_extensions_of(chain->front());
  if (extensions.is_ok()) verdict.fields["pck_sgx_extensions"] = pck_extensions_json(*extensions);
  Status chain_status = verify_pck_chain(*chain, now, verdict.chain);
  if (!extensions.is_ok()) {
    const std::string problem =
        "the PCK certificate must carry Intel's SGX extensions: " + extensions.status().message();
    chain_status = chain_status.is_ok()
                       ? error(ErrorCode::verification_failed, problem)
                       : error(ErrorCode::verification_failed, chain_status.message() + "; " + problem);
  }
  if (chain_status.is_ok()) {
    verdict.pass("pck_chain",
                 "PCK certificate -> " + chain->at(1).subject() + " -> Intel SGX Root CA (key pinned)");
  } else {
    verdict.fail("pck_chain", chain_status.message());
  }

  if (!extensions.is_ok()) {
    verdict.skip("collateral", "no TCB facts: the PCK certificate's SGX extensions did not parse");
    return verdict;
  }
  run_collateral_step(tcb_facts(quote, *extensions, *chain), options, now, verdict);
  return verdict;
}

}  // namespace cloister::dcap
