// Basic value types of the contract SDK, usable without libc or the C++
// standard library: byte views, fixed 32-byte values, an arena allocator and
// an arena-backed vector.
//
// Memory model: a contract call is short-lived and runs in a fresh instance,
// so the SDK never frees. Everything is bump-allocated from one arena that
// lives until the call ends (on wasm32 it grows the linear memory with
// memory.grow; natively it is a static buffer the mock host resets per call).
// All types here are trivially copyable views or values; copying a Bytes or a
// Vector copies the view, not the bytes. Not thread-safe (a call is single-threaded).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace govchain {

// Ends the call with `message`; defined in host.h. Declared here so that the
// allocator can fail cleanly when the arena is exhausted.
[[noreturn]] inline void fail(const char* message);

namespace detail {
constexpr uint32_t c_string_length(const char* text) {
  uint32_t length = 0;
  while (text[length] != 0) ++length;
  return length;
}
}  // namespace detail

// A read-only view of bytes owned elsewhere (the arena, the input, a literal).
struct Bytes {
  const uint8_t* data = nullptr;
  uint32_t size = 0;

  Bytes() = default;
  constexpr Bytes(const uint8_t* data_in, uint32_t size_in) : data(data_in), size(size_in) {}
  // A string literal or other NUL-terminated text, without the NUL.
  Bytes(const char* text)  // NOLINT: implicit on purpose, for literals.
      : data(reinterpret_cast<const uint8_t*>(text)), size(detail::c_string_length(text)) {}

  bool empty() const { return size == 0; }
  uint8_t operator[](uint32_t index) const { return data[index]; }
  const uint8_t* begin() const { return data; }
  const uint8_t* end() const { return data + size; }
};

inline bool operator==(Bytes left, Bytes right) {
  if (left.size != right.size) return false;
  for (uint32_t i = 0; i < left.size; ++i)
    if (left.data[i] != right.data[i]) return false;
  return true;
}
inline bool operator!=(Bytes left, Bytes right) { return !(left == right); }

// Text is bytes; the name says what the caller expects (UTF-8 / ASCII codes).
using String = Bytes;

// A 32-byte value: a hash, a certificate id or an x-only public key.
struct Bytes32 {
  uint8_t bytes[32] = {};

  Bytes view() const { return Bytes(bytes, 32); }
  bool is_zero() const {
    for (uint8_t byte : bytes)
      if (byte != 0) return false;
    return true;
  }
};
inline bool operator==(const Bytes32& left, const Bytes32& right) { return left.view() == right.view(); }
inline bool operator!=(const Bytes32& left, const Bytes32& right) { return !(left == right); }

using Hash = Bytes32;
using PublicKey = Bytes32;

// A BIP340 signature.
struct Signature {
  uint8_t bytes[64] = {};
  Bytes view() const { return Bytes(bytes, 64); }
};

// ---- Arena ----------------------------------------------------------------

namespace detail {

inline constexpr uint32_t arena_alignment = 8;

#if defined(__wasm__)
extern "C" unsigned char __heap_base;  // first free byte, provided by wasm-ld

struct ArenaState {
  uintptr_t next = 0;
  uintptr_t end = 0;
};
inline ArenaState arena_state;

inline void* arena_allocate(uint32_t size_bytes) {
  ArenaState& arena = arena_state;
  if (arena.next == 0) {
    arena.next = reinterpret_cast<uintptr_t>(&__heap_base);
    arena.end = __builtin_wasm_memory_size(0) * 65536u;
  }
  uintptr_t start = (arena.next + arena_alignment - 1) & ~uintptr_t(arena_alignment - 1);
  if (size_bytes > 0x10000000u) fail("out of memory: allocation too large");
  uintptr_t stop = start + size_bytes;
  if (stop > arena.end) {
    uintptr_t missing = stop - arena.end;
    uint32_t pages = static_cast<uint32_t>((missing + 65535u) / 65536u);
    if (__builtin_wasm_memory_grow(0, pages) == static_cast<size_t>(-1)) fail("out of memory");
    arena.end += uintptr_t(pages) * 65536u;
  }
  arena.next = stop;
  return reinterpret_cast<void*>(start);
}
#else
// Native builds (unit tests against the mock host): a static buffer that the
// mock host rewinds before every call.
inline constexpr uint32_t native_arena_size_bytes = 32u << 20;
alignas(16) inline uint8_t native_arena[native_arena_size_bytes];
inline uint32_t native_arena_used = 0;

inline void arena_reset() { native_arena_used = 0; }

inline void* arena_allocate(uint32_t size_bytes) {
  uint32_t start = (native_arena_used + arena_alignment - 1) & ~(arena_alignment - 1);
  if (size_bytes > native_arena_size_bytes - start) fail("out of memory");
  native_arena_used = start + size_bytes;
  return native_arena + start;
}
#endif

inline void copy_bytes(void* destination, const void* source, uint32_t size_bytes) {
  auto* to = static_cast<uint8_t*>(destination);
  const auto* from = static_cast<const uint8_t*>(source);
  for (uint32_t i = 0; i < size_bytes; ++i) to[i] = from[i];
}

inline void zero_bytes(void* destination, uint32_t size_bytes) {
  auto* to = static_cast<uint8_t*>(destination);
  for (uint32_t i = 0; i < size_bytes; ++i) to[i] = 0;
}

}  // namespace detail

