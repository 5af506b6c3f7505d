// Signed enclave images: an ELF with a signature trailer appended.
//
//   [ELF bytes][wire::encode(SignatureBlock)][u64 LE trailer length]["CLSIGN01"]
//
// The kernel maps the ELF by its program headers and never reads the trailing
// bytes, so a signed image is still directly executable. The identity of an
// enclave (measurement, signer) is derived only from a verified signature.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "cloister/wire.h"
#include "crypto/keys.h"
#include "image/identity.h"

namespace cloister::image {

inline constexpr std::string_view kSignatureMagic = "CLSIGN01";
inline constexpr std::size_t kFooterSize = 8 + kSignatureMagic.size();  // trailer length + magic
inline constexpr std::uint16_t kSignatureFormatVersion = 1;
inline constexpr std::size_t kMaxTrailerSize = 4096;  // a P-384 key and signature need ~250 bytes

// Domain separation: these hashes and signatures can never be confused with
// any other Cloister message. Both include the terminating NUL.
inline constexpr std::string_view kMeasurementDomain{"cloister-measurement-v1",
                                                     sizeof("cloister-measurement-v1")};
inline constexpr std::string_view kSignatureDomain{"cloister-image-signature-v1",
                                                   sizeof("cloister-image-signature-v1")};

inline constexpr std::uint32_t kMinThreads = 1;
inline constexpr std::uint32_t kMaxThreads = 256;
inline constexpr std::uint64_t kMinHeapSize = std::uint64_t{1} << 20;   // 1 MiB
inline constexpr std::uint64_t kMaxHeapSize = std::uint64_t{64} << 30;  // 64 GiB

struct SignatureBlock {
  std::uint16_t format_version = kSignatureFormatVersion;
  EnclaveConfig config;
  Bytes signer_public_key;  // SubjectPublicKeyInfo DER, ECDSA P-256 or P-384
  Bytes signature;          // DER ECDSA over kSignatureDomain || measurement
  CLOISTER_FIELDS(format_version, config, signer_public_key, signature)
};

struct SignedImage {
  Bytes file;  // the whole signed file; the ELF is file[0, elf_size)
  std::size_t elf_size = 0;
  EnclaveConfig config;
  Bytes signer_public_key;
  Bytes signature;
  EnclaveIdentity identity;

  [[nodiscard]] ByteView elf() const { return ByteView(file).first(elf_size); }
};

// Range checks on a configuration, shared by signing, parsing and the JSON reader.
Status validate_config(const EnclaveConfig& config);

// SHA-256("cloister-measurement-v1\0" || u64 LE elf size || elf || wire::encode(config)).
Measurement compute_measurement(ByteView elf, const EnclaveConfig& config);

// SHA-256 of the signer's SubjectPublicKeyInfo DER.
SignerId compute_signer_id(ByteView spki_der);

// True when `file` ends with the signature footer magic.
bool has_signature_footer(ByteView file);

// Checks the ELF is a static native executable and the config in range, then
// returns the signed file. Refuses an input that is already signed.
Result<Bytes> sign_image(ByteView elf, const EnclaveConfig& config, const crypto::PrivateKey& key);

// Parses the trailer strictly, verifies the signature and derives the identity.
// Nothing in the result is trustworthy unless this returns ok.
Result<SignedImage> parse_signed_image(ByteView file);

// Reads `path` and parses it with parse_signed_image.
Result<SignedImage> load_signed_image(const std::string& path);

// Reads a whole regular file, refusing anything over max_size bytes.
Result<Bytes> read_file(const std::string& path, std::size_t max_size, std::string_view what);

}  // namespace cloister::image
