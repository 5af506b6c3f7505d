// libFuzzer target: arbitrary bytes as a compact JWS/JWT (decoded, then
// verified against a fixed key set), as a compact JWE (decrypted with fixed
// EC and RSA keys), and as JSON for a JWK and a JWKS. None may crash, leak,
// read out of bounds or run unbounded. The keys are fixed, not generated, so
// a reproducer replays; seeds in fuzz/corpus/jwt_fuzz/ are tokens signed and
// encrypted with them (made with src/jose/test/jose_tool), so mutations reach
// the signature, claim and decryption checks.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "jose/jose.h"

namespace {

using cloister::crypto::PrivateKey;

// Test-only keys, published here; they protect nothing.
constexpr const char* kP256Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdQEZseWcf5TAAgX6\n"
    "NDEXFTZEB7Ud7Wudhc90+MhYSDOhRANCAARAIyM0eDIt0xu1s3ZIeL+YuSNrxuoK\n"
    "d0KqRaDT1yop8iKKrDsbLfj4ClqjZU+aE1OCxvVYZ5dfCuS7WvPu/weS\n"
    "-----END PRIVATE KEY-----\n";
constexpr const char* kP384Pem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIG2AgEAMBAGByqGSM49AgEGBSuBBAAiBIGeMIGbAgEBBDA9JHBXyMsY9EIVfAGm\n"
    "XZ4rLiqyLRSlHLCIbcHyghkmqNFK+9SDKAPQvOYbI6gld6+hZANiAATtP9jYEDzY\n"
    "QpftGCAgETD4PzYZxUFd9+xRlAiYeEelEz2xVTu5MwdD/JcVDgDHTZpdh1/eWj2z\n"
    "Csxiu2C9KI7VI05LrvBd2okpGUifmgqUwvLC7yzjVBew7KH5YKwXpDw=\n"
    "-----END PRIVATE KEY-----\n";
constexpr const char* kRsaPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDCkaoU7Jy7zl4S\n"
    "UwgeDFP62maCE5kDYHf1IBXE0fmiJw7fcbKgaF8FpV13/nfG0parDpJyVX5Zk+pY\n"
    "vJzGYiWXr+IABwFEnwXCZi/g/tV+EKcgQpVSCkuv0yEJCaS439cDp4sp9jFu7t5C\n"
    "MAMhVTRGRRQok0jonLR2jWLa0QwQ6fPl8zPr0OmP7OGk4eM+wDXPiyG9Jjp2krqu\n"
    "luFffkXII5GVv0gQGsCLIWm9Oghb9rLi0mogfld3nGOEqkfzElG3Pr+qCHo0DrRq\n"
    "6X+Yo1xKdB+cEtZ3y3qqvKo6NHcvWYctTAqX+0NOqrTlA8tUta1hggehSyjim9/k\n"
    "CG8YplFRAgMBAAECggEAREZDDYad1RUsU3fJcGnZCjybHefsmI/AaEay/NbFp03X\n"
    "XTcTfFBDj8KgUtv7gcwhzLKXVwGDDcHmyO6egMqt8FVqk6Hhowe+SKH9CRHDLrJ/\n"
    "QsW6ighM2MzYWciFgc4iMAkZv0bBv/CYE1evsYGpj0LsOPS978oVVUh1uN0EQ+aH\n"
    "eV2phe6HSJ2K38LN3TLNcKlT+kSO7vXdhC1DrQ0oTpODdxtZm/sO5Jq7iRydbFMa\n"
    "ZJTMc9SRAk/jSGMn8nfp0xEdiuwDeI7KADYcCrU5ufb8Ce8MC8MxNa4kpr/9QhGF\n"
    "1FtDz5T/rKUEJH00I/8dZlNQDFsRzeAQ49zuErJydQKBgQDwnBd0zOkYvHY90z65\n"
    "7eDygDxv8gYha2rfkVQgaSXjHhoyGeETrO9MhlHSVoN6DQienPAZjAlxY5PTaGXj\n"
    "T/HpiBfjycwPGdAxhtEhevjwAHmdGM649IkviE3EpP91Q60LC0a2MtRqEWfGlry7\n"
    "UTHRTbYkdHb8Oe28OoTePuMKvwKBgQDPA6uaNj+fJI+osPgGIMOJlIoIDxc5NX4U\n"
    "BSEXssx/hWGdb+GJRoUcXr0LTAoYQV2RdF5hF7ZmiqUU7tr1lBx5YheLtvx2GC6Q\n"
    "cEFrUgE/M+VnWhO/WagM5cWIV+WJcIYuY562zX44TGd9iL0IAfcDvxjcOKv8jwL0\n"
    "rN3bde/37wKBgQCgtNEh7V9fazlasAa8bvsJXceASdn4ZmO6sbnL8A8jNE7w2cIw\n"
    "vxgSN8DcyXYFhkEUl+PyXEtOVeE9mgQ7oIEGpyS1u2o1R9t7yP1T7Gvq+ZZA7Hne\n"
    "pU4f1l2DE2Wg8DPbJYv0U9z2f2ueA75JKsEoeExI6xUyAIseZsOqIbzJxwKBgQCm\n"
    "aXHqHs/YE6D0X4aSDoaBs4meXtsxXwIB//mRPmdL36IP2F96ZdkdbD8VtMOsqecY\n"
    "xW4VKOW02qFICZa0saKOJT9+TdP27wuHiuXb6ukbsJEqGuwi92SzMYYwS1A2wuDq\n"
    "q6RrmRdtFGZhMKmcpU+3kEfgyCHhfelHXStffxgvuwKBgE1G4UcX6K/GCc2tiGOc\n"
    "sLN6q3ejgJS8dGVxNtTHrIv8+hevIQdtUAJ+4rkNa07ZrQrDQUFb7KX5u+dpES/m\n"
    "h7kvSAbovhYhAxRYMGy5aBYJLRWWKqw/TVExScvsOnoC1t4k1JkP9xjNOSU8KzAT\n"
    "o0IdTx8TlnI682T8SIlndrbE\n"
    "-----END PRIVATE KEY-----\n";

struct Fixture {
  PrivateKey p256 = std::move(PrivateKey::from_pem(kP256Pem)).value();
  PrivateKey p384 = std::move(PrivateKey::from_pem(kP384Pem)).value();
  PrivateKey rsa = std::move(PrivateKey::from_pem(kRsaPem)).value();
  cloister::jose::KeySet keys;
  cloister::jose::ValidationOptions options;

  Fixture() {
    keys.add("p256", p256.public_key());
    keys.add("p384", p384.public_key());
    keys.add("rsa", rsa.public_key());
    options.now_seconds = 1700000000;  // fixed, so a reproducer replays
    options.issuer = "https://attest.example";
  }
};

const Fixture& fixture() {
  static const Fixture instance;
  return instance;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace jose = cloister::jose;
  const Fixture& f = fixture();
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  auto decoded = jose::decode_jwt(text);
  if (decoded.is_ok()) (void)jose::verify_signature(*decoded, f.p256.public_key());
  (void)jose::verify_jwt(text, f.keys, f.options);
  (void)jose::decrypt_jwe(text, f.p256);
  (void)jose::decrypt_jwe(text, f.rsa);

  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_discarded()) {
    auto key = jose::key_from_jwk(json);
    if (key.is_ok()) (void)jose::thumbprint(*key);
    (void)jose::KeySet::from_jwks(json);
  }
  return 0;
}
