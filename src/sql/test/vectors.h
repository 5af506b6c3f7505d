// SQL Server's Always Encrypted known-answer vectors, read in place from the
// shared test-vectors folder (never copied into the project).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cloister/bytes.h"

namespace cloister::sql::test {

// The parsed vectors.json, or nullopt when the file is absent (tests skip).
const std::optional<nlohmann::json>& always_encrypted_vectors();
std::string vectors_path();
Bytes hex(const nlohmann::json& value);  // a JSON hex string to bytes

}  // namespace cloister::sql::test
