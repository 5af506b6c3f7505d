// What the kbs fuzz targets share: a real KeyStore in a temporary data
// directory (tmpfs when there is one: SQLite syncs every audit record),
// removed when the fuzzer exits, and the check that every call leaves
// exactly one audit record, verified against the audit hash chain every
// `check_every` calls.
#pragma once

#include <stdlib.h>

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "kbs/data_dir.h"
#include "kbs/key_store.h"

namespace cloister::fuzz {

class FuzzKeyStore {
 public:
  FuzzKeyStore(const char* target, kbs::KeyStore::Clock clock, std::size_t check_every)
      : target_(target), check_every_(check_every) {
    const std::string base = std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : "/tmp";
    std::string pattern = base + "/" + target_ + "-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) fail("mkdtemp", pattern);
    dir_ = pattern;
    auto store = kbs::KeyStore::open(kbs::data_dir_paths(dir_ + "/kbs"), std::move(clock));
    if (!store.is_ok()) fail("opening the key store", store.status().to_string());
    store_ = std::move(store).value();
  }
  ~FuzzKeyStore() {
    store_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  FuzzKeyStore(const FuzzKeyStore&) = delete;
  FuzzKeyStore& operator=(const FuzzKeyStore&) = delete;

  [[nodiscard]] kbs::KeyStore& store() { return *store_; }
  [[nodiscard]] const std::string& dir() const { return dir_; }

  // The audit rows so far are the fixture's own (key creation).
  void start_counting() { audit_rows_ = rows(); }
  // After each call that must have left one audit record, or have been
  // counted among the `counted` refusals not yet written one by one.
  void audited_once(std::int64_t counted = 0) {
    ++audit_rows_;
    if (++calls_ % check_every_ != 0) return;
    const std::size_t found = rows();
    if (found + static_cast<std::size_t>(counted) != audit_rows_)
      fail("a call without exactly one audit record",
           std::to_string(found) + " rows and " + std::to_string(counted) + " counted refusals, expected " +
               std::to_string(audit_rows_));
  }

 private:
  std::size_t rows() {
    auto verified = store_->verify_audit();
    if (!verified.is_ok()) fail("the audit chain does not verify", verified.status().to_string());
    return static_cast<std::size_t>(verified->rows);
  }
  [[noreturn]] void fail(const std::string& what, const std::string& detail) const {
    std::fprintf(stderr, "%s: %s\n%s\n", target_.c_str(), what.c_str(), detail.c_str());
    std::abort();
  }

  std::string target_;
  std::size_t check_every_;
  std::string dir_;
  std::unique_ptr<kbs::KeyStore> store_;
  std::size_t audit_rows_ = 0;
  std::size_t calls_ = 0;
};

}  // namespace cloister::fuzz
