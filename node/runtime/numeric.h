// Numeric semantics of WebAssembly that C++ does not give directly: float
// min/max/nearest, trapping and saturating float-to-int conversions, NaN
// canonicalisation. Part of the interpret stage; pure functions.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace govchain::runtime::numeric {

inline constexpr uint32_t canonical_nan_f32_bits = 0x7FC00000u;
inline constexpr uint64_t canonical_nan_f64_bits = 0x7FF8000000000000ull;

inline float f32_of(uint64_t slot) { return std::bit_cast<float>(static_cast<uint32_t>(slot)); }
inline double f64_of(uint64_t slot) { return std::bit_cast<double>(slot); }
inline uint64_t slot_of(float value) { return std::bit_cast<uint32_t>(value); }
inline uint64_t slot_of(double value) { return std::bit_cast<uint64_t>(value); }

// In consensus mode every NaN result becomes the canonical NaN.
inline uint64_t canonical_f32(bool consensus, float value) {
  if (consensus && std::isnan(value)) return canonical_nan_f32_bits;
  return slot_of(value);
}

inline uint64_t canonical_f64(bool consensus, double value) {
  if (consensus && std::isnan(value)) return canonical_nan_f64_bits;
  return slot_of(value);
}

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

// One past the largest value of Integer, and its smallest value, as doubles
// (exact: both are powers of two or zero).
template <typename Integer>
constexpr double integer_upper_bound() {
  constexpr unsigned bits = sizeof(Integer) * 8;
  if constexpr (std::is_signed_v<Integer>) return static_cast<double>(uint64_t{1} << (bits - 1));
  if constexpr (bits == 64) return 18446744073709551616.0;
  return static_cast<double>(uint64_t{1} << bits);
}

template <typename Integer>
constexpr double integer_lower_bound() {
  if constexpr (std::is_signed_v<Integer>) return -integer_upper_bound<Integer>();
  return 0.0;
}

// Truncates `value` toward zero into Integer, reporting NaN and overflow.
// -0.x truncates to -0.0, which is in range for unsigned targets too.
template <typename Integer, typename Float>
Conversion truncate(Float value, Integer& result) {
  if (std::isnan(value)) return Conversion::nan;
  const double truncated = std::trunc(static_cast<double>(value));
  if (!(truncated >= integer_lower_bound<Integer>() && truncated < integer_upper_bound<Integer>()))
    return Conversion::overflow;
  result = static_cast<Integer>(truncated);
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
