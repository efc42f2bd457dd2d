#include "runtime/opcodes.h"

#include <array>
#include <string_view>

namespace govchain::runtime {
namespace {

constexpr size_t base_opcode_count = 256;

uint8_t value_type_of_letter(char letter) {
  switch (letter) {
    case 'i':
      return 0x7F;
    case 'I':
      return 0x7E;
    case 'f':
      return 0x7D;
    case 'F':
      return 0x7C;
  }
  return 0;
}

// "ii_i": operands before the underscore, results after it.
void decode_signature(OpcodeInfo& info) {
  const std::string_view signature = info.signature;
  const size_t separator = signature.find('_');
  if (separator == std::string_view::npos || separator > 3 || signature.size() - separator - 1 > 1) return;
  info.is_simple = true;
  info.operand_count = static_cast<uint8_t>(separator);
  for (size_t index = 0; index < separator; ++index) info.operand_types[index] = value_type_of_letter(signature[index]);
  info.result_count = static_cast<uint8_t>(signature.size() - separator - 1);
  if (info.result_count == 1) info.result_type = value_type_of_letter(signature.back());
}

std::array<OpcodeInfo, base_opcode_count> make_table() {
  std::array<OpcodeInfo, base_opcode_count> table{};
#define GOVCHAIN_OPCODE_ENTRY(code, opcode_name, opcode_signature, gas) \
  table[code].name = #opcode_name;                                      \
  table[code].signature = opcode_signature;                             \
  table[code].gas_class = GasClass::gas;
  GOVCHAIN_WASM_OPCODES(GOVCHAIN_OPCODE_ENTRY)
#undef GOVCHAIN_OPCODE_ENTRY
  for (OpcodeInfo& info : table)
    if (info.signature != nullptr) decode_signature(info);
  return table;
}

const std::array<OpcodeInfo, base_opcode_count> opcode_table = make_table();

}  // namespace

const OpcodeInfo& opcode_info(uint16_t code) {
  static const OpcodeInfo none{};
  return code < base_opcode_count ? opcode_table[code] : none;
}

bool read_opcode_slow(Reader& reader, uint16_t& code) {
  const size_t start = reader.position();
  uint8_t byte;
  if (!reader.read_byte(byte)) return false;
  if (byte == opcode::prefix_fc) {
    uint32_t sub_opcode;
    if (!reader.read_u32(sub_opcode)) return false;
    if (sub_opcode >= opcode::prefix_fc_count)
      return reader.fail_at("illegal opcode 0xfc " + std::to_string(sub_opcode), start);
    code = static_cast<uint16_t>(opcode::prefix_fc_base + sub_opcode);
    return true;
  }
  if (byte >= opcode::prefix_fc_base || opcode_table[byte].name == nullptr)
    return reader.fail_at("illegal opcode " + std::to_string(byte), start);
  code = byte;
  return true;
}

uint64_t gas_of_class(GasClass gas_class, const GasSchedule& schedule) {
  switch (gas_class) {
    case GasClass::instruction:
      return schedule.instruction;
    case GasClass::division:
      return schedule.division;
    case GasClass::memory_access:
      return schedule.memory_access;
    case GasClass::global_access:
      return schedule.global_access;
    case GasClass::branch:
      return schedule.branch;
    case GasClass::call:
      return schedule.call;
    case GasClass::call_indirect:
      return schedule.call_indirect;
    case GasClass::bulk_operation:
      return schedule.bulk_operation;
  }
  return schedule.instruction;
}

}  // namespace govchain::runtime
