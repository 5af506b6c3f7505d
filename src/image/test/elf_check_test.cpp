#include "image/elf_check.h"

#include <elf.h>
#include <gtest/gtest.h>

#include <cstring>

#include "image/test/test_util.h"

namespace cloister::image {
namespace {

using testing::dynamic_elf;
using testing::static_elf;

Elf64_Ehdr header_of(const Bytes& elf) {
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, elf.data(), sizeof ehdr);
  return ehdr;
}

Bytes with_header(Bytes elf, const Elf64_Ehdr& ehdr) {
  std::memcpy(elf.data(), &ehdr, sizeof ehdr);
  return elf;
}

TEST(ElfCheck, AcceptsStaticExecutable) {
  ASSERT_FALSE(static_elf().empty());
  EXPECT_TRUE(check_static_elf(static_elf()).is_ok()) << check_static_elf(static_elf()).to_string();
}

TEST(ElfCheck, RefusesDynamicExecutable) {
  ASSERT_FALSE(dynamic_elf().empty());
  const Status status = check_static_elf(dynamic_elf());
  EXPECT_EQ(status.code(), ErrorCode::invalid_argument);
  EXPECT_EQ(status.message(), "enclave image must be statically linked (found PT_INTERP)");
}

TEST(ElfCheck, RefusesNonElf) {
  EXPECT_FALSE(check_static_elf({}).is_ok());
  const Bytes text = to_bytes(std::string(200, 'x'));
  const Status status = check_static_elf(text);
  EXPECT_NE(status.message().find("bad magic"), std::string::npos) << status.message();
}

TEST(ElfCheck, RefusesEveryTruncatedHeader) {
  const Bytes& elf = static_elf();
  for (std::size_t size = 0; size < sizeof(Elf64_Ehdr); ++size) {
    EXPECT_FALSE(check_static_elf(ByteView(elf).first(size)).is_ok()) << size;
  }
}

TEST(ElfCheck, RefusesProgramHeadersOutsideFile) {
  const Bytes& elf = static_elf();
  const Elf64_Ehdr ehdr = header_of(elf);
  const std::size_t table_end = ehdr.e_phoff + std::size_t{ehdr.e_phnum} * sizeof(Elf64_Phdr);
  EXPECT_FALSE(check_static_elf(ByteView(elf).first(table_end - 1)).is_ok());

  Elf64_Ehdr far = ehdr;
  far.e_phoff = ~std::uint64_t{0} - 8;  // offset + size would wrap around
  EXPECT_FALSE(check_static_elf(with_header(elf, far)).is_ok());
  Elf64_Ehdr many = ehdr;
  many.e_phnum = 0xfffe;
  EXPECT_FALSE(check_static_elf(with_header(elf, many)).is_ok());
  Elf64_Ehdr xnum = ehdr;
  xnum.e_phnum = PN_XNUM;
  EXPECT_FALSE(check_static_elf(with_header(elf, xnum)).is_ok());
  Elf64_Ehdr none = ehdr;
  none.e_phnum = 0;
  EXPECT_FALSE(check_static_elf(with_header(elf, none)).is_ok());
  Elf64_Ehdr entsize = ehdr;
  entsize.e_phentsize = 1;
  EXPECT_FALSE(check_static_elf(with_header(elf, entsize)).is_ok());
}

TEST(ElfCheck, RefusesWrongClassMachineAndType) {
  const Bytes& elf = static_elf();
  Elf64_Ehdr ehdr = header_of(elf);
  ehdr.e_ident[EI_CLASS] = ELFCLASS32;
  EXPECT_NE(check_static_elf(with_header(elf, ehdr)).message().find("64-bit"), std::string::npos);

  ehdr = header_of(elf);
  ehdr.e_ident[EI_DATA] = ELFDATA2MSB;
  EXPECT_FALSE(check_static_elf(with_header(elf, ehdr)).is_ok());

  ehdr = header_of(elf);
  ehdr.e_machine = EM_ARM;
  EXPECT_NE(check_static_elf(with_header(elf, ehdr)).message().find("machine"), std::string::npos);

  ehdr = header_of(elf);
  ehdr.e_type = ET_REL;
  EXPECT_FALSE(check_static_elf(with_header(elf, ehdr)).is_ok());
  ehdr.e_type = ET_CORE;
  EXPECT_FALSE(check_static_elf(with_header(elf, ehdr)).is_ok());

  ehdr = header_of(elf);
  ehdr.e_entry = 0;
  EXPECT_FALSE(check_static_elf(with_header(elf, ehdr)).is_ok());
}

}  // namespace
}  // namespace cloister::image
