// The storage-heavy workload of runtime_bench: a contract-like loop that
// reads, updates and writes `count` balances through the host API of
// docs/contracts.md. Compiled natively (runtime_bench defines the host
// functions over a std::map) and to wasm32 as a contract (its imports are
// the node's host, execution::WasmContractHost).
#include <stdint.h>

#if defined(__wasm__)
#define HOST_IMPORT(name) __attribute__((import_module("govchain"), import_name(#name)))
#define BENCH_EXPORT(name) __attribute__((export_name(#name)))
#else
#define HOST_IMPORT(name)
#define BENCH_EXPORT(name)
#endif

HOST_IMPORT(input_size) int32_t govchain_host_input_size(void);
HOST_IMPORT(input_read) void govchain_host_input_read(uint8_t* destination);
HOST_IMPORT(return_data) void govchain_host_return_data(const uint8_t* data, int32_t length);
HOST_IMPORT(storage_get)
int32_t govchain_host_storage_get(const uint8_t* key, int32_t key_length, uint8_t* destination, int32_t capacity);
HOST_IMPORT(storage_set)
void govchain_host_storage_set(const uint8_t* key, int32_t key_length, const uint8_t* value, int32_t value_length);

static uint32_t read_u32(const uint8_t* bytes) {
  return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

static void write_u64(uint8_t* bytes, uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes[i] = (uint8_t)(value >> (8 * i));
}

static uint64_t read_u64(const uint8_t* bytes) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= (uint64_t)bytes[i] << (8 * i);
  return value;
}

enum { balances_max = 100000 };

// Input: count (u32 little-endian) and round (u32). For each account i below
// count: balance["acct/" + i] += i * 7 + round (absent counts as 0). Returns
// the sum of the new balances (u64 little-endian), or nothing on bad input.
BENCH_EXPORT(run) void bench_storage_run(void) {
  uint8_t input[8];
  if (govchain_host_input_size() != 8) return;
  govchain_host_input_read(input);
  uint32_t count = read_u32(input);
  uint32_t round = read_u32(input + 4);
  if (count > balances_max) return;
  uint8_t key[9] = {'a', 'c', 'c', 't', '/'};
  uint8_t value[8];
  uint64_t sum = 0;
  for (uint32_t i = 0; i < count; ++i) {
    for (int b = 0; b < 4; ++b) key[5 + b] = (uint8_t)(i >> (8 * b));
    uint64_t balance = 0;
    if (govchain_host_storage_get(key, 9, value, 8) == 8) balance = read_u64(value);
    balance += (uint64_t)i * 7 + round;
    write_u64(value, balance);
    govchain_host_storage_set(key, 9, value, 8);
    sum += balance;
  }
  write_u64(value, sum);
  govchain_host_return_data(value, 8);
}
