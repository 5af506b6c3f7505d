#include "tools/input_file.h"

#include <fstream>
#include <iostream>
#include <iterator>

namespace cloister::cli {
namespace {

std::string describe_size(std::size_t bytes) {
  constexpr std::size_t kMiB = 1 << 20;
  if (bytes % kMiB == 0) return std::to_string(bytes / kMiB) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

Result<std::string> read_input_text(const std::string& path, std::size_t max_bytes) {
  std::ifstream file;
  std::istream* in = &std::cin;
  if (path != "-") {
    file.open(path, std::ios::binary);
    if (!file) return Status(ErrorCode::not_found, "cannot open " + path);
    in = &file;
  }
  std::string text((std::istreambuf_iterator<char>(*in)), std::istreambuf_iterator<char>());
  if (text.size() > max_bytes)
    return Status(ErrorCode::out_of_range, path + " is larger than " + describe_size(max_bytes));
  return text;
}

Result<Bytes> read_input_file(const std::string& path, std::size_t max_bytes) {
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_input_text(path, max_bytes));
  return to_bytes(text);
}

Result<SecretBytes> read_password_file(const std::string& path) {
  constexpr std::size_t kMaxPasswordFileBytes = 4096;
  CLOISTER_ASSIGN_OR_RETURN(std::string text, read_input_text(path, kMaxPasswordFileBytes));
  const std::size_t end = std::min(text.find_first_of("\r\n"), text.size());
  SecretBytes password(as_bytes(std::string_view(text).substr(0, end)));
  secure_wipe(text.data(), text.size());
  if (password.empty())
    return Status(ErrorCode::invalid_argument,
                  "the password file " + path + " holds no password on its first line");
  return password;
}

}  // namespace cloister::cli
