#include "sql/server/cell_id_table.h"

#include <gtest/gtest.h>

#include <string>

namespace cloister::sql {
namespace {

// Cell-like text whose characters 8..23 (the identity) differ per n.
std::string stored(int n) {
  char identity[17];
  std::snprintf(identity, sizeof identity, "%016d", n);
  return "AQAAAAAA" + std::string(identity) + "rest-of-the-cell";
}

TEST(CellIdTable, FindsEveryInsertedIdentityAcrossGrowth) {
  CellIdTable table;
  for (int n = 0; n < 100000; ++n) table.insert(*CellId::of(stored(n)), static_cast<std::uint32_t>(n));
  EXPECT_EQ(table.size(), 100000u);
  for (int n = 0; n < 100000; n += 7)
    EXPECT_EQ(table.find(*CellId::of(stored(n))), static_cast<std::uint32_t>(n));
  EXPECT_EQ(table.find(*CellId::of(stored(100001))), CellIdTable::kAbsent);
}

TEST(CellIdTable, ReservingKeepsWhatIsThereAndFindsWhatComesAfter) {
  CellIdTable table;
  for (int n = 0; n < 1000; ++n) table.insert(*CellId::of(stored(n)), static_cast<std::uint32_t>(n));
  table.reserve(50000);
  for (int n = 1000; n < 50000; ++n) table.insert(*CellId::of(stored(n)), static_cast<std::uint32_t>(n));
  EXPECT_EQ(table.size(), 50000u);
  for (int n = 0; n < 50000; n += 13)
    EXPECT_EQ(table.find(*CellId::of(stored(n))), static_cast<std::uint32_t>(n));
}

TEST(CellIdTable, KeepsTheFirstRowOfARepeatedIdentity) {
  CellIdTable table;
  table.insert(*CellId::of(stored(5)), 3);
  table.insert(*CellId::of(stored(5)), 9);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(table.find(*CellId::of(stored(5))), 3u);
}

TEST(CellIdTable, AnEmptyTableFindsNothingAndShortTextHasNoIdentity) {
  CellIdTable table;
  EXPECT_EQ(table.find(*CellId::of(stored(1))), CellIdTable::kAbsent);
  EXPECT_FALSE(CellId::of("AQAAAAAAAAAAAAAAAAAAAAA").has_value());  // 23 characters
  table.insert(*CellId::of(stored(1)), 0);
  table.clear();
  EXPECT_EQ(table.find(*CellId::of(stored(1))), CellIdTable::kAbsent);
}

}  // namespace
}  // namespace cloister::sql
