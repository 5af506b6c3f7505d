// A bounds-checked little-endian cursor over quote bytes. Every read names
// the field and its absolute offset in errors, so a malformed quote says
// which field is wrong and where ("qe_auth_data size at offset 1024: ...").
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "cloister/bytes.h"
#include "cloister/result.h"

namespace cloister::dcap {

class QuoteCursor {
 public:
  // `base` is where `input` starts in the evidence, for absolute offsets.
  explicit QuoteCursor(ByteView input, std::size_t base = 0) : input_(input), base_(base) {}

  [[nodiscard]] std::size_t offset() const { return base_ + position_; }
  [[nodiscard]] std::size_t remaining() const { return input_.size() - position_; }

  Result<ByteView> bytes(std::size_t size, const std::string& field) {
    if (size > remaining()) {
      return error(ErrorCode::decode_error, field + " at offset " + std::to_string(offset()) + ": needs " +
                                                std::to_string(size) + " bytes, " +
                                                std::to_string(remaining()) + " remain");
    }
    ByteView out = input_.subspan(position_, size);
    position_ += size;
    return out;
  }
  Result<std::uint16_t> u16(const std::string& field) {
    CLOISTER_ASSIGN_OR_RETURN(ByteView b, bytes(2, field));
    return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
  }
  Result<std::uint32_t> u32(const std::string& field) {
    CLOISTER_ASSIGN_OR_RETURN(ByteView b, bytes(4, field));
    return static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
           (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
  }
  Result<std::uint64_t> u64(const std::string& field) {
    CLOISTER_ASSIGN_OR_RETURN(std::uint32_t low, u32(field));
    CLOISTER_ASSIGN_OR_RETURN(std::uint32_t high, u32(field));
    return (static_cast<std::uint64_t>(high) << 32) | low;
  }
  // A declared length must fit in what remains before anything is read with it.
  Status check_declared(std::uint64_t size, const std::string& field, std::size_t field_offset) const {
    if (size > remaining()) {
      return error(ErrorCode::decode_error, field + " at offset " + std::to_string(field_offset) +
                                                " declares " + std::to_string(size) + " bytes, but only " +
                                                std::to_string(remaining()) + " remain");
    }
    return Status::ok();
  }
  // Nothing may follow a structure whose size was declared.
  Status finish(const std::string& what) const {
    if (remaining() != 0) {
      return error(ErrorCode::decode_error, std::to_string(remaining()) + " unexpected bytes after " + what +
                                                " at offset " + std::to_string(offset()));
    }
    return Status::ok();
  }

 private:
  ByteView input_;
  std::size_t position_ = 0;
  std::size_t base_ = 0;
};

}  // namespace cloister::dcap
