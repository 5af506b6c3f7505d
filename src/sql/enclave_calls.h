// The calls between the SQL server's host and its enclave. The host never
// holds a column encryption key: it asks the enclave to compare, match or
// transform cells, and the enclave answers with results, never plaintext.
// Ids 0x53510000.. ("SQ").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cloister/bytes.h"
#include "cloister/call.h"

namespace cloister::sql {

inline constexpr std::uint32_t kSqlCallIdBase = 0x53510000u;

// Keys released by a client: a compact JWE (ECDH-ES, A256GCM) to the
// enclave's instance key (enclave::instance_key(), bound in its runtime
// evidence), whose plaintext is the key release document (key_release.h).
struct InstallKeys {
  static constexpr std::uint32_t id = kSqlCallIdBase + 1;
  std::string jwe;
  CLOISTER_FIELDS(jwe)
  struct Reply {
    std::vector<std::uint32_t> installed;  // the CEK ids now held
    CLOISTER_FIELDS(installed)
  };
};

// Which keys the enclave holds, and this enclave instance's id (random per
// launch: a client that sees it change knows it must release its keys again).
struct KeyStatus {
  static constexpr std::uint32_t id = kSqlCallIdBase + 2;
  CLOISTER_FIELDS()
  struct Reply {
    std::vector<std::uint32_t> cek_ids;
    Bytes instance_id;
    CLOISTER_FIELDS(cek_ids, instance_id)
  };
};

// Compares two cells of one randomized (or deterministic) column: both are
// decrypted with CEK `cek_id`, and their plaintexts compared as `sql_type`
// (sql_value.h). result is -1, 0 or 1. A missing key is failed_precondition
// ("no key for CEK n"); a cell whose tag does not verify is
// verification_failed, saying which operand (a or b).
struct CompareCells {
  static constexpr std::uint32_t id = kSqlCallIdBase + 3;
  std::uint32_t cek_id = 0;
  std::uint8_t sql_type = 0;
  Bytes a;
  Bytes b;
  CLOISTER_FIELDS(cek_id, sql_type, a, b)
  struct Reply {
    std::int32_t result = 0;
    CLOISTER_FIELDS(result)
  };
};

// value LIKE pattern, both cells under CEK `cek_id` (the client encrypts the
// pattern as a value of the column).
struct LikeCells {
  static constexpr std::uint32_t id = kSqlCallIdBase + 4;
  std::uint32_t cek_id = 0;
  std::uint8_t sql_type = 0;
  Bytes value;
  Bytes pattern;
  CLOISTER_FIELDS(cek_id, sql_type, value, pattern)
  struct Reply {
    bool matches = false;
    CLOISTER_FIELDS(matches)
  };
};

// In-place encryption, re-encryption or decryption of one value of a column
// (ALTER TABLE ... ALTER COLUMN). from_cek_id 0: `value` is plaintext (already
// serialized as sql_type); to_cek_id 0: the reply is the plaintext. Otherwise
// the cell is decrypted with from_cek_id and encrypted with to_cek_id as
// to_encryption (0 deterministic, 1 randomized).
struct TransformCell {
  static constexpr std::uint32_t id = kSqlCallIdBase + 5;
  std::uint32_t from_cek_id = 0;
  std::uint32_t to_cek_id = 0;
  std::uint8_t to_encryption = 1;
  std::uint8_t sql_type = 0;
  Bytes value;
  CLOISTER_FIELDS(from_cek_id, to_cek_id, to_encryption, sql_type, value)
  struct Reply {
    Bytes value;
    CLOISTER_FIELDS(value)
  };
};

}  // namespace cloister::sql

namespace cloister::sql {

// Batched forms, for full scans: the server evaluates a predicate over a
// whole column in a few calls instead of one call per row. signs[i * bounds
// + j] compares cells[i] with bounds[j] (-1, 0, 1); a cell that fails its
// tag or is empty (NULL) gets kBatchCellFailed (and for LIKE, not a match)
// rather than failing the batch, so the server can name its row. A bound or
// the pattern that does not verify fails the whole call (verification_failed
// naming it); so does a missing key (failed_precondition, "no key for CEK
// n"); more bounds or cells than the limits below is invalid_argument.
inline constexpr std::int8_t kBatchCellFailed = 2;
inline constexpr std::size_t kMaxBatchCells = 65536;
inline constexpr std::size_t kMaxBatchBounds = 16;

struct CompareCellsBatch {
  static constexpr std::uint32_t id = kSqlCallIdBase + 6;
  std::uint32_t cek_id = 0;
  std::uint8_t sql_type = 0;
  std::vector<Bytes> bounds;  // 1 to kMaxBatchBounds
  wire::ByteStrings cells;    // at most kMaxBatchCells
  CLOISTER_FIELDS(cek_id, sql_type, bounds, cells)
  struct Reply {
    std::vector<std::int8_t> signs;
    CLOISTER_FIELDS(signs)
  };
};

struct LikeCellsBatch {
  static constexpr std::uint32_t id = kSqlCallIdBase + 7;
  std::uint32_t cek_id = 0;
  std::uint8_t sql_type = 0;
  Bytes pattern;
  wire::ByteStrings cells;
  CLOISTER_FIELDS(cek_id, sql_type, pattern, cells)
  struct Reply {
    std::vector<std::int8_t> matches;  // 1 match, 0 no match, kBatchCellFailed
    CLOISTER_FIELDS(matches)
  };
};

// Whole-column sorts (column_sort.h): the host starts a sort for a column's
// key and type, sends every cell with its row number (rows count from 0 in
// the order the host read them), then takes each row's rank in chunks: equal
// plaintexts share a rank, and a cell that does not open gets kUnranked (the
// host asks about it per row, which names it). The first RankSortedCells
// sorts; later batches are refused. The sort is forgotten once the chunk
// reaching its highest row has been taken. An unknown or evicted sort is
// not_found; more than kMaxBatchCells cells or ranks at once is invalid_argument,
// a row past kMaxSortRows out_of_range.
inline constexpr std::uint32_t kUnranked = 0xffffffffu;
inline constexpr std::uint32_t kMaxSortRows = 1u << 22;
struct StartColumnSort {
  static constexpr std::uint32_t id = kSqlCallIdBase + 8;
  std::uint32_t cek_id = 0;
  std::uint8_t sql_type = 0;
  CLOISTER_FIELDS(cek_id, sql_type)
  struct Reply {
    std::uint64_t sort_id = 0;
    CLOISTER_FIELDS(sort_id)
  };
};

struct SortCellsBatch {
  static constexpr std::uint32_t id = kSqlCallIdBase + 9;
  std::uint64_t sort_id = 0;
  std::uint32_t first_row = 0;  // cells[i] is row first_row + i
  wire::ByteStrings cells;
  CLOISTER_FIELDS(sort_id, first_row, cells)
  struct Reply {
    std::uint32_t sorted = 0;  // cells that opened
    CLOISTER_FIELDS(sorted)
  };
};

struct RankSortedCells {
  static constexpr std::uint32_t id = kSqlCallIdBase + 10;
  std::uint64_t sort_id = 0;
  std::uint32_t first_row = 0;
  std::uint32_t count = 0;  // at most kMaxBatchCells
  CLOISTER_FIELDS(sort_id, first_row, count)
  struct Reply {
    std::vector<std::uint32_t> ranks;  // kUnranked for a row without one
    CLOISTER_FIELDS(ranks)
  };
};

}  // namespace cloister::sql
