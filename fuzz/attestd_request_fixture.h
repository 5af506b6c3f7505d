// Made by fuzz_seedgen with the seeds in corpus/attestd_request_fuzz/: the
// operator CA of the platform that signed their evidence, and when it did.
#pragma once

#include <cstdint>

namespace cloister::fuzz {

inline constexpr std::int64_t kEvidenceSignedAtMs = 1795759053777;
inline constexpr const char* kPlatformCaPem = R"(-----BEGIN CERTIFICATE-----
MIIB1zCCAX2gAwIBAgIQR9v7Kgw8YCuShLdI3AFKFjAKBggqhkjOPQQDAjA7MREw
DwYDVQQKDAhDbG9pc3RlcjEmMCQGA1UEAwwdQ2xvaXN0ZXIgZGV2ZWxvcG1lbnQg
b3BlcmF0b3IwHhcNMjYxMTI3MDU1NzMzWhcNMzYxMTI0MDU1NzMzWjA7MREwDwYD
VQQKDAhDbG9pc3RlcjEmMCQGA1UEAwwdQ2xvaXN0ZXIgZGV2ZWxvcG1lbnQgb3Bl
cmF0b3IwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAATV9ceSnwhG+uF09a44woFw
R2bbQc2XYdxTf2tV4YsLqzo3b1hdLymhBmAOzqUA8oijnBtE4/78BCOdcKPtpKhu
o2MwYTAPBgNVHRMBAf8EBTADAQH/MA4GA1UdDwEB/wQEAwIBhjAdBgNVHQ4EFgQU
O7p4R6Y52owJ1M5GJibKoyO/vNgwHwYDVR0jBBgwFoAUO7p4R6Y52owJ1M5GJibK
oyO/vNgwCgYIKoZIzj0EAwIDSAAwRQIgTYdTAFwEEhth0EXMi0hc74nVURdp1bph
sM2n8i1cR04CIQC6MlsNuk8AiU1OQ5mHbrJVTwdnP8YYOUYoTmxq3laMvg==
-----END CERTIFICATE-----
)";

}  // namespace cloister::fuzz
