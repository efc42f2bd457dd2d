// The memory-heavy workload of runtime_bench: a least-significant-digit
// radix sort of 2^20 pseudo-random 32-bit keys (4 MiB, twice: keys and a
// buffer), one 8-bit digit per pass. Each pass reads every key in order,
// counts its digit, and scatters it to the other array, so the run is
// loads, stores and address arithmetic over more memory than the caches
// hold. Compiled twice from this one file: natively with clang -O2 (linked
// into runtime_bench) and to wasm32 for govchain's engine.
#include <stdint.h>

#if defined(__wasm__)
#define BENCH_EXPORT(name) __attribute__((export_name(#name)))
// No libc on wasm32: clang turns the zeroing of the counts into a call.
void* memset(void* destination, int value, unsigned long size_bytes) {
  uint8_t* bytes = destination;
  for (unsigned long i = 0; i < size_bytes; ++i) bytes[i] = (uint8_t)value;
  return destination;
}
#else
#define BENCH_EXPORT(name)
#endif

enum { radix_keys_max = 1 << 20, radix_digit_bits = 8, radix_buckets = 1 << radix_digit_bits };

static uint32_t radix_keys[radix_keys_max];
static uint32_t radix_buffer[radix_keys_max];

static void radix_pass(const uint32_t* from, uint32_t* to, uint32_t count, uint32_t shift) {
  uint32_t offsets[radix_buckets] = {0};
  for (uint32_t i = 0; i < count; ++i) ++offsets[(from[i] >> shift) & (radix_buckets - 1)];
  uint32_t total = 0;
  for (uint32_t digit = 0; digit < radix_buckets; ++digit) {
    uint32_t bucket_size = offsets[digit];
    offsets[digit] = total;
    total += bucket_size;
  }
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t key = from[i];
    to[offsets[(key >> shift) & (radix_buckets - 1)]++] = key;
  }
}

// Fills `count` keys from a xorshift generator, sorts them in four passes,
// and returns a checksum of the sorted order, or 0 if they are not sorted.
BENCH_EXPORT(bench_radix_sort) uint32_t bench_radix_sort(uint32_t count, uint32_t seed) {
  if (count < 2 || count > radix_keys_max || seed == 0) return 0;
  for (uint32_t i = 0; i < count; ++i) {
    seed ^= seed << 13;
    seed ^= seed >> 17;
    seed ^= seed << 5;
    radix_keys[i] = seed;
  }
  for (uint32_t shift = 0; shift < 32; shift += 2 * radix_digit_bits) {
    radix_pass(radix_keys, radix_buffer, count, shift);
    radix_pass(radix_buffer, radix_keys, count, shift + radix_digit_bits);
  }
  uint32_t checksum = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0 && radix_keys[i - 1] > radix_keys[i]) return 0;
    checksum = checksum * 31u + radix_keys[i];
  }
  return checksum;
}
