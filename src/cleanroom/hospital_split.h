// The two-hospital scenario on wdbc, fixed by a seed: a stratified 30%
// held-out test set, then the remaining patients split between a screening
// clinic (hospital A: most of the benign biopsies and only a few malignant
// ones) and a referral centre (hospital B: the rest, mostly malignant). A
// model trained on A alone has seen almost no cancer; A and B together have.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cleanroom/labelled_csv.h"

namespace cloister::cleanroom {

struct HospitalSplit {
  LabelledRows hospital_a;
  LabelledRows hospital_b;
  LabelledRows test;
};

inline constexpr std::uint64_t kTestSetSeed = 2026;  // which patients are held out: fixed for every draw
inline constexpr std::uint64_t kSplitSeed = 9;       // the demo's draw: A alone near the mean of 20 draws
inline constexpr std::size_t kClinicMalignant = 3;   // malignant biopsies at the screening clinic
inline constexpr double kClinicBenignShare = 0.8;    // its share of the benign ones

// `draw` picks which patients go to A; the held-out set is the same for every draw.
HospitalSplit split_hospitals(const LabelledRows& all, std::uint64_t draw);

// "203 patients, 3 malignant"
std::string describe_patients(const LabelledRows& rows);

// Accuracy on `test` of logistic regression (default parameters) trained on `train`.
double held_out_accuracy(const LabelledRows& train, const LabelledRows& test);

// Held-out accuracy of logistic regression (default parameters) trained on
// A alone, B alone and A+B together, in the clear: what the clean room
// should reproduce, and (averaged) how typical a draw is.
struct SplitAccuracy {
  double a_alone = 0;
  double b_alone = 0;
  double together = 0;
};
SplitAccuracy split_accuracy(const HospitalSplit& split);
// The mean over draws 0..draws-1; `progress` is called after each draw.
SplitAccuracy mean_split_accuracy(const LabelledRows& all, int draws,
                                  const std::function<void(int done)>& progress = {});

}  // namespace cloister::cleanroom
