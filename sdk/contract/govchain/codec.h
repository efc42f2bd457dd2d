// The canonical encoding of govchain (node/codec/codec.h), for contracts:
// integers fixed-width big-endian; bool one byte 0/1; bytes and strings with
// a u32 big-endian length prefix; lists with a u32 count; 32-byte values raw.
// There is exactly one encoding per value, so a Reader aborts the call on
// anything else (short input, a bool other than 0/1, trailing bytes at finish()).
//
// Writer owns an arena buffer; Reader borrows its input and hands out views
// into it. Free functions encode()/decode() give every SDK type one spelling,
// so that Map<Key, Value> and Vector<T> can encode any of them; structs
// declared with GOVCHAIN_STRUCT (abi.h) get theirs generated.
#pragma once

#include "govchain/host.h"

namespace govchain {

class Writer {
 public:
  void u8(uint8_t value) { append(&value, 1); }
  void u32(uint32_t value) { big_endian(value, 4); }
  void u64(uint64_t value) { big_endian(value, 8); }
  void i64(int64_t value) { u64(static_cast<uint64_t>(value)); }
  void boolean(bool value) { u8(value ? 1 : 0); }
  void raw(Bytes value) { append(value.data, value.size); }
  void fixed(const Bytes32& value) { append(value.bytes, 32); }
  void bytes(Bytes value) {
    u32(value.size);
    raw(value);
  }
  void text(String value) { bytes(value); }
  void count(uint32_t value) { u32(value); }

  Bytes data() const { return Bytes(buffer_, size_); }
  uint32_t size() const { return size_; }

 private:
  void big_endian(uint64_t value, int width) {
    uint8_t out[8];
    for (int i = 0; i < width; ++i) out[i] = static_cast<uint8_t>(value >> (8 * (width - 1 - i)));
    append(out, static_cast<uint32_t>(width));
  }
  void append(const uint8_t* data, uint32_t size) {
    if (size_ + size > capacity_) grow(size_ + size);
    detail::copy_bytes(buffer_ + size_, data, size);
    size_ += size;
  }
  void grow(uint32_t needed) {
    uint32_t new_capacity = capacity_ == 0 ? 64 : capacity_;
    while (new_capacity < needed) new_capacity *= 2;
    uint8_t* bigger = allocate<uint8_t>(new_capacity);
    detail::copy_bytes(bigger, buffer_, size_);
    buffer_ = bigger;
    capacity_ = new_capacity;
  }
  uint8_t* buffer_ = nullptr;
  uint32_t size_ = 0;
  uint32_t capacity_ = 0;
};

class Reader {
 public:
  explicit Reader(Bytes input) : input_(input) {}

  uint8_t u8() { return take(1)[0]; }
  uint32_t u32() { return static_cast<uint32_t>(big_endian(4)); }
  uint64_t u64() { return big_endian(8); }
  int64_t i64() { return static_cast<int64_t>(big_endian(8)); }
  bool boolean() {
    uint8_t value = u8();
    require(value <= 1, "malformed input: bool must be 0 or 1");
    return value == 1;
  }
  Bytes raw(uint32_t size) {
    const uint8_t* start = take(size);
    return Bytes(start, size);
  }
  Bytes32 fixed() {
    Bytes32 value;
    detail::copy_bytes(value.bytes, take(32), 32);
    return value;
  }
  Signature signature() {
    Signature value;
    detail::copy_bytes(value.bytes, take(64), 64);
    return value;
  }
  Bytes bytes() { return raw(u32()); }
  String text() { return bytes(); }
  // A list count, refused when the rest could not hold that many elements of
  // at least `element_size_bytes_min` bytes (so a forged count cannot make
  // the contract allocate more than the input justifies).
  uint32_t count(uint32_t element_size_bytes_min = 1) {
    uint32_t value = u32();
    uint32_t per_element = element_size_bytes_min == 0 ? 1 : element_size_bytes_min;
    require(value <= remaining() / per_element, "malformed input: list count beyond input");
    return value;
  }

  uint32_t remaining() const { return input_.size - position_; }
  // Aborts unless every byte was read: one encoding per value.
  void finish() const { require(position_ == input_.size, "malformed input: trailing bytes"); }

 private:
  const uint8_t* take(uint32_t size) {
    require(size <= remaining(), "malformed input: too short");
    const uint8_t* start = input_.data + position_;
    position_ += size;
    return start;
  }
  uint64_t big_endian(int width) {
    const uint8_t* bytes = take(static_cast<uint32_t>(width));
    uint64_t value = 0;
    for (int i = 0; i < width; ++i) value = (value << 8) | bytes[i];
    return value;
  }
  Bytes input_;
  uint32_t position_ = 0;
};

// ---- encode / decode: one overload per type --------------------------------

// Catches every type without an exact overload (an int literal, a const
// char*, which would otherwise silently become a bool): pass exact types.
template <typename T>
void encode(Writer& writer, T value) = delete;

inline void encode(Writer& writer, bool value) { writer.boolean(value); }
inline void encode(Writer& writer, uint8_t value) { writer.u8(value); }
inline void encode(Writer& writer, uint32_t value) { writer.u32(value); }
inline void encode(Writer& writer, uint64_t value) { writer.u64(value); }
inline void encode(Writer& writer, int64_t value) { writer.i64(value); }
inline void encode(Writer& writer, Bytes value) { writer.bytes(value); }
inline void encode(Writer& writer, const Bytes32& value) { writer.fixed(value); }
inline void encode(Writer& writer, const Signature& value) { writer.raw(value.view()); }
template <typename T>
void encode(Writer& writer, const Vector<T>& values) {
  writer.count(values.size);
  for (const T& value : values) encode(writer, value);
}

inline void decode(Reader& reader, bool& value) { value = reader.boolean(); }
inline void decode(Reader& reader, uint8_t& value) { value = reader.u8(); }
inline void decode(Reader& reader, uint32_t& value) { value = reader.u32(); }
inline void decode(Reader& reader, uint64_t& value) { value = reader.u64(); }
inline void decode(Reader& reader, int64_t& value) { value = reader.i64(); }
inline void decode(Reader& reader, Bytes& value) { value = reader.bytes(); }
inline void decode(Reader& reader, Bytes32& value) { value = reader.fixed(); }
inline void decode(Reader& reader, Signature& value) { value = reader.signature(); }
template <typename T>
void decode(Reader& reader, Vector<T>& values) {
  uint32_t count = reader.count();
  values = Vector<T>();
  values.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    T value;
    decode(reader, value);
    values.push_back(value);
  }
}

// The canonical encoding of one value.
template <typename T>
Bytes encode_value(const T& value) {
  Writer writer;
  encode(writer, value);
  return writer.data();
}

// Decodes exactly one value from `bytes` (aborts on trailing bytes).
template <typename T>
T decode_value(Bytes bytes) {
  Reader reader(bytes);
  T value;
  decode(reader, value);
  reader.finish();
  return value;
}

}  // namespace govchain
