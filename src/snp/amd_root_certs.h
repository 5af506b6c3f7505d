// AMD's published ARK, ASK and ASVK certificates (PEM), one set per product
// line. Data only; src/snp/amd_roots.h says how they are trusted.
#pragma once

namespace cloister::snp::builtin {

extern const char* const kMilanArkPem;
extern const char* const kMilanAskPem;
extern const char* const kMilanAsvkPem;
extern const char* const kGenoaArkPem;
extern const char* const kGenoaAskPem;
extern const char* const kGenoaAsvkPem;
extern const char* const kTurinArkPem;
extern const char* const kTurinAskPem;
extern const char* const kTurinAsvkPem;

}  // namespace cloister::snp::builtin
