#include "measure.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

namespace cloister::bench {

double ns_per_op(const std::function<void()>& op, std::chrono::milliseconds batch_time, int batches) {
  using clock = std::chrono::steady_clock;
  // Calibrate: how many operations fill one batch.
  std::uint64_t count = 1;
  for (;;) {
    auto start = clock::now();
    for (std::uint64_t i = 0; i < count; ++i) op();
    auto elapsed = clock::now() - start;
    if (elapsed >= batch_time / 4 || count >= (1ull << 30)) {
      double per_op = std::chrono::duration<double, std::nano>(elapsed).count() / static_cast<double>(count);
      count = std::max<std::uint64_t>(
          1,
          static_cast<std::uint64_t>(std::chrono::duration<double, std::nano>(batch_time).count() / per_op));
      break;
    }
    count *= 4;
  }
  std::vector<double> results;
  for (int b = 0; b < batches; ++b) {
    auto start = clock::now();
    for (std::uint64_t i = 0; i < count; ++i) op();
    results.push_back(std::chrono::duration<double, std::nano>(clock::now() - start).count() /
                      static_cast<double>(count));
  }
  std::sort(results.begin(), results.end());
  return results[results.size() / 2];
}

void Table::print() const {
  std::printf("\n%s\n", title_.c_str());
  std::printf("%-44s %14s %-6s  %-32s %14s %9s  %s\n", "measurement", "value", "unit", "baseline (same run)",
              "value", "ratio", "note");
  std::printf("%s\n", std::string(140, '-').c_str());
  for (const auto& row : rows_) {
    if (row.baseline_name.empty()) {
      std::printf("%-44s %14.3f %-6s  %-32s %14s %9s  %s\n", row.name.c_str(), row.value, row.unit.c_str(),
                  "", "", "", row.ratio_note.c_str());
    } else {
      std::printf("%-44s %14.3f %-6s  %-32s %14.3f %8.2fx  %s\n", row.name.c_str(), row.value,
                  row.unit.c_str(), row.baseline_name.c_str(), row.baseline,
                  row.baseline != 0 ? row.value / row.baseline : 0.0, row.ratio_note.c_str());
    }
  }
}

bool Table::write_json(const std::string& path) const {
  nlohmann::json out;
  out["title"] = title_;
  out["rows"] = nlohmann::json::array();
  for (const auto& row : rows_) {
    nlohmann::json r{{"name", row.name}, {"value", row.value}, {"unit", row.unit}, {"note", row.ratio_note}};
    if (!row.baseline_name.empty()) {
      r["baseline_name"] = row.baseline_name;
      r["baseline"] = row.baseline;
      r["ratio"] = row.baseline != 0 ? row.value / row.baseline : 0.0;
    }
    out["rows"].push_back(r);
  }
  std::ofstream file(path);
  file << out.dump(2) << "\n";
  return static_cast<bool>(file);
}

}  // namespace cloister::bench
