// The simulator's only source of randomness: xoshiro256** seeded through
// splitmix64 from one 64-bit seed, so that a whole run replays exactly.
// A plain value; not thread-safe (each simulation owns one).
#pragma once

#include <cassert>
#include <cstdint>

namespace govchain::sim {

class Random {
 public:
  explicit Random(uint64_t seed) {
    for (uint64_t& word : state_) word = splitmix64(seed);
  }

  uint64_t next() {
    uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
    uint64_t shifted = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= shifted;
    state_[3] = rotate_left(state_[3], 45);
    return result;
  }

  // Uniform in [0, bound). Multiply-shift (Lemire) without rejection: the
  // bias below 2^-32 for our small bounds does not matter for a test.
  uint64_t below(uint64_t bound) {
    assert(bound > 0);
    return static_cast<uint64_t>((static_cast<unsigned __int128>(next()) * bound) >> 64);
  }
  // Uniform in [low, high].
  uint64_t between(uint64_t low, uint64_t high) {
    assert(low <= high);
    return low + below(high - low + 1);
  }
  // True with probability per_million / 1e6 (integers keep runs free of
  // floating point and identical across compilers).
  bool chance(uint64_t per_million) { return below(1'000'000) < per_million; }

 private:
  static uint64_t splitmix64(uint64_t& state) {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  static uint64_t rotate_left(uint64_t value, int bits) { return (value << bits) | (value >> (64 - bits)); }
  uint64_t state_[4];
};

}  // namespace govchain::sim
