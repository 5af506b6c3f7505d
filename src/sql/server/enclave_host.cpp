#include "sql/server/enclave_host.h"

#include "common/log.h"

namespace cloister::sql {

Result<std::unique_ptr<EnclaveHost>> EnclaveHost::launch(std::string image_path, EnclaveOptions options) {
  auto enclave = Enclave::create(image_path, options);
  if (!enclave.is_ok()) {
    return enclave.status().with_context("launching the SQL enclave " + image_path);
  }
  return std::unique_ptr<EnclaveHost>(
      new EnclaveHost(std::move(image_path), std::move(options), std::move(*enclave)));
}

EnclaveHost::EnclaveHost(std::string image_path, EnclaveOptions options, Enclave enclave)
    : image_path_(std::move(image_path)),
      options_(std::move(options)),
      enclave_(std::make_unique<Enclave>(std::move(enclave))) {}

template <typename Call>
Result<typename Call::Reply> EnclaveHost::call(const Call& request) {
  Status failure;
  {
    std::shared_lock lock(mutex_);
    auto reply = enclave_->call(request);
    if (reply.is_ok() || reply.status().code() != ErrorCode::enclave_terminated) return reply;
    failure = reply.status();
  }
  return relaunch_if_dead(failure);
}

Status EnclaveHost::relaunch_if_dead(const Status& failure) {
  std::unique_lock lock(mutex_);
  // Another caller may have relaunched it already; a ping tells.
  if (enclave_->call(KeyStatus{}).is_ok()) return failure;
  auto fresh = Enclave::create(image_path_, options_);
  if (!fresh.is_ok()) {
    spdlog::error("the SQL enclave died and could not be relaunched: {}", fresh.status().to_string());
    return fresh.status().with_context("relaunching the SQL enclave");
  }
  enclave_ = std::make_unique<Enclave>(std::move(*fresh));
  ++relaunches_;
  spdlog::warn("the SQL enclave died ({}); relaunched as pid {}; clients must release their keys again",
               failure.message(), enclave_->pid());
  return Status(ErrorCode::enclave_terminated,
                "the enclave was restarted and holds no keys yet: " + failure.message());
}

Result<int> EnclaveHost::compare(std::uint32_t cek_id, SqlType type, ByteView a, ByteView b) {
  CompareCells request{.cek_id = cek_id,
                       .sql_type = static_cast<std::uint8_t>(type),
                       .a = Bytes(a.begin(), a.end()),
                       .b = Bytes(b.begin(), b.end())};
  CLOISTER_ASSIGN_OR_RETURN(auto reply, call(request));
  return reply.result;
}

Result<bool> EnclaveHost::like(std::uint32_t cek_id, SqlType type, ByteView value, ByteView pattern) {
  LikeCells request{.cek_id = cek_id,
                    .sql_type = static_cast<std::uint8_t>(type),
                    .value = Bytes(value.begin(), value.end()),
                    .pattern = Bytes(pattern.begin(), pattern.end())};
  CLOISTER_ASSIGN_OR_RETURN(auto reply, call(request));
  return reply.matches;
}

Result<Bytes> EnclaveHost::transform(const TransformCell& request) {
  CLOISTER_ASSIGN_OR_RETURN(auto reply, call(request));
  return std::move(reply.value);
}

Result<std::vector<std::int8_t>> EnclaveHost::compare_batch(const CompareCellsBatch& request) {
  CLOISTER_ASSIGN_OR_RETURN(auto reply, call(request));
  return std::move(reply.signs);
}

Result<std::vector<std::int8_t>> EnclaveHost::like_batch(const LikeCellsBatch& request) {
  CLOISTER_ASSIGN_OR_RETURN(auto reply, call(request));
  return std::move(reply.matches);
}

Result<std::uint64_t> EnclaveHost::start_sort(std::uint32_t cek_id, SqlType type) {
  CLOISTER_ASSIGN_OR_RETURN(
      auto reply, call(StartColumnSort{.cek_id = cek_id, .sql_type = static_cast<std::uint8_t>(type)}));
  return reply.sort_id;
}

Result<std::uint32_t> EnclaveHost::sort_batch(const SortCellsBatch& request) {
  CLOISTER_ASSIGN_OR_RETURN(auto reply, call(request));
  return reply.sorted;
}

Result<std::vector<std::uint32_t>> EnclaveHost::sorted_ranks(std::uint64_t sort_id, std::uint32_t first_row,
                                                             std::uint32_t count) {
  CLOISTER_ASSIGN_OR_RETURN(
      auto reply, call(RankSortedCells{.sort_id = sort_id, .first_row = first_row, .count = count}));
  if (reply.ranks.size() != count)
    return Status(ErrorCode::internal, "the enclave answered ranks of another size");
  return std::move(reply.ranks);
}

Result<std::vector<std::uint32_t>> EnclaveHost::install_keys(const std::string& jwe) {
  CLOISTER_ASSIGN_OR_RETURN(auto reply, call(InstallKeys{jwe}));
  return std::move(reply.installed);
}

Result<KeyStatus::Reply> EnclaveHost::key_status() {
  return call(KeyStatus{});
}

Result<RuntimeEvidence> EnclaveHost::evidence(ByteView nonce) {
  return call(RuntimeEvidenceRequest{.nonce = Bytes(nonce.begin(), nonce.end())});
}

EnclaveIdentity EnclaveHost::identity() {
  std::shared_lock lock(mutex_);
  return enclave_->identity();
}

bool EnclaveHost::development_platform() {
  std::shared_lock lock(mutex_);
  return enclave_->development_platform();
}

int EnclaveHost::pid() {
  std::shared_lock lock(mutex_);
  return enclave_->pid();
}

}  // namespace cloister::sql
