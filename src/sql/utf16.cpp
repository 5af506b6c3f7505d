#include "sql/utf16.h"

#include <cstdint>

namespace cloister::sql {
namespace {

Status bad_utf8() {
  return error(ErrorCode::decode_error, "text is not valid UTF-8");
}

void put_unit(Bytes& out, std::uint32_t unit) {
  out.push_back(static_cast<std::uint8_t>(unit & 0xff));
  out.push_back(static_cast<std::uint8_t>(unit >> 8));
}

void put_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xc0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xe0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  } else {
    out.push_back(static_cast<char>(0xf0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3f)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3f)));
  }
}

}  // namespace

Result<Bytes> utf16le_from_utf8(std::string_view utf8) {
  Bytes out;
  out.reserve(utf8.size() * 2);
  std::size_t i = 0;
  while (i < utf8.size()) {
    const auto lead = static_cast<std::uint8_t>(utf8[i]);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead < 0x80) {
      length = 1;
      code_point = lead;
    } else if ((lead & 0xe0) == 0xc0) {
      length = 2;
      code_point = lead & 0x1fu;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      code_point = lead & 0x0fu;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      code_point = lead & 0x07u;
    } else {
      return bad_utf8();
    }
    if (i + length > utf8.size()) return bad_utf8();
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<std::uint8_t>(utf8[i + k]);
      if ((next & 0xc0) != 0x80) return bad_utf8();
      code_point = (code_point << 6) | (next & 0x3fu);
    }
    // Overlong forms, surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10ffff ||
        (code_point >= 0xd800 && code_point <= 0xdfff)) {
      return bad_utf8();
    }
    if (code_point >= 0x10000) {
      const std::uint32_t offset = code_point - 0x10000;
      put_unit(out, 0xd800 + (offset >> 10));
      put_unit(out, 0xdc00 + (offset & 0x3ff));
    } else {
      put_unit(out, code_point);
    }
    i += length;
  }
  return out;
}

Result<std::string> utf8_from_utf16le(ByteView utf16) {
  if (utf16.size() % 2 != 0) {
    return error(ErrorCode::decode_error,
                 "UTF-16LE text has an odd length (" + std::to_string(utf16.size()) + ")");
  }
  std::string out;
  out.reserve(utf16.size() / 2);
  for (std::size_t i = 0; i < utf16.size(); i += 2) {
    const std::uint32_t unit = utf16[i] | (static_cast<std::uint32_t>(utf16[i + 1]) << 8);
    if (unit >= 0xdc00 && unit <= 0xdfff)
      return error(ErrorCode::decode_error, "UTF-16LE text has a lone surrogate");
    if (unit >= 0xd800 && unit <= 0xdbff) {
      if (i + 3 >= utf16.size()) return error(ErrorCode::decode_error, "UTF-16LE text has a lone surrogate");
      const std::uint32_t low = utf16[i + 2] | (static_cast<std::uint32_t>(utf16[i + 3]) << 8);
      if (low < 0xdc00 || low > 0xdfff)
        return error(ErrorCode::decode_error, "UTF-16LE text has a lone surrogate");
      put_utf8(out, 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00));
      i += 2;
      continue;
    }
    put_utf8(out, unit);
  }
  return out;
}

std::string ascii_lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace cloister::sql
