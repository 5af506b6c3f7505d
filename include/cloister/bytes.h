// Byte buffers, and a buffer that wipes itself for secrets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cloister {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

inline ByteView as_bytes(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline std::string to_string(ByteView b) {
  return {b.begin(), b.end()};
}
inline Bytes to_bytes(std::string_view s) {
  return {s.begin(), s.end()};
}

// Overwrites memory in a way the optimiser may not remove.
void secure_wipe(void* data, std::size_t size);

// Holds key material; wipes it on destruction and on reassignment.
class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::size_t size) : data_(size) {}
  explicit SecretBytes(ByteView bytes) : data_(bytes.begin(), bytes.end()) {}
  explicit SecretBytes(Bytes&& bytes) : data_(std::move(bytes)) {}
  SecretBytes(const SecretBytes& other) = default;
  SecretBytes(SecretBytes&& other) noexcept : data_(std::move(other.data_)) {}
  SecretBytes& operator=(const SecretBytes& other) {
    if (this != &other) {
      wipe();
      data_ = other.data_;
    }
    return *this;
  }
  SecretBytes& operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
      wipe();
      data_ = std::move(other.data_);
    }
    return *this;
  }
  ~SecretBytes() { wipe(); }

  void wipe() {
    if (!data_.empty()) secure_wipe(data_.data(), data_.size());
    data_.clear();
  }
  [[nodiscard]] std::uint8_t* data() { return data_.data(); }
  [[nodiscard]] const std::uint8_t* data() const { return data_.data(); }
  [[nodiscard]] std::size_t size() const { return data_.size(); }
  [[nodiscard]] bool empty() const { return data_.empty(); }
  [[nodiscard]] ByteView view() const { return {data_.data(), data_.size()}; }
  operator ByteView() const { return view(); }  // NOLINT(google-explicit-constructor)

 private:
  Bytes data_;
};

}  // namespace cloister
