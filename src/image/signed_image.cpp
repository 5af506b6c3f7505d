#include "image/signed_image.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/errno_text.h"
#include "crypto/sha.h"
#include "image/elf_check.h"

namespace cloister::image {
namespace {

// The largest ELF we will hash or load; far beyond any enclave, well below
// what would exhaust memory on a host.
constexpr std::uint64_t kMaxElfSize = std::uint64_t{1} << 30;

constexpr const char* kNotSigned =
    "not a signed Cloister enclave image (no signature trailer); sign it with `cloister enclave sign`";

// The trailer is a few hundred bytes of fixed-shape data: anything larger
// than kMaxTrailerSize, or nested, is hostile.
wire::Limits trailer_limits() {
  wire::Limits limits;
  limits.max_total_bytes = kMaxTrailerSize;
  limits.max_field_bytes = 1024;
  limits.max_elements = 0;
  limits.max_depth = 2;
  return limits;
}

Bytes signed_message(const Measurement& measurement) {
  Bytes message(kSignatureDomain.begin(), kSignatureDomain.end());
  message.insert(message.end(), measurement.begin(), measurement.end());
  return message;
}

Status check_signer_key(const crypto::PublicKey& key) {
  auto type = key.type();
  if (!type) return type.status();
  if (*type != crypto::KeyType::ec_p256 && *type != crypto::KeyType::ec_p384) {
    return error(ErrorCode::invalid_argument, "enclave signing key must be ECDSA P-256 or P-384");
  }
  return Status::ok();
}

void put_u64_le(std::uint8_t* out, std::uint64_t v) {
  for (std::size_t i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint64_t get_u64_le(const std::uint8_t* in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v |= std::uint64_t{in[i]} << (8 * i);
  return v;
}

Status corrupt(const std::string& what) {
  return error(ErrorCode::decode_error, "corrupt enclave signature trailer: " + what);
}

}  // namespace

Status validate_config(const EnclaveConfig& config) {
  if (config.max_threads < kMinThreads || config.max_threads > kMaxThreads) {
    return error(ErrorCode::invalid_argument,
                 "enclave config max_threads " + std::to_string(config.max_threads) + " is outside 1..256");
  }
  if (config.heap_size < kMinHeapSize || config.heap_size > kMaxHeapSize) {
    return error(ErrorCode::invalid_argument, "enclave config heap_size " + std::to_string(config.heap_size) +
                                                  " is outside 1 MiB..64 GiB");
  }
  return Status::ok();
}

Measurement compute_measurement(ByteView elf, const EnclaveConfig& config) {
  // The ELF length is hashed explicitly so no split between ELF and config
  // bytes can produce the same digest input.
  std::uint8_t size_le[8];
  put_u64_le(size_le, elf.size());
  crypto::Hasher hasher(crypto::HashAlgorithm::sha256);
  hasher.update(as_bytes(kMeasurementDomain)).update(ByteView(size_le, 8)).update(elf);
  hasher.update(wire::encode(config));
  const Bytes digest = hasher.finish();
  Measurement out{};
  std::copy_n(digest.begin(), std::min(digest.size(), out.size()), out.begin());
  return out;
}

SignerId compute_signer_id(ByteView spki_der) {
  return crypto::sha256(spki_der);
}

bool has_signature_footer(ByteView file) {
  if (file.size() < kFooterSize) return false;
  const auto magic = file.last(kSignatureMagic.size());
  return std::equal(magic.begin(), magic.end(), kSignatureMagic.begin());
}

Result<Bytes> sign_image(ByteView elf, const EnclaveConfig& config, const crypto::PrivateKey& key) {
  if (has_signature_footer(elf)) {
    return error(ErrorCode::invalid_argument,
                 "input is already a signed enclave image; sign the original unsigned ELF instead");
  }
  if (elf.size() > kMaxElfSize) return error(ErrorCode::out_of_range, "enclave ELF is larger than 1 GiB");
  CLOISTER_RETURN_IF_ERROR(check_static_elf(elf));
  CLOISTER_RETURN_IF_ERROR(validate_config(config));
  if (!key.valid()) return error(ErrorCode::invalid_argument, "no enclave signing key");
  const crypto::PublicKey public_key = key.public_key();
  CLOISTER_RETURN_IF_ERROR(check_signer_key(public_key));

  SignatureBlock block;
  block.config = config;
  CLOISTER_ASSIGN_OR_RETURN(block.signer_public_key, public_key.to_der());
  const Measurement measurement = compute_measurement(elf, config);
  CLOISTER_ASSIGN_OR_RETURN(block.signature, key.sign(signed_message(measurement)));
  const Bytes trailer = wire::encode(block);

  Bytes out;
  out.reserve(elf.size() + trailer.size() + kFooterSize);
  out.insert(out.end(), elf.begin(), elf.end());
  out.insert(out.end(), trailer.begin(), trailer.end());
  std::uint8_t length_le[8];
  put_u64_le(length_le, trailer.size());
  out.insert(out.end(), length_le, length_le + 8);
  out.insert(out.end(), kSignatureMagic.begin(), kSignatureMagic.end());
  return out;
}

Result<SignedImage> parse_signed_image(ByteView file) {
  if (!has_signature_footer(file)) return error(ErrorCode::decode_error, kNotSigned);
  const std::size_t body_size = file.size() - kFooterSize;
  const std::uint64_t trailer_size = get_u64_le(file.data() + body_size);
  if (trailer_size > kMaxTrailerSize) {
    return corrupt("length " + std::to_string(trailer_size) + " exceeds the limit of " +
                   std::to_string(kMaxTrailerSize) + " bytes");
  }
  if (trailer_size >= body_size) {
    return corrupt("length " + std::to_string(trailer_size) + " leaves no room for the ELF in a file of " +
                   std::to_string(file.size()) + " bytes");
  }
  const std::size_t elf_size = body_size - static_cast<std::size_t>(trailer_size);
  const ByteView elf = file.first(elf_size);
  const ByteView trailer = file.subspan(elf_size, static_cast<std::size_t>(trailer_size));

  auto decoded = wire::decode<SignatureBlock>(trailer, trailer_limits());
  if (!decoded) return corrupt(decoded.status().message());
  SignatureBlock& block = *decoded;
  if (block.format_version != kSignatureFormatVersion) {
    return error(ErrorCode::decode_error, "unsupported enclave signature format version " +
                                              std::to_string(block.format_version) + " (expected 1)");
  }
  if (auto status = validate_config(block.config); !status)
    return status.with_context("signed enclave image");
  if (auto status = check_static_elf(elf); !status) return status.with_context("signed enclave image");

  auto key = crypto::PublicKey::from_der(block.signer_public_key);
  if (!key) return corrupt("signer public key does not parse: " + key.status().message());
  CLOISTER_RETURN_IF_ERROR(check_signer_key(*key));
  // The signer id hashes these exact bytes, so accept only the one canonical
  // encoding of the key: two encodings of one key must not be two signers.
  auto canonical = key->to_der();
  if (!canonical) return canonical.status();
  if (*canonical != block.signer_public_key) {
    return corrupt("signer public key is not canonical SubjectPublicKeyInfo DER");
  }

  const Measurement measurement = compute_measurement(elf, block.config);
  if (!key->verify(signed_message(measurement), block.signature)) {
    return error(
        ErrorCode::verification_failed,
        "enclave signature does not verify: the image or its configuration was modified after signing");
  }

  SignedImage image;
  image.file.assign(file.begin(), file.end());
  image.elf_size = elf_size;
  image.config = block.config;
  image.identity.measurement = measurement;
  image.identity.signer = compute_signer_id(block.signer_public_key);
  image.identity.product_id = block.config.product_id;
  image.identity.security_version = block.config.security_version;
  image.identity.debug = block.config.debug;
  image.signer_public_key = std::move(block.signer_public_key);
  image.signature = std::move(block.signature);
  return image;
}

Result<Bytes> read_file(const std::string& path, std::size_t max_size, std::string_view what) {
  const std::string name = std::string(what) + " " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    return error(err == ENOENT ? ErrorCode::not_found
                               : (err == EACCES ? ErrorCode::permission_denied : ErrorCode::io_error),
                 "cannot open " + name + ": " + errno_text(err));
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};

  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return error(ErrorCode::io_error, "cannot stat " + name + ": " + errno_text(errno));
  if (!S_ISREG(st.st_mode))
    return error(ErrorCode::invalid_argument, "cannot read " + name + ": not a regular file");
  if (static_cast<std::uint64_t>(st.st_size) > max_size) {
    return error(ErrorCode::out_of_range, name + " is larger than " + std::to_string(max_size) + " bytes");
  }

  // Read to EOF rather than trusting st_size: the file may change under us.
  Bytes out(static_cast<std::size_t>(st.st_size));
  std::size_t used = 0;
  for (;;) {
    if (used == out.size()) {
      if (out.size() > max_size) break;
      out.resize(std::min<std::size_t>(max_size + 1, std::max<std::size_t>(out.size() * 2, 4096)));
    }
    const ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return error(ErrorCode::io_error, "cannot read " + name + ": " + errno_text(errno));
    }
    used += static_cast<std::size_t>(n);
  }
  if (used > max_size) {
    return error(ErrorCode::out_of_range, name + " is larger than " + std::to_string(max_size) + " bytes");
  }
  out.resize(used);
  return out;
}

Result<SignedImage> load_signed_image(const std::string& path) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes file,
                            read_file(path, kMaxElfSize + kMaxTrailerSize + kFooterSize, "enclave image"));
  auto image = parse_signed_image(file);
  if (!image) return image.status().with_context(path);
  return image;
}

}  // namespace cloister::image
