// Runs the training kernels on data valgrind considers secret (undefined),
// for the ctgrind tests in CMakeLists.txt: `oblivious` must run without one
// memcheck report, `plain` (the same kernels on libm) must be reported.
// The data is random; what matters is which code runs, not how well it fits.
#include <valgrind/memcheck.h>

#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "cleanroom/training.h"

namespace {

using namespace cloister::cleanroom;

template <typename Math>
void train_on_secrets(Matrix x, std::vector<double> labels) {
  // Everything derived from these is secret until declassified below.
  VALGRIND_MAKE_MEM_UNDEFINED(x.values.data(), x.values.size() * sizeof(double));
  VALGRIND_MAKE_MEM_UNDEFINED(labels.data(), labels.size() * sizeof(double));
  Matrix copy = x;
  Model logistic =
      train_logistic_regression<Math>(x, labels, {.epochs = 25, .learning_rate = 0.5, .l2 = 1e-3});
  Model mlp =
      train_mlp<Math>(copy, labels, {.hidden = 4, .epochs = 6, .learning_rate = 0.3, .l2 = 1e-4, .seed = 7});
  // The models are the output the parties are meant to receive: declassified.
  for (Model* model : {&logistic, &mlp}) {
    for (auto* values : {&model->mean, &model->inv_std, &model->w1, &model->b1, &model->w2})
      VALGRIND_MAKE_MEM_DEFINED(values->data(), values->size() * sizeof(double));
    VALGRIND_MAKE_MEM_DEFINED(&model->b2, sizeof model->b2);
  }
  std::printf("logistic w[0] %.6f, mlp w2[0] %.6f\n", logistic.w1[0], mlp.w2[0]);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 || (std::strcmp(argv[1], "oblivious") != 0 && std::strcmp(argv[1], "plain") != 0)) {
    std::fprintf(stderr, "usage: cleanroom_ctgrind_check oblivious|plain (under valgrind)\n");
    return 2;
  }
  std::mt19937_64 random(5);
  std::normal_distribution<double> normal;
  Matrix x;
  x.rows = 40;
  x.cols = 5;
  x.values.resize(x.rows * x.cols);
  for (double& v : x.values) v = normal(random);
  x.values[3] = 0.0;  // zeros and a constant column take the same path as any value
  for (std::size_t r = 0; r < x.rows; ++r) x.values[r * x.cols + 4] = 1.0;
  std::vector<double> labels(x.rows);
  for (std::size_t r = 0; r < x.rows; ++r)
    labels[r] = x.values[r * x.cols] + 0.5 * normal(random) > 0 ? 1.0 : 0.0;
  if (std::strcmp(argv[1], "oblivious") == 0) {
    train_on_secrets<ObliviousMath>(std::move(x), std::move(labels));
  } else {
    train_on_secrets<PlainMath>(std::move(x), std::move(labels));
  }
  return 0;
}
