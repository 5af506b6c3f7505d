// A party's dataset as CSV, checked against the collaboration's schema: a
// header naming every feature and the label (in any order, nothing else),
// then one row per record with a finite number for each feature and one of
// the two label values. Errors name the row and the column, e.g.
//   "row 17 (line 18), column texture_mean: 'n/a' is not a number"
// Input is untrusted: bounded in size, never crashes.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "cleanroom/training.h"
#include "cloister/result.h"

namespace cloister::cleanroom {

struct Schema {
  std::vector<std::string> features;  // in the order the model takes them
  std::string label;
  std::string positive;  // the label value that means 1 (e.g. "M")
  std::string negative;  // the one that means 0 (e.g. "B")
};

struct LabelledRows {
  Matrix features;  // columns in Schema::features order
  std::vector<double> labels;
};

inline constexpr std::size_t kMaxCsvBytes = std::size_t{1} << 30;

Result<LabelledRows> parse_labelled_csv(std::string_view text, const Schema& schema);

// The schema a CSV's header implies: every column but `label`, in file order.
Schema schema_from_header(std::string_view csv, std::string label, std::string positive,
                          std::string negative);

// `from`'s rows after `to`'s (the same columns).
void append_rows(LabelledRows& to, const LabelledRows& from);

// The CSV form of `rows` under `schema` (header, then rows with the
// shortest numbers that parse back to the same doubles).
std::string to_labelled_csv(const LabelledRows& rows, const Schema& schema);

}  // namespace cloister::cleanroom
