#include "sql/client/shell_support.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>

#include "common/encoding.h"
#include "image/signed_image.h"

namespace cloister::sql::client {
namespace {

std::string trim(std::string_view text) {
  const auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  const auto end = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(begin, end - begin + 1));
}

// Display width, counting UTF-8 code points (each one column).
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

Result<std::pair<std::string, std::uint16_t>> parse_host_port(std::string_view text) {
  std::string host;
  std::string_view port_text;
  if (text.starts_with("[")) {
    const auto close = text.find("]:");
    if (close == std::string_view::npos)
      return Status(ErrorCode::invalid_argument, "expected [IPv6]:PORT, got " + std::string(text));
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0)
      return Status(ErrorCode::invalid_argument, "expected HOST:PORT, got " + std::string(text));
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, error] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535)
    return Status(ErrorCode::invalid_argument, "the port in " + std::string(text) + " is not 1..65535");
  return std::pair{host, static_cast<std::uint16_t>(port)};
}

Result<NamedParam> parse_param(std::string_view text) {
  const auto equals = text.find('=');
  const char* form = " (expected @name=type:value, type int, real, text, blob or null)";
  if (equals == std::string_view::npos || equals == 0)
    return Status(ErrorCode::invalid_argument, "parameter " + std::string(text) + form);
  std::string name(text.substr(0, equals));
  if (name.find_first_of("@:$") != 0) name.insert(0, "@");
  std::string_view spec = text.substr(equals + 1);
  const auto colon = spec.find(':');
  std::string type(spec.substr(0, colon));
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  if (type == "null") {
    if (colon != std::string_view::npos)
      return Status(ErrorCode::invalid_argument, "parameter " + name + ": null takes no value");
    return NamedParam{name, SqlNull{}};
  }
  if (colon == std::string_view::npos)
    return Status(ErrorCode::invalid_argument, "parameter " + std::string(text) + form);
  std::string_view value = spec.substr(colon + 1);
  if (type == "int" || type == "bigint" || type == "integer") {
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (error != std::errc() || end != value.data() + value.size() || value.empty())
      return Status(ErrorCode::invalid_argument,
                    "parameter " + name + ": " + std::string(value) + " is not an integer");
    return NamedParam{name, number};
  }
  if (type == "real" || type == "float" || type == "double") {
    std::string copy(value);
    std::size_t used = 0;
    double number = 0;
    try {
      number = std::stod(copy, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || used != copy.size() || !std::isfinite(number))
      return Status(ErrorCode::invalid_argument, "parameter " + name + ": " + copy + " is not a number");
    return NamedParam{name, number};
  }
  if (type == "text" || type == "varchar" || type == "nvarchar" || type == "string")
    return NamedParam{name, std::string(value)};
  if (type == "blob" || type == "varbinary") {
    if (value.starts_with("0x") || value.starts_with("0X")) value.remove_prefix(2);
    auto bytes = from_hex(value);
    if (!bytes.is_ok())
      return Status(ErrorCode::invalid_argument, "parameter " + name + ": the blob is not hex");
    return NamedParam{name, std::move(bytes).value()};
  }
  return Status(ErrorCode::invalid_argument, "parameter " + name + ": unknown type " + type + form);
}

std::vector<NamedParam> params_used_by(std::string_view sql, const std::vector<NamedParam>& params) {
  auto is_name_char = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$';
  };
  std::vector<NamedParam> used;
  for (const auto& param : params) {
    for (auto at = sql.find(param.first); at != std::string_view::npos; at = sql.find(param.first, at + 1)) {
      const auto end = at + param.first.size();
      if (end == sql.size() || !is_name_char(sql[end])) {
        used.push_back(param);
        break;
      }
    }
  }
  return used;
}

Result<std::array<std::uint8_t, 32>> parse_id_hex(std::string_view text, std::string_view what) {
  auto bytes = from_hex(text);
  if (!bytes.is_ok() || bytes->size() != 32)
    return Status(ErrorCode::invalid_argument, std::string(what) + " must be 64 hex digits (32 bytes)");
  std::array<std::uint8_t, 32> id{};
  std::copy(bytes->begin(), bytes->end(), id.begin());
  return id;
}

Result<std::pair<Measurement, SignerId>> identity_of_image(const std::string& path) {
  auto image = image::load_signed_image(path);
  if (!image.is_ok()) return image.status().with_context("reading the enclave image " + path);
  return std::pair{image->identity.measurement, image->identity.signer};
}

void StatementSplitter::feed(std::string_view text) {
  buffer_.append(text);
}

std::optional<std::string> StatementSplitter::next() {
  char quote = 0;
  for (std::size_t i = 0; i < buffer_.size(); ++i) {
    const char c = buffer_[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote reopens on the next character
      continue;
    }
    if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '[') {
      quote = ']';
    } else if (c == '-' && i + 1 < buffer_.size() && buffer_[i + 1] == '-') {
      const auto end = buffer_.find('\n', i);
      if (end == std::string::npos) return std::nullopt;
      i = end;
    } else if (c == '/' && i + 1 < buffer_.size() && buffer_[i + 1] == '*') {
      const auto end = buffer_.find("*/", i + 2);
      if (end == std::string::npos) return std::nullopt;
      i = end + 1;
    } else if (c == ';') {
      std::string statement = trim(std::string_view(buffer_).substr(0, i));
      buffer_.erase(0, i + 1);
      if (statement.empty()) return next();
      return statement;
    }
  }
  return std::nullopt;
}

std::string StatementSplitter::rest() const {
  return trim(buffer_);
}

std::string format_value(const SqlValue& value) {
  struct Visitor {
    std::string operator()(const SqlNull&) const { return "NULL"; }
    std::string operator()(std::int64_t v) const { return std::to_string(v); }
    std::string operator()(double v) const {
      std::ostringstream out;
      out.precision(15);
      out << v;
      return out.str();
    }
    std::string operator()(const std::string& v) const { return v; }
    std::string operator()(const Bytes& v) const { return "0x" + to_hex(v); }
  };
  return std::visit(Visitor{}, value);
}

std::string format_result(const ResultSet& result) {
  std::ostringstream out;
  if (result.columns.empty()) {
    out << result.changes << (result.changes == 1 ? " row" : " rows") << " changed\n";
    return out.str();
  }
  std::vector<std::vector<std::string>> cells;
  std::vector<std::size_t> widths;
  for (const auto& column : result.columns) widths.push_back(width(column.name));
  for (const auto& row : result.rows) {
    std::vector<std::string> line;
    for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c) {
      line.push_back(format_value(row[c]));
      widths[c] = std::max(widths[c], width(line.back()));
    }
    cells.push_back(std::move(line));
  }
  auto print_line = [&](const std::vector<std::string>& line) {
    std::string text;
    for (std::size_t c = 0; c < line.size(); ++c) {
      if (c > 0) text += " | ";
      text += line[c];
      if (c + 1 < line.size()) text.append(widths[c] - width(line[c]), ' ');
    }
    out << text << "\n";
  };
  std::vector<std::string> header;
  for (const auto& column : result.columns) header.push_back(column.name);
  print_line(header);
  std::string rule;
  for (std::size_t c = 0; c < widths.size(); ++c) {
    if (c > 0) rule += "-+-";
    rule.append(widths[c], '-');
  }
  out << rule << "\n";
  for (const auto& line : cells) print_line(line);
  out << "(" << result.rows.size() << (result.rows.size() == 1 ? " row" : " rows") << ")\n";
  return out.str();
}

}  // namespace cloister::sql::client
