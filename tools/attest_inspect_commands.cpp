// cloister attest inspect: recognise hardware evidence (SGX quote, Open
// Enclave report, TDX quote, SEV-SNP report, Azure HCL report), print every
// field, the certificate chain and each verification step with its result.
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "common/encoding.h"
#include "crypto/sha.h"
#include "dcap/collateral_files.h"
#include "hwattest/evidence.h"
#include "tools/command_registry.h"
#include "tools/input_file.h"
#include "tools/time_argument.h"

namespace cloister::cli {
namespace {

struct InspectArgs {
  std::string file;
  bool json = false;
  std::vector<std::string> certs;
  std::string collateral;
  std::string collateral_dir;
  dcap::CollateralFiles collateral_files;
  std::string at;
};

std::string scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_null()) return "-";
  return value.dump();
}

bool all_scalars(const nlohmann::json& array) {
  return std::all_of(array.begin(), array.end(), [](const auto& item) { return item.is_primitive(); });
}

void print_fields(const nlohmann::json& object, int indent) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  for (const auto& [key, value] : object.items()) {
    if (value.is_object()) {
      std::cout << pad << key << "\n";
      print_fields(value, indent + 2);
    } else if (value.is_array() && !all_scalars(value)) {
      std::cout << pad << key << "\n";
      for (std::size_t i = 0; i < value.size(); ++i) {
        std::cout << pad << "  [" << i << "]\n";
        if (value[i].is_object()) print_fields(value[i], indent + 4);
      }
    } else if (value.is_array()) {
      std::string joined;
      for (const auto& item : value) joined += (joined.empty() ? "" : " ") + scalar_text(item);
      std::cout << pad << std::left << std::setw(28 - std::min(indent, 20)) << key << " [" << joined << "]\n";
    } else {
      std::cout << pad << std::left << std::setw(28 - std::min(indent, 20)) << key << " "
                << scalar_text(value) << "\n";
    }
  }
}

const char* outcome_mark(hwattest::StepOutcome outcome) {
  switch (outcome) {
    case hwattest::StepOutcome::passed:
      return "ok     ";
    case hwattest::StepOutcome::failed:
      return "FAILED ";
    case hwattest::StepOutcome::skipped:
      return "skipped";
  }
  return "skipped";
}

nlohmann::json verdict_json(const hwattest::Verdict& verdict, const std::string& file, ByteView bytes) {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : verdict.steps)
    steps.push_back({{"name", step.name}, {"result", to_string(step.outcome)}, {"detail", step.detail}});
  nlohmann::json out = {{"file", file},
                        {"sha256", to_hex(crypto::sha256(bytes))},
                        {"size", bytes.size()},
                        {"kind", to_string(verdict.kind)},
                        {"attestation_type", verdict.attestation_type},
                        {"verified", verdict.verified()},
                        {"fields", verdict.fields},
                        {"chain", verdict.chain},
                        {"steps", steps},
                        {"claims", verdict.claims}};
  out["tcb_status"] = verdict.tcb_status ? nlohmann::json(*verdict.tcb_status) : nlohmann::json(nullptr);
  out["advisory_ids"] = verdict.advisory_ids;
  if (const auto* failed = verdict.first_failure()) out["failed_step"] = failed->name;
  return out;
}

void print_human(const hwattest::Verdict& verdict, const std::string& file, ByteView bytes) {
  std::cout << "file                         " << file << " (" << bytes.size() << " bytes, sha256 "
            << to_hex(crypto::sha256(bytes)) << ")\n"
            << "evidence                     " << to_string(verdict.kind) << "\n"
            << "attestation type             "
            << (verdict.attestation_type.empty() ? "-" : verdict.attestation_type) << "\n\n";
  if (!verdict.fields.empty()) {
    std::cout << "FIELDS\n";
    print_fields(verdict.fields, 2);
    std::cout << "\n";
  }
  if (!verdict.chain.empty()) {
    std::cout << "CERTIFICATE CHAIN (leaf first)\n";
    for (std::size_t i = 0; i < verdict.chain.size(); ++i) {
      std::cout << "  [" << i << "]\n";
      print_fields(verdict.chain[i], 4);
    }
    std::cout << "\n";
  }
  std::cout << "VERIFICATION\n";
  for (const auto& step : verdict.steps)
    std::cout << "  " << outcome_mark(step.outcome) << " " << std::left << std::setw(22) << step.name << " "
              << step.detail << "\n";
  std::cout << "\n";
  if (!verdict.claims.empty()) {
    std::cout << "CLAIMS\n";
    print_fields(verdict.claims, 2);
    std::cout << "\n";
  }
  if (const auto* failed = verdict.first_failure()) {
    std::cout << "RESULT: NOT VERIFIED: step " << failed->name << " failed: " << failed->detail << "\n";
    return;
  }
  std::cout << "RESULT: VERIFIED";
  if (verdict.tcb_status) {
    std::cout << ", TCB status " << *verdict.tcb_status;
    if (!verdict.advisory_ids.empty()) {
      std::cout << " (advisories:";
      for (const auto& id : verdict.advisory_ids) std::cout << " " << id;
      std::cout << ")";
    }
  }
  std::string skipped;
  for (const auto& step : verdict.steps) {
    if (step.outcome == hwattest::StepOutcome::skipped) skipped += (skipped.empty() ? "" : ", ") + step.name;
  }
  if (!skipped.empty()) std::cout << "; NOT CHECKED: " << skipped << " (see VERIFICATION)";
  std::cout << "\n";
}

