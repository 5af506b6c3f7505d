// evaluate_collateral: the collateral steps of DCAP quote verification, in
// the order Intel's QVL performs them, and the TCB status they converge to.
#include <algorithm>

#include "common/encoding.h"
#include "crypto/crl.h"
#include "crypto/sha.h"
#include "dcap/collateral.h"
#include "dcap/collateral_checks.h"
#include "dcap/qe_identity.h"
#include "dcap/tcb_info.h"
#include "dcap/tcb_status_match.h"

namespace cloister::dcap {

namespace {

constexpr const char* kNoMatch = "NO_MATCHING_TCB_LEVEL";

Status mismatch(std::string message) {
  return error(ErrorCode::verification_failed, std::move(message));
}

nlohmann::json string_array(const std::vector<std::string>& items) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& item : items) out.push_back(item);
  return out;
}

void add_unique(std::vector<std::string>& to, const std::vector<std::string>& items) {
  for (const auto& item : items)
    if (std::find(to.begin(), to.end(), item) == to.end()) to.push_back(item);
}

std::string sha256_hex(ByteView bytes) {
  return to_hex(crypto::sha256(bytes));
}

bool masked_equal(ByteView value, ByteView mask, ByteView expected) {
  if (value.size() != mask.size() || value.size() != expected.size()) return false;
  for (std::size_t i = 0; i < value.size(); ++i)
    if ((value[i] & mask[i]) != expected[i]) return false;
  return true;
}

// What the tcb_info step established, for the steps after it.
struct TcbInfoResult {
  std::optional<TcbInfo> info;
  bool trusted = false;  // authentic, and for this TEE, FMSPC and PCE
};

struct QeResult {
  std::optional<QeIdentity> identity;
  const QeTcbLevel* level = nullptr;  // set when authentic and the QE matches
};

TcbInfoResult check_tcb_info(const TcbFacts& facts, const Collateral& c, std::int64_t now,
                             nlohmann::json& fields, nlohmann::json& computed, hwattest::Verdict& verdict) {
  TcbInfoResult result;
  auto info = parse_tcb_info(c.tcb_info_json);
  if (!info) {
    verdict.fail("tcb_info", "the TCB info does not parse: " + info.status().message());
    return result;
  }
  fields["tcb_info"] = to_json(*info);
  computed["fmspc_match"] = info->fmspc == facts.fmspc;
  const char* want_id = facts.tee == TeeType::tdx ? "TDX" : "SGX";
  Status status = [&]() -> Status {
    CLOISTER_RETURN_IF_ERROR(
        verify_signing_chain(c.tcb_info_issuer_chain, now).with_context("TCB info issuer chain"));
    CLOISTER_RETURN_IF_ERROR(
        verify_signed_text(c.tcb_info_json, c.tcb_info_signature, c.tcb_info_issuer_chain[0])
            .with_context("TCB info"));
    if (info->id != want_id) return mismatch("the TCB info is for " + info->id + ", the quote is " + want_id);
    if (info->fmspc != facts.fmspc) {
      return mismatch("the TCB info is for FMSPC " + to_hex(info->fmspc) + ", the PCK certificate's is " +
                      to_hex(facts.fmspc));
    }
    if (info->pce_id != facts.pce_id) {
      return mismatch("the TCB info is for PCE ID " + to_hex(info->pce_id) + ", the PCK certificate's is " +
                      to_hex(facts.pce_id));
    }
    result.trusted = true;
    return check_freshness("the TCB info", info->issue_date.seconds, info->next_update.seconds, now);
  }();
  if (status.is_ok()) {
    verdict.pass("tcb_info", "TCB info v" + std::to_string(info->version) + " for " + info->id + " FMSPC " +
                                 to_hex(info->fmspc) + " (evaluation data number " +
                                 std::to_string(info->tcb_evaluation_data_number) +
                                 "), signed by Intel, valid until " + info->next_update.text);
  } else {
    verdict.fail("tcb_info", status.message());
  }
  result.info = std::move(info).value();
  return result;
}

