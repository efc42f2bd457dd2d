#include "runtime/reader.h"

#include "runtime/errors.h"

namespace govchain::runtime {

bool Reader::fail(std::string_view cause) { return fail_at(cause, position_); }

bool Reader::fail_at(std::string_view cause, size_t offset) {
  if (status_.ok()) status_ = malformed_error(cause, offset);
  position_ = end_;
  return false;
}

bool Reader::read_byte_slow(uint8_t& value) {
  if (!status_.ok()) return false;
  if (position_ >= end_) return fail("unexpected end");
  value = bytes_[position_++];
  return true;
}

bool Reader::read_unsigned(uint64_t& value, unsigned bits) {
  value = 0;
  const unsigned bytes_max = (bits + 6) / 7;
  for (unsigned index = 0; index < bytes_max; ++index) {
    uint8_t byte;
    if (!read_byte(byte)) return false;
    const unsigned shift = 7 * index;
    if (index == bytes_max - 1) {
      const unsigned used_bits = bits - shift;
      if ((byte & 0x80) != 0) return fail("integer representation too long");
      if (used_bits < 7 && (byte >> used_bits) != 0) return fail("integer too large");
    }
    value |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return fail("integer representation too long");
}

bool Reader::read_signed(int64_t& value, unsigned bits) {
  uint64_t result = 0;
  const unsigned bytes_max = (bits + 6) / 7;
  for (unsigned index = 0; index < bytes_max; ++index) {
    uint8_t byte;
    if (!read_byte(byte)) return false;
    const unsigned shift = 7 * index;
    if (index == bytes_max - 1) {
      if ((byte & 0x80) != 0) return fail("integer representation too long");
      // The unused high bits must all equal the sign bit.
      const unsigned used_bits = bits - shift;
      if (used_bits < 7) {
        const uint8_t high_mask = static_cast<uint8_t>(0x7F & ~((1u << (used_bits - 1)) - 1));
        const uint8_t high = byte & high_mask;
        if (high != 0 && high != high_mask) return fail("integer too large");
      }
    }
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) {
      const unsigned total_bits = shift + 7;
      if (total_bits < 64 && (byte & 0x40) != 0) result |= ~uint64_t{0} << total_bits;
      value = static_cast<int64_t>(result);
      return true;
    }
  }
  return fail("integer representation too long");
}

bool Reader::read_u32_slow(uint32_t& value) {
  uint64_t wide;
  if (!read_unsigned(wide, 32)) return false;
  value = static_cast<uint32_t>(wide);
  return true;
}

bool Reader::read_s32(int32_t& value) {
  int64_t wide;
  if (!read_signed(wide, 32)) return false;
  value = static_cast<int32_t>(wide);
  return true;
}

bool Reader::read_s33(int64_t& value) { return read_signed(value, 33); }

bool Reader::read_s64(int64_t& value) { return read_signed(value, 64); }

bool Reader::read_f32_bits(uint32_t& value) {
  ByteView view;
  if (!read_bytes(4, view)) return false;
  std::memcpy(&value, view.data(), 4);
  return true;
}

bool Reader::read_f64_bits(uint64_t& value) {
  ByteView view;
  if (!read_bytes(8, view)) return false;
  std::memcpy(&value, view.data(), 8);
  return true;
}

bool Reader::read_bytes(size_t count, ByteView& value) {
  if (!status_.ok()) return false;
  if (count > remaining_bytes()) return fail("unexpected end");
  value = bytes_.subspan(position_, count);
  position_ += count;
  return true;
}

bool Reader::read_name(std::string& value) {
  uint32_t length;
  if (!read_u32(length)) return false;
  const size_t start = position_;
  ByteView view;
  if (!read_bytes(length, view)) return false;
  if (!is_valid_utf8(view)) return fail_at("malformed UTF-8 encoding", start);
  value.assign(view.begin(), view.end());
  return true;
}

std::string limit_text(std::string_view what, uint64_t count, uint64_t count_max, std::string_view limit_name) {
  std::string text =
      "too many " + std::string(what) + " (" + std::to_string(count) + "; the limit is " + std::to_string(count_max);
  if (!limit_name.empty()) text += ", Limits::" + std::string(limit_name);
  return text + ")";
}

bool Reader::read_count(uint32_t& count, size_t element_size_bytes_min, uint32_t count_max, std::string_view what,
                        std::string_view limit_name) {
  if (!read_u32(count)) return false;
  if (count > count_max) return fail(limit_text(what, count, count_max, limit_name));
  if (static_cast<uint64_t>(count) * element_size_bytes_min > remaining_bytes())
    return fail("unexpected end: " + std::string(what) + " count " + std::to_string(count) + " exceeds the bytes left");
  return true;
}

bool is_valid_utf8(ByteView bytes) {
  size_t index = 0;
  while (index < bytes.size()) {
    const uint8_t first = bytes[index];
    size_t length;
    uint32_t code_point;
    if (first < 0x80) {
      ++index;
      continue;
    } else if ((first & 0xE0) == 0xC0) {
      length = 2;
      code_point = first & 0x1F;
    } else if ((first & 0xF0) == 0xE0) {
      length = 3;
      code_point = first & 0x0F;
    } else if ((first & 0xF8) == 0xF0) {
      length = 4;
      code_point = first & 0x07;
    } else {
      return false;
    }
    if (index + length > bytes.size()) return false;
    for (size_t offset = 1; offset < length; ++offset) {
      const uint8_t next = bytes[index + offset];
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (length == 2 && code_point < 0x80) return false;
    if (length == 3 && (code_point < 0x800 || (code_point >= 0xD800 && code_point <= 0xDFFF))) return false;
    if (length == 4 && (code_point < 0x10000 || code_point > 0x10FFFF)) return false;
    index += length;
  }
  return true;
}

}  // namespace govchain::runtime
