#include "crypto/der_reader.h"

#include <limits>

namespace cloister::crypto::der {
namespace {

std::string at(std::size_t offset) {
  return " at offset " + std::to_string(offset);
}

}  // namespace

Result<Tlv> Reader::next() {
  const std::size_t start = position_;
  const std::size_t remaining = input_.size() - position_;
  if (remaining < 2)
    return error(ErrorCode::decode_error, "DER: truncated tag and length" + at(base_ + start));
  Tlv tlv;
  tlv.tag = input_[position_];
  tlv.offset = base_ + start;
  // High tag numbers (low five bits all set) never appear in what we read.
  if ((tlv.tag & 0x1f) == 0x1f) return error(ErrorCode::decode_error, "DER: multi-byte tag" + at(tlv.offset));
  std::size_t cursor = position_ + 1;
  std::size_t length = input_[cursor++];
  if (length & 0x80) {
    const std::size_t count = length & 0x7f;
    // Four length bytes cover 4 GiB; 0x80 alone is BER's indefinite length.
    if (count == 0 || count > 4)
      return error(ErrorCode::decode_error, "DER: unsupported length form" + at(tlv.offset));
    if (input_.size() - cursor < count)
      return error(ErrorCode::decode_error, "DER: truncated length" + at(tlv.offset));
    if (input_[cursor] == 0)
      return error(ErrorCode::decode_error, "DER: length not minimal" + at(tlv.offset));
    length = 0;
    for (std::size_t i = 0; i < count; ++i) length = (length << 8) | input_[cursor++];
    if (length < 0x80) return error(ErrorCode::decode_error, "DER: length not minimal" + at(tlv.offset));
  }
  if (length > input_.size() - cursor) {
    return error(ErrorCode::decode_error,
                 "DER: length " + std::to_string(length) + " runs past the end" + at(tlv.offset));
  }
  tlv.content = input_.subspan(cursor, length);
  position_ = cursor + length;
  return tlv;
}

Result<Tlv> Reader::expect(std::uint8_t tag, const std::string& what) {
  const std::size_t start = offset();
  CLOISTER_ASSIGN_OR_RETURN(Tlv tlv, next());
  if (tlv.tag != tag) {
    return error(ErrorCode::decode_error, "DER: " + what + at(start) + " has tag " + std::to_string(tlv.tag) +
                                              ", expected " + std::to_string(tag));
  }
  return tlv;
}

Result<Reader> Reader::enter(const Tlv& constructed) const {
  if ((constructed.tag & 0x20) == 0) {
    return error(ErrorCode::decode_error,
                 "DER: a primitive value" + at(constructed.offset) + " has no elements");
  }
  if (depth_ + 1 > kMaxDepth)
    return error(ErrorCode::decode_error, "DER: nested too deeply" + at(constructed.offset));
  // The content's offset in the outermost input: the tag byte plus the length bytes.
  const std::size_t header = static_cast<std::size_t>(constructed.content.data() - input_.data()) + base_;
  return Reader(constructed.content, header, depth_ + 1);
}

Status Reader::finish(const std::string& what) const {
  if (!at_end()) {
    return error(ErrorCode::decode_error, "DER: " + std::to_string(input_.size() - position_) +
                                              " unexpected bytes after " + what + at(offset()));
  }
  return Status::ok();
}

Result<std::string> oid_to_string(ByteView content) {
  if (content.empty()) return error(ErrorCode::decode_error, "DER: empty OBJECT IDENTIFIER");
  if (content.back() & 0x80) return error(ErrorCode::decode_error, "DER: OBJECT IDENTIFIER ends mid-arc");
  std::string out;
  std::uint64_t value = 0;
  bool first = true;
  bool arc_start = true;
  for (std::uint8_t byte : content) {
    // 0x80 opening an arc is a non-minimal encoding.
    if (arc_start && byte == 0x80)
      return error(ErrorCode::decode_error, "DER: OBJECT IDENTIFIER arc not minimal");
    if (value > (std::numeric_limits<std::uint64_t>::max() >> 7))
      return error(ErrorCode::decode_error, "DER: OBJECT IDENTIFIER arc too large");
    value = (value << 7) | (byte & 0x7f);
    arc_start = (byte & 0x80) == 0;
    if (!arc_start) continue;
    if (first) {
      // The first subidentifier packs two arcs: 40 * first + second.
      const std::uint64_t top = value < 40 ? 0 : value < 80 ? 1 : 2;
      out = std::to_string(top) + "." + std::to_string(value - 40 * top);
      first = false;
    } else {
      out += "." + std::to_string(value);
    }
    value = 0;
  }
  return out;
}

Result<std::uint64_t> integer_to_u64(ByteView content, std::uint64_t max) {
  if (content.empty()) return error(ErrorCode::decode_error, "DER: empty INTEGER");
  if (content.size() > 1 && ((content[0] == 0x00 && (content[1] & 0x80) == 0) ||
                             (content[0] == 0xff && (content[1] & 0x80) != 0))) {
    return error(ErrorCode::decode_error, "DER: INTEGER not minimally encoded");
  }
  if (content[0] & 0x80) return error(ErrorCode::out_of_range, "DER: INTEGER is negative");
  ByteView magnitude = content[0] == 0x00 ? content.subspan(1) : content;
  if (magnitude.size() > 8) return error(ErrorCode::out_of_range, "DER: INTEGER exceeds 64 bits");
  std::uint64_t value = 0;
  for (std::uint8_t byte : magnitude) value = (value << 8) | byte;
  if (value > max) {
    return error(ErrorCode::out_of_range,
                 "DER: INTEGER " + std::to_string(value) + " exceeds the maximum " + std::to_string(max));
  }
  return value;
}

Result<bool> boolean_value(ByteView content) {
  if (content.size() != 1) return error(ErrorCode::decode_error, "DER: BOOLEAN must be one byte");
  if (content[0] != 0x00 && content[0] != 0xff)
    return error(ErrorCode::decode_error, "DER: BOOLEAN must be 00 or FF");
  return content[0] == 0xff;
}

}  // namespace cloister::crypto::der
