// Order-preserving keys for plaintexts, so the enclave can sort a whole
// column with plain byte comparisons instead of decoding two values for
// every comparison (column_sort.h). Two plaintexts of a type compare
// (compare_plaintext) as their keys compare as byte strings: memcmp over the
// common length, then the shorter first.
//
//   INT, BIGINT  8 bytes, big-endian, sign bit flipped
//   FLOAT        8 bytes, big-endian: the sign bit flipped for positives, all
//                bits for negatives (IEEE 754 order); -0.0 is written as 0.0
//   VARCHAR, VARBINARY  the bytes themselves
//   NVARCHAR     UTF-8 (whose byte order is code point order)
#pragma once

#include <cstddef>
#include <span>

#include "cloister/bytes.h"
#include "cloister/result.h"
#include "sql/sql_value.h"

namespace cloister::sql {

// The most bytes write_sort_key writes for a plaintext of `plaintext_size`.
std::size_t sort_key_capacity(SqlType type, std::size_t plaintext_size);

// Writes the key of `plaintext` into `out` (at least sort_key_capacity
// bytes) and returns its length. A plaintext that is not a value of the type
// gets decode_error, as compare_plaintext would.
Result<std::size_t> write_sort_key(SqlType type, ByteView plaintext, std::span<std::uint8_t> out);

}  // namespace cloister::sql
