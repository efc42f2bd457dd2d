#include "codec/codec.h"

namespace govchain::codec {

void Writer::put_big_endian(uint64_t value, int width) {
  for (int shift = (width - 1) * 8; shift >= 0; shift -= 8) out_.push_back(static_cast<uint8_t>(value >> shift));
}

void Writer::bytes(ByteView value) {
  u32(static_cast<uint32_t>(value.size()));
  raw(value);
}

void Writer::text(std::string_view value) {
  u32(static_cast<uint32_t>(value.size()));
  out_.insert(out_.end(), value.begin(), value.end());
}

static Status truncated(size_t position, size_t wanted) {
  return error(Code::malformed, "input ends at byte " + std::to_string(position) + " where " +
                                    std::to_string(wanted) + " more bytes were expected");
}

Result<uint64_t> Reader::big_endian(int width) {
  if (remaining() < static_cast<size_t>(width)) return truncated(position_, width);
  uint64_t value = 0;
  for (int i = 0; i < width; ++i) value = value << 8 | input_[position_ + i];
  position_ += width;
  return value;
}

Result<uint8_t> Reader::u8() {
  auto value = big_endian(1);
  if (!value.ok()) return value.status();
  return static_cast<uint8_t>(*value);
}
Result<uint16_t> Reader::u16() {
  auto value = big_endian(2);
  if (!value.ok()) return value.status();
  return static_cast<uint16_t>(*value);
}
Result<uint32_t> Reader::u32() {
  auto value = big_endian(4);
  if (!value.ok()) return value.status();
  return static_cast<uint32_t>(*value);
}
Result<uint64_t> Reader::u64() { return big_endian(8); }
Result<int64_t> Reader::i64() {
  auto value = big_endian(8);
  if (!value.ok()) return value.status();
  return static_cast<int64_t>(*value);
}

Result<bool> Reader::boolean() {
  size_t at = position_;
  auto value = u8();
  if (!value.ok()) return value.status();
  if (*value > 1) return error(Code::malformed, "boolean at byte " + std::to_string(at) + " is neither 0 nor 1");
  return *value == 1;
}

Result<ByteView> Reader::raw(size_t size_bytes) {
  if (remaining() < size_bytes) return truncated(position_, size_bytes);
  ByteView view = input_.subspan(position_, size_bytes);
  position_ += size_bytes;
  return view;
}

Result<Bytes> Reader::bytes(size_t size_bytes_max) {
  size_t at = position_;
  auto size = u32();
  if (!size.ok()) return size.status();
  if (*size > size_bytes_max)
    return error(Code::too_large, "byte string at byte " + std::to_string(at) + " has length " +
                                      std::to_string(*size) + ", limit is " + std::to_string(size_bytes_max));
  auto view = raw(*size);
  if (!view.ok()) return view.status();
  return Bytes(view->begin(), view->end());
}

Result<std::string> Reader::text(size_t size_bytes_max) {
  auto value = bytes(size_bytes_max);
  if (!value.ok()) return value.status();
  return std::string(value->begin(), value->end());
}

Result<size_t> Reader::count(size_t count_max, size_t element_size_bytes_min) {
  size_t at = position_;
  auto value = u32();
  if (!value.ok()) return value.status();
  if (*value > count_max)
    return error(Code::too_large, "list at byte " + std::to_string(at) + " has " + std::to_string(*value) +
                                      " entries, limit is " + std::to_string(count_max));
  if (element_size_bytes_min > 0 && *value > remaining() / element_size_bytes_min)
    return error(Code::malformed, "list at byte " + std::to_string(at) + " claims " + std::to_string(*value) +
                                      " entries but only " + std::to_string(remaining()) + " bytes follow");
  return static_cast<size_t>(*value);
}

Status Reader::finish() const {
  if (remaining() != 0)
    return error(Code::malformed, std::to_string(remaining()) + " trailing bytes after the value at byte " +
                                      std::to_string(position_));
  return Status();
}

}  // namespace govchain::codec
