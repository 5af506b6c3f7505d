// Arithmetic whose control flow and memory addresses do not depend on the
// values it computes: no branch and no table lookup on a value. The training
// kernels (training.h) do their math with these and + - * / only, so that an
// observer of the enclave's branches and memory accesses learns nothing about
// the rows; the ctgrind test runs them under valgrind with the data marked
// secret and fails on any branch or address that depends on it.
//
// min, max, sqrt and comparisons are SSE2 instructions (minsd, maxsd, sqrtsd,
// cmpsd) written as intrinsics, so no optimisation level turns them into
// branches and sqrt sets no errno. exp is computed here: libm's branches on
// its argument's range.
#pragma once

#include <emmintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>

namespace cloister::cleanroom {

inline double oblivious_min(double a, double b) {
  return _mm_cvtsd_f64(_mm_min_sd(_mm_set_sd(a), _mm_set_sd(b)));
}
inline double oblivious_max(double a, double b) {
  return _mm_cvtsd_f64(_mm_max_sd(_mm_set_sd(a), _mm_set_sd(b)));
}
inline double oblivious_clamp(double x, double lo, double hi) {
  return oblivious_min(oblivious_max(x, lo), hi);
}
inline double oblivious_sqrt(double x) {
  const __m128d v = _mm_set_sd(x);
  return _mm_cvtsd_f64(_mm_sqrt_sd(v, v));
}
// 1.0 if a > b, else 0.0, from a comparison mask.
inline double oblivious_greater(double a, double b) {
  const __m128d mask = _mm_cmpgt_sd(_mm_set_sd(a), _mm_set_sd(b));
  return _mm_cvtsd_f64(_mm_and_pd(mask, _mm_set_sd(1.0)));
}

// e^x with a relative error below 1e-12 for x in [-708, 709]; x outside is
// clamped there first (the result then saturates near 0 or near DBL_MAX).
inline double oblivious_exp(double x) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2 = 0.69314718055994530942;
  const double t = oblivious_clamp(x, -708.0, 709.0) * kLog2e;  // in (-1022, 1023)
  // floor(t) by truncating a positive number: cvttsd2si, no branch.
  const auto k = static_cast<std::int64_t>(t + 1024.0) - 1024;
  const double y = (t - static_cast<double>(k)) * kLn2;  // in [0, ln 2)
  // e^y by its Taylor series to y^13/13!, nested: 1 + y(1 + y/2(1 + y/3(...))).
  double p = 1.0;
  for (int n = 13; n >= 1; --n) p = 1.0 + y * p / n;
  // 2^k from its exponent bits: k + 1023 is in [1, 2046], a normal number.
  const double two_k = std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
  return p * two_k;
}

inline double oblivious_sigmoid(double z) {
  return 1.0 / (1.0 + oblivious_exp(-z));
}

inline double oblivious_tanh(double x) {
  return 2.0 * oblivious_sigmoid(2.0 * x) - 1.0;
}

// The same operations from the standard library: what training would use
// without the oblivious requirement (the benchmark's baseline).
struct PlainMath {
  static double exp(double x) { return std::exp(x); }
  static double sqrt(double x) { return std::sqrt(x); }
  static double sigmoid(double z) {
    return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
  }
  static double tanh(double x) { return std::tanh(x); }
};

struct ObliviousMath {
  static double exp(double x) { return oblivious_exp(x); }
  static double sqrt(double x) { return oblivious_sqrt(x); }
  static double sigmoid(double z) { return oblivious_sigmoid(z); }
  static double tanh(double x) { return oblivious_tanh(x); }
};

}  // namespace cloister::cleanroom
