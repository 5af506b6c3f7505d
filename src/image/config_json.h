// Enclave configuration files (JSON), kept out of cloister_image so enclaves
// that link the image library do not carry a JSON parser.
//
//   {"heap_size": "64M", "max_threads": 8, "debug": false, "product_id": 1, "security_version": 1}
//
// heap_size is bytes, or a string with a K/M/G (binary) suffix. Every key is
// optional and defaults to EnclaveConfig's default; unknown or repeated keys
// are errors, since a typo would otherwise sign a different config silently.
#pragma once

#include <string>
#include <string_view>

#include "cloister/result.h"
#include "image/identity.h"

namespace cloister::image {

Result<EnclaveConfig> parse_enclave_config_json(std::string_view text);

// The same fields as a JSON object, heap_size in bytes.
std::string enclave_config_to_json(const EnclaveConfig& config);

}  // namespace cloister::image
