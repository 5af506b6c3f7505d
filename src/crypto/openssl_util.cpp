#include "crypto/openssl_util.h"

#include <openssl/err.h>

#include <cstdlib>

namespace cloister::crypto::internal {

Status openssl_error(ErrorCode code, std::string_view what) {
  std::string message(what);
  bool first = true;
  while (unsigned long error = ERR_get_error()) {
    message += first ? ": " : "; ";
    first = false;
    const char* library = ERR_lib_error_string(error);
    const char* reason = ERR_reason_error_string(error);
    if (library != nullptr) message += std::string(library) + ": ";
    if (reason != nullptr) {
      message += reason;
    } else {
      message += "error code " + std::to_string(ERR_GET_REASON(error));
    }
  }
  return Status(code, std::move(message));
}

void clear_openssl_errors() {
  ERR_clear_error();
}

const EVP_MD* message_digest(HashAlgorithm algorithm) {
  switch (algorithm) {
    case HashAlgorithm::sha256:
      return EVP_sha256();
    case HashAlgorithm::sha384:
      return EVP_sha384();
  }
  return nullptr;
}

BioPtr read_only_bio(std::string_view text) {
  if (!fits_int(text.size())) return nullptr;
  // BIO_new_mem_buf refuses a null pointer even for zero length, which an
  // empty string_view may carry; empty input is a parse error, not a BIO one.
  const char* data = text.data() != nullptr ? text.data() : "";
  return BioPtr(BIO_new_mem_buf(data, static_cast<int>(text.size())));
}

BioPtr secure_memory_bio() {
  return BioPtr(BIO_new(BIO_s_secmem()));
}

std::string bio_contents(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(size));
}

int refuse_pem_password(char* /*buffer*/, int /*size*/, int /*rwflag*/, void* /*userdata*/) {
  return -1;
}

}  // namespace cloister::crypto::internal
