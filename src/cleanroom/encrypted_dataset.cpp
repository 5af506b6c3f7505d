#include "cleanroom/encrypted_dataset.h"

#include <bit>
#include <cstring>
#include <nlohmann/json.hpp>

#include "crypto/aes_gcm.h"
#include "crypto/rng.h"
#include "crypto/sha.h"

namespace cloister::cleanroom {
namespace {

using nlohmann::json;

// The format stores little-endian doubles, which is how this host lays them out.
static_assert(std::endian::native == std::endian::little, "the dataset format is little-endian");

constexpr char kMagic[4] = {'C', 'L', 'D', 'S'};
constexpr std::string_view kFormat = "cloister-dataset/1";
constexpr std::size_t kMaxHeaderBytes = 4096;
constexpr std::size_t kTagSize = 16;

void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}
std::uint32_t get_u32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
void put_u64_be(std::uint8_t* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<std::uint8_t>(v >> (8 * (7 - i)));
}

Bytes nonce_for(std::uint64_t chunk) {
  Bytes nonce(12, 0);
  put_u64_be(nonce.data() + 4, chunk);
  return nonce;
}

Bytes aad_for(const crypto::Digest256& header_hash, std::uint64_t chunk, bool last) {
  Bytes aad(header_hash.begin(), header_hash.end());
  aad.resize(32 + 9);
  put_u64_be(aad.data() + 32, chunk);
  aad[40] = last ? 1 : 0;
  return aad;
}

Status malformed(const std::string& what) {
  return Status(ErrorCode::decode_error, "the encrypted dataset is malformed: " + what);
}

Result<DatasetHeader> parse_header(ByteView bytes) {
  const json doc = json::parse(bytes.begin(), bytes.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return malformed("its header is not a JSON object");
  const auto text = [&](const char* name) -> Result<std::string> {
    if (!doc.contains(name) || !doc[name].is_string())
      return malformed("header." + std::string(name) + " is missing");
    return doc[name].get<std::string>();
  };
  const auto count = [&](const char* name, std::uint64_t max) -> Result<std::uint64_t> {
    if (!doc.contains(name) || !doc[name].is_number_unsigned() || doc[name].get<std::uint64_t>() > max)
      return malformed("header." + std::string(name) + " must be a count up to " + std::to_string(max));
    return doc[name].get<std::uint64_t>();
  };
  CLOISTER_ASSIGN_OR_RETURN(std::string format, text("format"));
  if (format != kFormat) return malformed("its format is not " + std::string(kFormat));
  DatasetHeader header;
  CLOISTER_ASSIGN_OR_RETURN(header.contract, text("contract"));
  CLOISTER_ASSIGN_OR_RETURN(header.party, text("party"));
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t columns, count("columns", 1024));
  CLOISTER_ASSIGN_OR_RETURN(header.rows, count("rows", kMaxDatasetRows));
  CLOISTER_ASSIGN_OR_RETURN(std::uint64_t chunk_rows, count("chunk_rows", 65536));
  if (columns == 0 || chunk_rows == 0 || header.rows == 0) return malformed("it has no columns or no rows");
  header.columns = columns;
  header.chunk_rows = chunk_rows;
  return header;
}

std::string header_json(const DatasetHeader& header) {
  return json{{"format", kFormat},         {"contract", header.contract}, {"party", header.party},
              {"columns", header.columns}, {"rows", header.rows},         {"chunk_rows", header.chunk_rows}}
      .dump();
}

}  // namespace

Result<Bytes> seal_dataset(const LabelledRows& rows, const DatasetHeader& given, ByteView data_key) {
  if (data_key.size() != kDataKeySize) return Status(ErrorCode::invalid_argument, "a data key is 32 bytes");
  DatasetHeader header = given;
  header.columns = rows.features.cols;
  header.rows = rows.features.rows;
  if (header.rows == 0 || header.rows > kMaxDatasetRows || header.chunk_rows == 0 ||
      header.chunk_rows > 65536)
    return Status(ErrorCode::invalid_argument,
                  "a dataset has 1 to " + std::to_string(kMaxDatasetRows) + " rows, in chunks of 1 to 65536");
  const std::string header_text = header_json(header);
  const crypto::Digest256 header_hash = crypto::sha256(as_bytes(header_text));
  Bytes out(kMagic, kMagic + 4);
  put_u32(out, static_cast<std::uint32_t>(header_text.size()));
  out.insert(out.end(), header_text.begin(), header_text.end());
  const std::size_t width = header.columns + 1;
  const std::uint64_t chunks = (header.rows + header.chunk_rows - 1) / header.chunk_rows;
  SecretBytes plain(header.chunk_rows * width * sizeof(double));
  for (std::uint64_t chunk = 0; chunk < chunks; ++chunk) {
    const std::uint64_t first = chunk * header.chunk_rows;
    const std::uint64_t count = std::min<std::uint64_t>(header.chunk_rows, header.rows - first);
    std::uint8_t* at = plain.data();
    for (std::uint64_t r = first; r < first + count; ++r) {
      // Little-endian doubles: the host's own layout (checked above), copied as is.
      std::memcpy(at, rows.features.row(r), header.columns * sizeof(double));
      std::memcpy(at + header.columns * sizeof(double), &rows.labels[r], sizeof(double));
      at += width * sizeof(double);
    }
    CLOISTER_ASSIGN_OR_RETURN(
        Bytes sealed,
        crypto::aes_gcm_encrypt(data_key, nonce_for(chunk), aad_for(header_hash, chunk, chunk + 1 == chunks),
                                ByteView(plain.data(), count * width * sizeof(double))));
    put_u32(out, static_cast<std::uint32_t>(sealed.size()));
    out.insert(out.end(), sealed.begin(), sealed.end());
  }
  return out;
}

