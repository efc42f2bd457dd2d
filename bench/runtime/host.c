// The host-function workload of runtime_bench's gas schedule check: a
// contract that calls one function of the node's host API (docs/contracts.md)
// `count` times, so that the check can set the CPU time of that host
// function beside the gas it is charged. Compiled to wasm32 only; its
// imports are the node's host, execution::WasmContractHost.
#include <stdint.h>

#define HOST_IMPORT(name) __attribute__((import_module("govchain"), import_name(#name)))

HOST_IMPORT(input_size) int32_t govchain_host_input_size(void);
HOST_IMPORT(input_read) void govchain_host_input_read(uint8_t* destination);
HOST_IMPORT(storage_get)
int32_t govchain_host_storage_get(const uint8_t* key, int32_t key_length, uint8_t* destination, int32_t capacity);
HOST_IMPORT(storage_set)
void govchain_host_storage_set(const uint8_t* key, int32_t key_length, const uint8_t* value, int32_t value_length);
HOST_IMPORT(emit_event)
void govchain_host_emit_event(const uint8_t* topic, int32_t topic_length, const uint8_t* data, int32_t data_length);
HOST_IMPORT(sha256) void govchain_host_sha256(const uint8_t* data, int32_t length, uint8_t* digest);
HOST_IMPORT(schnorr_verify)
int32_t govchain_host_schnorr_verify(const uint8_t* public_key, const uint8_t* message, int32_t message_length,
                                     const uint8_t* signature);

enum { kind_none = 0, kind_schnorr = 1, kind_sha256 = 2, kind_storage_set = 3, kind_storage_get = 4, kind_event = 5 };
enum { header_bytes = 12, key_bytes = 32, signature_bytes = 64, payload_max = 16384 };

static uint8_t input[header_bytes + key_bytes + signature_bytes + payload_max];
static uint8_t scratch[payload_max];

static uint32_t read_u32(const uint8_t* bytes) {
  return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

// Input: kind (u32), count (u32), size (u32), an x-only public key (32
// bytes), a signature (64 bytes) and a payload of `size` bytes (the signed
// message, the hashed data, or the value stored or emitted). Storage keys
// are "k/" and the round's index; a run writes fresh keys each round.
__attribute__((export_name("run"))) void bench_host_run(void) {
  int32_t length = govchain_host_input_size();
  if (length < header_bytes + key_bytes + signature_bytes || length > (int32_t)sizeof(input)) return;
  govchain_host_input_read(input);
  const uint32_t kind = read_u32(input), count = read_u32(input + 4), size = read_u32(input + 8);
  const uint8_t* public_key = input + header_bytes;
  const uint8_t* signature = public_key + key_bytes;
  const uint8_t* payload = signature + signature_bytes;
  if (size > payload_max || (int32_t)(header_bytes + key_bytes + signature_bytes + size) != length) return;
  uint8_t key[6] = {'k', '/'};
  volatile int32_t sink = 0;
  for (uint32_t i = 0; i < count; ++i) {
    for (int b = 0; b < 4; ++b) key[2 + b] = (uint8_t)(i >> (8 * b));
    if (kind == kind_schnorr) sink += govchain_host_schnorr_verify(public_key, payload, (int32_t)size, signature);
    if (kind == kind_sha256) govchain_host_sha256(payload, (int32_t)size, scratch);
    if (kind == kind_storage_set) govchain_host_storage_set(key, 6, payload, (int32_t)size);
    if (kind == kind_storage_get) sink += govchain_host_storage_get(key, 6, scratch, (int32_t)size);
    if (kind == kind_event) govchain_host_emit_event(key, 6, payload, (int32_t)size);
  }
  (void)sink;
}
