// libFuzzer: parse_signed_image must reject arbitrary bytes cleanly (no
// crash, no overread, no huge allocation). Valid signatures cannot be forged
// by the fuzzer, so the trailer decoder, bounds checks and ELF checks are
// what this exercises; the seed is a minimal signed ELF.
#include <cstddef>
#include <cstdint>

#include "image/signed_image.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const cloister::ByteView input(data, size);
  auto image = cloister::image::parse_signed_image(input);
  if (image.is_ok()) {
    // Anything accepted must be internally consistent.
    if (image->elf_size >= image->file.size()) __builtin_trap();
    if (image->identity.measurement != cloister::image::compute_measurement(image->elf(), image->config)) {
      __builtin_trap();
    }
  }
  (void)cloister::image::has_signature_footer(input);
  return 0;
}
