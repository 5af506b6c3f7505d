#include "attestd/service.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "attest/evidence_format.h"
#include "attestd/claims.h"
#include "cloister/evidence.h"
#include "common/encoding.h"
#include "crypto/cert_cache.h"
#include "crypto/constant_time.h"
#include "crypto/sha.h"
#include "crypto/x509.h"
#include "policy/policy_eval.h"

namespace cloister::attestd {
namespace {

AttestOutcome refuse(int status, std::string code, std::string message) {
  spdlog::info("attestd: attestation refused ({}): {}", code, message);
  return AttestOutcome{.token = {}, .refusal = Refusal{status, std::move(code), std::move(message)}};
}

// The line of the policy text a rule sits on, for a deny reason a human can act on.
std::string policy_line(const std::string& text, std::size_t line) {
  std::size_t start = 0;
  for (std::size_t i = 1; i < line && start != std::string::npos; ++i) {
    start = text.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (start == std::string::npos || start >= text.size()) return {};
  std::string out = text.substr(start, text.find('\n', start) - start);
  out.erase(0, out.find_first_not_of(" \t"));
  return out.substr(0, 200);
}

}  // namespace

Result<std::unique_ptr<AttestationService>> AttestationService::create(DataDir dir, ServiceOptions options) {
  CLOISTER_ASSIGN_OR_RETURN(TokenSigner signer,
                            TokenSigner::create(std::move(dir.signing_key), dir.certificate_chain));
  std::map<std::string, std::unique_ptr<PolicyStore>> policies;
  std::vector<std::string> types = {kCloisterType};
  for (const auto& type : hardware_types()) types.emplace_back(type.name);
  for (const auto& type : types) {
    CLOISTER_ASSIGN_OR_RETURN(policies[type],
                              PolicyStore::open(dir.policies_dir(), type, dir.change_log_path()));
  }
  auto service = std::unique_ptr<AttestationService>(
      new AttestationService(std::move(dir), std::move(options), std::move(signer), std::move(policies)));
  // Refuse to start on a registry that does not load, rather than at the first request.
  CLOISTER_RETURN_IF_ERROR(service->registry_.current().status());
  return service;
}

AttestationService::AttestationService(DataDir dir, ServiceOptions options, TokenSigner signer,
                                       std::map<std::string, std::unique_ptr<PolicyStore>> policies)
    : dir_(std::move(dir)),
      options_(std::move(options)),
      signer_(std::move(signer)),
      policies_(std::move(policies)),
      collateral_(dir_.collateral_dir()),
      registry_(dir_.registry_path()),
      replay_(options_.replay_cache_capacity, options_.token_lifetime_seconds * 1000) {}

std::int64_t AttestationService::now_ms() const {
  if (options_.now_ms != 0) return options_.now_ms;
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool AttestationService::is_admin(const std::string& bearer) const {
  return !bearer.empty() && crypto::constant_time_equal(as_bytes(bearer), dir_.admin_credential.view());
}

PolicyStore* AttestationService::find_policies(const std::string& type) {
  auto found = policies_.find(type);
  return found == policies_.end() ? nullptr : found->second.get();
}

AttestOutcome AttestationService::attest_json(const std::string& type, const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return refuse(400, "InvalidRequest", "the request body is not valid JSON");
  const HardwareType* hardware = find_hardware_type(type);
  if (hardware == nullptr && type != kCloisterType) {
    return refuse(400, "UnsupportedAttestationType",
                  "attestation type '" + type.substr(0, 64) +
                      "' is not supported; use Cloister, SgxEnclave, OpenEnclave, TdxVm or SevSnpVm");
  }
  auto request = hardware ? parse_attest_request(json, request_shape(*hardware)) : parse_attest_request(json);
  if (!request) return refuse(400, "InvalidRequest", request.status().message());
  return hardware ? attest_hardware(*hardware, *request) : attest(*request);
}

AttestOutcome AttestationService::attest_hardware(const HardwareType& type, const AttestRequest& request) {
  HardwareContext context;
  context.collateral_dir = &collateral_;
  context.collateral_time_s = options_.collateral_time_s;
  context.require_collateral = options_.require_collateral;
  HardwareResult result = cloister::attestd::attest_hardware(type, request, context);
  if (result.refusal)
    return refuse(result.refusal->http_status, result.refusal->code, result.refusal->message);
  const std::string subject = std::string(type.name) + " evidence";
  return finish(type.name, request, std::move(result.claims), now_ms(), subject);
}

AttestOutcome AttestationService::attest(const AttestRequest& request) {
  const std::int64_t now = now_ms();
  // Which registered CA could the chain end at? The issuer of its last certificate says.
  auto parsed = attest::parse_evidence(request.evidence);
  if (!parsed) return refuse(400, "MalformedEvidence", parsed.status().message());
  auto last = crypto::parse_certificate_cached(parsed->certificate_chain.back());
  if (!last)
    return refuse(400, "MalformedEvidence",
                  "evidence is truncated or malformed: a certificate does not parse");
  auto registry = registry_.current();
  if (!registry)
    return refuse(500, "InternalError",
                  "the platform registry does not load: " + registry.status().message());
  const auto candidates = (*registry)->by_subject(last->issuer());
  if (candidates.empty()) {
    return refuse(
        403, "UntrustedPlatform",
        "untrusted platform: the evidence chains to \"" + last->issuer() +
            "\", which is not a registered platform CA (register it: cloister attestd platform add)");
  }

  // The policy decides about debug, sim and development platforms; the
  // service checks only what no policy may waive: chain, signature, age.
  Expectations expect;
  expect.allow_debug = true;
  expect.allow_isolation_none = true;
  expect.allow_development_platform = true;
  expect.max_age_seconds = options_.max_evidence_age_seconds;
  expect.now_ms = now;
  const PlatformEntry* platform = nullptr;
  std::optional<VerifiedEvidence> verified;
  Status last_error;
  for (const PlatformEntry* candidate : candidates) {
    auto result = verify_evidence(request.evidence, {candidate->ca_der}, expect);
    if (result) {
      platform = candidate;
      verified = std::move(result).value();
      break;
    }
    last_error = result.status();
  }
  if (!verified) {
    if (last_error.code() == ErrorCode::decode_error)
      return refuse(400, "MalformedEvidence", last_error.message());
    if (last_error.message().starts_with("platform certificate does not chain")) {
      return refuse(403, "UntrustedPlatform", "untrusted platform: " + last_error.message());
    }
    return refuse(403, "EvidenceRejected", last_error.message());
  }

  // The enclave binds its runtime data: SHA-256 in report_data[0..32), zeros after.
  const Report& report = verified->report;
  const auto digest = crypto::sha256(request.runtime_data);
  const bool bound = crypto::constant_time_equal(digest, ByteView(report.report_data.data(), 32));
  const bool tail_zero = std::all_of(report.report_data.begin() + 32, report.report_data.end(),
                                     [](std::uint8_t b) { return b == 0; });
  if (!bound || !tail_zero) {
    return refuse(400, "RuntimeDataMismatch",
                  "runtime data does not match the evidence: report data must be SHA-256(runtime data) "
                  "followed by 32 zero bytes");
  }
  return finish(kCloisterType, request, build_claims(report, *platform, request), now,
                "mrenclave " + to_hex(report.identity.measurement) + " on platform " + platform->name);
}

AttestOutcome AttestationService::finish(const std::string& type, const AttestRequest& request,
                                         ClaimSet claims, std::int64_t now, const std::string& subject) {
  if (request.nonce) {
    Status fresh = replay_.check_and_insert(*request.nonce, now);
    if (!fresh) {
      if (fresh.code() == ErrorCode::conflict) return refuse(409, "ReplayedNonce", fresh.message());
      return refuse(503, "Busy", fresh.message());
    }
  }

  const auto policy = policies_.at(type)->current();
  auto outcome = policy::evaluate(policy->parsed, claims.incoming);
  if (!outcome)
    return refuse(403, "PolicyDenied", "the attestation policy failed: " + outcome.status().message());
  if (!outcome->permitted) {
    std::string reason = "denied by the attestation policy: " + outcome->reason;
    if (const auto pos = outcome->reason.find("at line "); pos != std::string::npos) {
      std::size_t line = 0;
      const char* digits = outcome->reason.data() + pos + 8;
      std::from_chars(digits, outcome->reason.data() + outcome->reason.size(), line);
      const std::string rule = policy_line(policy->text, line);
      if (!rule.empty()) reason += ": " + rule;
    }
    return refuse(403, "PolicyDenied", reason);
  }
  for (const auto& name : add_issued_claims(claims.token, outcome->issued)) {
    spdlog::warn("attestd: the policy issued the reserved claim {}; it was dropped", name);
  }
  claims.token["x-ms-policy-hash"] = policy->hash;
  auto token = signer_.sign(std::move(claims.token), options_.issuer, now / 1000,
                            options_.token_lifetime_seconds, request.nonce);
  if (!token) return refuse(500, "InternalError", "cannot sign the token: " + token.status().message());
  spdlog::info("attestd: token issued for {}", subject);
  return AttestOutcome{.token = std::move(token).value(), .refusal = std::nullopt};
}

}  // namespace cloister::attestd
