#include "sql/encrypted_cek.h"

#include <limits>

#include "crypto/rsa_oaep_sha1.h"
#include "sql/utf16.h"

namespace cloister::sql {
namespace {

constexpr std::size_t kHeaderSize = 1 + 2 + 2;

std::size_t read_u16le(ByteView bytes, std::size_t offset) {
  return bytes[offset] | (static_cast<std::size_t>(bytes[offset + 1]) << 8);
}

void put_u16le(Bytes& out, std::size_t value) {
  out.push_back(static_cast<std::uint8_t>(value & 0xff));
  out.push_back(static_cast<std::uint8_t>(value >> 8));
}

Result<std::size_t> modulus_size(const crypto::PublicKey& key) {
  CLOISTER_ASSIGN_OR_RETURN(crypto::RsaPublicComponents components, key.rsa_components());
  return components.modulus.size();
}

}  // namespace

Status check_key_encryption_algorithm(std::string_view algorithm) {
  if (algorithm == "RSA_OAEP") return Status::ok();
  return error(ErrorCode::invalid_argument,
               "column key algorithm " + std::string(algorithm) + " is not supported (RSA_OAEP is)");
}

Result<EncryptedCekParts> parse_encrypted_cek(ByteView value) {
  if (value.size() < kHeaderSize) {
    return error(ErrorCode::decode_error,
                 "an encrypted CEK value is at least 5 bytes (version and two lengths), got " +
                     std::to_string(value.size()));
  }
  if (value[0] != kEncryptedCekVersion) {
    return error(ErrorCode::decode_error, "the encrypted CEK's version byte is " + std::to_string(value[0]) +
                                              ", SQL Server's RSA_OAEP format is version 1");
  }
  const std::size_t path_size = read_u16le(value, 1);
  const std::size_t ciphertext_size = read_u16le(value, 3);
  if (path_size == 0 || ciphertext_size == 0) {
    return error(ErrorCode::decode_error, "the encrypted CEK has an empty key path or ciphertext");
  }
  // Strictly longer: a signature must follow.
  if (value.size() <= kHeaderSize + path_size + ciphertext_size) {
    return error(ErrorCode::decode_error, "the encrypted CEK is " + std::to_string(value.size()) +
                                              " bytes, too short for its key path (" +
                                              std::to_string(path_size) + ") and ciphertext (" +
                                              std::to_string(ciphertext_size) +
                                              ") and a signature: truncated, or wrong lengths");
  }
  Result<std::string> path = utf8_from_utf16le(value.subspan(kHeaderSize, path_size));
  if (!path.is_ok()) return path.status().with_context("the encrypted CEK's key path");
  EncryptedCekParts parts;
  parts.key_path = std::move(path).value();
  const ByteView ciphertext = value.subspan(kHeaderSize + path_size, ciphertext_size);
  parts.ciphertext.assign(ciphertext.begin(), ciphertext.end());
  parts.signed_size = kHeaderSize + path_size + ciphertext_size;
  const ByteView signature = value.subspan(parts.signed_size);
  parts.signature.assign(signature.begin(), signature.end());
  return parts;
}

Result<Bytes> wrap_cek(const crypto::PublicKey& cmk, const CmkSigner& sign, std::string_view key_path,
                       ByteView cek) {
  if (cek.empty()) return error(ErrorCode::invalid_argument, "the column encryption key is empty");
  CLOISTER_ASSIGN_OR_RETURN(Bytes path, utf16le_from_utf8(key_path));
  if (path.empty() || path.size() > std::numeric_limits<std::uint16_t>::max()) {
    return error(ErrorCode::invalid_argument, "a key path is 1 to 32767 UTF-16 units");
  }
  CLOISTER_ASSIGN_OR_RETURN(Bytes ciphertext, crypto::rsa_oaep_sha1_encrypt(cmk, cek));
  if (ciphertext.size() > std::numeric_limits<std::uint16_t>::max()) {
    return error(ErrorCode::invalid_argument,
                 "the CMK's modulus is too large for the format's 16-bit length");
  }
  Bytes value;
  value.push_back(kEncryptedCekVersion);
  put_u16le(value, path.size());
  put_u16le(value, ciphertext.size());
  value.insert(value.end(), path.begin(), path.end());
  value.insert(value.end(), ciphertext.begin(), ciphertext.end());
  Result<Bytes> signature = sign(crypto::sha256(value));
  if (!signature.is_ok()) return signature.status().with_context("signing the encrypted CEK with the CMK");
  if (!cmk.rsa_verify(value, *signature, crypto::RsaPadding::pkcs1_v1_5, crypto::HashAlgorithm::sha256)
           .is_ok()) {
    return error(ErrorCode::verification_failed,
                 "the CMK's signature over the encrypted CEK does not verify with its public key: the key "
                 "store signed with another key");
  }
  value.insert(value.end(), signature->begin(), signature->end());
  return value;
}

Result<Bytes> wrap_cek(const crypto::PrivateKey& cmk, std::string_view key_path, ByteView cek) {
  return wrap_cek(cmk.public_key(), local_signer(cmk), key_path, cek);
}

Result<SecretBytes> unwrap_cek(const crypto::PublicKey& public_key, const CmkUnwrapper& unwrap,
                               std::string_view key_path, ByteView value) {
  CLOISTER_ASSIGN_OR_RETURN(EncryptedCekParts parts, parse_encrypted_cek(value));
  if (ascii_lower(parts.key_path) != ascii_lower(key_path)) {
    return error(ErrorCode::invalid_argument, "the encrypted CEK was made for key path '" + parts.key_path +
                                                  "', not '" + std::string(key_path) +
                                                  "': use that column master key");
  }
  CLOISTER_ASSIGN_OR_RETURN(std::size_t key_size, modulus_size(public_key));
  if (parts.ciphertext.size() != key_size || parts.signature.size() != key_size) {
    return error(ErrorCode::decode_error,
                 "the encrypted CEK's ciphertext (" + std::to_string(parts.ciphertext.size()) +
                     ") and signature (" + std::to_string(parts.signature.size()) +
                     ") must both be the CMK's modulus size (" + std::to_string(key_size) +
                     " bytes): wrong lengths, or another key");
  }
  const Status signature =
      public_key.rsa_verify(value.first(parts.signed_size), parts.signature, crypto::RsaPadding::pkcs1_v1_5,
                            crypto::HashAlgorithm::sha256);
  if (!signature.is_ok()) {
    return error(ErrorCode::verification_failed,
                 "the encrypted CEK's signature does not verify with column master key '" +
                     std::string(key_path) + "': tampered, or wrapped by another key");
  }
  Result<SecretBytes> cek = unwrap(parts.ciphertext);
  if (!cek.is_ok())
    return cek.status().with_context("the encrypted CEK is signed, but unwrapping it with the CMK failed");
  return cek;
}

Result<SecretBytes> unwrap_cek(const crypto::PrivateKey& cmk, std::string_view key_path, ByteView value) {
  return unwrap_cek(cmk.public_key(), local_unwrapper(cmk), key_path, value);
}

}  // namespace cloister::sql
