// The attestation authority's token signing key for the kbs fuzz target and
// its seeds (fuzz_seedgen signs the seed tokens with it). Test-only, published
// here (it is jwt_fuzz's P-256 key); it protects nothing.
#pragma once

namespace cloister::fuzz {

inline constexpr char kAuthorityIssuer[] = "https://attestd.example";
inline constexpr char kAuthorityKid[] = "sig-1";
inline constexpr const char* kAuthorityKeyPem =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgdQEZseWcf5TAAgX6\n"
    "NDEXFTZEB7Ud7Wudhc90+MhYSDOhRANCAARAIyM0eDIt0xu1s3ZIeL+YuSNrxuoK\n"
    "d0KqRaDT1yop8iKKrDsbLfj4ClqjZU+aE1OCxvVYZ5dfCuS7WvPu/weS\n"
    "-----END PRIVATE KEY-----\n";

}  // namespace cloister::fuzz
