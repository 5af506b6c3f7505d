// The shared DCAP test vectors (read in place from CLOISTER_TEST_VECTORS):
// collateral bundles, and the TcbFacts each quote contributes, built from
// expected.json and the quote bytes while the quote parser lands separately.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "cloister/result.h"
#include "dcap/collateral.h"
#include "dcap/tcb_facts.h"

namespace cloister::dcap::testing {

std::string vector_path(const std::string& relative);
bool have_vectors();
Result<std::string> read_vector(const std::string& relative);

struct Vector {
  TcbFacts facts;
  Collateral collateral;
  nlohmann::json expected;       // expected.json's entry for the quote
  std::int64_t issue_date = 0;   // the TCB info's
  std::int64_t next_update = 0;  // the TCB info's
};

// `quote` is the path under attestation/, e.g. "sgx/phala/sgx_quote"; its
// collateral is "<quote>_collateral.json".
Result<Vector> load_vector(const std::string& quote);

// Facts for one quote (built from expected.json and the quote bytes).
Result<TcbFacts> load_facts(const std::string& quote);

constexpr std::int64_t kDay = 24 * 3600;

}  // namespace cloister::dcap::testing

// Skips the test when the shared vectors are not on this machine.
#define CLOISTER_REQUIRE_VECTORS()                                                            \
  do {                                                                                        \
    if (!::cloister::dcap::testing::have_vectors()) GTEST_SKIP() << "no shared test vectors"; \
  } while (false)
