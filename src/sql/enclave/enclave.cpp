// The SQL server's enclave (enclave_calls.h): holds the column encryption keys
// clients release to it, and compares, matches and transforms cells for the
// host without ever giving it a key. Every comparison is one ecall, so the
// decryption keys are prepared once (cell_decryptor.h) and decrypted cells
// are cached (plaintext_cache.h). The batched calls (full scans) decrypt each
// bound once per call and the cells straight into a reused buffer, without
// the cache: storing costs more than decrypting, a scan would evict what sorts
// and indexes reuse, and even a lookup that misses (hashing the cell, a lock,
// a walk through a large table) costs a scan as much as the decryption.
#include "cloister/enclave.h"

#include <algorithm>
#include <mutex>
#include <span>

#include "crypto/rng.h"
#include "sql/enclave/column_sort.h"
#include "sql/enclave/key_table.h"
#include "sql/enclave/plaintext_cache.h"
#include "sql/enclave_calls.h"
#include "sql/key_release.h"
#include "sql/sort_key.h"
#include "sql/sql_value.h"

namespace {

using namespace cloister;
using namespace cloister::sql;

KeyTable& keys() {
  static KeyTable table;
  return table;
}

PlaintextCache& cache() {
  static PlaintextCache plaintexts;
  return plaintexts;
}

ColumnSorts& sorts() {
  static ColumnSorts in_progress;
  return in_progress;
}

// Random per launch: a client that sees it change releases its keys again.
const Bytes& instance_id() {
  static const Bytes id = [] {
    Result<Bytes> random = crypto::random_bytes(16);
    return random.is_ok() ? std::move(random).value() : Bytes{};
  }();
  return id;
}

Result<SqlType> column_type(std::uint8_t code) {
  if (code < static_cast<std::uint8_t>(SqlType::int32) ||
      code > static_cast<std::uint8_t>(SqlType::varbinary)) {
    return error(ErrorCode::invalid_argument, "unknown sql_type " + std::to_string(code));
  }
  return static_cast<SqlType>(code);
}

Result<HeldKey> key_for(std::uint32_t cek_id) {
  HeldKey held = keys().find(cek_id);
  if (held.key == nullptr) {
    return error(ErrorCode::failed_precondition, "no key for CEK " + std::to_string(cek_id) +
                                                     ": a client must release it to this enclave first");
  }
  return held;
}

// The plaintext of `cell` under `held`, from the cache or decrypted (and then
// cached: the tag has verified).
Result<PlaintextCache::Plaintext> open_cell(const HeldKey& held, std::uint32_t cek_id, ByteView cell,
                                            const char* operand) {
  if (auto cached = cache().find(held.generation, cell)) return cached;
  Result<SecretBytes> plaintext = held.key->decrypt(cell);
  if (!plaintext.is_ok()) {
    return plaintext.status().with_context(std::string("cell ") + operand + " under CEK " +
                                           std::to_string(cek_id));
  }
  auto shared = std::make_shared<const SecretBytes>(std::move(plaintext).value());
  cache().insert(held.generation, cell, shared);
  return shared;
}

Result<InstallKeys::Reply> install_keys(const InstallKeys& request) {
  const crypto::PrivateKey& instance_key = enclave::instance_key();
  if (!instance_key.valid()) return error(ErrorCode::internal, "the enclave has no instance key");
  CLOISTER_ASSIGN_OR_RETURN(KeyRelease release, open_key_release(request.jwe, instance_key));
  std::vector<KeyToInstall> prepared;
  prepared.reserve(release.keys.size());
  for (const ReleasedKey& key : release.keys) {
    Result<CellDecryptor> decryptor = CellDecryptor::create(key.key);
    if (!decryptor.is_ok()) return decryptor.status().with_context("CEK " + std::to_string(key.cek_id));
    prepared.push_back({key.cek_id, std::move(decryptor).value(), key.allow_decryption_to_host});
  }
  InstallKeys::Reply reply;
  reply.installed = keys().install(release.database_id, std::move(prepared));
  // Plaintexts cached under replaced keys can no longer be found (the cache is
  // keyed by key generation); clearing wipes them now rather than on eviction.
  cache().clear();
  return reply;
}

Result<KeyStatus::Reply> key_status(const KeyStatus& /*request*/) {
  KeyStatus::Reply reply;
  reply.cek_ids = keys().ids();
  reply.instance_id = instance_id();
  return reply;
}

Result<CompareCells::Reply> compare_cells(const CompareCells& request) {
  CLOISTER_ASSIGN_OR_RETURN(SqlType type, column_type(request.sql_type));
  CLOISTER_ASSIGN_OR_RETURN(HeldKey held, key_for(request.cek_id));
  CLOISTER_ASSIGN_OR_RETURN(auto a, open_cell(held, request.cek_id, request.a, "a"));
  CLOISTER_ASSIGN_OR_RETURN(auto b, open_cell(held, request.cek_id, request.b, "b"));
  CLOISTER_ASSIGN_OR_RETURN(int result, compare_plaintext(type, a->view(), b->view()));
  return CompareCells::Reply{.result = result};
}

Result<LikeCells::Reply> like_cells(const LikeCells& request) {
  CLOISTER_ASSIGN_OR_RETURN(SqlType type, column_type(request.sql_type));
  CLOISTER_ASSIGN_OR_RETURN(HeldKey held, key_for(request.cek_id));
  CLOISTER_ASSIGN_OR_RETURN(auto value, open_cell(held, request.cek_id, request.value, "value"));
  CLOISTER_ASSIGN_OR_RETURN(auto pattern, open_cell(held, request.cek_id, request.pattern, "pattern"));
  CLOISTER_ASSIGN_OR_RETURN(bool matches, like_plaintext(type, value->view(), pattern->view()));
  return LikeCells::Reply{.matches = matches};
}

Result<TransformCell::Reply> transform_cell(const TransformCell& request) {
  CLOISTER_ASSIGN_OR_RETURN(SqlType type, column_type(request.sql_type));
  if (request.from_cek_id == 0 && request.to_cek_id == 0) {
    return error(ErrorCode::invalid_argument, "TransformCell from plaintext to plaintext does nothing");
  }
  if (request.to_cek_id != 0 && request.to_encryption > 1) {
    return error(ErrorCode::invalid_argument, "to_encryption is 0 (deterministic) or 1 (randomized), not " +
                                                  std::to_string(request.to_encryption));
  }
  PlaintextCache::Plaintext plaintext;
  if (request.from_cek_id == 0) {
    plaintext = std::make_shared<const SecretBytes>(ByteView(request.value));
  } else {
    CLOISTER_ASSIGN_OR_RETURN(HeldKey from, key_for(request.from_cek_id));
    // Plaintext for the host only from a key its client released for that:
    // otherwise a compromised host could decrypt any cell of any key.
    if (request.to_cek_id == 0 && !from.allow_decryption_to_host) {
      return error(ErrorCode::permission_denied,
                   "CEK " + std::to_string(request.from_cek_id) +
                       " was not released with decryption to the host allowed: the client must release "
                       "it with \"allow_decryption_to_host\" to decrypt a column (ALTER COLUMN ... to "
                       "plaintext)");
    }
    CLOISTER_ASSIGN_OR_RETURN(plaintext, open_cell(from, request.from_cek_id, request.value, "value"));
  }
  // Only well-formed values of the column's type are (re-)encrypted.
  Result<SqlValue> value = deserialize_plaintext(type, plaintext->view());
  if (!value.is_ok())
    return value.status().with_context("the value is not a " + std::string(to_string(type)));
  if (auto* text = std::get_if<std::string>(&*value)) secure_wipe(text->data(), text->size());
  if (auto* bytes = std::get_if<Bytes>(&*value)) secure_wipe(bytes->data(), bytes->size());

  TransformCell::Reply reply;
  if (request.to_cek_id == 0) {
    const ByteView view = plaintext->view();
    reply.value.assign(view.begin(), view.end());
    return reply;
  }
  CLOISTER_ASSIGN_OR_RETURN(HeldKey to, key_for(request.to_cek_id));
  const EncryptionType encryption =
      request.to_encryption == 0 ? EncryptionType::deterministic : EncryptionType::randomized;
  CLOISTER_ASSIGN_OR_RETURN(reply.value, to.key->key().encrypt(plaintext->view(), encryption));
  return reply;
}

Status check_batch_size(std::size_t cells) {
  if (cells > kMaxBatchCells) {
    return error(ErrorCode::invalid_argument, "a batch holds at most " + std::to_string(kMaxBatchCells) +
                                                  " cells, got " + std::to_string(cells));
  }
  return Status::ok();
}

// Each cell of a batch in turn, as plaintext: decrypted into one buffer reused
// for every cell and wiped after each.
class BatchCells {
 public:
  explicit BatchCells(const HeldKey& held, const wire::ByteStrings& cells)
      : held_(held), buffer_(CellDecryptor::decrypt_buffer_size(cells.largest())) {}

