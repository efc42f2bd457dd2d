// Compute workloads of runtime_bench, compiled twice from this one file:
// natively with clang -O2 (linked into runtime_bench) and to wasm32 with
// clang -O2 --target=wasm32 (no libc) for govchain's WebAssembly engine.
// Both builds must give the same results; runtime_bench checks that before
// it prints a ratio.
#include <stdint.h>

#if defined(__wasm__)
#define BENCH_EXPORT(name) __attribute__((export_name(#name)))
// No libc on wasm32: clang may turn loops into calls to these.
void* memset(void* destination, int value, unsigned long size_bytes) {
  uint8_t* bytes = destination;
  for (unsigned long i = 0; i < size_bytes; ++i) bytes[i] = (uint8_t)value;
  return destination;
}
void* memcpy(void* destination, const void* source, unsigned long size_bytes) {
  uint8_t* to = destination;
  const uint8_t* from = source;
  for (unsigned long i = 0; i < size_bytes; ++i) to[i] = from[i];
  return destination;
}
#else
#define BENCH_EXPORT(name)
#endif

// Recursive Fibonacci: calls, branches and integer adds.
BENCH_EXPORT(bench_fib) uint32_t bench_fib(uint32_t n) { return n < 2 ? n : bench_fib(n - 1) + bench_fib(n - 2); }

// SHA-256 (FIPS 180-4), written for this benchmark.
enum { sha256_block_size_bytes = 64, sha256_buffer_size_bytes_max = 65536 };

static const uint32_t round_constants[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t rotate_right(uint32_t value, uint32_t bits) { return (value >> bits) | (value << (32 - bits)); }

static void sha256_compress(uint32_t state[8], const uint8_t block[sha256_block_size_bytes]) {
  uint32_t schedule[64];
  for (int i = 0; i < 16; ++i)
    schedule[i] = (uint32_t)block[4 * i] << 24 | (uint32_t)block[4 * i + 1] << 16 | (uint32_t)block[4 * i + 2] << 8 |
                  (uint32_t)block[4 * i + 3];
  for (int i = 16; i < 64; ++i) {
    uint32_t s0 = rotate_right(schedule[i - 15], 7) ^ rotate_right(schedule[i - 15], 18) ^ (schedule[i - 15] >> 3);
    uint32_t s1 = rotate_right(schedule[i - 2], 17) ^ rotate_right(schedule[i - 2], 19) ^ (schedule[i - 2] >> 10);
    schedule[i] = schedule[i - 16] + s0 + schedule[i - 7] + s1;
  }
  uint32_t a = state[0], b = state[1], c = state[2], d = state[3];
  uint32_t e = state[4], f = state[5], g = state[6], h = state[7];
  for (int i = 0; i < 64; ++i) {
    uint32_t t1 = h + (rotate_right(e, 6) ^ rotate_right(e, 11) ^ rotate_right(e, 25)) + ((e & f) ^ (~e & g)) +
                  round_constants[i] + schedule[i];
    uint32_t t2 = (rotate_right(a, 2) ^ rotate_right(a, 13) ^ rotate_right(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  state[0] += a, state[1] += b, state[2] += c, state[3] += d;
  state[4] += e, state[5] += f, state[6] += g, state[7] += h;
}

static void sha256(const uint8_t* message, uint32_t size_bytes, uint8_t digest[32]) {
  uint32_t state[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  uint32_t offset = 0;
  for (; offset + sha256_block_size_bytes <= size_bytes; offset += sha256_block_size_bytes)
    sha256_compress(state, message + offset);
  uint8_t tail[2 * sha256_block_size_bytes] = {0};
  uint32_t rest = size_bytes - offset;
  for (uint32_t i = 0; i < rest; ++i) tail[i] = message[offset + i];
  tail[rest] = 0x80;
  uint32_t tail_size = rest + 9 <= sha256_block_size_bytes ? sha256_block_size_bytes : 2 * sha256_block_size_bytes;
  uint64_t size_bits = (uint64_t)size_bytes * 8;
  for (int i = 0; i < 8; ++i) tail[tail_size - 1 - i] = (uint8_t)(size_bits >> (8 * i));
  for (uint32_t block = 0; block < tail_size; block += sha256_block_size_bytes) sha256_compress(state, tail + block);
  for (int i = 0; i < 8; ++i) {
    digest[4 * i] = (uint8_t)(state[i] >> 24);
    digest[4 * i + 1] = (uint8_t)(state[i] >> 16);
    digest[4 * i + 2] = (uint8_t)(state[i] >> 8);
    digest[4 * i + 3] = (uint8_t)state[i];
  }
}

static uint8_t sha256_buffer[sha256_buffer_size_bytes_max];
static uint8_t sha256_digest[32];

// Hashes a buffer of size_bytes `rounds` times; each round's digest is
// written into the buffer's head, so no round can be skipped. Returns the
// address of the final digest (32 bytes), or 0 if size_bytes is too large.
BENCH_EXPORT(bench_sha256) const uint8_t* bench_sha256(uint32_t size_bytes, uint32_t rounds) {
  if (size_bytes < 32 || size_bytes > sha256_buffer_size_bytes_max) return 0;
  for (uint32_t i = 0; i < size_bytes; ++i) sha256_buffer[i] = (uint8_t)(i * 31 + 7);
  for (uint32_t round = 0; round < rounds; ++round) {
    sha256(sha256_buffer, size_bytes, sha256_digest);
    for (int i = 0; i < 32; ++i) sha256_buffer[i] = sha256_digest[i];
  }
  return sha256_digest;
}

// Sorting: an in-place heap sort of pseudo-random 32-bit keys.
enum { sort_elements_max = 1 << 18 };
static uint32_t sort_keys[sort_elements_max];

static void sift_down(uint32_t* keys, uint32_t root, uint32_t count) {
  for (;;) {
    uint32_t child = 2 * root + 1;
    if (child >= count) return;
    if (child + 1 < count && keys[child + 1] > keys[child]) ++child;
    if (keys[root] >= keys[child]) return;
    uint32_t swapped = keys[root];
    keys[root] = keys[child];
    keys[child] = swapped;
    root = child;
  }
}

// Fills `count` keys from a linear congruential generator, sorts them, and
// returns a checksum of the sorted order, or 0 if they are not sorted.
BENCH_EXPORT(bench_sort) uint32_t bench_sort(uint32_t count, uint32_t seed) {
  if (count < 2 || count > sort_elements_max) return 0;
  for (uint32_t i = 0; i < count; ++i) {
    seed = seed * 1664525u + 1013904223u;
    sort_keys[i] = seed;
  }
  for (uint32_t root = count / 2; root-- > 0;) sift_down(sort_keys, root, count);
  for (uint32_t end = count - 1; end > 0; --end) {
    uint32_t largest = sort_keys[0];
    sort_keys[0] = sort_keys[end];
    sort_keys[end] = largest;
    sift_down(sort_keys, 0, end);
  }
  uint32_t checksum = 0;
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0 && sort_keys[i - 1] > sort_keys[i]) return 0;
    checksum = checksum * 31u + sort_keys[i];
  }
  return checksum;
}
