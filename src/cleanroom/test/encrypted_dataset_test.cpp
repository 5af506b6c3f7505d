#include "cleanroom/encrypted_dataset.h"

#include <gtest/gtest.h>

#include "crypto/rng.h"

namespace cloister::cleanroom {
namespace {

LabelledRows rows(std::size_t count, std::size_t columns) {
  LabelledRows out;
  out.features.rows = count;
  out.features.cols = columns;
  for (std::size_t r = 0; r < count; ++r) {
    for (std::size_t c = 0; c < columns; ++c) out.features.values.push_back(static_cast<double>(r) * 0.5 - c);
    out.labels.push_back(r % 3 == 0 ? 1.0 : 0.0);
  }
  return out;
}

DatasetHeader header(std::size_t chunk_rows) {
  return {.contract = std::string(64, 'a'),
          .party = "hospital-a",
          .columns = 0,
          .rows = 0,
          .chunk_rows = chunk_rows};
}

TEST(EncryptedDataset, RoundTripsAcrossChunksAndShowsOnlyItsHeader) {
  const Bytes key = *crypto::random_bytes(kDataKeySize);
  const LabelledRows data = rows(1000, 3);
  auto sealed = seal_dataset(data, header(64), key);
  ASSERT_TRUE(sealed.is_ok()) << sealed.status().to_string();
  auto read = read_dataset_header(*sealed);
  ASSERT_TRUE(read.is_ok());
  EXPECT_EQ(read->party, "hospital-a");
  EXPECT_EQ(read->rows, 1000u);
  EXPECT_EQ(read->columns, 3u);
  auto opened = open_dataset(*sealed, key);
  ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
  EXPECT_EQ(opened->features.values, data.features.values);
  EXPECT_EQ(opened->labels, data.labels);
}

TEST(EncryptedDataset, RefusesAWrongKeyTamperingTruncationAndReordering) {
  const Bytes key = *crypto::random_bytes(kDataKeySize);
  const Bytes sealed = *seal_dataset(rows(300, 2), header(100), key);
  const Bytes other_key = *crypto::random_bytes(kDataKeySize);
  EXPECT_EQ(open_dataset(sealed, other_key).status().code(), ErrorCode::verification_failed);

  Bytes flipped = sealed;
  flipped[flipped.size() - 40] ^= 1;
  EXPECT_EQ(open_dataset(flipped, key).status().message(),
            "chunk 2 of hospital-a's dataset does not verify: the data key is wrong or the file was changed");

  // The header names another party: every chunk's associated data changes.
  Bytes relabelled = sealed;
  const std::string from = "hospital-a";
  auto at = std::search(relabelled.begin(), relabelled.end(), from.begin(), from.end());
  ASSERT_NE(at, relabelled.end());
  *(at + 9) = 'b';
  EXPECT_EQ(open_dataset(relabelled, key).status().code(), ErrorCode::verification_failed);

  Bytes cut(sealed.begin(), sealed.end() - 100);
  EXPECT_EQ(open_dataset(cut, key).status().code(), ErrorCode::decode_error);
  Bytes longer = sealed;
  longer.push_back(0);
  EXPECT_EQ(open_dataset(longer, key).status().code(), ErrorCode::decode_error);
  EXPECT_EQ(open_dataset(Bytes{'C', 'L'}, key).status().code(), ErrorCode::decode_error);

  // Chunks 0 and 1 swapped (same size): each carries its index.
  const std::size_t header_end = 8 + (sealed[4] | sealed[5] << 8);
  const std::size_t chunk = 4 + 100 * 3 * 8 + 16;
  Bytes swapped = sealed;
  std::copy_n(sealed.begin() + static_cast<long>(header_end), chunk,
              swapped.begin() + static_cast<long>(header_end + chunk));
  std::copy_n(sealed.begin() + static_cast<long>(header_end + chunk), chunk,
              swapped.begin() + static_cast<long>(header_end));
  EXPECT_EQ(open_dataset(swapped, key).status().message(),
            "chunk 0 of hospital-a's dataset does not verify: the data key is wrong or the file was changed");
}

}  // namespace
}  // namespace cloister::cleanroom
