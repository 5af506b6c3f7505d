// The QuoteCollateralV3 JSON bundle (the shape dcap-qvl and Intel's QVL use).
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/crl.h"
#include "dcap/collateral.h"
#include "dcap/collateral_checks.h"
#include "dcap/collateral_fields.h"
#include "dcap/qe_identity.h"
#include "dcap/tcb_info.h"

namespace cloister::dcap {

namespace {

constexpr const char* kBundle = "collateral bundle";

Result<std::vector<crypto::Certificate>> chain_field(const nlohmann::json& root, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(std::string pem, fields::string(root, "", key));
  auto chain = crypto::Certificate::all_from_pem(pem);
  if (!chain) return chain.status().with_context(key);
  return chain;
}

Result<Bytes> crl_field(const nlohmann::json& root, const char* key) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, fields::string(root, "", key));
  auto crl = crypto::Crl::from_any(as_bytes(text));
  if (!crl) return crl.status().with_context(key);
  return crl->to_der();
}

}  // namespace

Result<Collateral> parse_collateral_bundle(std::string_view json) {
  auto parsed = fields::parse_object(json, kBundle);
  if (!parsed) return parsed.status();
  const nlohmann::json& root = *parsed;
  Collateral out;
  auto fail = [](const Status& status) { return status.with_context(kBundle); };

  // The signed texts are checked to parse here so that a bad bundle is
  // refused when it is loaded, not first noticed when a quote arrives.
  auto tcb_info = fields::string(root, "", "tcb_info");
  if (!tcb_info) return fail(tcb_info.status());
  if (auto info = parse_tcb_info(*tcb_info); !info) return fail(info.status().with_context("tcb_info"));
  out.tcb_info_json = std::move(tcb_info).value();
  auto qe_identity = fields::string(root, "", "qe_identity");
  if (!qe_identity) return fail(qe_identity.status());
  if (auto identity = parse_qe_identity(*qe_identity); !identity)
    return fail(identity.status().with_context("qe_identity"));
  out.qe_identity_json = std::move(qe_identity).value();

  auto tcb_signature = fields::hex(root, "", "tcb_info_signature", 64);
  if (!tcb_signature) return fail(tcb_signature.status());
  out.tcb_info_signature = std::move(tcb_signature).value();
  auto qe_signature = fields::hex(root, "", "qe_identity_signature", 64);
  if (!qe_signature) return fail(qe_signature.status());
  out.qe_identity_signature = std::move(qe_signature).value();

  auto tcb_chain = chain_field(root, "tcb_info_issuer_chain");
  if (!tcb_chain) return fail(tcb_chain.status());
  out.tcb_info_issuer_chain = std::move(tcb_chain).value();
  auto qe_chain = chain_field(root, "qe_identity_issuer_chain");
  if (!qe_chain) return fail(qe_chain.status());
  out.qe_identity_issuer_chain = std::move(qe_chain).value();
  // Optional: the PCK CRL is checked against the CA in the quote's own chain.
  if (fields::has(root, "pck_crl_issuer_chain") &&
      !(root["pck_crl_issuer_chain"].is_string() &&
        root["pck_crl_issuer_chain"].get_ref<const std::string&>().empty())) {
    auto pck_chain = chain_field(root, "pck_crl_issuer_chain");
    if (!pck_chain) return fail(pck_chain.status());
    out.pck_crl_issuer_chain = std::move(pck_chain).value();
  }

  auto pck_crl = crl_field(root, "pck_crl");
  if (!pck_crl) return fail(pck_crl.status());
  out.pck_crl = std::move(pck_crl).value();
  auto root_crl = crl_field(root, "root_ca_crl");
  if (!root_crl) return fail(root_crl.status());
  out.root_ca_crl = std::move(root_crl).value();
  return out;
}

std::string to_bundle_json(const Collateral& collateral) {
  // Ordered as dcap-qvl writes it, so stored bundles diff cleanly.
  nlohmann::ordered_json out;
  out["pck_crl_issuer_chain"] = issuer_chain_pem(collateral.pck_crl_issuer_chain);
  out["root_ca_crl"] = to_hex(collateral.root_ca_crl);
  out["pck_crl"] = to_hex(collateral.pck_crl);
  out["tcb_info_issuer_chain"] = issuer_chain_pem(collateral.tcb_info_issuer_chain);
  out["tcb_info"] = collateral.tcb_info_json;
  out["tcb_info_signature"] = to_hex(collateral.tcb_info_signature);
  out["qe_identity_issuer_chain"] = issuer_chain_pem(collateral.qe_identity_issuer_chain);
  out["qe_identity"] = collateral.qe_identity_json;
  out["qe_identity_signature"] = to_hex(collateral.qe_identity_signature);
  // replace: a hand-built Collateral with invalid UTF-8 must not throw; a
  // parsed one is valid UTF-8 already, so its signed bytes are kept exactly.
  return out.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace cloister::dcap
