#include "sql/test/vectors.h"

#include <fstream>

#include "common/encoding.h"

namespace cloister::sql::test {

std::string vectors_path() {
  return std::string(CLOISTER_TEST_VECTORS) + "/always-encrypted/vectors.json";
}

const std::optional<nlohmann::json>& always_encrypted_vectors() {
  static const std::optional<nlohmann::json> vectors = []() -> std::optional<nlohmann::json> {
    std::ifstream in(vectors_path());
    if (!in) return std::nullopt;
    return nlohmann::json::parse(in);
  }();
  return vectors;
}

Bytes hex(const nlohmann::json& value) {
  auto bytes = from_hex(value.get<std::string>());
  return bytes.is_ok() ? std::move(bytes).value() : Bytes{};
}

}  // namespace cloister::sql::test
