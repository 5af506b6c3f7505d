// The evidence extension of an attested certificate: a CBOR tag around a
// byte string (RFC 8949 sections 3.1 and 3.4). Only this one shape is
// written or accepted, so the parser stays a few dozen checked lines.
#include "cloister/ratls.h"
#include "crypto/sha.h"

namespace cloister::ratls {
namespace {

constexpr std::uint8_t kMajorByteString = 2;
constexpr std::uint8_t kMajorTag = 6;

// A CBOR head (major type + argument) in its shortest form.
void put_head(Bytes& out, std::uint8_t major, std::uint64_t value) {
  const auto type = static_cast<std::uint8_t>(major << 5);
  int bytes = 0;
  if (value < 24) {
    out.push_back(static_cast<std::uint8_t>(type | value));
    return;
  }
  if (value <= 0xFF) {
    out.push_back(type | 24);
    bytes = 1;
  } else if (value <= 0xFFFF) {
    out.push_back(type | 25);
    bytes = 2;
  } else if (value <= 0xFFFFFFFF) {
    out.push_back(type | 26);
    bytes = 4;
  } else {
    out.push_back(type | 27);
    bytes = 8;
  }
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<std::uint8_t>(value >> (8 * i)));
}

Status malformed(const std::string& why) {
  return Status(ErrorCode::decode_error, "attested certificate: evidence extension is malformed: " + why);
}

// Reads a head of the given major type; refuses non-shortest encodings so
// that one value has exactly one encoding.
Result<std::uint64_t> get_head(ByteView& in, std::uint8_t major, const char* what) {
  if (in.empty()) return malformed(std::string("truncated before the ") + what);
  const std::uint8_t initial = in[0];
  if ((initial >> 5) != major) return malformed(std::string("expected a ") + what);
  const std::uint8_t info = initial & 0x1F;
  in = in.subspan(1);
  if (info < 24) return std::uint64_t{info};
  if (info > 27) return malformed(std::string("indefinite or reserved length in the ") + what);
  const std::size_t size = std::size_t{1} << (info - 24);
  if (in.size() < size) return malformed(std::string("truncated ") + what);
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < size; ++i) value = (value << 8) | in[i];
  in = in.subspan(size);
  const std::uint64_t smallest = info == 24 ? 24 : (std::uint64_t{1} << (8 * (size / 2)));
  if (value < smallest) return malformed(std::string("non-shortest encoding of the ") + what);
  return value;
}

}  // namespace

Bytes encode_evidence_extension(ByteView evidence) {
  Bytes out;
  out.reserve(evidence.size() + 16);
  put_head(out, kMajorTag, kCloisterEvidenceCborTag);
  put_head(out, kMajorByteString, evidence.size());
  out.insert(out.end(), evidence.begin(), evidence.end());
  return out;
}

Result<Bytes> decode_evidence_extension(ByteView content) {
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t tag, get_head(content, kMajorTag, "CBOR tag"));
  if (tag != kCloisterEvidenceCborTag) {
    return Status(ErrorCode::decode_error,
                  "attested certificate: the tagged evidence is not Cloister evidence "
                  "(CBOR tag " +
                      std::to_string(tag) + ")");
  }
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t size, get_head(content, kMajorByteString, "evidence byte string"));
  if (size > kMaxEvidenceSize) return malformed("evidence larger than 64 KiB");
  if (content.size() < size) return malformed("evidence byte string is truncated");
  if (content.size() > size) return malformed("bytes follow the evidence");
  return Bytes(content.begin(), content.end());
}

std::array<std::uint8_t, 64> report_data_for_key(ByteView spki_der) {
  std::array<std::uint8_t, 64> report_data{};
  auto digest = crypto::sha256(spki_der);
  std::copy(digest.begin(), digest.end(), report_data.begin());
  return report_data;
}

}  // namespace cloister::ratls
