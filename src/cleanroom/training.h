// The clean room's training kernels: standardisation, L2-regularised
// logistic regression and a one-hidden-layer perceptron, trained by
// full-batch gradient descent for a fixed number of epochs. They are
// data-oblivious when instantiated with ObliviousMath (oblivious_math.h):
// every loop runs a count fixed by the shapes and parameters, every memory
// access is at an address fixed by the loop indices, and the arithmetic has
// no branch on a value; the ctgrind test checks exactly this. With PlainMath
// the same code uses libm, for the benchmark's comparison.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "cleanroom/oblivious_math.h"

namespace cloister::cleanroom {

// Rows of features, row-major.
struct Matrix {
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<double> values;
  [[nodiscard]] const double* row(std::size_t r) const { return values.data() + r * cols; }
  [[nodiscard]] double* row(std::size_t r) { return values.data() + r * cols; }
};

struct LogisticRegressionParams {
  int epochs = 1000;
  double learning_rate = 0.5;
  double l2 = 1e-3;
};

struct MlpParams {
  int hidden = 16;
  int epochs = 1500;
  double learning_rate = 0.3;
  double l2 = 1e-4;
  std::uint64_t seed = 1;  // the initial weights (not data)
};

// A trained model: the standardisation it was trained with, then either
// logistic regression (hidden == 0: w1 holds one weight per input, b1 one
// bias) or a perceptron (w1: hidden x inputs, b1: hidden, w2: hidden, b2).
struct Model {
  std::string algorithm;  // "logistic_regression" or "mlp"
  std::size_t inputs = 0;
  std::size_t hidden = 0;
  std::vector<double> mean;
  std::vector<double> inv_std;
  std::vector<double> w1;
  std::vector<double> b1;
  std::vector<double> w2;
  double b2 = 0;

  // P(label = 1) for one row of raw (unstandardised) features.
  [[nodiscard]] double probability(std::span<const double> features) const;
};

// Fits the per-column mean and 1/stddev on `x` and standardises `x` in place.
template <typename Math>
void standardize(Matrix& x, std::vector<double>& mean, std::vector<double>& inv_std);

// `labels` are 0.0 or 1.0, one per row of `x`. `x` is standardised in place.
template <typename Math>
Model train_logistic_regression(Matrix& x, std::span<const double> labels,
                                const LogisticRegressionParams& params);
template <typename Math>
Model train_mlp(Matrix& x, std::span<const double> labels, const MlpParams& params);

}  // namespace cloister::cleanroom