QeResult check_qe_identity(const TcbFacts& facts, const Collateral& c, std::int64_t now,
                           nlohmann::json& fields, nlohmann::json& computed, hwattest::Verdict& verdict) {
  QeResult result;
  auto identity = parse_qe_identity(c.qe_identity_json);
  if (!identity) {
    verdict.fail("qe_identity", "the QE identity does not parse: " + identity.status().message());
    return result;
  }
  fields["qe_identity"] = to_json(*identity);
  const QeReportFacts& qe = facts.qe;
  const bool matches = identity->mr_signer == qe.mr_signer && identity->isv_prod_id == qe.isv_prod_id &&
                       (qe.misc_select & identity->misc_select_mask) == identity->misc_select &&
                       masked_equal(qe.attributes, identity->attributes_mask, identity->attributes);
  computed["qe_identity_match"] = matches;
  const char* want_id = facts.tee == TeeType::tdx ? "TD_QE" : "QE";
  Status status = [&]() -> Status {
    CLOISTER_RETURN_IF_ERROR(
        verify_signing_chain(c.qe_identity_issuer_chain, now).with_context("QE identity issuer chain"));
    CLOISTER_RETURN_IF_ERROR(
        verify_signed_text(c.qe_identity_json, c.qe_identity_signature, c.qe_identity_issuer_chain[0])
            .with_context("QE identity"));
    if (identity->id != want_id)
      return mismatch("the QE identity is for " + identity->id + ", a " + want_id + " signed this quote");
    if (identity->mr_signer != qe.mr_signer)
      return mismatch("the QE's MRSIGNER " + to_hex(qe.mr_signer) + " is not Intel's " +
                      to_hex(identity->mr_signer));
    if (identity->isv_prod_id != qe.isv_prod_id) {
      return mismatch("the QE's ISVPRODID " + std::to_string(qe.isv_prod_id) + " is not " +
                      std::to_string(identity->isv_prod_id));
    }
    if ((qe.misc_select & identity->misc_select_mask) != identity->misc_select)
      return mismatch("the QE's MISCSELECT does not match the QE identity under its mask");
    if (!masked_equal(qe.attributes, identity->attributes_mask, identity->attributes))
      return mismatch("the QE's attributes " + to_hex(qe.attributes) +
                      " do not match the QE identity under its mask");
    result.level = match_qe_level(*identity, qe.isv_svn);
    if (result.level == nullptr) {
      return mismatch("the QE's ISVSVN " + std::to_string(qe.isv_svn) +
                      " is below every QE identity TCB level");
    }
    computed["qe"] = to_string(result.level->status);
    computed["qe_advisories"] = string_array(result.level->advisory_ids);
    return check_freshness("the QE identity", identity->issue_date.seconds, identity->next_update.seconds,
                           now);
  }();
  if (status.is_ok()) {
    verdict.pass("qe_identity", identity->id + " identity matches; ISVSVN " + std::to_string(qe.isv_svn) +
                                    " is " + to_string(result.level->status) + ", valid until " +
                                    identity->next_update.text);
  } else {
    verdict.fail("qe_identity", status.message());
  }
  result.identity = std::move(identity).value();
  return result;
}

// MAA's x-ms-sgx-collateral: SHA-256 (hex) of the collateral the verdict
// rests on. quotehash is the quote verifier's to add. Choices where MAA does
// not say which bytes: the *certshash values hash the issuer chain as
// concatenated PEM (what PCS sends URL-decoded in its issuer-chain header,
// re-encoded by OpenSSL, which reproduces Intel's canonical PEM); both *crlhash
// values hash the root CA CRL's DER, the CRL that covers those issuer chains;
// tcbinfohash and qeidhash hash the exact signed JSON text.
nlohmann::json collateral_hashes(const Collateral& c) {
  const std::string tcb_certs = issuer_chain_pem(c.tcb_info_issuer_chain);
  const std::string qe_certs = issuer_chain_pem(c.qe_identity_issuer_chain);
  const std::string root_crl = sha256_hex(c.root_ca_crl);
  return {{"qeidcertshash", sha256_hex(as_bytes(qe_certs))},
          {"qeidcrlhash", root_crl},
          {"qeidhash", sha256_hex(as_bytes(c.qe_identity_json))},
          {"tcbinfocertshash", sha256_hex(as_bytes(tcb_certs))},
          {"tcbinfocrlhash", root_crl},
          {"tcbinfohash", sha256_hex(as_bytes(c.tcb_info_json))}};
}

}  // namespace

