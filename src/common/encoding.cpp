#include "common/encoding.h"

#include <array>

namespace cloister {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string encode_base64(ByteView bytes, const char* alphabet, bool pad) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    std::uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    out += alphabet[n & 63];
  }
  std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    std::uint32_t n = bytes[i] << 16;
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    if (pad) out += "==";
  } else if (rest == 2) {
    std::uint32_t n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += alphabet[(n >> 18) & 63];
    out += alphabet[(n >> 12) & 63];
    out += alphabet[(n >> 6) & 63];
    if (pad) out += '=';
  }
  return out;
}

using DecodeTable = std::array<int, 256>;  // -1: not in the alphabet

constexpr DecodeTable decode_table(const char* alphabet) {
  DecodeTable table{};
  for (auto& value : table) value = -1;
  for (int i = 0; i < 64; ++i) table[static_cast<unsigned char>(alphabet[i])] = i;
  return table;
}
constexpr DecodeTable kBase64Table = decode_table(kBase64Alphabet);
constexpr DecodeTable kBase64UrlTable = decode_table(kBase64UrlAlphabet);

// Into `out` (resized; its capacity is reused), so a caller decoding many
// values in a loop allocates once.
Status decode_base64(std::string_view text, const DecodeTable& table, bool padding_required, Bytes& out) {
  std::size_t padding = 0;
  while (!text.empty() && text.back() == '=' && padding < 2) {
    text.remove_suffix(1);
    ++padding;
  }
  if (padding_required && (text.size() + padding) % 4 != 0) {
    return Status(ErrorCode::decode_error, "base64 text length is not a multiple of 4");
  }
  if (text.size() % 4 == 1) return Status(ErrorCode::decode_error, "base64 text has an impossible length");
  if (padding != 0 && (text.size() + padding) % 4 != 0) {
    return Status(ErrorCode::decode_error, "base64 padding does not match the length");
  }
  out.resize(text.size() * 3 / 4);
  std::size_t written = 0;
  // Whole groups of four characters (three bytes) first: one validity check
  // per group. SQL cells are decoded by the million.
  const auto* chars = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  for (; i + 4 <= text.size(); i += 4) {
    const int a = table[chars[i]];
    const int b = table[chars[i + 1]];
    const int c = table[chars[i + 2]];
    const int d = table[chars[i + 3]];
    if ((a | b | c | d) < 0) break;  // the character-wise loop below names the position
    const auto n = static_cast<std::uint32_t>((a << 18) | (b << 12) | (c << 6) | d);
    out[written] = static_cast<std::uint8_t>(n >> 16);
    out[written + 1] = static_cast<std::uint8_t>(n >> 8);
    out[written + 2] = static_cast<std::uint8_t>(n);
    written += 3;
  }
  std::uint32_t accumulator = 0;
  int bits = 0;
  for (; i < text.size(); ++i) {
    const int v = table[static_cast<unsigned char>(text[i])];
    if (v < 0)
      return Status(ErrorCode::decode_error, "invalid base64 character at position " + std::to_string(i));
    accumulator = (accumulator << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = static_cast<std::uint8_t>((accumulator >> bits) & 0xff);
    }
  }
  // Unused low bits must be zero, so every byte string has one encoding.
  if (bits > 0 && (accumulator & ((1u << bits) - 1)) != 0) {
    return Status(ErrorCode::decode_error, "base64 text has non-zero trailing bits");
  }
  out.resize(written);
  return Status::ok();
}

Result<Bytes> decode_base64(std::string_view text, const DecodeTable& table, bool padding_required) {
  Bytes out;
  CLOISTER_RETURN_IF_ERROR(decode_base64(text, table, padding_required, out));
  return out;
}

}  // namespace

std::string to_hex(ByteView bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (auto b : bytes) {
    out += kHexDigits[b >> 4];
    out += kHexDigits[b & 15];
  }
  return out;
}

Result<Bytes> from_hex(std::string_view hex) {
  if (hex.size() % 2 != 0) return Status(ErrorCode::decode_error, "hex text has an odd number of digits");
  Bytes out(hex.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(hex[2 * i]);
    int lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0)
      return Status(ErrorCode::decode_error,
                    "invalid hex digit at position " + std::to_string(2 * i + (hi < 0 ? 0 : 1)));
    out[i] = static_cast<std::uint8_t>((hi << 4) | lo);
  }
  return out;
}

std::string to_base64(ByteView bytes) {
  return encode_base64(bytes, kBase64Alphabet, true);
}
Result<Bytes> from_base64(std::string_view text) {
  return decode_base64(text, kBase64Table, true);
}
Status from_base64_into(std::string_view text, Bytes& out) {
  return decode_base64(text, kBase64Table, true, out);
}
std::string to_base64url(ByteView bytes) {
  return encode_base64(bytes, kBase64UrlAlphabet, false);
}
Result<Bytes> from_base64url(std::string_view text) {
  return decode_base64(text, kBase64UrlTable, false);
}

}  // namespace cloister
