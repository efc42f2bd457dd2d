#include <doctest/doctest.h>

#include "codec/codec.h"

using namespace govchain;

TEST_CASE("integers, booleans and byte strings round trip") {
  codec::Writer writer;
  writer.u8(7);
  writer.u16(0x1234);
  writer.u32(0xdeadbeef);
  writer.u64(0x0102030405060708ull);
  writer.i64(-5);
  writer.boolean(true);
  writer.bytes(to_bytes("hello"));
  writer.text("wörld");
  Bytes encoded = writer.take();
  codec::Reader reader(encoded);
  CHECK(*reader.u8() == 7);
  CHECK(*reader.u16() == 0x1234);
  CHECK(*reader.u32() == 0xdeadbeef);
  CHECK(*reader.u64() == 0x0102030405060708ull);
  CHECK(*reader.i64() == -5);
  CHECK(*reader.boolean() == true);
  CHECK(*reader.bytes(100) == to_bytes("hello"));
  CHECK(*reader.text(100) == "wörld");
  CHECK(reader.finish().ok());
}

TEST_CASE("big-endian layout is the one encoding") {
  codec::Writer writer;
  writer.u32(1);
  CHECK(to_hex(writer.data()) == "00000001");
}

TEST_CASE("non-canonical and truncated input is refused") {
  Bytes bad_bool = {2};
  CHECK(codec::Reader(bad_bool).boolean().status().code() == Code::malformed);
  Bytes short_int = {0, 1};
  CHECK(codec::Reader(short_int).u32().status().code() == Code::malformed);
  Bytes long_claim = {0, 0, 0, 10, 'a'};
  CHECK_FALSE(codec::Reader(long_claim).bytes(100).ok());
  Bytes over_limit = {0, 0, 0, 3, 'a', 'b', 'c'};
  CHECK(codec::Reader(over_limit).bytes(2).status().code() == Code::too_large);
  Bytes trailing = {1, 0};
  codec::Reader reader(trailing);
  CHECK(reader.boolean().ok());
  CHECK(reader.finish().code() == Code::malformed);
  Bytes huge_count = {0xff, 0xff, 0xff, 0xff};
  CHECK_FALSE(codec::Reader(huge_count).count(1'000'000'000, 1).ok());
}

TEST_CASE("hex conversion") {
  CHECK(to_hex(*from_hex("00ff10")) == "00ff10");
  CHECK(from_hex("ABcd").ok());
  CHECK_FALSE(from_hex("abc").ok());
  CHECK_FALSE(from_hex("zz").ok());
}
