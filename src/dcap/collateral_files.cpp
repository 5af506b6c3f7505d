#include "dcap/collateral_files.h"

#include <cerrno>
#include <fstream>
#include <iterator>

#include "common/errno_text.h"
#include "crypto/crl.h"
#include "dcap/qe_identity.h"
#include "dcap/tcb_info.h"

namespace cloister::dcap {

namespace {

// Far above any collateral file (a PCK CRL with thousands of entries is
// under 1 MiB); a bound so a wrong path to a huge file fails fast.
constexpr std::size_t kMaxFileSize = 16U << 20;

Result<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return error(ErrorCode::not_found, "cannot open " + path + ": " + errno_text(errno));
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileSize) return error(ErrorCode::out_of_range, path + " is larger than 16 MiB");
  }
  if (in.bad()) return error(ErrorCode::io_error, "reading " + path);
  return text;
}

Result<Bytes> read_crl(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_text(path));
  auto crl = crypto::Crl::from_any(as_bytes(text));
  if (!crl) return crl.status().with_context(path);
  return crl->to_der();
}

Result<std::vector<crypto::Certificate>> read_chain(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_text(path));
  auto chain = crypto::Certificate::all_from_pem(text);
  if (!chain) return chain.status().with_context(path);
  return chain;
}

}  // namespace

Result<Collateral> load_collateral_files(const CollateralFiles& files) {
  Collateral out;
  CLOISTER_ASSIGN_OR_RETURN(std::string tcb_text, read_text(files.tcb_info));
  auto tcb = parse_tcb_info_response(tcb_text);
  if (!tcb) return tcb.status().with_context(files.tcb_info);
  if (auto info = parse_tcb_info(tcb->body); !info) return info.status().with_context(files.tcb_info);
  out.tcb_info_json = std::move(tcb->body);
  out.tcb_info_signature = std::move(tcb->signature);

  CLOISTER_ASSIGN_OR_RETURN(std::string qe_text, read_text(files.qe_identity));
  auto qe = parse_qe_identity_response(qe_text);
  if (!qe) return qe.status().with_context(files.qe_identity);
  if (auto identity = parse_qe_identity(qe->body); !identity)
    return identity.status().with_context(files.qe_identity);
  out.qe_identity_json = std::move(qe->body);
  out.qe_identity_signature = std::move(qe->signature);

  CLOISTER_ASSIGN_OR_RETURN(out.tcb_info_issuer_chain, read_chain(files.tcb_signing_chain));
  CLOISTER_ASSIGN_OR_RETURN(out.qe_identity_issuer_chain, read_chain(files.tcb_signing_chain));
  CLOISTER_ASSIGN_OR_RETURN(out.pck_crl, read_crl(files.pck_crl));
  CLOISTER_ASSIGN_OR_RETURN(out.root_ca_crl, read_crl(files.root_ca_crl));
  if (!files.pck_crl_issuer_chain.empty()) {
    CLOISTER_ASSIGN_OR_RETURN(out.pck_crl_issuer_chain, read_chain(files.pck_crl_issuer_chain));
  }
  return out;
}

}  // namespace cloister::dcap
