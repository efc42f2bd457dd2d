// The node's ABI checks on arbitrary input (node/execution/abi_check.h): the
// argument bytes of a call checked against an ABI of every type, and the
// input as the ABI of a call. Neither may crash, over-read or loop.
#include <cstdint>
#include <string>

#include "execution/abi_check.h"

namespace {

const char* const every_type = R"({"abi_version": 1,
  "types": {"pair": [{"name": "a", "type": "code"}, {"name": "b", "type": "list<zone>"}]},
  "methods": [{"name": "m", "arguments": [
    {"name": "a", "type": "u32"}, {"name": "b", "type": "i64"}, {"name": "c", "type": "bool"},
    {"name": "d", "type": "string"}, {"name": "e", "type": "bytes"}, {"name": "f", "type": "hash"},
    {"name": "g", "type": "name"}, {"name": "h", "type": "date"}, {"name": "i", "type": "label"},
    {"name": "j", "type": "list<pair>"}, {"name": "k", "type": "signature"},
    {"name": "l", "type": "list<list<code>>"}]}]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  govchain::Bytes input(data + 1, data + size);
  if (data[0] % 2 == 0) {
    govchain::chain::ContractCall call{"fuzz", "m", input};
    (void)govchain::execution::check_call_arguments(every_type, call);
  } else {
    govchain::chain::ContractCall call{"fuzz", "m", govchain::Bytes{0, 0, 0, 1}};
    (void)govchain::execution::check_call_arguments(std::string(input.begin(), input.end()), call);
  }
  return 0;
}
