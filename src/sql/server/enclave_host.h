// The SQL server's enclave: launched from a signed image, asked to compare,
// match and transform cells, and relaunched if it dies (the keys it held die
// with it; clients notice the new instance id and release them again).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cloister/host.h"
#include "sql/enclave_calls.h"
#include "sql/sql_value.h"

namespace cloister::sql {

class EnclaveHost {
 public:
  static Result<std::unique_ptr<EnclaveHost>> launch(std::string image_path, EnclaveOptions options);

  Result<int> compare(std::uint32_t cek_id, SqlType type, ByteView a, ByteView b);
  Result<bool> like(std::uint32_t cek_id, SqlType type, ByteView value, ByteView pattern);
  Result<Bytes> transform(const TransformCell& request);
  Result<std::vector<std::int8_t>> compare_batch(const CompareCellsBatch& request);
  Result<std::vector<std::int8_t>> like_batch(const LikeCellsBatch& request);
  // A whole-column sort (enclave_calls.h, StartColumnSort).
  Result<std::uint64_t> start_sort(std::uint32_t cek_id, SqlType type);
  Result<std::uint32_t> sort_batch(const SortCellsBatch& request);
  Result<std::vector<std::uint32_t>> sorted_ranks(std::uint64_t sort_id, std::uint32_t first_row,
                                                  std::uint32_t count);
  Result<std::vector<std::uint32_t>> install_keys(const std::string& jwe);
  Result<KeyStatus::Reply> key_status();
  Result<RuntimeEvidence> evidence(ByteView nonce);

  [[nodiscard]] EnclaveIdentity identity();
  [[nodiscard]] bool development_platform();
  [[nodiscard]] int pid();
  // How many times the enclave was relaunched after dying.
  [[nodiscard]] int relaunches() const { return relaunches_; }

 private:
  EnclaveHost(std::string image_path, EnclaveOptions options, Enclave enclave);

  // Runs `call` on the current enclave; if the enclave died, relaunches it
  // once and reports the failure (the caller's keys are gone with it).
  template <typename Call>
  Result<typename Call::Reply> call(const Call& request);
  Status relaunch_if_dead(const Status& failure);

  std::string image_path_;
  EnclaveOptions options_;
  std::shared_mutex mutex_;  // shared for calls, exclusive to relaunch
  std::unique_ptr<Enclave> enclave_;
  int relaunches_ = 0;
};

}  // namespace cloister::sql
