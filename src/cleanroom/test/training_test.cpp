#include "cleanroom/training.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <random>
#include <sstream>

#include "cleanroom/labelled_csv.h"

namespace cloister::cleanroom {
namespace {

LabelledRows wdbc(Schema& schema) {
  std::ifstream in(std::string(CLOISTER_DATA_DIR) + "/wdbc.csv");
  std::stringstream text;
  text << in.rdbuf();
  schema = schema_from_header(text.str(), "diagnosis", "M", "B");
  auto rows = parse_labelled_csv(text.str(), schema);
  EXPECT_TRUE(rows.is_ok()) << rows.status().to_string();
  return rows.is_ok() ? std::move(rows).value() : LabelledRows{};
}

// A fixed 70/30 split of wdbc.
struct Split {
  LabelledRows train;
  LabelledRows test;
};
Split split(const LabelledRows& all) {
  std::vector<std::size_t> order(all.features.rows);
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 random(42);
  std::shuffle(order.begin(), order.end(), random);
  Split out;
  const std::size_t test_rows = all.features.rows * 3 / 10;
  for (std::size_t i = 0; i < order.size(); ++i) {
    LabelledRows& to = i < test_rows ? out.test : out.train;
    const double* row = all.features.row(order[i]);
    to.features.values.insert(to.features.values.end(), row, row + all.features.cols);
    to.labels.push_back(all.labels[order[i]]);
  }
  for (LabelledRows* part : {&out.train, &out.test}) {
    part->features.cols = all.features.cols;
    part->features.rows = part->labels.size();
  }
  return out;
}

double accuracy(const Model& model, const LabelledRows& rows) {
  std::size_t right = 0;
  for (std::size_t r = 0; r < rows.features.rows; ++r) {
    const double p = model.probability({rows.features.row(r), rows.features.cols});
    right += (p >= 0.5) == (rows.labels[r] == 1.0) ? 1 : 0;
  }
  return static_cast<double>(right) / static_cast<double>(rows.features.rows);
}

TEST(ObliviousMath, ExpSigmoidAndTanhMatchLibm) {
  double worst = 0;
  for (double x = -700; x <= 700; x += 0.173)
    worst = std::max(worst, std::abs(oblivious_exp(x) / std::exp(x) - 1));
  EXPECT_LT(worst, 1e-12);
  EXPECT_GT(oblivious_exp(-1e6), 0.0);  // clamped, not zero or NaN
  EXPECT_TRUE(std::isfinite(oblivious_exp(1e6)));
  for (double z = -40; z <= 40; z += 0.25) {
    EXPECT_NEAR(oblivious_sigmoid(z), 1 / (1 + std::exp(-z)), 1e-12) << z;
    EXPECT_NEAR(oblivious_tanh(z), std::tanh(z), 1e-12) << z;
  }
  EXPECT_EQ(oblivious_max(-1, 2), 2);
  EXPECT_EQ(oblivious_min(-1, 2), -1);
  EXPECT_EQ(oblivious_greater(3, 2), 1.0);
  EXPECT_EQ(oblivious_greater(2, 3), 0.0);
  EXPECT_EQ(oblivious_sqrt(81), 9);
}

TEST(Training, LogisticRegressionLearnsTheDiagnosisAsLibmWould) {
  Schema schema;
  const LabelledRows all = wdbc(schema);
  ASSERT_EQ(all.features.rows, 569u);
  ASSERT_EQ(all.features.cols, 30u);
  const Split parts = split(all);
  Matrix oblivious_x = parts.train.features;
  Matrix plain_x = parts.train.features;
  const Model oblivious = train_logistic_regression<ObliviousMath>(oblivious_x, parts.train.labels, {});
  const Model plain = train_logistic_regression<PlainMath>(plain_x, parts.train.labels, {});
  EXPECT_GE(accuracy(oblivious, parts.test), 0.95);
  ASSERT_EQ(oblivious.w1.size(), 30u);
  for (std::size_t c = 0; c < oblivious.w1.size(); ++c) EXPECT_NEAR(oblivious.w1[c], plain.w1[c], 1e-8);
  EXPECT_EQ(accuracy(oblivious, parts.test), accuracy(plain, parts.test));
}

TEST(Training, ThePerceptronLearnsTheDiagnosis) {
  Schema schema;
  const Split parts = split(wdbc(schema));
  Matrix x = parts.train.features;
  const Model model = train_mlp<ObliviousMath>(x, parts.train.labels, {.hidden = 8, .epochs = 300});
  EXPECT_EQ(model.w1.size(), 8u * 30u);
  EXPECT_GE(accuracy(model, parts.test), 0.95);
}

TEST(Training, AConstantColumnStaysFinite) {
  Matrix x{.rows = 4, .cols = 2, .values = {1, 5, 2, 5, 3, 5, 4, 5}};
  const std::vector<double> labels{0, 0, 1, 1};
  const Model model = train_logistic_regression<ObliviousMath>(x, labels, {.epochs = 50});
  for (double w : model.w1) EXPECT_TRUE(std::isfinite(w));
  EXPECT_LT(model.probability(std::vector<double>{1, 5}), 0.5);
  EXPECT_GT(model.probability(std::vector<double>{4, 5}), 0.5);
}

TEST(LabelledCsv, ChecksTheSchemaNamingRowAndColumn) {
  const Schema schema{.features = {"a", "b"}, .label = "y", .positive = "M", .negative = "B"};
  auto rows = parse_labelled_csv("b,y,a\r\n2,M,1\n\n4.5e1,B,-3\n", schema);
  ASSERT_TRUE(rows.is_ok()) << rows.status().to_string();
  EXPECT_EQ(rows->features.values, (std::vector<double>{1, 2, -3, 45}));
  EXPECT_EQ(rows->labels, (std::vector<double>{1, 0}));
  auto again = parse_labelled_csv(to_labelled_csv(*rows, schema), schema);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->features.values, rows->features.values);

  const auto error = [&](std::string_view csv) { return parse_labelled_csv(csv, schema).status().message(); };
  EXPECT_EQ(error("a,b,y\n1,2,M\n1,x,B\n"), "row 2 (line 3), column b: 'x' is not a number");
  EXPECT_EQ(error("a,b,y\n1,2,M\n1,2,Q\n"), "row 2 (line 3), column y: 'Q' is neither M nor B");
  EXPECT_EQ(error("a,b,y\n1,2\n"), "row 1 (line 2) has 2 fields, the header 3");
  EXPECT_EQ(error("a,y\n1,M\n"), "the header has no column b (the schema's features: 2 columns)");
  EXPECT_EQ(error("a,b,y,ssn\n1,2,M,123\n"),
            "column 'ssn' is not in the schema: remove it before encrypting");
  EXPECT_EQ(error("a,b,y\n1,inf,M\n"), "row 1 (line 2), column b: 'inf' is not a number");
  EXPECT_EQ(error(""), "the CSV is empty: a header row is expected");
  EXPECT_EQ(error("a,b,y\n"), "the CSV has a header but no rows");
  EXPECT_EQ(error("a,a,b,y\n"), "the header names column 'a' twice");
}

}  // namespace
}  // namespace cloister::cleanroom