  // Calls use(plaintext) and returns true, or returns false if the cell does
  // not open (bad tag, malformed, empty: NULL).
  template <typename Use>
  bool with_plaintext(ByteView cell, Use&& use) {
    if (cell.empty()) return false;
    Result<std::size_t> size = held_.key->decrypt_into(cell, std::span(buffer_.data(), buffer_.size()));
    if (!size.is_ok()) return false;
    use(ByteView(buffer_.data(), *size));
    secure_wipe(buffer_.data(), *size);
    return true;
  }

 private:
  const HeldKey& held_;
  SecretBytes buffer_;  // wiped when the call ends
};

Result<CompareCellsBatch::Reply> compare_cells_batch(const CompareCellsBatch& request) {
  CLOISTER_ASSIGN_OR_RETURN(SqlType type, column_type(request.sql_type));
  if (request.bounds.empty() || request.bounds.size() > kMaxBatchBounds) {
    return error(ErrorCode::invalid_argument, "a batch compares with 1 to " +
                                                  std::to_string(kMaxBatchBounds) + " bounds, got " +
                                                  std::to_string(request.bounds.size()));
  }
  CLOISTER_RETURN_IF_ERROR(check_batch_size(request.cells.size()));
  CLOISTER_ASSIGN_OR_RETURN(HeldKey held, key_for(request.cek_id));

  // Each bound decrypted (or found) once, and checked to be a value of the type.
  std::vector<PlaintextCache::Plaintext> bounds;
  bounds.reserve(request.bounds.size());
  for (std::size_t j = 0; j < request.bounds.size(); ++j) {
    const std::string name = "bound " + std::to_string(j);
    CLOISTER_ASSIGN_OR_RETURN(auto bound, open_cell(held, request.cek_id, request.bounds[j], name.c_str()));
    Result<int> valid = compare_plaintext(type, bound->view(), bound->view());
    if (!valid.is_ok())
      return valid.status().with_context(name + " is not a " + std::string(to_string(type)));
    bounds.push_back(std::move(bound));
  }

  CompareCellsBatch::Reply reply;
  const std::size_t width = bounds.size();
  reply.signs.assign(request.cells.size() * width, kBatchCellFailed);
  BatchCells cells(held, request.cells);
  for (std::size_t i = 0; i < request.cells.size(); ++i) {
    std::int8_t* signs = reply.signs.data() + i * width;
    cells.with_plaintext(request.cells[i], [&](ByteView plaintext) {
      for (std::size_t j = 0; j < width; ++j) {
        Result<int> sign = compare_plaintext(type, plaintext, bounds[j]->view());
        if (!sign.is_ok()) {  // not a value of the type: the whole cell fails
          std::fill(signs, signs + width, kBatchCellFailed);
          return;
        }
        signs[j] = static_cast<std::int8_t>(*sign);
      }
    });
  }
  return reply;
}

Result<LikeCellsBatch::Reply> like_cells_batch(const LikeCellsBatch& request) {
  CLOISTER_ASSIGN_OR_RETURN(SqlType type, column_type(request.sql_type));
  CLOISTER_RETURN_IF_ERROR(check_batch_size(request.cells.size()));
  CLOISTER_ASSIGN_OR_RETURN(HeldKey held, key_for(request.cek_id));
  CLOISTER_ASSIGN_OR_RETURN(auto pattern_text, open_cell(held, request.cek_id, request.pattern, "pattern"));
  Result<LikePattern> pattern = LikePattern::create(type, pattern_text->view());
  if (!pattern.is_ok()) return pattern.status().with_context("the pattern");

  LikeCellsBatch::Reply reply;
  reply.matches.assign(request.cells.size(), kBatchCellFailed);
  BatchCells cells(held, request.cells);
  for (std::size_t i = 0; i < request.cells.size(); ++i) {
    cells.with_plaintext(request.cells[i], [&](ByteView plaintext) {
      Result<bool> matches = pattern->matches(plaintext);
      if (matches.is_ok()) reply.matches[i] = *matches ? 1 : 0;
    });
  }
  return reply;
}

Result<StartColumnSort::Reply> start_column_sort(const StartColumnSort& request) {
  CLOISTER_ASSIGN_OR_RETURN(SqlType type, column_type(request.sql_type));
  CLOISTER_RETURN_IF_ERROR(key_for(request.cek_id).status());
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t sort_id, sorts().start(request.cek_id, type));
  return StartColumnSort::Reply{.sort_id = sort_id};
}

