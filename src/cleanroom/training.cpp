#include "cleanroom/training.h"

#include <cmath>

namespace cloister::cleanroom {
namespace {

// splitmix64: the perceptron's initial weights, from the contract's seed.
class WeightInit {
 public:
  explicit WeightInit(std::uint64_t seed) : state_(seed) {}
  // Uniform in [-scale, scale).
  double next(double scale) {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (static_cast<double>(z >> 11) / 9007199254740992.0 * 2.0 - 1.0) * scale;
  }

 private:
  std::uint64_t state_;
};

}  // namespace

template <typename Math>
void standardize(Matrix& x, std::vector<double>& mean, std::vector<double>& inv_std) {
  const double n = static_cast<double>(x.rows);
  mean.assign(x.cols, 0.0);
  inv_std.assign(x.cols, 0.0);
  for (std::size_t r = 0; r < x.rows; ++r) {
    const double* row = x.row(r);
    for (std::size_t c = 0; c < x.cols; ++c) mean[c] += row[c];
  }
  for (std::size_t c = 0; c < x.cols; ++c) mean[c] /= n;
  std::vector<double> variance(x.cols, 0.0);
  for (std::size_t r = 0; r < x.rows; ++r) {
    const double* row = x.row(r);
    for (std::size_t c = 0; c < x.cols; ++c) {
      const double d = row[c] - mean[c];
      variance[c] += d * d;
    }
  }
  // A constant column gets a large but finite scale instead of a division by zero.
  for (std::size_t c = 0; c < x.cols; ++c) inv_std[c] = 1.0 / Math::sqrt(variance[c] / n + 1e-12);
  for (std::size_t r = 0; r < x.rows; ++r) {
    double* row = x.row(r);
    for (std::size_t c = 0; c < x.cols; ++c) row[c] = (row[c] - mean[c]) * inv_std[c];
  }
}

template <typename Math>
Model train_logistic_regression(Matrix& x, std::span<const double> labels,
                                const LogisticRegressionParams& params) {
  Model model;
  model.algorithm = "logistic_regression";
  model.inputs = x.cols;
  standardize<Math>(x, model.mean, model.inv_std);
  const std::size_t d = x.cols;
  const double n = static_cast<double>(x.rows);
  std::vector<double> w(d, 0.0);
  std::vector<double> gradient(d);
  double b = 0.0;
  for (int epoch = 0; epoch < params.epochs; ++epoch) {
    std::fill(gradient.begin(), gradient.end(), 0.0);
    double gradient_b = 0.0;
    for (std::size_t r = 0; r < x.rows; ++r) {
      const double* row = x.row(r);
      double z = b;
      for (std::size_t c = 0; c < d; ++c) z += w[c] * row[c];
      const double error = Math::sigmoid(z) - labels[r];
      for (std::size_t c = 0; c < d; ++c) gradient[c] += error * row[c];
      gradient_b += error;
    }
    for (std::size_t c = 0; c < d; ++c) w[c] -= params.learning_rate * (gradient[c] / n + params.l2 * w[c]);
    b -= params.learning_rate * gradient_b / n;
  }
  model.w1 = std::move(w);
  model.b1 = {b};
  return model;
}

template <typename Math>
Model train_mlp(Matrix& x, std::span<const double> labels, const MlpParams& params) {
  Model model;
  model.algorithm = "mlp";
  model.inputs = x.cols;
  model.hidden = static_cast<std::size_t>(params.hidden);
  standardize<Math>(x, model.mean, model.inv_std);
  const std::size_t d = x.cols;
  const std::size_t h = model.hidden;
  const double n = static_cast<double>(x.rows);
  WeightInit init(params.seed);
  std::vector<double> w1(h * d);
  for (double& v : w1) v = init.next(1.0 / std::sqrt(static_cast<double>(d)));
  std::vector<double> b1(h, 0.0);
  std::vector<double> w2(h);
  for (double& v : w2) v = init.next(1.0 / std::sqrt(static_cast<double>(h)));
  double b2 = 0.0;

  std::vector<double> g1(h * d);
  std::vector<double> gb1(h);
  std::vector<double> g2(h);
  std::vector<double> hidden(h);
  for (int epoch = 0; epoch < params.epochs; ++epoch) {
    std::fill(g1.begin(), g1.end(), 0.0);
    std::fill(gb1.begin(), gb1.end(), 0.0);
    std::fill(g2.begin(), g2.end(), 0.0);
    double gb2 = 0.0;
    for (std::size_t r = 0; r < x.rows; ++r) {
      const double* row = x.row(r);
      double z = b2;
      for (std::size_t k = 0; k < h; ++k) {
        double a = b1[k];
        const double* weights = w1.data() + k * d;
        for (std::size_t c = 0; c < d; ++c) a += weights[c] * row[c];
        hidden[k] = Math::tanh(a);
        z += w2[k] * hidden[k];
      }
      const double error = Math::sigmoid(z) - labels[r];
      gb2 += error;
      for (std::size_t k = 0; k < h; ++k) {
        g2[k] += error * hidden[k];
        const double back = error * w2[k] * (1.0 - hidden[k] * hidden[k]);
        gb1[k] += back;
        double* gradient = g1.data() + k * d;
        for (std::size_t c = 0; c < d; ++c) gradient[c] += back * row[c];
      }
    }
    const double rate = params.learning_rate;
    for (std::size_t i = 0; i < h * d; ++i) w1[i] -= rate * (g1[i] / n + params.l2 * w1[i]);
    for (std::size_t k = 0; k < h; ++k) {
      b1[k] -= rate * gb1[k] / n;
      w2[k] -= rate * (g2[k] / n + params.l2 * w2[k]);
    }
    b2 -= rate * gb2 / n;
  }
  model.w1 = std::move(w1);
  model.b1 = std::move(b1);
  model.w2 = std::move(w2);
  model.b2 = b2;
  return model;
}

double Model::probability(std::span<const double> features) const {
  std::vector<double> x(inputs);
  for (std::size_t c = 0; c < inputs && c < features.size(); ++c) x[c] = (features[c] - mean[c]) * inv_std[c];
  if (hidden == 0) {
    double z = b1.empty() ? 0.0 : b1[0];
    for (std::size_t c = 0; c < inputs; ++c) z += w1[c] * x[c];
    return oblivious_sigmoid(z);
  }
  double z = b2;
  for (std::size_t k = 0; k < hidden; ++k) {
    double a = b1[k];
    for (std::size_t c = 0; c < inputs; ++c) a += w1[k * inputs + c] * x[c];
    z += w2[k] * oblivious_tanh(a);
  }
  return oblivious_sigmoid(z);
}

template void standardize<ObliviousMath>(Matrix&, std::vector<double>&, std::vector<double>&);
template void standardize<PlainMath>(Matrix&, std::vector<double>&, std::vector<double>&);
template Model train_logistic_regression<ObliviousMath>(Matrix&, std::span<const double>,
                                                        const LogisticRegressionParams&);
template Model train_logistic_regression<PlainMath>(Matrix&, std::span<const double>,
                                                    const LogisticRegressionParams&);
template Model train_mlp<ObliviousMath>(Matrix&, std::span<const double>, const MlpParams&);
template Model train_mlp<PlainMath>(Matrix&, std::span<const double>, const MlpParams&);

}  // namespace cloister::cleanroom
