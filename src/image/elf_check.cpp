#include "image/elf_check.h"

#include <elf.h>

#include <cstring>
#include <string>

namespace cloister::image {
namespace {

#if defined(__x86_64__)
constexpr std::uint16_t kNativeMachine = EM_X86_64;
constexpr const char* kNativeMachineName = "x86_64";
#elif defined(__aarch64__)
constexpr std::uint16_t kNativeMachine = EM_AARCH64;
constexpr const char* kNativeMachineName = "aarch64";
#else
#error "unsupported host architecture for enclave images"
#endif

Status bad_elf(const std::string& what) {
  return error(ErrorCode::invalid_argument, "enclave image is not a valid ELF executable: " + what);
}

}  // namespace

Status check_static_elf(ByteView elf) {
  Elf64_Ehdr ehdr;
  if (elf.size() < sizeof ehdr) {
    return bad_elf("file of " + std::to_string(elf.size()) + " bytes is shorter than an ELF header");
  }
  // The input is untrusted and unaligned: copy, never cast.
  std::memcpy(&ehdr, elf.data(), sizeof ehdr);
  if (std::memcmp(ehdr.e_ident, ELFMAG, SELFMAG) != 0) return bad_elf("bad magic (not an ELF file)");
  if (ehdr.e_ident[EI_CLASS] != ELFCLASS64) return bad_elf("not a 64-bit ELF (ELFCLASS64)");
  if (ehdr.e_ident[EI_DATA] != ELFDATA2LSB) return bad_elf("not little-endian");
  if (ehdr.e_ident[EI_VERSION] != EV_CURRENT || ehdr.e_version != EV_CURRENT) {
    return bad_elf("unknown ELF version");
  }
  if (ehdr.e_machine != kNativeMachine) {
    return bad_elf("machine " + std::to_string(ehdr.e_machine) + " is not " + kNativeMachineName);
  }
  if (ehdr.e_type != ET_EXEC && ehdr.e_type != ET_DYN) {
    return bad_elf("type " + std::to_string(ehdr.e_type) + " is neither ET_EXEC nor ET_DYN");
  }
  if (ehdr.e_entry == 0) return bad_elf("no entry point (a shared library?)");
  if (ehdr.e_phnum == 0) return bad_elf("no program headers");
  // PN_XNUM moves the real count into section 0; enclaves never need that many.
  if (ehdr.e_phnum == PN_XNUM) return bad_elf("too many program headers");
  if (ehdr.e_phentsize != sizeof(Elf64_Phdr)) return bad_elf("unexpected program header size");

  const std::uint64_t table_size = std::uint64_t{ehdr.e_phnum} * sizeof(Elf64_Phdr);
  if (ehdr.e_phoff > elf.size() || table_size > elf.size() - ehdr.e_phoff) {
    return bad_elf("program header table lies outside the file");
  }

  bool has_load = false;
  for (std::size_t i = 0; i < ehdr.e_phnum; ++i) {
    Elf64_Phdr phdr;
    std::memcpy(&phdr, elf.data() + ehdr.e_phoff + i * sizeof phdr, sizeof phdr);
    if (phdr.p_type == PT_INTERP) {
      return error(ErrorCode::invalid_argument, "enclave image must be statically linked (found PT_INTERP)");
    }
    if (phdr.p_type == PT_LOAD) has_load = true;
  }
  if (!has_load) return bad_elf("no loadable segment");
  return Status::ok();
}

}  // namespace cloister::image