Result<SortCellsBatch::Reply> sort_cells_batch(const SortCellsBatch& request) {
  CLOISTER_RETURN_IF_ERROR(check_batch_size(request.cells.size()));
  CLOISTER_ASSIGN_OR_RETURN(auto sort, sorts().find(request.sort_id));
  if (request.first_row > ColumnSort::kMaxRows ||
      request.cells.size() > ColumnSort::kMaxRows - request.first_row) {
    return error(ErrorCode::out_of_range,
                 "a column sort holds at most " + std::to_string(ColumnSort::kMaxRows) + " rows");
  }
  // The key is looked up per batch: a client may have replaced it meanwhile.
  CLOISTER_ASSIGN_OR_RETURN(HeldKey held, key_for(sort->cek_id()));
  std::size_t key_capacity = 0;
  for (std::size_t i = 0; i < request.cells.size(); ++i)
    key_capacity += sort_key_capacity(sort->type(), request.cells[i].size());
  SortBatch batch(sort->type(), key_capacity);
  BatchCells cells(held, request.cells);
  for (std::size_t i = 0; i < request.cells.size(); ++i) {
    cells.with_plaintext(request.cells[i], [&](ByteView plaintext) {
      (void)batch.add(request.first_row + static_cast<std::uint32_t>(i), plaintext);  // not a value: unranked
    });
  }
  const auto sorted = static_cast<std::uint32_t>(batch.size());
  CLOISTER_RETURN_IF_ERROR(sort->add(std::move(batch)));
  return SortCellsBatch::Reply{.sorted = sorted};
}

