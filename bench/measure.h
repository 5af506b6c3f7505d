// Timing loops and the result table every bench tool prints (and writes as JSON with --json).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace cloister::bench {

// Median nanoseconds per operation over `batches` batches, each of enough
// operations to last about `batch_time`.
double ns_per_op(const std::function<void()>& op,
                 std::chrono::milliseconds batch_time = std::chrono::milliseconds(100), int batches = 5);

struct Row {
  std::string name;
  double value = 0;
  std::string unit;
  std::string baseline_name;  // empty: no baseline
  double baseline = 0;
  std::string ratio_note;  // e.g. "target <= 2x"
};

class Table {
 public:
  explicit Table(std::string title) : title_(std::move(title)) {}
  void add(Row row) { rows_.push_back(std::move(row)); }
  void print() const;
  bool write_json(const std::string& path) const;

 private:
  std::string title_;
  std::vector<Row> rows_;
};

}  // namespace cloister::bench
