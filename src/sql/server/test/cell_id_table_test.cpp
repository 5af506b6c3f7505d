#include "sql/server/cell_id_table.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cloister::sql {
namespace {

// Cell-like text whose characters 8..23 (the identity) differ per n.
std::string stored(int n) {
  char identity[17];
  std::snprintf(identity, sizeof identity, "%016d", n);
  return "AQAAAAAA" + std::string(identity) + "rest-of-the-cell";
}

std::vector<CellId> ids_of(int first, int count) {
  std::vector<CellId> ids;
  for (int n = first; n < first + count; ++n) ids.push_back(*CellId::of(stored(n)));
  return ids;
}

TEST(CellIdTable, FindsEveryIndexedIdentity) {
  const std::vector<CellId> ids = ids_of(0, 100000);
  CellIdTable table;
  table.build(ids);
  EXPECT_EQ(table.size(), 100000u);
  for (int n = 0; n < 100000; n += 7)
    EXPECT_EQ(table.find(ids, *CellId::of(stored(n))), static_cast<std::uint32_t>(n));
  EXPECT_EQ(table.find(ids, *CellId::of(stored(100001))), CellIdTable::kAbsent);
}

TEST(CellIdTable, BuildingAgainReplacesWhatWasIndexed) {
  const std::vector<CellId> before = ids_of(0, 1000);
  const std::vector<CellId> after = ids_of(500, 50000);
  CellIdTable table;
  table.build(before);
  table.build(after);
  EXPECT_EQ(table.size(), 50000u);
  EXPECT_EQ(table.find(after, *CellId::of(stored(499))), CellIdTable::kAbsent);
  for (int n = 500; n < 50500; n += 13)
    EXPECT_EQ(table.find(after, *CellId::of(stored(n))), static_cast<std::uint32_t>(n - 500));
}

TEST(CellIdTable, KeepsTheFirstRowOfARepeatedIdentity) {
  std::vector<CellId> ids = ids_of(0, 10);
  ids[9] = ids[3];
  CellIdTable table;
  table.build(ids);
  EXPECT_EQ(table.size(), 9u);
  EXPECT_EQ(table.find(ids, ids[9]), 3u);
}

TEST(CellIdTable, ACrowdedTableFindsEveryIdentityAtItsOwnRow) {
  // 700 identities in 1024 slots: long probe runs, each passing others.
  const std::vector<CellId> ids = ids_of(1, 700);
  CellIdTable table;
  table.build(ids);
  for (std::size_t row = 0; row < ids.size(); ++row) EXPECT_EQ(table.find(ids, ids[row]), row);
}

TEST(CellIdTable, AnEmptyTableFindsNothingAndShortTextHasNoIdentity) {
  const std::vector<CellId> ids = ids_of(1, 1);
  CellIdTable table;
  EXPECT_FALSE(table.built());
  EXPECT_EQ(table.find(ids, ids[0]), CellIdTable::kAbsent);
  EXPECT_FALSE(CellId::of("AQAAAAAAAAAAAAAAAAAAAAA").has_value());  // 23 characters
  table.build(ids);
  EXPECT_TRUE(table.built());
  table.clear();
  EXPECT_EQ(table.find(ids, ids[0]), CellIdTable::kAbsent);
  table.build({});
  EXPECT_TRUE(table.built());
  EXPECT_EQ(table.find({}, ids[0]), CellIdTable::kAbsent);
}

}  // namespace
}  // namespace cloister::sql