Result<RankSortedCells::Reply> rank_sorted_cells(const RankSortedCells& request) {
  if (request.count > kMaxBatchCells) {
    return error(ErrorCode::invalid_argument, "at most " + std::to_string(kMaxBatchCells) +
                                                  " ranks at once, asked for " +
                                                  std::to_string(request.count));
  }
  CLOISTER_ASSIGN_OR_RETURN(auto sort, sorts().find(request.sort_id));
  bool last = false;
  RankSortedCells::Reply reply;
  CLOISTER_ASSIGN_OR_RETURN(reply.ranks, sort->ranks(request.first_row, request.count, last));
  if (last) sorts().forget(request.sort_id);
  return reply;
}

}  // namespace

CLOISTER_ENCLAVE(sql_enclave) {
  (void)instance_id();  // drawn at start, so every KeyStatus of this launch agrees
  enclave.on<InstallKeys>(install_keys);
  enclave.on<KeyStatus>(key_status);
  enclave.on<CompareCells>(compare_cells);
  enclave.on<LikeCells>(like_cells);
  enclave.on<TransformCell>(transform_cell);
  enclave.on<CompareCellsBatch>(compare_cells_batch);
  enclave.on<LikeCellsBatch>(like_cells_batch);
  enclave.on<StartColumnSort>(start_column_sort);
  enclave.on<SortCellsBatch>(sort_cells_batch);
  enclave.on<RankSortedCells>(rank_sorted_cells);
}