bool any_collateral_file(const dcap::CollateralFiles& files) {
  return !files.tcb_info.empty() || !files.qe_identity.empty() || !files.pck_crl.empty() ||
         !files.root_ca_crl.empty();
}

int run_inspect(const InspectArgs& args) {
  auto bytes = read_input_file(args.file, hwattest::kMaxEvidenceBytes);
  if (!bytes) return fail(bytes.status().message());
  hwattest::VerifyOptions options;
  if (!args.at.empty()) {
    auto at = parse_time_argument(args.at);
    if (!at) return fail(at.status().message());
    options.now = *at;
  }
  for (const auto& path : args.certs) {
    auto raw = read_input_file(path);
    if (!raw) return fail(raw.status().message());
    auto certificates = hwattest::read_certificates(*raw);
    if (!certificates) return fail(path + ": " + certificates.status().message(), "--cert takes PEM or DER");
    for (auto& certificate : *certificates) options.certificates.push_back(std::move(certificate));
  }
  std::optional<dcap::Collateral> collateral;
  if (!args.collateral.empty()) {
    auto raw = read_input_file(args.collateral);
    if (!raw) return fail(raw.status().message());
    auto parsed = dcap::parse_collateral_bundle(to_string(*raw));
    if (!parsed) return fail(args.collateral + ": " + parsed.status().message());
    collateral = std::move(parsed).value();
  } else if (any_collateral_file(args.collateral_files)) {
    auto loaded = dcap::load_collateral_files(args.collateral_files);
    if (!loaded) return fail(loaded.status().message());
    collateral = std::move(loaded).value();
  }
  if (collateral) options.collateral = &*collateral;
  std::optional<dcap::CollateralDirectory> directory;
  if (!args.collateral_dir.empty()) {
    directory.emplace(args.collateral_dir);
    options.collateral_dir = &*directory;
  }

  const hwattest::Verdict verdict = hwattest::verify_evidence(*bytes, options);
  if (args.json) {
    std::cout << verdict_json(verdict, args.file, *bytes).dump(2) << "\n";
  } else {
    print_human(verdict, args.file, *bytes);
  }
  return verdict.verified() ? 0 : 1;
}

const RegisterSubcommands registered([](CLI::App& root) {
  auto* attest = root.get_subcommand("attest");
  auto* inspect = attest->add_subcommand(
      "inspect",
      "Recognise hardware evidence (SGX quote, Open Enclave report, TDX quote, SEV-SNP report, Azure HCL "
      "report), print every field and check every step; exit 0 only if every step that ran passed");
  auto args = std::make_shared<InspectArgs>();
  inspect->add_option("FILE", args->file, "The evidence (binary; an SNP report may be hex text)")->required();
  inspect->add_flag("--json", args->json, "Print JSON instead of text");
  inspect->add_option("--cert", args->certs,
                      "SEV-SNP: the VCEK or VLEK (DER or PEM), and optionally ASK/ARK; repeatable");
  inspect->add_option("--collateral", args->collateral,
                      "Intel: a collateral bundle (JSON with tcb_info, qe_identity, CRLs and issuer chains)");
  inspect->add_option(
      "--collateral-dir", args->collateral_dir,
      "Intel: a directory of bundles looked up by FMSPC (sgx/<fmspc>.json, tdx/<fmspc>.json)");
  inspect->add_option("--tcb-info", args->collateral_files.tcb_info, "Intel: TCB info as PCS serves it");
  inspect->add_option("--qe-identity", args->collateral_files.qe_identity,
                      "Intel: QE identity as PCS serves it");
  inspect->add_option("--tcb-signing-chain", args->collateral_files.tcb_signing_chain,
                      "Intel: the TCB Signing certificate chain (PEM)");
  inspect->add_option("--pck-crl", args->collateral_files.pck_crl, "Intel: the PCK CRL (DER or PEM)");
  inspect->add_option("--root-ca-crl", args->collateral_files.root_ca_crl,
                      "Intel: the Intel SGX Root CA CRL (DER or PEM)");
  inspect->add_option("--at", args->at,
                      "Check validity periods as of this time (YYYY-MM-DD[THH:MM:SSZ] or epoch seconds) "
                      "instead of now: for evidence and collateral archived in the past");
  inspect->callback([=] { exit_code() = run_inspect(*args); });
});

}  // namespace
}  // namespace cloister::cli
