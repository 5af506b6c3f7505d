// cloister attestd collateral add | list: the Intel DCAP collateral attestd
// evaluates SGX and TDX evidence against, kept per TEE and FMSPC.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "attestd/data_dir.h"
#include "dcap/collateral_dir.h"
#include "dcap/collateral_files.h"
#include "platform/private_files.h"
#include "tools/command_registry.h"
#include "tools/input_file.h"

namespace cloister::cli {
namespace {

// Intel's bundles are tens of kilobytes; the bound only stops a wrong file.
constexpr std::size_t kMaxBundleBytes = 4 << 20;

struct CollateralArgs {
  std::string data_dir = attestd::default_data_dir();
  std::string bundle;
  dcap::CollateralFiles files;
};

int run_add(const CollateralArgs& args) {
  Result<dcap::Collateral> collateral = Status(ErrorCode::invalid_argument, "no collateral given");
  if (!args.bundle.empty()) {
    auto text = read_input_text(args.bundle, kMaxBundleBytes);
    if (!text) return fail(text.status().message());
    collateral = dcap::parse_collateral_bundle(*text);
  } else if (!args.files.tcb_info.empty()) {
    collateral = dcap::load_collateral_files(args.files);
  } else {
    return fail(
        "give a collateral bundle (BUNDLE.json) or the PCS files (--tcb-info, --qe-identity, "
        "--tcb-signing-chain, --pck-crl, --root-ca-crl)");
  }
  if (!collateral) return fail(collateral.status().message());
  // attestd's data directory holds its signing key: it is created private.
  if (Status ready = platform::ensure_private_dir(args.data_dir); !ready.is_ok())
    return fail(ready.message());
  dcap::CollateralDirectory directory(attestd::DataDir{.path = args.data_dir}.collateral_dir());
  auto stored = directory.add(*collateral);
  if (!stored) return fail(stored.status().message());
  std::cout << "collateral stored in " << *stored << "; a running attestd uses it from the next request\n";
  return 0;
}

int run_list(const CollateralArgs& args) {
  const std::string root = attestd::DataDir{.path = args.data_dir}.collateral_dir();
  std::error_code error;
  bool any = false;
  for (const char* tee : {"sgx", "tdx"}) {
    const std::filesystem::path dir = std::filesystem::path(root) / tee;
    if (!std::filesystem::is_directory(dir, error)) continue;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      if (entry.path().extension() != ".json") continue;
      any = true;
      std::cout << tee << " fmspc " << entry.path().stem().string();
      auto text = read_input_text(entry.path().string(), kMaxBundleBytes);
      auto bundle = text ? dcap::parse_collateral_bundle(*text) : Result<dcap::Collateral>(text.status());
      if (!bundle) {
        std::cout << "  UNREADABLE: " << bundle.status().message() << "\n";
        continue;
      }
      auto tcb = nlohmann::json::parse(bundle->tcb_info_json, nullptr, false);
      if (tcb.is_object()) {
        std::cout << "  issued " << tcb.value("issueDate", "?") << ", next update "
                  << tcb.value("nextUpdate", "?") << ", TCB evaluation data number "
                  << tcb.value("tcbEvaluationDataNumber", 0);
      }
      std::cout << "\n";
    }
  }
  if (!any) std::cout << "no collateral in " << root << "; add some with `cloister attestd collateral add`\n";
  return 0;
}

const RegisterSubcommands registered([](CLI::App& root) {
  auto* attestd = root.get_subcommand("attestd");
  auto* collateral = attestd->add_subcommand(
      "collateral", "Intel DCAP collateral (TCB info, QE identity, CRLs) for SGX and TDX evidence");
  collateral->require_subcommand(1);
  auto args = std::make_shared<CollateralArgs>();
  auto* add =
      collateral->add_subcommand("add", "Store collateral for one FMSPC (checked when evidence uses it)");
  add->add_option("--data-dir", args->data_dir, "attestd data directory")->capture_default_str();
  add->add_option("BUNDLE", args->bundle,
                  "A collateral bundle: JSON with tcb_info, qe_identity, their signatures and issuer chains, "
                  "and the CRLs");
  add->add_option("--tcb-info", args->files.tcb_info, "Or: TCB info as PCS serves it");
  add->add_option("--qe-identity", args->files.qe_identity, "QE identity as PCS serves it");
  add->add_option("--tcb-signing-chain", args->files.tcb_signing_chain, "TCB Signing chain (PEM)");
  add->add_option("--pck-crl", args->files.pck_crl, "PCK CRL (DER or PEM)");
  add->add_option("--root-ca-crl", args->files.root_ca_crl, "Intel SGX Root CA CRL (DER or PEM)");
  add->callback([=] { exit_code() = run_add(*args); });
  auto* list = collateral->add_subcommand("list", "List the stored collateral and when it needs refreshing");
  list->add_option("--data-dir", args->data_dir, "attestd data directory")->capture_default_str();
  list->callback([=] { exit_code() = run_list(*args); });
});

}  // namespace
}  // namespace cloister::cli