// Zeroed arena memory for `count` values of T. T must be trivially copyable
// (the SDK never runs destructors).
template <typename T>
T* allocate(uint32_t count) {
  if (count > 0x10000000u / sizeof(T)) fail("out of memory: allocation too large");
  void* memory = detail::arena_allocate(static_cast<uint32_t>(count * sizeof(T)));
  detail::zero_bytes(memory, static_cast<uint32_t>(count * sizeof(T)));
  return static_cast<T*>(memory);
}

// A copy of `source` in the arena, for views that must outlive their source.
inline Bytes copy(Bytes source) {
  uint8_t* target = allocate<uint8_t>(source.size);
  detail::copy_bytes(target, source.data, source.size);
  return Bytes(target, source.size);
}

// A growable array in the arena. Growth copies into a new block and leaves
// the old one behind, which is fine for short calls with small lists.
template <typename T>
struct Vector {
  T* data = nullptr;
  uint32_t size = 0;
  uint32_t capacity = 0;

  void push_back(const T& value) {
    if (size == capacity) grow(capacity == 0 ? 4 : capacity * 2);
    data[size++] = value;
  }
  void reserve(uint32_t wanted) {
    if (wanted > capacity) grow(wanted);
  }
  T& operator[](uint32_t index) { return data[index]; }
  const T& operator[](uint32_t index) const { return data[index]; }
  T& back() { return data[size - 1]; }
  const T& back() const { return data[size - 1]; }
  bool empty() const { return size == 0; }
  T* begin() { return data; }
  T* end() { return data + size; }
  const T* begin() const { return data; }
  const T* end() const { return data + size; }

 private:
  void grow(uint32_t new_capacity) {
    T* bigger = allocate<T>(new_capacity);
    for (uint32_t i = 0; i < size; ++i) bigger[i] = data[i];
    data = bigger;
    capacity = new_capacity;
  }
};

}  // namespace govchain

#if defined(__wasm__)
// clang may turn loops and struct copies into calls to these; without libc
// the contract must define them. The no_builtin attribute keeps clang from
// recognising the loops below as memcpy/memset and calling themselves. They
// are weak rather than inline: calls the backend emits do not count as uses,
// so an inline definition would never be emitted.
extern "C" {
__attribute__((weak, visibility("hidden"), no_builtin("memcpy"))) void* memcpy(void* destination, const void* source,
                                                                               size_t size) {
  auto* to = static_cast<unsigned char*>(destination);
  const auto* from = static_cast<const unsigned char*>(source);
  for (size_t i = 0; i < size; ++i) to[i] = from[i];
  return destination;
}
__attribute__((weak, visibility("hidden"), no_builtin("memmove"))) void* memmove(void* destination, const void* source,
                                                                                 size_t size) {
  auto* to = static_cast<unsigned char*>(destination);
  const auto* from = static_cast<const unsigned char*>(source);
  if (to < from) {
    for (size_t i = 0; i < size; ++i) to[i] = from[i];
  } else {
    for (size_t i = size; i > 0; --i) to[i - 1] = from[i - 1];
  }
  return destination;
}
__attribute__((weak, visibility("hidden"), no_builtin("memset"))) void* memset(void* destination, int value,
                                                                               size_t size) {
  auto* to = static_cast<unsigned char*>(destination);
  for (size_t i = 0; i < size; ++i) to[i] = static_cast<unsigned char>(value);
  return destination;
}
__attribute__((weak, visibility("hidden"), no_builtin("memcmp"))) int memcmp(const void* left, const void* right,
                                                                             size_t size) {
  const auto* a = static_cast<const unsigned char*>(left);
  const auto* b = static_cast<const unsigned char*>(right);
  for (size_t i = 0; i < size; ++i)
    if (a[i] != b[i]) return a[i] < b[i] ? -1 : 1;
  return 0;
}
}
#endif
