// Strict, non-throwing readers for the fields of Intel's collateral JSON.
// Every error names the field by its path ("tcbInfo.tcbLevels[2].tcbStatus"),
// so a person can find what is wrong in the file.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::dcap::fields {

// Deeper than any collateral Intel publishes (tcbInfo nests 6 levels).
constexpr std::size_t kMaxDepth = 32;

// Parses `text` as one JSON object (depth-checked first; never throws).
Result<nlohmann::json> parse_object(std::string_view text, const std::string& what);

std::string path_of(const std::string& parent, std::string_view key);
std::string path_of(const std::string& parent, std::size_t index);

bool has(const nlohmann::json& object, const char* key);
Result<const nlohmann::json*> object(const nlohmann::json& parent, const std::string& path, const char* key);
Result<const nlohmann::json*> array(const nlohmann::json& parent, const std::string& path, const char* key);
Result<std::string> string(const nlohmann::json& parent, const std::string& path, const char* key);
// A non-negative integer no greater than `max` (floats and negatives refused).
Result<std::uint64_t> integer(const nlohmann::json& parent, const std::string& path, const char* key,
                              std::uint64_t max);
// Hex text of exactly `size` bytes.
Result<Bytes> hex(const nlohmann::json& parent, const std::string& path, const char* key, std::size_t size);

struct Timestamp {
  std::string text;          // as written, for display
  std::int64_t seconds = 0;  // since the epoch
};
Result<Timestamp> timestamp(const nlohmann::json& parent, const std::string& path, const char* key);
// An optional array of strings ("advisoryIDs"); absent gives an empty list.
Result<std::vector<std::string>> optional_strings(const nlohmann::json& parent, const std::string& path,
                                                  const char* key);

}  // namespace cloister::dcap::fields
