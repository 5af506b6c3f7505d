#include "snp/amd_chain.h"

#include <ctime>

#include "common/encoding.h"
#include "crypto/signature_memo.h"
#include "snp/amd_roots.h"

namespace cloister::snp {

namespace {

using crypto::Certificate;
using hwattest::Verdict;

// One CA certificate the chain uses, and where it came from.
struct Link {
  std::optional<Certificate> cert;
  bool builtin = false;
  bool signature_ok = false;
};

bool has_prefix(const std::string& text, const char* prefix) {
  return text.rfind(prefix, 0) == 0;
}

// AMD's leaves carry EC P-384 keys; its CAs carry RSA keys.
bool is_ec_leaf(const Certificate& cert) {
  auto key = cert.public_key();
  if (!key) return false;
  auto type = key->type();
  return type && *type == crypto::KeyType::ec_p384;
}

Status check_validity(const Certificate& cert, std::int64_t now) {
  if (now < cert.not_before()) {
    return error(ErrorCode::verification_failed,
                 "'" + common_name(cert) + "' is not valid before " + format_utc(cert.not_before()));
  }
  if (now > cert.not_after()) {
    return error(ErrorCode::verification_failed,
                 "'" + common_name(cert) + "' expired at " + format_utc(cert.not_after()));
  }
  return Status::ok();
}

// Issued by `issuer`, with AMD's signature algorithm, valid at `now`.
Status check_link(const Certificate& cert, const Certificate& issuer, std::int64_t now) {
  CLOISTER_RETURN_IF_ERROR(check_amd_signature_algorithm(cert));
  CLOISTER_ASSIGN_OR_RETURN(Bytes cert_der, cert.to_der());
  CLOISTER_ASSIGN_OR_RETURN(Bytes issuer_der, issuer.to_der());
  CLOISTER_RETURN_IF_ERROR(crypto::verify_memoized("x509", issuer_der, cert_der, [&]() -> Status {
    CLOISTER_ASSIGN_OR_RETURN(crypto::PublicKey issuer_key, issuer.public_key());
    return crypto::verify_issued_by(cert, issuer_key);
  }));
  return check_validity(cert, now);
}

std::optional<Certificate> load_builtin(const char* pem) {
  auto cert = Certificate::from_pem(pem);
  if (!cert) return std::nullopt;
  return std::move(cert).value();
}

nlohmann::json chain_entry(const char* role, const Certificate& cert, bool signature_ok, bool builtin) {
  auto sha = cert_sha256_hex(cert);
  return {{"role", role},
          {"subject", cert.subject()},
          {"issuer", cert.issuer()},
          {"not_before", format_utc(cert.not_before())},
          {"not_after", format_utc(cert.not_after())},
          {"sha256", sha ? *sha : std::string()},
          {"signature_ok", signature_ok},
          {"source", builtin ? "builtin" : "supplied"}};
}

nlohmann::json amd_ext_json(const AmdCertExtensions& ext) {
  nlohmann::json out = nlohmann::json::object();
  auto put = [&out](const char* key, const std::optional<std::int64_t>& value) {
    if (value) out[key] = *value;
  };
  put("structVersion", ext.struct_version);
  if (ext.product_name) out["productName1"] = *ext.product_name;
  put("blSPL", ext.bl_spl);
  put("teeSPL", ext.tee_spl);
  put("snpSPL", ext.snp_spl);
  put("ucodeSPL", ext.ucode_spl);
  put("fmcSPL", ext.fmc_spl);
  if (ext.hw_id) out["hwID"] = to_hex(*ext.hw_id);
  if (ext.csp_id) out["cspId"] = *ext.csp_id;
  return out;
}

// The supplied certificates sorted by role.
struct Supplied {
  std::optional<Certificate> leaf, ark, ask, asvk;
};

Supplied classify(const std::vector<Certificate>& certificates) {
  Supplied out;
  for (const Certificate& cert : certificates) {
    if (!cert.valid()) continue;
    const std::string name = common_name(cert);
    std::optional<Certificate>* slot = nullptr;
    if (is_ec_leaf(cert)) {
      slot = &out.leaf;
    } else if (has_prefix(name, "ARK-")) {
      slot = &out.ark;
    } else if (has_prefix(name, "SEV-VLEK-")) {
      slot = &out.asvk;
    } else if (has_prefix(name, "SEV-")) {
      slot = &out.ask;
    }
    // The first of each role wins; extra copies are ignored.
    if (slot != nullptr && !slot->has_value()) *slot = cert.clone();
  }
  return out;
}

}  // namespace

std::string format_utc(std::int64_t seconds) {
  std::tm parts{};
  const auto time = static_cast<std::time_t>(seconds);
  if (gmtime_r(&time, &parts) == nullptr) return {};
  char text[40];
  if (std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S+00:00", &parts) == 0) return {};
  return text;
}

ChainOutcome verify_amd_chain(const ChainInputs& inputs, Verdict& verdict) {
  static const std::vector<Certificate> kNone;
  const Supplied supplied = classify(inputs.certificates != nullptr ? *inputs.certificates : kNone);
  ChainOutcome outcome;

  // The leaf and what it says about itself.
  std::string extension_error;
  if (supplied.leaf) {
    outcome.leaf = supplied.leaf->clone();
    auto ext = read_amd_extensions(*supplied.leaf);
    if (ext) {
      outcome.extensions = std::move(ext).value();
    } else {
      extension_error = ext.status().message();
    }
    const bool vlek = common_name(*supplied.leaf) == "SEV-VLEK" ||
                      (outcome.extensions && outcome.extensions->csp_id.has_value());
    outcome.leaf_kind = vlek ? LeafKind::vlek : LeafKind::vcek;
  } else {
    outcome.leaf_kind = inputs.report_signing_key == static_cast<std::uint8_t>(SigningKey::vlek)
                            ? LeafKind::vlek
                            : LeafKind::vcek;
  }
  const Product leaf_product = outcome.extensions && outcome.extensions->product_name
                                   ? product_from_name(*outcome.extensions->product_name)
                                   : Product::unknown;

  // Which product line's builtin certificates to fall back on: the leaf's,
  // else what a supplied CA certificate or the report's CPUID names.
  Product wanted = leaf_product;
  for (const auto* cert : {&supplied.ask, &supplied.asvk, &supplied.ark}) {
    if (wanted == Product::unknown && cert->has_value()) wanted = product_from_ca_name(**cert);
  }
  if (wanted == Product::unknown) wanted = inputs.cpuid_product;
  const BuiltinChain* builtin = builtin_chain(wanted);

  // ---- ark ----
  Link ark;
  if (supplied.ark) {
    ark.cert = supplied.ark->clone();
  } else if (builtin != nullptr) {
    ark.cert = load_builtin(builtin->ark_pem);
    ark.builtin = true;
  }
  if (!ark.cert && !supplied.leaf) {
    verdict.fail(
        "ark",
        "no VCEK or VLEK supplied: a report verifies only with the certificate of the key that signed "
        "it; get the VCEK from AMD's KDS (kdsintf.amd.com/vcek/v1/<product>/<chip_id>) or the host "
        "(snpguest, /dev/sev-guest extended report) and pass it (inspect --cert; attestd VcekCertChain)");
  } else if (!ark.cert) {
    verdict.fail("ark",
                 "no ARK supplied, and the product line (Milan, Genoa, Turin) is unknown without a VCEK");
  } else {
    outcome.product = product_from_ca_name(*ark.cert);
    const BuiltinChain* pinned = builtin_chain(outcome.product);
    auto spki = spki_sha256_hex(*ark.cert);
    Status status;
    if (pinned == nullptr) {
      status = error(ErrorCode::verification_failed,
                     "'" + common_name(*ark.cert) + "' is not an ARK of a known product line");
    } else if (!spki || *spki != pinned->ark_spki_sha256) {
      status = error(ErrorCode::verification_failed, "'" + common_name(*ark.cert) +
                                                         "' does not carry AMD's pinned ARK key for " +
                                                         to_string(outcome.product));
    } else {
      status = check_link(*ark.cert, *ark.cert, inputs.now);
    }
    ark.signature_ok = status.is_ok();
    if (status.is_ok()) {
      verdict.pass("ark", common_name(*ark.cert) + (ark.builtin ? " (builtin)" : " (supplied)") +
                              ": pinned key, self-signed with RSASSA-PSS SHA-384");
    } else {
      verdict.fail("ark", status.message());
    }
  }

  // ---- ask (or the ASVK for a VLEK) ----
  const bool vlek = outcome.leaf_kind == LeafKind::vlek;
  const char* intermediate_role = vlek ? "ASVK" : "ASK";
  Link ask;
  const auto& supplied_ask = vlek ? supplied.asvk : supplied.ask;
  if (supplied_ask) {
    ask.cert = supplied_ask->clone();
  } else if (const BuiltinChain* line = builtin_chain(outcome.product); line != nullptr) {
    ask.cert = load_builtin(vlek ? line->asvk_pem : line->ask_pem);
    ask.builtin = true;
  }
  if (!ask.cert) {
    verdict.fail(
        "ask", std::string("no ") + intermediate_role + " supplied and no builtin one for the product line");
  } else if (!ark.cert) {
    verdict.skip("ask", "no ARK to check it against");
  } else {
    const Product ask_product = product_from_ca_name(*ask.cert);
    Status status;
    if (ask_product != outcome.product) {
      status = error(ErrorCode::verification_failed,
                     std::string(intermediate_role) + " '" + common_name(*ask.cert) + "' is from the " +
                         to_string(ask_product) + " product line but the ARK is " +
                         to_string(outcome.product) + "'s: the product lines differ");
    } else {
      status = check_link(*ask.cert, *ark.cert, inputs.now);
    }
    ask.signature_ok = status.is_ok();
    if (status.is_ok()) {
      verdict.pass("ask", common_name(*ask.cert) + (ask.builtin ? " (builtin)" : " (supplied)") +
                              ": signed by the ARK with RSASSA-PSS SHA-384");
    } else {
      verdict.fail("ask", status.message());
    }
  }

  // ---- vcek / vlek ----
  const char* leaf_step = vlek ? "vlek" : "vcek";
  bool leaf_ok = false;
  if (!outcome.leaf) {
    verdict.fail(leaf_step, "no VCEK or VLEK certificate supplied");
  } else if (!extension_error.empty()) {
    verdict.fail(leaf_step, extension_error);
  } else if (!ask.cert) {
    verdict.skip(leaf_step, "no ASK or ASVK to check it against");
  } else {
    Status status = check_link(*outcome.leaf, *ask.cert, inputs.now);
    leaf_ok = status.is_ok();
    if (status.is_ok() && leaf_product != outcome.product) {
      status = error(ErrorCode::verification_failed,
                     "the leaf's productName '" + outcome.extensions->product_name.value_or("") +
                         "' is not of the chain's product line " + to_string(outcome.product));
    }
    if (status.is_ok()) {
      verdict.pass(leaf_step, common_name(*outcome.leaf) + " for " + *outcome.extensions->product_name +
                                  ": signed by the " + intermediate_role +
                                  ", valid at the verification time");
    } else {
      verdict.fail(leaf_step, status.message());
    }
  }

  // The chain, leaf first, and the summary inspect shows.
  nlohmann::json certs = nlohmann::json::object();
  if (outcome.leaf) {
    verdict.chain.push_back(chain_entry(vlek ? "VLEK" : "VCEK", *outcome.leaf, leaf_ok, false));
    auto sha = cert_sha256_hex(*outcome.leaf);
    certs["leaf"] = {{"subject", outcome.leaf->subject()},
                     {"issuer", outcome.leaf->issuer()},
                     {"not_before", format_utc(outcome.leaf->not_before())},
                     {"not_after", format_utc(outcome.leaf->not_after())},
                     {"sha256", sha ? *sha : std::string()},
                     {"amd_ext", outcome.extensions ? amd_ext_json(*outcome.extensions) : nlohmann::json()}};
  }
  for (const auto& [role, key, link] :
       {std::tuple{intermediate_role, "intermediate", &ask}, std::tuple{"ARK", "ark", &ark}}) {
    if (!link->cert) continue;
    verdict.chain.push_back(chain_entry(role, *link->cert, link->signature_ok, link->builtin));
    auto sha = cert_sha256_hex(*link->cert);
    certs[key] = {{"subject", link->cert->subject()}, {"sha256", sha ? *sha : std::string()}};
  }
  verdict.fields["certs"] = std::move(certs);
  return outcome;
}

}  // namespace cloister::snp
