// Drives the canonical codec Reader with arbitrary bytes through a script of
// reads chosen by the input itself; it must never crash or over-read.
#include <cstdint>

#include "codec/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  govchain::codec::Reader reader(govchain::ByteView(data + 1, size - 1));
  uint8_t script = data[0];
  for (int step = 0; step < 64 && reader.remaining() > 0; ++step) {
    switch ((script + step) % 8) {
      case 0: (void)reader.u8(); break;
      case 1: (void)reader.u32(); break;
      case 2: (void)reader.u64(); break;
      case 3: (void)reader.boolean(); break;
      case 4: (void)reader.bytes(1024); break;
      case 5: (void)reader.text(64); break;
      case 6: (void)reader.count(1000, 4); break;
      default: (void)reader.fixed<32>(); break;
    }
  }
  (void)reader.finish();
  return 0;
}
