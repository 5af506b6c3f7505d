#include "cloister/wire.h"

namespace cloister::wire {

bool Reader::fail(const std::string& what) {
  if (status_.is_ok()) {
    status_ = Status(ErrorCode::decode_error, what + " at offset " + std::to_string(pos_));
  }
  return false;
}

bool Reader::get_raw(void* data, std::size_t size) {
  if (failed()) return false;
  if (remaining() < size)
    return fail("truncated: need " + std::to_string(size) + " bytes, have " + std::to_string(remaining()));
  if (size != 0) std::memcpy(data, in_.data() + pos_, size);
  pos_ += size;
  return true;
}

bool Reader::get_view(ByteView& view, std::size_t size) {
  if (failed()) return false;
  if (remaining() < size)
    return fail("truncated: need " + std::to_string(size) + " bytes, have " + std::to_string(remaining()));
  view = in_.subspan(pos_, size);
  pos_ += size;
  return true;
}

bool Reader::get_length(std::size_t& size, std::size_t element_min_size, std::size_t max_count,
                        const char* what) {
  std::uint32_t raw = 0;
  if (!get_u32(raw)) return false;
  if (raw > max_count) {
    return fail(std::string(what) + " length " + std::to_string(raw) + " exceeds the limit " +
                std::to_string(max_count));
  }
  if (element_min_size != 0 && raw > remaining() / element_min_size) {
    return fail(std::string(what) + " length " + std::to_string(raw) + " exceeds the " +
                std::to_string(remaining()) + " bytes left");
  }
  size = raw;
  return true;
}

bool Reader::enter() {
  if (++depth_ > limits_.max_depth) return fail("nesting deeper than " + std::to_string(limits_.max_depth));
  return true;
}

}  // namespace cloister::wire
