#include "cleanroom/labelled_csv.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>

namespace cloister::cleanroom {
namespace {

// The comma-separated fields of one line (no quoting: the schema's values are
// numbers and short labels). A trailing '\r' is dropped.
std::vector<std::string_view> split_fields(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    fields.push_back(
        line.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return fields;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::string shown(std::string_view text) {
  return "'" + std::string(text.substr(0, 40)) + (text.size() > 40 ? "...'" : "'");
}

std::optional<double> parse_number(std::string_view text) {
  text = trim(text);
  if (!text.empty() && text.front() == '+') text.remove_prefix(1);
  double value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value))
    return std::nullopt;
  return value;
}

}  // namespace

Result<LabelledRows> parse_labelled_csv(std::string_view text, const Schema& schema) {
  if (text.size() > kMaxCsvBytes)
    return Status(ErrorCode::out_of_range,
                  "the CSV is larger than " + std::to_string(kMaxCsvBytes >> 20) + " MiB");
  if (schema.features.empty() || schema.label.empty())
    return Status(ErrorCode::invalid_argument, "the schema names no features or no label");
  std::size_t line_start = 0;
  std::size_t line_number = 0;
  auto next_line = [&]() -> std::optional<std::string_view> {
    while (line_start < text.size()) {
      const std::size_t newline = text.find('\n', line_start);
      const std::size_t end = newline == std::string_view::npos ? text.size() : newline;
      std::string_view line = text.substr(line_start, end - line_start);
      line_start = end + 1;
      ++line_number;
      if (!trim(line).empty() && trim(line) != "\r") return line;
    }
    return std::nullopt;
  };

  const auto header_line = next_line();
  if (!header_line) return Status(ErrorCode::invalid_argument, "the CSV is empty: a header row is expected");
  const auto header = split_fields(*header_line);
  std::map<std::string, std::size_t, std::less<>> position;
  for (std::size_t i = 0; i < header.size(); ++i) {
    const std::string name(trim(header[i]));
    if (!position.emplace(name, i).second)
      return Status(ErrorCode::invalid_argument, "the header names column " + shown(name) + " twice");
  }
  std::vector<std::size_t> feature_at;
  for (const auto& feature : schema.features) {
    auto found = position.find(feature);
    if (found == position.end())
      return Status(ErrorCode::invalid_argument,
                    "the header has no column " + feature +
                        " (the schema's features: " + std::to_string(schema.features.size()) + " columns)");
    feature_at.push_back(found->second);
  }
  const auto label = position.find(schema.label);
  if (label == position.end())
    return Status(ErrorCode::invalid_argument, "the header has no label column " + schema.label);
  if (header.size() != schema.features.size() + 1) {
    for (const auto& [name, index] : position) {
      bool known = name == schema.label;
      for (const auto& feature : schema.features) known = known || feature == name;
      if (!known)
        return Status(ErrorCode::invalid_argument,
                      "column " + shown(name) + " is not in the schema: remove it before encrypting");
    }
  }

  LabelledRows out;
  out.features.cols = schema.features.size();
  std::size_t row = 0;
  while (auto line = next_line()) {
    ++row;
    const auto fields = split_fields(*line);
    const std::string where = "row " + std::to_string(row) + " (line " + std::to_string(line_number) + ")";
    if (fields.size() != header.size())
      return Status(ErrorCode::invalid_argument, where + " has " + std::to_string(fields.size()) +
                                                     " fields, the header " + std::to_string(header.size()));
    for (std::size_t c = 0; c < feature_at.size(); ++c) {
      const auto value = parse_number(fields[feature_at[c]]);
      if (!value)
        return Status(ErrorCode::invalid_argument, where + ", column " + schema.features[c] + ": " +
                                                       shown(fields[feature_at[c]]) + " is not a number");
      out.features.values.push_back(*value);
    }
    const std::string_view label_text = trim(fields[label->second]);
    if (label_text == schema.positive) {
      out.labels.push_back(1.0);
    } else if (label_text == schema.negative) {
      out.labels.push_back(0.0);
    } else {
      return Status(ErrorCode::invalid_argument, where + ", column " + schema.label + ": " +
                                                     shown(label_text) + " is neither " + schema.positive +
                                                     " nor " + schema.negative);
    }
  }
  if (row == 0) return Status(ErrorCode::invalid_argument, "the CSV has a header but no rows");
  out.features.rows = row;
  return out;
}

Schema schema_from_header(std::string_view csv, std::string label, std::string positive,
                          std::string negative) {
  Schema schema{.features = {},
                .label = std::move(label),
                .positive = std::move(positive),
                .negative = std::move(negative)};
  for (std::string_view field : split_fields(csv.substr(0, csv.find('\n')))) {
    const std::string name(trim(field));
    if (name != schema.label) schema.features.push_back(name);
  }
  return schema;
}

void append_rows(LabelledRows& to, const LabelledRows& from) {
  to.features.cols = from.features.cols;
  to.features.values.insert(to.features.values.end(), from.features.values.begin(),
                            from.features.values.end());
  to.labels.insert(to.labels.end(), from.labels.begin(), from.labels.end());
  to.features.rows = to.labels.size();
}

std::string to_labelled_csv(const LabelledRows& rows, const Schema& schema) {
  std::string out;
  for (const auto& feature : schema.features) out += feature + ",";
  out += schema.label + "\n";
  char number[32];
  for (std::size_t r = 0; r < rows.features.rows; ++r) {
    const double* row = rows.features.row(r);
    for (std::size_t c = 0; c < rows.features.cols; ++c) {
      // The shortest text that reads back as the same double: 17.99, not 17.989999999999998.
      const auto written = std::to_chars(number, number + sizeof number, row[c]);
      out.append(number, written.ptr);
      out += ',';
    }
    out += (rows.labels[r] == 1.0 ? schema.positive : schema.negative) + "\n";
  }
  return out;
}

}  // namespace cloister::cleanroom
