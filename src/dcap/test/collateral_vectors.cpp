#include "dcap/test/collateral_vectors.h"

#include <fstream>
#include <sstream>

#include "common/encoding.h"
#include "dcap/tcb_info.h"

namespace cloister::dcap::testing {

namespace {

// Offsets from Intel's quote layouts: header 48 bytes; body (SGX report 384,
// TD report 1.0 584, v5: type u16 + size u32 + TD report 1.5 648); signature
// data length u32; ECDSA signature 64; attestation key 64; then for TDX the
// certification data header (type u16, size u32) before the QE report.
std::size_t qe_report_offset(std::uint32_t version) {
  switch (version) {
    case 3:
      return 48 + 384 + 4 + 128;
    case 4:
      return 48 + 584 + 4 + 128 + 6;
    default:
      return 48 + 6 + 648 + 4 + 128 + 6;
  }
}

Result<Bytes> hex_field(const nlohmann::json& value) {
  if (!value.is_string()) return error(ErrorCode::decode_error, "expected.json: not a hex string");
  return from_hex(value.get<std::string>());
}

}  // namespace

std::string vector_path(const std::string& relative) {
  return std::string(CLOISTER_TEST_VECTORS) + "/attestation/" + relative;
}

bool have_vectors() {
  return std::ifstream(vector_path("expected.json")).good();
}

Result<std::string> read_vector(const std::string& relative) {
  std::ifstream in(vector_path(relative), std::ios::binary);
  if (!in) return error(ErrorCode::not_found, "no test vector " + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<TcbFacts> load_facts(const std::string& quote) {
  CLOISTER_ASSIGN_OR_RETURN(std::string expected_text, read_vector("expected.json"));
  nlohmann::json all = nlohmann::json::parse(expected_text);
  const nlohmann::json& e = all.at(quote);
  CLOISTER_ASSIGN_OR_RETURN(std::string bytes, read_vector(quote));

  TcbFacts facts;
  facts.tee = e["header"]["tee_type"] == "0x81" ? TeeType::tdx : TeeType::sgx;
  const nlohmann::json& pck = e["pck_sgx_extensions"];
  CLOISTER_ASSIGN_OR_RETURN(facts.fmspc, hex_field(pck["fmspc"]));
  CLOISTER_ASSIGN_OR_RETURN(facts.pce_id, hex_field(pck["pceid"]));
  for (std::size_t i = 0; i < 16; ++i)
    facts.cpu_svn_components[i] = pck["tcb"]["comp_svn_01_16"][i].get<std::uint8_t>();
  facts.pce_svn = pck["tcb"]["pcesvn"].get<std::uint16_t>();

  const nlohmann::json& qe = e["qe_report"];
  CLOISTER_ASSIGN_OR_RETURN(facts.qe.mr_signer, hex_field(qe["mr_signer"]));
  facts.qe.isv_prod_id = qe["isv_prod_id"].get<std::uint16_t>();
  facts.qe.isv_svn = qe["isv_svn"].get<std::uint16_t>();
  const std::size_t report = qe_report_offset(e["header"]["version"].get<std::uint32_t>());
  if (bytes.size() < report + 384)
    return error(ErrorCode::decode_error, quote + ": too short for a QE report");
  Bytes raw = to_bytes(bytes);
  // A wrong offset would show here first: the QE report's MRSIGNER is at 128.
  if (Bytes(raw.begin() + report + 128, raw.begin() + report + 160) != facts.qe.mr_signer)
    return error(ErrorCode::decode_error, quote + ": QE report not where the layout says");
  facts.qe.misc_select = static_cast<std::uint32_t>(raw[report + 16]) | raw[report + 17] << 8 |
                         raw[report + 18] << 16 | static_cast<std::uint32_t>(raw[report + 19]) << 24;
  facts.qe.attributes.assign(raw.begin() + report + 48, raw.begin() + report + 64);

  if (facts.tee == TeeType::tdx) {
    const nlohmann::json& body = e["report_body"];
    CLOISTER_ASSIGN_OR_RETURN(facts.tee_tcb_svn, hex_field(body["tee_tcb_svn"]));
    CLOISTER_ASSIGN_OR_RETURN(facts.mr_signer_seam, hex_field(body["mr_signer_seam"]));
    CLOISTER_ASSIGN_OR_RETURN(facts.seam_attributes, hex_field(body["seam_attributes"]));
  }

  const std::string begin = "-----BEGIN CERTIFICATE-----";
  const std::string end = "-----END CERTIFICATE-----";
  auto first = bytes.find(begin);
  auto last = bytes.rfind(end);
  if (first == std::string::npos || last == std::string::npos)
    return error(ErrorCode::decode_error, quote + ": no PEM chain");
  CLOISTER_ASSIGN_OR_RETURN(
      facts.pck_chain, crypto::Certificate::all_from_pem(bytes.substr(first, last + end.size() - first)));
  return facts;
}

Result<Vector> load_vector(const std::string& quote) {
  Vector out;
  CLOISTER_ASSIGN_OR_RETURN(out.facts, load_facts(quote));
  CLOISTER_ASSIGN_OR_RETURN(std::string expected_text, read_vector("expected.json"));
  out.expected = nlohmann::json::parse(expected_text).at(quote);
  CLOISTER_ASSIGN_OR_RETURN(std::string bundle, read_vector(quote + "_collateral.json"));
  CLOISTER_ASSIGN_OR_RETURN(out.collateral, parse_collateral_bundle(bundle));
  CLOISTER_ASSIGN_OR_RETURN(TcbInfo info, parse_tcb_info(out.collateral.tcb_info_json));
  out.issue_date = info.issue_date.seconds;
  out.next_update = info.next_update.seconds;
  return out;
}

}  // namespace cloister::dcap::testing