namespace {

// The header's bytes and where the chunks start.
Result<std::pair<ByteView, std::size_t>> header_bytes(ByteView sealed) {
  if (sealed.size() < 8 || std::memcmp(sealed.data(), kMagic, 4) != 0)
    return malformed("it does not start with CLDS: not a Cloister dataset");
  const std::uint32_t size = get_u32(sealed.data() + 4);
  if (size > kMaxHeaderBytes || size > sealed.size() - 8) return malformed("its header size is out of range");
  return std::pair{sealed.subspan(8, size), std::size_t{8} + size};
}

}  // namespace

Result<DatasetHeader> read_dataset_header(ByteView sealed) {
  CLOISTER_ASSIGN_OR_RETURN(auto header, header_bytes(sealed));
  return parse_header(header.first);
}

Result<LabelledRows> open_dataset(ByteView sealed, ByteView data_key) {
  if (data_key.size() != kDataKeySize) return Status(ErrorCode::invalid_argument, "a data key is 32 bytes");
  CLOISTER_ASSIGN_OR_RETURN(auto header_part, header_bytes(sealed));
  CLOISTER_ASSIGN_OR_RETURN(DatasetHeader header, parse_header(header_part.first));
  const crypto::Digest256 header_hash = crypto::sha256(header_part.first);
  const std::size_t width = header.columns + 1;
  const std::uint64_t chunks = (header.rows + header.chunk_rows - 1) / header.chunk_rows;
  LabelledRows out;
  out.features.cols = header.columns;
  out.features.rows = header.rows;
  out.features.values.reserve(header.rows * header.columns);
  out.labels.reserve(header.rows);
  std::size_t at = header_part.second;
  for (std::uint64_t chunk = 0; chunk < chunks; ++chunk) {
    const std::uint64_t count =
        std::min<std::uint64_t>(header.chunk_rows, header.rows - chunk * header.chunk_rows);
    const std::size_t expected = count * width * sizeof(double) + kTagSize;
    if (sealed.size() - at < 4)
      return malformed("it ends before chunk " + std::to_string(chunk) + ": truncated");
    const std::uint32_t size = get_u32(sealed.data() + at);
    if (size != expected || sealed.size() - at - 4 < size)
      return malformed("chunk " + std::to_string(chunk) + " has the wrong size or is cut short: truncated");
    auto plain =
        crypto::aes_gcm_decrypt(data_key, nonce_for(chunk), aad_for(header_hash, chunk, chunk + 1 == chunks),
                                sealed.subspan(at + 4, size));
    if (!plain.is_ok())
      return Status(ErrorCode::verification_failed,
                    "chunk " + std::to_string(chunk) + " of " + header.party +
                        "'s dataset does not verify: the data key is wrong or the file was changed");
    const std::uint8_t* p = plain->data();
    for (std::uint64_t r = 0; r < count; ++r, p += width * sizeof(double)) {
      const std::size_t at = out.features.values.size();
      out.features.values.resize(at + header.columns);
      std::memcpy(out.features.values.data() + at, p, header.columns * sizeof(double));
      double label = 0;
      std::memcpy(&label, p + header.columns * sizeof(double), sizeof(double));
      out.labels.push_back(label);
    }
    at += 4 + size;
  }
  if (at != sealed.size()) return malformed("bytes follow the last chunk");
  return out;
}

Result<SealedDataset> seal_with_fresh_key(const LabelledRows& rows, const std::string& contract_hash,
                                          const std::string& party) {
  CLOISTER_ASSIGN_OR_RETURN(Bytes key, crypto::random_bytes(kDataKeySize));
  SealedDataset sealed{.file = {}, .data_key = SecretBytes(std::move(key))};
  CLOISTER_ASSIGN_OR_RETURN(
      sealed.file, seal_dataset(rows, {.contract = contract_hash, .party = party}, sealed.data_key.view()));
  return sealed;
}

}  // namespace cloister::cleanroom