void evaluate_collateral(const TcbFacts& facts, const Collateral& c, std::int64_t now,
                         hwattest::Verdict& verdict) {
  nlohmann::json fields = nlohmann::json::object();
  nlohmann::json computed = nlohmann::json::object();
  const bool tdx = facts.tee == TeeType::tdx;

  // 1. The PCK CRL, against the CA in the quote's own (already verified) chain.
  if (auto crl = crypto::Crl::from_der(c.pck_crl); !crl) {
    verdict.fail("pck_crl", "the PCK CRL does not parse: " + crl.status().message());
  } else {
    fields["pck_crl"] = crl_fields(*crl);
    Status status = check_pck_crl(*crl, facts, now);
    if (status.is_ok()) {
      verdict.pass("pck_crl",
                   "signed by '" + facts.pck_chain[1].subject() + "', current, PCK certificate not listed");
    } else {
      verdict.fail("pck_crl", status.message());
    }
  }

  // 2. The root CA CRL: no CA below Intel's root that this verdict relies on is revoked.
  if (auto crl = crypto::Crl::from_der(c.root_ca_crl); !crl) {
    verdict.fail("root_ca_crl", "the root CA CRL does not parse: " + crl.status().message());
  } else {
    fields["root_ca_crl"] = crl_fields(*crl);
    std::vector<const crypto::Certificate*> intermediates;
    if (facts.pck_chain.size() >= 2) intermediates.push_back(&facts.pck_chain[1]);
    if (!c.tcb_info_issuer_chain.empty()) intermediates.push_back(&c.tcb_info_issuer_chain[0]);
    if (!c.qe_identity_issuer_chain.empty()) intermediates.push_back(&c.qe_identity_issuer_chain[0]);
    Status status = check_root_ca_crl(*crl, intermediates, now);
    if (status.is_ok()) {
      verdict.pass("root_ca_crl", "signed by the Intel SGX Root CA key, current, no intermediate CA listed");
    } else {
      verdict.fail("root_ca_crl", status.message());
    }
  }

  // 3-4. The signed TCB info and QE identity.
  TcbInfoResult tcb = check_tcb_info(facts, c, now, fields, computed, verdict);
  QeResult qe = check_qe_identity(facts, c, now, fields, computed, verdict);

  // 5-6. The platform's TCB level, the TDX module's, and their convergence.
  const TcbLevel* level = tcb.trusted ? match_platform_level(*tcb.info, facts) : nullptr;
  std::optional<TdxModuleMatch> module;
  if (tdx && tcb.trusted) {
    module = match_tdx_module(*tcb.info, facts);
    nlohmann::json module_json = {{"id", module->id}};
    if (module->status) module_json["status"] = to_string(*module->status);
    if (!module->failure.empty()) module_json["error"] = module->failure;
    computed["tdx_module"] = std::move(module_json);
  }
  if (!tcb.trusted) {
    verdict.skip("tcb_level", "the TCB info did not verify or is not for this platform");
  } else if (level == nullptr) {
    computed["platform"] = kNoMatch;
    verdict.fail("tcb_level", "no TCB level matches this platform");
  } else {
    computed["platform"] = to_string(level->status);
    computed["platform_tcbDate"] = level->tcb_date.text;
    computed["advisories"] = string_array(level->advisory_ids);
    TcbStatus status = level->status;
    std::vector<std::string> advisories = level->advisory_ids;
    std::string detail =
        std::string("platform ") + to_string(level->status) + " (tcbDate " + level->tcb_date.text + ")";
    bool complete = true;
    if (tdx) {
      if (module && module->status) {
        status = converge_with_tdx_module(status, *module->status);
        if (module->level != nullptr) add_unique(advisories, module->level->advisory_ids);
        detail += ", TDX module " + module->id + " " + to_string(*module->status);
      } else {
        complete = false;
        detail += ", TDX module unmatched";
      }
    }
    if (qe.level != nullptr) {
      status = converge_with_qe(status, qe.level->status);
      add_unique(advisories, qe.level->advisory_ids);
      detail += std::string(", QE ") + to_string(qe.level->status);
    } else {
      complete = false;
      detail += ", QE status unknown";
    }
    if (complete) {
      verdict.tcb_status = to_string(status);
      verdict.advisory_ids = advisories;
      verdict.claims["attester_tcb_status"] = to_string(status);
      verdict.claims["attester_advisory_ids"] = string_array(advisories);
      detail += std::string(": ") + to_string(status);
    }
    if (status == TcbStatus::revoked) {
      verdict.fail("tcb_level", "the TCB is Revoked: " + detail);
    } else {
      verdict.pass("tcb_level", detail);
    }
  }
  if (tdx) {
    if (!module) {
      verdict.skip("tdx_module", "the TCB info did not verify or is not for this platform");
    } else if (module->status) {
      verdict.pass("tdx_module", module->id + " matches: " + to_string(*module->status));
    } else {
      verdict.fail("tdx_module", module->failure);
    }
  }

  fields["tcb_status_computed"] = std::move(computed);
  verdict.fields["collateral"] = std::move(fields);
  verdict.claims["x-ms-sgx-collateral"] = collateral_hashes(c);
}

}  // namespace cloister::dcap
