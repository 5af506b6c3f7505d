#include "dcap/test/quote_builder.h"

#include <gtest/gtest.h>

#include <string>

#include "crypto/sha.h"
#include "dcap/quote_format.h"

namespace cloister::dcap::testing {
namespace {

void put_u16(Bytes& out, std::uint16_t value) {
  out.push_back(static_cast<std::uint8_t>(value));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}
void put_u32(Bytes& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}
void append(Bytes& out, ByteView bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

Bytes der_length(std::size_t size) {
  if (size < 0x80) return {static_cast<std::uint8_t>(size)};
  if (size < 0x100) return {0x81, static_cast<std::uint8_t>(size)};
  return {0x82, static_cast<std::uint8_t>(size >> 8), static_cast<std::uint8_t>(size)};
}

Bytes entry(const std::string& oid, const Bytes& value) {
  Bytes content = der_oid(oid);
  append(content, value);
  return der_tlv(0x30, content);
}

crypto::PrivateKey key() {
  auto generated = crypto::PrivateKey::generate(crypto::KeyType::ec_p256);
  EXPECT_TRUE(generated.is_ok());
  return std::move(generated).value();
}

crypto::Certificate issue(const std::string& name, bool is_ca, const crypto::PublicKey& subject,
                          const crypto::PrivateKey& issuer_key, const crypto::Certificate* issuer,
                          std::int64_t not_before,
                          std::vector<std::pair<std::string, Bytes>> extensions = {}) {
  crypto::CertificateRequest request;
  request.subject_common_name = name;
  request.subject_organization = "Intel Corporation";
  request.is_ca = is_ca;
  request.not_before = not_before;
  request.extensions = std::move(extensions);
  auto certificate = crypto::issue_certificate(request, subject, issuer_key, issuer);
  EXPECT_TRUE(certificate.is_ok()) << certificate.status().to_string();
  return std::move(certificate).value();
}

Bytes body_for(const QuoteSpec& spec) {
  std::size_t size = spec.tee_type == kTeeTypeSgx ? kSgxReportBodySize
                     : spec.body_type == 3        ? kTdx15ReportBodySize
                                                  : kTdx10ReportBodySize;
  Bytes body(size, 0x11);
  // The report data: the last 64 bytes of SGX and TDX 1.0 bodies; TDX 1.5 adds 64 after it.
  const std::size_t report_data = spec.body_type == 3 ? size - 64 - 64 : size - 64;
  std::fill(body.begin() + static_cast<std::ptrdiff_t>(report_data),
            body.begin() + static_cast<std::ptrdiff_t>(report_data + 64), spec.report_data_byte);
  return body;
}

}  // namespace

Bytes der_tlv(std::uint8_t tag, const Bytes& content) {
  Bytes out = {tag};
  append(out, der_length(content.size()));
  append(out, content);
  return out;
}

Bytes der_oid(const std::string& dotted) {
  std::vector<std::uint64_t> arcs;
  std::size_t start = 0;
  for (std::size_t dot; (dot = dotted.find('.', start)) != std::string::npos; start = dot + 1) {
    arcs.push_back(std::stoull(dotted.substr(start, dot - start)));
  }
  arcs.push_back(std::stoull(dotted.substr(start)));
  Bytes content;
  auto put_arc = [&](std::uint64_t value) {
    Bytes groups = {static_cast<std::uint8_t>(value & 0x7f)};
    for (value >>= 7; value != 0; value >>= 7)
      groups.insert(groups.begin(), static_cast<std::uint8_t>(0x80 | (value & 0x7f)));
    append(content, groups);
  };
  put_arc(arcs[0] * 40 + arcs[1]);
  for (std::size_t i = 2; i < arcs.size(); ++i) put_arc(arcs[i]);
  return der_tlv(0x06, content);
}

Bytes sgx_extension_der(std::uint32_t component_01) {
  const std::string sgx = "1.2.840.113741.1.13.1";
  Bytes first;
  for (std::uint32_t value = component_01; value != 0; value >>= 8) first.insert(first.begin(), value & 0xff);
  if (first.empty() || (first[0] & 0x80)) first.insert(first.begin(), 0);
  Bytes tcb = entry(sgx + ".2.1", der_tlv(0x02, first));
  for (int i = 2; i <= 16; ++i)
    append(tcb, entry(sgx + ".2." + std::to_string(i), der_tlv(0x02, {static_cast<std::uint8_t>(i)})));
  append(tcb, entry(sgx + ".2.17", der_tlv(0x02, {13})));
  append(tcb, entry(sgx + ".2.18", der_tlv(0x04, Bytes(16, 0x02))));
  Bytes all;
  append(all, entry(sgx + ".1", der_tlv(0x04, Bytes(16, 0xab))));
  append(all, entry(sgx + ".2", der_tlv(0x30, tcb)));
  append(all, entry(sgx + ".3", der_tlv(0x04, {0x00, 0x00})));
  append(all, entry(sgx + ".4", der_tlv(0x04, {0x00, 0x90, 0x6e, 0xd5, 0x00, 0x00})));
  append(all, entry(sgx + ".5", der_tlv(0x0a, {0x00})));
  return der_tlv(0x30, all);
}

BuiltQuote build_quote(const QuoteSpec& spec) {
  crypto::PrivateKey root_key = key(), ca_key = key(), pck_key = key(), attestation_key = key();
  crypto::Certificate root =
      issue("Intel SGX Root CA", true, root_key.public_key(), root_key, nullptr, spec.not_before);
  crypto::Certificate ca =
      issue("Intel SGX PCK Processor CA", true, ca_key.public_key(), root_key, &root, spec.not_before);
  crypto::Certificate leaf = issue("Intel SGX PCK Certificate", false, pck_key.public_key(), ca_key, &ca,
                                   spec.not_before, {{"1.2.840.113741.1.13.1", sgx_extension_der()}});
  std::string pem = leaf.to_pem().value() + ca.to_pem().value() + root.to_pem().value();

  Bytes quote;
  put_u16(quote, spec.version);
  put_u16(quote, kAttestationKeyEcdsaP256);
  put_u32(quote, spec.tee_type);
  put_u32(quote, 0);
  append(quote, Bytes{0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9, 0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f,
                      0x06, 0x07});
  append(quote, Bytes(20, 0));
  const Bytes body = body_for(spec);
  if (spec.version == 5) {
    put_u16(quote, spec.body_type);
    put_u32(quote, static_cast<std::uint32_t>(body.size()));
  }
  append(quote, body);

  Bytes key_xy = attestation_key.public_key().ec_point().value();
  key_xy.erase(key_xy.begin());
  const Bytes auth_data = {1, 2, 3, 4};
  Bytes qe_report(kSgxReportBodySize, 0x22);
  crypto::Hasher hasher(crypto::HashAlgorithm::sha256);
  Bytes binding = hasher.update(key_xy).update(auth_data).finish();
  binding.resize(64, 0);
  std::copy(binding.begin(), binding.end(), qe_report.end() - 64);

  Bytes qe_part = qe_report;
  append(qe_part, pck_key.sign_raw(qe_report).value());
  put_u16(qe_part, static_cast<std::uint16_t>(auth_data.size()));
  append(qe_part, auth_data);
  Bytes pck_data;
  put_u16(pck_data, kCertDataPckChain);
  put_u32(pck_data, static_cast<std::uint32_t>(pem.size()));
  append(pck_data, as_bytes(pem));

  Bytes signature_data = attestation_key.sign_raw(quote).value();
  append(signature_data, key_xy);
  if (spec.version == 3) {
    append(signature_data, qe_part);
    append(signature_data, pck_data);
  } else {
    Bytes nested = qe_part;
    append(nested, pck_data);
    put_u16(signature_data, kCertDataQeReport);
    put_u32(signature_data, static_cast<std::uint32_t>(nested.size()));
    append(signature_data, nested);
  }
  put_u32(quote, static_cast<std::uint32_t>(signature_data.size()));
  append(quote, signature_data);
  return {std::move(quote), std::move(leaf)};
}

}  // namespace cloister::dcap::testing
