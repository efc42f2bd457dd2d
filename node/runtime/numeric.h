// Numeric semantics of WebAssembly that C++ does not give directly: float
// min/max/nearest, trapping and saturating float-to-int conversions, the
// canonical NaNs of consensus mode. Part of the interpret stage; pure
// functions.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

namespace govchain::runtime::numeric {

inline constexpr uint32_t canonical_nan_f32_bits = 0x7FC00000u;
inline constexpr uint64_t canonical_nan_f64_bits = 0x7FF8000000000000ull;

inline float f32_of(uint64_t slot) { return std::bit_cast<float>(static_cast<uint32_t>(slot)); }
inline double f64_of(uint64_t slot) { return std::bit_cast<double>(slot); }
inline uint64_t slot_of(float value) { return std::bit_cast<uint32_t>(value); }
inline uint64_t slot_of(double value) { return std::bit_cast<uint64_t>(value); }

template <typename Float>
Float wasm_min(Float left, Float right) {
  if (std::isnan(left) || std::isnan(right)) return left + right;  // propagates a quiet NaN
  if (left == 0 && right == 0) return std::signbit(left) ? left : right;
  return left < right ? left : right;
}

template <typename Float>
Float wasm_max(Float left, Float right) {
  if (std::isnan(left) || std::isnan(right)) return left + right;
  if (left == 0 && right == 0) return std::signbit(left) ? right : left;
  return left > right ? left : right;
}

template <typename Float>
Float wasm_nearest(Float value) {
  return std::nearbyint(value);  // the default rounding mode rounds half to even
}

enum class Conversion { ok, nan, overflow };

// One past the largest value of Integer, as a double (exact: a power of two).
template <typename Integer>
constexpr double integer_upper_bound() {
  constexpr unsigned bits = sizeof(Integer) * 8;
  if constexpr (std::is_signed_v<Integer>) return static_cast<double>(uint64_t{1} << (bits - 1));
  if constexpr (bits == 64) return 18446744073709551616.0;
  return static_cast<double>(uint64_t{1} << bits);
}

// The largest double below every value that truncates into Integer: -1 for
// unsigned targets, -2^31 - 1 for i32, and for i64 the double just below
// -2^63 (no double lies between the two).
template <typename Integer>
constexpr double integer_lower_exclusive() {
  if constexpr (!std::is_signed_v<Integer>) return -1.0;
  if constexpr (sizeof(Integer) == 8) return -9223372036854777856.0;
  return -integer_upper_bound<Integer>() - 1.0;
}

// Truncates `value` toward zero into Integer, reporting NaN and overflow.
// The range is checked on the value itself, so that no libm call is
// needed: a value above the exclusive lower bound and below the upper one
// truncates into range (-0.x to 0, which unsigned targets hold too).
template <typename Integer, typename Float>
Conversion truncate(Float value, Integer& result) {
  if (std::isnan(value)) return Conversion::nan;
  const double wide = static_cast<double>(value);
  if (!(wide > integer_lower_exclusive<Integer>() && wide < integer_upper_bound<Integer>()))
    return Conversion::overflow;
  result = static_cast<Integer>(wide);
  return Conversion::ok;
}

template <typename Integer, typename Float>
Integer truncate_saturating(Float value) {
  if (std::isnan(value)) return 0;
  Integer result;
  if (truncate<Integer>(value, result) == Conversion::ok) return result;
  return value < 0 ? std::numeric_limits<Integer>::min() : std::numeric_limits<Integer>::max();
}

}  // namespace govchain::runtime::numeric
