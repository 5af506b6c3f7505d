#include "snp/report_json.h"

#include <cinttypes>
#include <cstdio>

#include "common/encoding.h"

namespace cloister::snp {

namespace {

std::string hex_word(std::uint64_t value, int digits) {
  char text[24];
  std::snprintf(text, sizeof text, "%0*" PRIx64, digits, value);
  return text;
}

template <std::size_t N>
std::string hex(const std::array<std::uint8_t, N>& bytes) {
  return to_hex(ByteView(bytes.data(), bytes.size()));
}

const char* signing_key_name(std::uint8_t key) {
  switch (static_cast<SigningKey>(key)) {
    case SigningKey::vcek:
      return "VCEK";
    case SigningKey::vlek:
      return "VLEK";
    case SigningKey::none:
      return "none";
  }
  return "reserved";
}

}  // namespace

nlohmann::json tcb_json(const TcbVersion& tcb) {
  nlohmann::json out = {{"bootloader", tcb.bootloader},
                        {"tee", tcb.tee},
                        {"snp", tcb.snp},
                        {"microcode", tcb.microcode},
                        {"raw", hex_word(tcb.raw, 16)}};
  if (tcb.fmc) out["fmc"] = *tcb.fmc;
  return out;
}

nlohmann::json report_fields(const AttestationReport& report, Product product) {
  const GuestPolicy policy = decode_policy(report.policy);
  nlohmann::json out = {
      {"version", report.version},
      {"guest_svn", report.guest_svn},
      {"policy", hex_word(report.policy, 16)},
      {"family_id", hex(report.family_id)},
      {"image_id", hex(report.image_id)},
      {"vmpl", report.vmpl},
      {"signature_algo", report.signature_algo},
      {"current_tcb", tcb_json(decode_tcb(report.current_tcb, product))},
      {"reported_tcb", tcb_json(decode_tcb(report.reported_tcb, product))},
      {"committed_tcb", tcb_json(decode_tcb(report.committed_tcb, product))},
      {"launch_tcb", tcb_json(decode_tcb(report.launch_tcb, product))},
      {"platform_info", hex_word(report.platform_info, 16)},
      {"flags_0x48", hex_word(report.flags, 8)},
      {"author_key_en", report.author_key_en ? 1 : 0},
      {"mask_chip_key", report.mask_chip_key ? 1 : 0},
      {"signing_key", signing_key_name(report.signing_key)},
      {"report_data", hex(report.report_data)},
      {"measurement", hex(report.measurement)},
      {"host_data", hex(report.host_data)},
      {"id_key_digest", hex(report.id_key_digest)},
      {"author_key_digest", hex(report.author_key_digest)},
      {"report_id", hex(report.report_id)},
      {"report_id_ma", hex(report.report_id_ma)},
      {"chip_id", hex(report.chip_id)},
      {"committed_build_minor_major",
       {report.committed_build, report.committed_minor, report.committed_major}},
      {"current_build_minor_major", {report.current_build, report.current_minor, report.current_major}},
      {"signature_r_be", hex(report.signature_r)},
      {"signature_s_be", hex(report.signature_s)},
      {"policy_decoded",
       {{"abi_major", policy.abi_major},
        {"abi_minor", policy.abi_minor},
        {"smt_allowed", policy.smt_allowed},
        {"migrate_ma", policy.migrate_ma},
        {"debug", policy.debug},
        {"single_socket", policy.single_socket},
        {"cxl_allowed", policy.cxl_allowed},
        {"mem_aes_256_xts", policy.mem_aes_256_xts},
        {"rapl_disabled", policy.rapl_disabled},
        {"ciphertext_hiding", policy.ciphertext_hiding},
        {"reserved_bit17", policy.reserved_one}}},
  };
  if (report.cpuid_family) {
    out["cpuid_family"] = *report.cpuid_family;
    out["cpuid_model"] = report.cpuid_model.value_or(0);
    out["cpuid_stepping"] = report.cpuid_stepping.value_or(0);
  }
  return out;
}

nlohmann::json report_claims(const AttestationReport& report, Product product) {
  const GuestPolicy policy = decode_policy(report.policy);
  const TcbVersion tcb = decode_tcb(report.reported_tcb, product);
  return {
      {"x-ms-attestation-type", "sevsnpvm"},
      {"x-ms-sevsnpvm-authorkeydigest", hex(report.author_key_digest)},
      {"x-ms-sevsnpvm-bootloader-svn", tcb.bootloader},
      {"x-ms-sevsnpvm-familyId", hex(report.family_id)},
      {"x-ms-sevsnpvm-guestsvn", report.guest_svn},
      {"x-ms-sevsnpvm-hostdata", hex(report.host_data)},
      {"x-ms-sevsnpvm-idkeydigest", hex(report.id_key_digest)},
      {"x-ms-sevsnpvm-imageId", hex(report.image_id)},
      {"x-ms-sevsnpvm-is-debuggable", policy.debug},
      {"x-ms-sevsnpvm-launchmeasurement", hex(report.measurement)},
      {"x-ms-sevsnpvm-microcode-svn", tcb.microcode},
      {"x-ms-sevsnpvm-migration-allowed", policy.migrate_ma},
      {"x-ms-sevsnpvm-reportdata", hex(report.report_data)},
      {"x-ms-sevsnpvm-reportid", hex(report.report_id)},
      {"x-ms-sevsnpvm-smt-allowed", policy.smt_allowed},
      {"x-ms-sevsnpvm-snpfw-svn", tcb.snp},
      {"x-ms-sevsnpvm-tee-svn", tcb.tee},
      {"x-ms-sevsnpvm-vmpl", report.vmpl},
  };
}

}  // namespace cloister::snp
