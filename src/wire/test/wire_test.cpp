#include "cloister/wire.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>

namespace {

// The largest single heap request since the last reset. Decoding hostile
// lengths must fail before allocating, and a failed decode leaves no trace to
// check afterwards, so the test watches operator new itself.
std::atomic<std::size_t> g_largest_allocation{0};

}  // namespace

// Out of line so GCC does not inline malloc/free into callers of new/delete
// and then flag the pair as mismatched.
[[gnu::noinline]] void* operator new(std::size_t size) {
  std::size_t seen = g_largest_allocation.load(std::memory_order_relaxed);
  while (size > seen && !g_largest_allocation.compare_exchange_weak(seen, size, std::memory_order_relaxed)) {
  }
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* p) noexcept {
  std::free(p);
}
[[gnu::noinline]] void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}

namespace cloister::wire {
namespace {

class AllocationWatch {
 public:
  AllocationWatch() { g_largest_allocation.store(0); }
  [[nodiscard]] std::size_t largest() const { return g_largest_allocation.load(); }
};

// Hostile inputs in these tests are a few bytes long; anything near this is an
// allocation sized by an untrusted length rather than by the input.
constexpr std::size_t kSmallAllocation = 64 * 1024;

enum class Color : std::uint8_t { red = 1, green = 2, blue = 3 };
enum class Offset : std::int64_t { behind = -5, ahead = 7 };

struct Point {
  std::int32_t x = 0;
  std::int32_t y = 0;
  CLOISTER_FIELDS(x, y)
  bool operator==(const Point&) const = default;
};

struct Inner {
  std::int32_t a = 0;
  std::string s;
  std::optional<Bytes> b;
  std::vector<Point> points;
  CLOISTER_FIELDS(a, s, b, points)
  bool operator==(const Inner&) const = default;
};

struct Outer {
  std::uint64_t id = 0;
  std::vector<Inner> inners;
  std::optional<Inner> extra;
  std::array<std::uint8_t, 4> tag{};
  double ratio = 0;
  Color color = Color::red;
  Offset offset = Offset::ahead;
  bool flag = false;
  std::vector<std::vector<std::uint16_t>> grid;
  std::vector<bool> bits;
  std::vector<std::string> names;
  std::optional<std::optional<std::int8_t>> maybe_maybe;
  CLOISTER_FIELDS(id, inners, extra, tag, ratio, color, offset, flag, grid, bits, names, maybe_maybe)
  bool operator==(const Outer&) const = default;
};

// A struct whose first field is a large fixed array: the smallest element a
// vector of it can hold is 4 KiB, so a count must be checked against that.
struct Wide {
  std::array<std::uint8_t, 4096> blob{};
  CLOISTER_FIELDS(blob)
};

// Recursive through a vector, like a tree of nested calls.
struct Node {
  std::uint8_t tag = 0;
  std::vector<Node> children;
  CLOISTER_FIELDS(tag, children)
  bool operator==(const Node&) const = default;
};

using Deep4 = std::vector<std::vector<std::vector<std::vector<std::uint32_t>>>>;

struct Grid {
  std::uint8_t id = 0;
  Deep4 cells;
  CLOISTER_FIELDS(id, cells)
};

Outer sample_outer() {
  Outer o;
  o.id = 0x0102030405060708ull;
  o.inners = {Inner{-1, "alpha", Bytes{1, 2, 3}, {{1, -2}, {3, 4}}}, Inner{}, Inner{42, "", Bytes{}, {}}};
  o.extra = Inner{7, "extra", std::nullopt, {{-7, 7}}};
  o.tag = {0xde, 0xad, 0xbe, 0xef};
  o.ratio = -2.5;
  o.color = Color::blue;
  o.offset = Offset::behind;
  o.flag = true;
  o.grid = {{1, 2}, {}, {0xffff}};
  o.bits = {true, false, true};
  o.names = {"", "x", "hello"};
  o.maybe_maybe = std::optional<std::int8_t>{-3};
  return o;
}

// Encodes, decodes and checks the value and that re-encoding is byte-identical.
template <typename T>
T round_trip(const T& value, const Limits& limits = {}) {
  const Bytes encoded = encode(value);
  auto decoded = decode<T>(encoded, limits);
  EXPECT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  if (!decoded.is_ok()) return T{};
  EXPECT_EQ(encode(*decoded), encoded);
  return std::move(decoded).value();
}

// Every decode error message ends with "at offset N"; returns N.
std::optional<std::size_t> error_offset(const Status& status) {
  static const std::string kKey = "at offset ";
  const auto pos = status.message().rfind(kKey);
  if (pos == std::string::npos) return std::nullopt;
  return std::stoull(status.message().substr(pos + kKey.size()));
}

// Decodes bytes that must be rejected and checks the error code and offset.
template <typename T>
Status expect_decode_error(const Bytes& in, std::size_t offset, const Limits& limits = {}) {
  auto decoded = decode<T>(in, limits);
  EXPECT_FALSE(decoded.is_ok());
  if (decoded.is_ok()) return Status::ok();
  EXPECT_EQ(decoded.status().code(), ErrorCode::decode_error) << decoded.status().to_string();
  EXPECT_EQ(error_offset(decoded.status()), offset) << decoded.status().to_string();
  return decoded.status();
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

TEST(WireRoundTrip, Integers) {
  EXPECT_EQ(round_trip<std::uint8_t>(0xab), 0xab);
  EXPECT_EQ(round_trip<std::uint16_t>(0xabcd), 0xabcd);
  EXPECT_EQ(round_trip<std::uint32_t>(0xdeadbeef), 0xdeadbeefu);
  EXPECT_EQ(round_trip<std::uint64_t>(std::numeric_limits<std::uint64_t>::max()),
            std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(round_trip<std::int8_t>(-1), -1);
  EXPECT_EQ(round_trip<std::int8_t>(std::numeric_limits<std::int8_t>::min()),
            std::numeric_limits<std::int8_t>::min());
  EXPECT_EQ(round_trip<std::int16_t>(-2), -2);
  EXPECT_EQ(round_trip<std::int32_t>(std::numeric_limits<std::int32_t>::min()),
            std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(round_trip<std::int64_t>(std::numeric_limits<std::int64_t>::min()),
            std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(round_trip<std::int64_t>(-1234567890123LL), -1234567890123LL);
  // Negative numbers are two's complement, little-endian.
  EXPECT_EQ(encode<std::int16_t>(-2), (Bytes{0xfe, 0xff}));
  EXPECT_EQ(encode<std::int32_t>(-1), (Bytes{0xff, 0xff, 0xff, 0xff}));
}

TEST(WireRoundTrip, BoolsAndEnums) {
  EXPECT_EQ(round_trip(true), true);
  EXPECT_EQ(round_trip(false), false);
  EXPECT_EQ(round_trip(Color::green), Color::green);
  EXPECT_EQ(round_trip(Offset::behind), Offset::behind);
  EXPECT_EQ(encode(Offset::behind), (Bytes{0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  // Out-of-range enum values pass through; callers validate where it matters.
  EXPECT_EQ(static_cast<std::uint8_t>(round_trip(static_cast<Color>(200))), 200);
}

TEST(WireRoundTrip, DoublesAreBitExact) {
  for (double d : {0.0, -0.0, 1.5, -2.25, 1e300, std::numeric_limits<double>::denorm_min(),
                   std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                   std::numeric_limits<double>::quiet_NaN()}) {
    const double back = round_trip(d);
    std::uint64_t a = 0;
    std::uint64_t b = 0;
    std::memcpy(&a, &d, sizeof a);
    std::memcpy(&b, &back, sizeof b);
    EXPECT_EQ(a, b) << d;
  }
  EXPECT_EQ(encode(1.0), (Bytes{0, 0, 0, 0, 0, 0, 0xf0, 0x3f}));
}

TEST(WireRoundTrip, StringsBytesAndArrays) {
  EXPECT_EQ(round_trip(std::string()), "");
  EXPECT_EQ(round_trip(std::string("hello\0world", 11)), std::string("hello\0world", 11));
  EXPECT_EQ(round_trip(Bytes{}), Bytes{});
  EXPECT_EQ(round_trip(Bytes{0, 1, 0xff}), (Bytes{0, 1, 0xff}));
  const std::array<std::uint8_t, 3> arr = {7, 8, 9};
  EXPECT_EQ(round_trip(arr), arr);
  EXPECT_EQ(encode(arr), (Bytes{7, 8, 9}));  // fixed size: no length prefix
  EXPECT_EQ(round_trip(std::array<std::uint8_t, 0>{}), (std::array<std::uint8_t, 0>{}));
}

TEST(WireRoundTrip, SecretBytes) {
  const SecretBytes secret(Bytes{0xaa, 0xbb, 0xcc});
  const SecretBytes back = round_trip(secret);
  EXPECT_EQ(to_string(back.view()), to_string(secret.view()));
  EXPECT_EQ(encode(secret), (Bytes{3, 0, 0, 0, 0xaa, 0xbb, 0xcc}));
  EXPECT_TRUE(round_trip(SecretBytes()).empty());
}

TEST(WireRoundTrip, VectorsAndOptionals) {
  EXPECT_EQ(round_trip(std::vector<std::int64_t>{-1, 0, 1}), (std::vector<std::int64_t>{-1, 0, 1}));
  EXPECT_EQ(round_trip(std::vector<std::string>{"a", "", "bc"}), (std::vector<std::string>{"a", "", "bc"}));
  EXPECT_EQ(round_trip(std::vector<bool>{true, false}), (std::vector<bool>{true, false}));
  EXPECT_EQ(round_trip(std::vector<Point>{{1, 2}, {-3, -4}}), (std::vector<Point>{{1, 2}, {-3, -4}}));
  EXPECT_EQ(round_trip(std::optional<std::uint32_t>{}), std::nullopt);
  EXPECT_EQ(round_trip(std::optional<std::uint32_t>{0}), 0u);
  EXPECT_EQ(round_trip(std::optional<Point>{Point{5, 6}}), (Point{5, 6}));
  EXPECT_EQ(round_trip(std::optional<std::vector<Point>>{std::vector<Point>{}}), std::vector<Point>{});
}

TEST(WireRoundTrip, NestedStructs) {
  const Outer o = sample_outer();
  EXPECT_EQ(round_trip(o), o);
  EXPECT_EQ(round_trip(Outer{}), Outer{});
  const std::vector<Outer> many = {o, Outer{}, o};
  EXPECT_EQ(round_trip(many), many);
}

TEST(WireRoundTrip, RecursiveStruct) {
  const Node tree{1, {Node{2, {}}, Node{3, {Node{4, {}}}}}};
  EXPECT_EQ(round_trip(tree), tree);
}

struct Small {
  std::uint16_t id = 0;
  bool flag = false;
  std::optional<std::uint32_t> opt;
  std::string name;
  std::vector<std::int8_t> deltas;
  std::array<std::uint8_t, 2> tag{};
  Color color = Color::red;
  std::optional<std::uint8_t> none;
  CLOISTER_FIELDS(id, flag, opt, name, deltas, tag, color, none)
};

// The layout is a contract with the other side of the boundary: pin it.
TEST(WireLayout, GoldenBytes) {
  const Small s{0x1234, true, 0xa1b2c3d4, "hi", {-1, 2}, {0xca, 0xfe}, Color::blue, std::nullopt};
  const Bytes golden = {
      0x34, 0x12,                          // id, u16 LE
      0x01,                                // flag
      0x01, 0xd4, 0xc3, 0xb2, 0xa1,        // opt: present, u32 LE
      0x02, 0x00, 0x00, 0x00, 'h',  'i',   // name: u32 length + bytes
      0x02, 0x00, 0x00, 0x00, 0xff, 0x02,  // deltas: u32 count + elements
      0xca, 0xfe,                          // tag: no prefix
      0x03,                                // color
      0x00,                                // none: absent
  };
  EXPECT_EQ(encode(s), golden);
  auto back = decode<Small>(golden);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->id, 0x1234);
  EXPECT_TRUE(back->flag);
  EXPECT_EQ(back->opt, 0xa1b2c3d4u);
  EXPECT_EQ(back->name, "hi");
  EXPECT_EQ(back->deltas, (std::vector<std::int8_t>{-1, 2}));
  EXPECT_EQ(back->tag, (std::array<std::uint8_t, 2>{0xca, 0xfe}));
  EXPECT_EQ(back->color, Color::blue);
  EXPECT_EQ(back->none, std::nullopt);
}

TEST(WireDecodeError, EveryTruncationFails) {
  const Bytes encoded = encode(sample_outer());
  ASSERT_GT(encoded.size(), 100u);
  for (std::size_t n = 0; n < encoded.size(); ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    auto decoded = decode<Outer>(ByteView(encoded).first(n));
    ASSERT_FALSE(decoded.is_ok());
    EXPECT_EQ(decoded.status().code(), ErrorCode::decode_error);
    const auto offset = error_offset(decoded.status());
    ASSERT_TRUE(offset.has_value()) << decoded.status().to_string();
    EXPECT_LE(*offset, n) << decoded.status().to_string();
  }
  EXPECT_TRUE(decode<Outer>(encoded).is_ok());
}

TEST(WireDecodeError, TrailingBytes) {
  const Bytes encoded = encode(sample_outer());
  const Status s = expect_decode_error<Outer>(concat(encoded, {0}), encoded.size());
  EXPECT_NE(s.message().find("1 trailing bytes"), std::string::npos) << s.message();
  expect_decode_error<std::uint32_t>({1, 2, 3, 4, 5}, 4);
}

// A strict bool or optional flag is what keeps the encoding canonical: any
// byte other than 0 or 1 is rejected, reported just past the offending byte.
TEST(WireDecodeError, StrictBoolsAndOptionals) {
  expect_decode_error<bool>({2}, 1);
  expect_decode_error<bool>({0xff}, 1);
  expect_decode_error<std::optional<std::uint8_t>>({2, 0}, 1);
  expect_decode_error<std::vector<bool>>({2, 0, 0, 0, 1, 2}, 6);
  // Inside a struct the offset points into the message.
  Bytes golden = encode(Small{});
  golden[2] = 2;  // flag
  expect_decode_error<Small>(golden, 3);
  golden[2] = 0;
  golden[3] = 2;  // opt presence flag
  expect_decode_error<Small>(golden, 4);
}

TEST(WireDecodeError, HugeLengthPrefixFailsWithoutAllocating) {
  const Bytes huge = {0xff, 0xff, 0xff, 0xff, 'a', 'b'};
  AllocationWatch watch;
  expect_decode_error<std::string>(huge, 4);
  expect_decode_error<Bytes>(huge, 4);
  expect_decode_error<SecretBytes>(huge, 4);
  expect_decode_error<std::vector<std::uint64_t>>(huge, 4);
  expect_decode_error<std::vector<Point>>(huge, 4);
  expect_decode_error<std::vector<std::vector<Point>>>(huge, 4);
  expect_decode_error<Outer>(concat({1, 2, 3, 4, 5, 6, 7, 8}, huge), 12);  // inners count
  // Within max_elements and max_field_bytes, but more than the bytes left.
  const Bytes big = {0x00, 0x00, 0x10, 0x00, 'a', 'b'};  // 1 MiB
  expect_decode_error<std::string>(big, 4);
  expect_decode_error<std::vector<std::uint32_t>>(big, 4);
  EXPECT_LT(watch.largest(), kSmallAllocation);
}

// A vector's count is checked against the smallest encoding of one element. A
// struct of fixed fields is not free: 2 bytes cannot hold 65536 Wide structs
// of 4 KiB each, and must not reserve 256 MiB for them.
TEST(WireDecodeError, StructVectorCountCheckedAgainstElementSize) {
  EXPECT_EQ(min_encoded_size<Point>(), 8u);
  EXPECT_EQ(min_encoded_size<Wide>(), 4096u);
  EXPECT_EQ(min_encoded_size<Inner>(), 4u + 4 + 1 + 4);
  EXPECT_EQ(min_encoded_size<Node>(), 1u + 4);
  AllocationWatch watch;
  const Status s = expect_decode_error<std::vector<Wide>>({0x00, 0x00, 0x01, 0x00, 0, 0}, 4);
  EXPECT_NE(s.message().find("bytes left"), std::string::npos) << s.message();
  expect_decode_error<std::vector<Point>>({0x00, 0x00, 0x01, 0x00}, 4);
  EXPECT_LT(watch.largest(), kSmallAllocation);
  // The exact fit still decodes.
  EXPECT_EQ(round_trip(std::vector<Wide>(3)).size(), 3u);
}

TEST(WireDecodeError, VectorCountOverMaxElements) {
  Limits limits;
  limits.max_elements = 3;
  const std::vector<std::uint16_t> three = {1, 2, 3};
  EXPECT_EQ(round_trip(three, limits), three);
  const Status s = expect_decode_error<std::vector<std::uint16_t>>(
      encode(std::vector<std::uint16_t>{1, 2, 3, 4}), 4, limits);
  EXPECT_NE(s.message().find("exceeds the limit 3"), std::string::npos) << s.message();
  expect_decode_error<std::vector<Point>>(encode(std::vector<Point>(4)), 4, limits);
}

TEST(WireDecodeError, FieldOverMaxFieldBytes) {
  Limits limits;
  limits.max_field_bytes = 4;
  EXPECT_EQ(round_trip(std::string("abcd"), limits), "abcd");
  expect_decode_error<std::string>(encode(std::string("abcde")), 4, limits);
  expect_decode_error<Bytes>(encode(Bytes(5)), 4, limits);
  expect_decode_error<SecretBytes>(encode(SecretBytes(5)), 4, limits);
}

TEST(WireDecodeError, NestingDeeperThanMaxDepth) {
  // Grid is a struct (1 level) holding four nested vectors (4 more).
  const Grid grid{1, Deep4{{{{7}}}}};
  Limits limits;
  limits.max_depth = 5;
  EXPECT_EQ(round_trip(grid, limits).cells, grid.cells);
  limits.max_depth = 4;
  const Bytes encoded = encode(grid);
  const Status s = expect_decode_error<Grid>(encoded, 1 + 4 * 4, limits);
  EXPECT_NE(s.message().find("nesting deeper than 4"), std::string::npos) << s.message();

  // A recursive type has no depth bound of its own: a hostile chain of nodes
  // (tag, count 1) must stop at the limit, not overflow the stack.
  Bytes chain;
  for (int i = 0; i < 100000; ++i) chain.insert(chain.end(), {0, 1, 0, 0, 0});
  auto decoded = decode<Node>(chain);  // default max_depth 32: struct + vector per node
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(error_offset(decoded.status()), 16u * 5) << decoded.status().to_string();
}

TEST(WireDecodeError, MessageOverMaxTotalBytes) {
  const Bytes encoded = encode(sample_outer());
  Limits limits;
  limits.max_total_bytes = encoded.size();
  EXPECT_TRUE(decode<Outer>(encoded, limits).is_ok());
  limits.max_total_bytes = encoded.size() - 1;
  auto decoded = decode<Outer>(encoded, limits);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), ErrorCode::out_of_range);
}

}  // namespace
}  // namespace cloister::wire
