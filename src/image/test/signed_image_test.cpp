#include "image/signed_image.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "crypto/sha.h"
#include "image/test/test_util.h"

namespace cloister::image {
namespace {

using testing::dynamic_elf;
using testing::generate_key;
using testing::static_elf;

EnclaveConfig test_config() {
  EnclaveConfig config;
  config.heap_size = std::uint64_t{32} << 20;
  config.max_threads = 4;
  config.debug = false;
  config.product_id = 7;
  config.security_version = 3;
  return config;
}

const crypto::PrivateKey& test_key() {
  static const crypto::PrivateKey key = generate_key();
  return key;
}

// Signing hashes ~1 MB; share one signed image across the tamper tests.
const Bytes& signed_file() {
  static const Bytes file = [] {
    auto signed_image = sign_image(static_elf(), test_config(), test_key());
    EXPECT_TRUE(signed_image.is_ok()) << signed_image.status().to_string();
    return signed_image.is_ok() ? std::move(signed_image).value() : Bytes{};
  }();
  return file;
}

std::size_t trailer_start() {
  return static_elf().size();
}

void put_u64_le(Bytes& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

// Reassembles a signed file around a hand-made signature block.
Bytes assemble(ByteView elf, const SignatureBlock& block) {
  Bytes out(elf.begin(), elf.end());
  const Bytes trailer = wire::encode(block);
  out.insert(out.end(), trailer.begin(), trailer.end());
  put_u64_le(out, trailer.size());
  out.insert(out.end(), kSignatureMagic.begin(), kSignatureMagic.end());
  return out;
}

SignatureBlock block_of(const Bytes& file) {
  const std::size_t trailer_size = file.size() - static_elf().size() - kFooterSize;
  auto block = wire::decode<SignatureBlock>(ByteView(file).subspan(static_elf().size(), trailer_size));
  EXPECT_TRUE(block.is_ok()) << block.status().to_string();
  return block.is_ok() ? std::move(block).value() : SignatureBlock{};
}

Bytes signed_message(const Measurement& measurement) {
  Bytes message(kSignatureDomain.begin(), kSignatureDomain.end());
  message.insert(message.end(), measurement.begin(), measurement.end());
  return message;
}

TEST(SignedImage, DomainStringsIncludeTheirNul) {
  EXPECT_EQ(kMeasurementDomain.size(), 24u);
  EXPECT_EQ(kMeasurementDomain.back(), '\0');
  EXPECT_EQ(kSignatureDomain.size(), 28u);
  EXPECT_EQ(kSignatureDomain.back(), '\0');
}

TEST(SignedImage, MeasurementMatchesTheSpecifiedHashInput) {
  const Bytes elf = to_bytes(
      "\x7f"
      "ELF not really");
  const EnclaveConfig config = test_config();
  Bytes input(kMeasurementDomain.begin(), kMeasurementDomain.end());
  put_u64_le(input, elf.size());
  input.insert(input.end(), elf.begin(), elf.end());
  const Bytes encoded_config = wire::encode(config);
  input.insert(input.end(), encoded_config.begin(), encoded_config.end());
  EXPECT_EQ(compute_measurement(elf, config), crypto::sha256(input));
}

TEST(SignedImage, MeasurementCoversEveryConfigField) {
  const Bytes& elf = static_elf();
  const Measurement base = compute_measurement(elf, test_config());
  auto changed = [&](auto mutate) {
    EnclaveConfig config = test_config();
    mutate(config);
    return compute_measurement(elf, config) != base;
  };
  EXPECT_TRUE(changed([](EnclaveConfig& c) { c.heap_size += 4096; }));
  EXPECT_TRUE(changed([](EnclaveConfig& c) { c.max_threads += 1; }));
  EXPECT_TRUE(changed([](EnclaveConfig& c) { c.debug = true; }));
  EXPECT_TRUE(changed([](EnclaveConfig& c) { c.product_id += 1; }));
  EXPECT_TRUE(changed([](EnclaveConfig& c) { c.security_version += 1; }));
  Bytes longer = elf;
  longer.push_back(0);
  EXPECT_NE(compute_measurement(longer, test_config()), base);
}

TEST(SignedImage, SignsAndParsesBack) {
  const Bytes& file = signed_file();
  ASSERT_FALSE(file.empty());
  ASSERT_GT(file.size(), static_elf().size() + kFooterSize);
  EXPECT_TRUE(std::equal(static_elf().begin(), static_elf().end(), file.begin()));

  auto parsed = parse_signed_image(file);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->file, file);
  EXPECT_EQ(parsed->elf_size, static_elf().size());
  EXPECT_TRUE(
      std::equal(parsed->elf().begin(), parsed->elf().end(), static_elf().begin(), static_elf().end()));
  EXPECT_EQ(wire::encode(parsed->config), wire::encode(test_config()));

  auto spki = test_key().public_key().to_der();
  ASSERT_TRUE(spki.is_ok());
  EXPECT_EQ(parsed->signer_public_key, *spki);
  EXPECT_EQ(parsed->identity.measurement, compute_measurement(static_elf(), test_config()));
  EXPECT_EQ(parsed->identity.signer, crypto::sha256(*spki));
  EXPECT_EQ(parsed->identity.product_id, 7);
  EXPECT_EQ(parsed->identity.security_version, 3);
  EXPECT_FALSE(parsed->identity.debug);
  // The signature is an ordinary ECDSA signature over the domain-separated measurement.
  EXPECT_TRUE(
      test_key().public_key().verify(signed_message(parsed->identity.measurement), parsed->signature));
}

TEST(SignedImage, IdentityIsStableAcrossSignatures) {
  // ECDSA signatures are randomised; the identity must not be.
  auto again = sign_image(static_elf(), test_config(), test_key());
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_NE(*again, signed_file());
  auto first = parse_signed_image(signed_file());
  auto second = parse_signed_image(*again);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ(wire::encode(first->identity), wire::encode(second->identity));

  // Another signer: same measurement, different signer id.
  auto other = sign_image(static_elf(), test_config(), generate_key());
  ASSERT_TRUE(other.is_ok());
  auto third = parse_signed_image(*other);
  ASSERT_TRUE(third.is_ok());
  EXPECT_EQ(third->identity.measurement, first->identity.measurement);
  EXPECT_NE(third->identity.signer, first->identity.signer);
}

TEST(SignedImage, SignsWithP384) {
  auto key = generate_key(crypto::KeyType::ec_p384);
  auto file = sign_image(static_elf(), test_config(), key);
  ASSERT_TRUE(file.is_ok()) << file.status().to_string();
  auto parsed = parse_signed_image(*file);
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  auto type = crypto::PublicKey::from_der(parsed->signer_public_key)->type();
  ASSERT_TRUE(type.is_ok());
  EXPECT_EQ(*type, crypto::KeyType::ec_p384);
}

TEST(SignedImage, RefusesRsaKey) {
  auto rsa = crypto::PrivateKey::generate(crypto::KeyType::rsa, 2048);
  ASSERT_TRUE(rsa.is_ok()) << rsa.status().to_string();
  auto file = sign_image(static_elf(), test_config(), *rsa);
  ASSERT_FALSE(file.is_ok());
  EXPECT_NE(file.status().message().find("P-256 or P-384"), std::string::npos);
}

TEST(SignedImage, RefusesDynamicElf) {
  auto file = sign_image(dynamic_elf(), test_config(), test_key());
  ASSERT_FALSE(file.is_ok());
  EXPECT_EQ(file.status().message(), "enclave image must be statically linked (found PT_INTERP)");
}

TEST(SignedImage, RefusesAlreadySignedInput) {
  auto file = sign_image(signed_file(), test_config(), test_key());
  ASSERT_FALSE(file.is_ok());
  EXPECT_NE(file.status().message().find("already a signed enclave image"), std::string::npos);
}

TEST(SignedImage, RefusesConfigOutOfRange) {
  auto refused = [](auto mutate) {
    EnclaveConfig config = test_config();
    mutate(config);
    return !sign_image(static_elf(), config, test_key()).is_ok();
  };
  EXPECT_TRUE(refused([](EnclaveConfig& c) { c.max_threads = 0; }));
  EXPECT_TRUE(refused([](EnclaveConfig& c) { c.max_threads = 257; }));
  EXPECT_TRUE(refused([](EnclaveConfig& c) { c.heap_size = (1 << 20) - 1; }));
  EXPECT_TRUE(refused([](EnclaveConfig& c) { c.heap_size = (std::uint64_t{64} << 30) + 1; }));
  EXPECT_FALSE(refused([](EnclaveConfig& c) {
    c.max_threads = 256;
    c.heap_size = std::uint64_t{64} << 30;
  }));
  EXPECT_FALSE(refused([](EnclaveConfig& c) {
    c.max_threads = 1;
    c.heap_size = 1 << 20;
  }));
}

TEST(SignedImage, UnsignedElfHasAClearError) {
  auto parsed = parse_signed_image(static_elf());
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(
      parsed.status().message(),
      "not a signed Cloister enclave image (no signature trailer); sign it with `cloister enclave sign`");
  EXPECT_FALSE(parse_signed_image({}).is_ok());
}

TEST(SignedImage, EveryTrailerByteFlipFails) {
  const Bytes& file = signed_file();
  for (std::size_t i = trailer_start(); i < file.size(); ++i) {
    for (std::uint8_t mask : {0x01, 0x80}) {
      Bytes tampered = file;
      tampered[i] ^= mask;
      EXPECT_FALSE(parse_signed_image(tampered).is_ok()) << "offset " << i << " mask " << int{mask};
    }
  }
}

TEST(SignedImage, ElfByteFlipsFailWithTheSignatureError) {
  const Bytes& file = signed_file();
  const std::size_t elf_size = trailer_start();
  std::vector<std::size_t> offsets;
  for (std::size_t i = 0; i < 256 && i < elf_size; ++i) offsets.push_back(i);
  for (std::size_t i = 256; i < elf_size; i += elf_size / 400 + 1) offsets.push_back(i);
  offsets.push_back(elf_size - 1);
  for (std::size_t i : offsets) {
    Bytes tampered = file;
    tampered[i] ^= 0x01;
    auto parsed = parse_signed_image(tampered);
    ASSERT_FALSE(parsed.is_ok()) << "offset " << i;
  }
  Bytes tampered = file;
  tampered[elf_size / 2] ^= 0x20;
  EXPECT_EQ(parse_signed_image(tampered).status().message(),
            "enclave signature does not verify: the image or its configuration was modified after signing");
}

TEST(SignedImage, TruncationFailsCleanly) {
  const Bytes& file = signed_file();
  for (std::size_t size = 0; size < file.size(); size += (size < 128 || size + 512 > file.size()) ? 1 : 997) {
    EXPECT_FALSE(parse_signed_image(ByteView(file).first(size)).is_ok()) << size;
  }
  // Stripping bytes from the front moves the ELF/trailer boundary.
  for (std::size_t cut : {1, 64, 4096}) {
    EXPECT_FALSE(parse_signed_image(ByteView(file).subspan(cut)).is_ok()) << cut;
  }
}

TEST(SignedImage, TrailingBytesAfterTheFooterFail) {
  Bytes file = signed_file();
  file.push_back(0);
  EXPECT_FALSE(parse_signed_image(file).is_ok());
}

TEST(SignedImage, WrongFooterFails) {
  Bytes file = signed_file();
  file.back() = '2';  // CLSIGN02
  EXPECT_NE(parse_signed_image(file).status().message().find("no signature trailer"), std::string::npos);

  for (std::uint64_t length : {std::uint64_t{0}, std::uint64_t{kMaxTrailerSize + 1},
                               std::uint64_t{file.size()}, ~std::uint64_t{0}}) {
    Bytes bad = signed_file();
    for (int i = 0; i < 8; ++i)
      bad[bad.size() - kFooterSize + i] = static_cast<std::uint8_t>(length >> (8 * i));
    auto parsed = parse_signed_image(bad);
    ASSERT_FALSE(parsed.is_ok()) << length;
    EXPECT_NE(parsed.status().message().find("signature trailer"), std::string::npos)
        << parsed.status().message();
  }

  // A footer alone, claiming a trailer longer than the file.
  Bytes tiny;
  put_u64_le(tiny, 100);
  tiny.insert(tiny.end(), kSignatureMagic.begin(), kSignatureMagic.end());
  EXPECT_FALSE(parse_signed_image(tiny).is_ok());
}

TEST(SignedImage, SubstitutedKeyFails) {
  SignatureBlock block = block_of(signed_file());
  auto other = generate_key().public_key().to_der();
  ASSERT_TRUE(other.is_ok());
  block.signer_public_key = *other;
  auto parsed = parse_signed_image(assemble(static_elf(), block));
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_EQ(parsed.status().code(), ErrorCode::verification_failed);
}

TEST(SignedImage, RefusesUnknownFormatVersion) {
  SignatureBlock block = block_of(signed_file());
  block.format_version = 2;
  auto parsed = parse_signed_image(assemble(static_elf(), block));
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("format version 2"), std::string::npos);
}

TEST(SignedImage, RefusesValidlySignedButOutOfRangeConfig) {
  // A signer bypassing sign_image must still not get an absurd config loaded.
  SignatureBlock block = block_of(signed_file());
  block.config.max_threads = 100000;
  auto signature = test_key().sign(signed_message(compute_measurement(static_elf(), block.config)));
  ASSERT_TRUE(signature.is_ok());
  block.signature = *signature;
  auto parsed = parse_signed_image(assemble(static_elf(), block));
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("max_threads"), std::string::npos);
}

TEST(SignedImage, LoadReportsMissingFile) {
  auto loaded = load_signed_image("/nonexistent/enclave.signed");
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_EQ(loaded.status().code(), ErrorCode::not_found);
  EXPECT_EQ(loaded.status().message(),
            "cannot open enclave image /nonexistent/enclave.signed: No such file or directory");
}

TEST(SignedImage, SignedFileStillRunsAndLoads) {
  char path[] = "/tmp/cloister_image_test_XXXXXX";
  const int fd = ::mkstemp(path);
  ASSERT_GE(fd, 0);
  const Bytes& file = signed_file();
  ASSERT_EQ(::write(fd, file.data(), file.size()), static_cast<ssize_t>(file.size()));
  ASSERT_EQ(::fchmod(fd, 0700), 0);
  ::close(fd);

  auto loaded = load_signed_image(path);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded->file, file);

  // The kernel ignores the trailer: the signed file is itself executable.
  const std::string command = std::string(path) + " > /dev/null";
  const int status = std::system(command.c_str());
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  ::unlink(path);
}

}  // namespace
}  // namespace cloister::image
