// The client SDK's ABI decoders on arbitrary input (sdk/client/abi.h): the
// module section reader (a module with the input as its "govchain_abi"
// section), the ABI parser (the input as JSON text), and value decoding with
// a fixed ABI of every type. None may crash, over-read or loop; a parsed ABI
// must survive a round trip through its own JSON.
#include <cstdint>
#include <string>

#include "client/abi.h"

namespace {

using govchain::Bytes;
using govchain::ByteView;
namespace abi = govchain::client::abi;

const abi::Abi& every_type() {
  static const abi::Abi parsed = *abi::parse_abi(R"({"abi_version": 1,
    "types": {"pair": [{"name": "a", "type": "code"}, {"name": "b", "type": "list<zone>"}]},
    "methods": [{"name": "m", "returns": [
      {"name": "a", "type": "u32"}, {"name": "b", "type": "i64"}, {"name": "c", "type": "bool"},
      {"name": "d", "type": "string"}, {"name": "e", "type": "bytes"}, {"name": "f", "type": "hash"},
      {"name": "g", "type": "name"}, {"name": "h", "type": "date"}, {"name": "i", "type": "label"},
      {"name": "j", "type": "list<pair>"}, {"name": "k", "type": "signature"}]}]})");
  return parsed;
}

// A module of the magic, the version and one custom section "govchain_abi".
Bytes module_with_section(ByteView content) {
  Bytes module = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x00};
  const std::string name = "govchain_abi";
  uint32_t size = static_cast<uint32_t>(1 + name.size() + content.size());
  do {
    uint8_t byte = size & 0x7f;
    size >>= 7;
    module.push_back(static_cast<uint8_t>(byte | (size != 0 ? 0x80 : 0)));
  } while (size != 0);
  module.push_back(static_cast<uint8_t>(name.size()));
  module.insert(module.end(), name.begin(), name.end());
  module.insert(module.end(), content.begin(), content.end());
  return module;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  ByteView input(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: {
      auto document = abi::module_abi_document(module_with_section(input));
      if (document.ok()) (void)abi::parse_abi_document(*document);
      break;
    }
    case 1: {
      auto parsed = abi::parse_abi(std::string(input.begin(), input.end()));
      if (parsed.ok()) (void)abi::check_matches_module(*parsed, *parsed);
      break;
    }
    case 2:
      (void)abi::decode_returns(every_type(), every_type().methods.front(), input);
      break;
    default:
      (void)abi::module_abi_document(input);
      break;
  }
  return 0;
}
