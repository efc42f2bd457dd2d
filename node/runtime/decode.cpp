#include "runtime/decode.h"

#include "runtime/errors.h"
#include "runtime/opcodes.h"

namespace govchain::runtime {
namespace {

enum SectionId : uint8_t {
  custom_section = 0,
  type_section = 1,
  import_section = 2,
  function_section = 3,
  table_section = 4,
  memory_section = 5,
  global_section = 6,
  export_section = 7,
  start_section = 8,
  element_section = 9,
  code_section = 10,
  data_section = 11,
  data_count_section = 12,
};

// Position of each section in the required order; the data count section
// sits between element and code.
// WebAssembly 2.0 has at most one memory; see read_memories.
constexpr uint32_t memories_max = 1;

int section_rank(uint8_t id) {
  static constexpr int ranks[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 10};
  return ranks[id];
}

bool read_reference_type(Reader& reader, ValueType& type) {
  uint8_t byte;
  if (!reader.read_byte(byte)) return false;
  if (byte != 0x70 && byte != 0x6F) return reader.fail_at("malformed reference type", reader.position() - 1);
  type = static_cast<ValueType>(byte);
  return true;
}

class Decoder {
 public:
  Decoder(ByteView bytes, const Limits& limits) : reader_(bytes, 0, bytes.size()), limits_(limits) {}

  Result<Module> decode(Module module);

 private:
  Status read_header();
  Status read_section(uint8_t id);
  Status read_types();
  Status read_imports();
  Status read_functions();
  Status read_tables();
  Status read_memories();
  Status read_globals();
  Status read_exports();
  Status read_start();
  Status read_elements();
  Status read_element_segment(ElementSegment& segment);
  Status read_code();
  Status read_function_body(FunctionBody& body, uint32_t param_count);
  Status read_locals(FunctionBody& body, uint32_t param_count);
  Status read_data();
  Status read_data_count();
  Status read_custom();
  bool read_bounds(SizeBounds& bounds, bool is_memory);
  bool read_table_type(TableType& table);
  Status check_minimum(uint32_t minimum, uint32_t minimum_max, std::string_view what, std::string_view limit_name,
                       size_t offset) const;
  Status add_table(const TableType& table);
  bool read_global_type(GlobalType& global);
  Status read_constant_expression(ConstantExpression& expression);
  Status read_function_indices_as_expressions(std::vector<ConstantExpression>& items);
  Status failure() const { return reader_.status(); }

  Reader reader_;
  const Limits& limits_;
  Module module_;
  uint32_t declared_function_count_ = 0;
  bool saw_function_section_ = false;
  bool saw_code_section_ = false;
};

Result<Module> Decoder::decode(Module module) {
  module_ = std::move(module);
  GOVCHAIN_TRY(read_header());
  int last_rank = 0;
  while (!reader_.at_end()) {
    const size_t section_start = reader_.position();
    uint8_t id;
    uint32_t size_bytes;
    if (!reader_.read_byte(id) || !reader_.read_u32(size_bytes)) return failure();
    if (id > data_count_section) return malformed_error("malformed section id " + std::to_string(id), section_start);
    if (size_bytes > reader_.remaining_bytes())
      return malformed_error("section size exceeds the module (unexpected end)", section_start);
    if (id != custom_section) {
      if (section_rank(id) <= last_rank)
        return malformed_error("unexpected section: out of order or repeated", section_start);
      last_rank = section_rank(id);
    }
    const size_t end = reader_.position() + size_bytes;
    Reader outer = reader_;
    reader_ = Reader(module_.bytes, reader_.position(), end);
    GOVCHAIN_TRY(read_section(id));
    if (reader_.position() != end) return malformed_error("section size mismatch", reader_.position());
    reader_ = outer;
    reader_.seek(end);
  }
  if (saw_function_section_ && declared_function_count_ > 0 && !saw_code_section_)
    return malformed_error("function and code section have inconsistent lengths", reader_.position());
  if (module_.data_count && *module_.data_count != module_.data_segments.size())
    return malformed_error("data count and data section have inconsistent lengths", reader_.position());
  return std::move(module_);
}

Status Decoder::read_header() {
  ByteView magic;
  if (!reader_.read_bytes(4, magic)) return malformed_error("unexpected end (magic header)", 0);
  if (magic[0] != 0 || magic[1] != 'a' || magic[2] != 's' || magic[3] != 'm')
    return malformed_error("magic header not detected", 0);
  ByteView version;
  if (!reader_.read_bytes(4, version)) return malformed_error("unexpected end (version)", 4);
  if (version[0] != 1 || version[1] != 0 || version[2] != 0 || version[3] != 0)
    return malformed_error("unknown binary version", 4);
  return Status();
}

Status Decoder::read_section(uint8_t id) {
  switch (id) {
    case custom_section:
      return read_custom();
    case type_section:
      return read_types();
    case import_section:
      return read_imports();
    case function_section:
      return read_functions();
    case table_section:
      return read_tables();
    case memory_section:
      return read_memories();
    case global_section:
      return read_globals();
    case export_section:
      return read_exports();
    case start_section:
      return read_start();
    case element_section:
      return read_elements();
    case code_section:
      return read_code();
    case data_section:
      return read_data();
    case data_count_section:
      return read_data_count();
  }
  return malformed_error("malformed section id", reader_.position());
}

Status Decoder::read_custom() {
  std::string name;
  if (!reader_.read_name(name)) return failure();
  reader_.seek(reader_.end());
  return Status();
}

Status Decoder::read_types() {
  uint32_t count;
  if (!reader_.read_count(count, 3, limits_.types_max, "types", "types_max")) return failure();
  module_.types.reserve(count);
  for (uint32_t index = 0; index < count; ++index) {
    uint8_t form;
    if (!reader_.read_byte(form)) return failure();
    if (form != 0x60)
      return malformed_error("integer representation too long (function type form)", reader_.position() - 1);
    FunctionType type;
    for (auto* list : {&type.params, &type.results}) {
      uint32_t length;
      const char* what = list == &type.params ? "parameters in a function type" : "results in a function type";
      if (!reader_.read_count(length, 1, limits_.type_arity_max, what, "type_arity_max")) return failure();
      list->resize(length);
      for (auto& value_type : *list)
        if (!read_value_type(reader_, value_type)) return failure();
    }
    module_.types.push_back(std::move(type));
  }
  return Status();
}

bool Decoder::read_bounds(SizeBounds& bounds, bool is_memory) {
  const size_t start = reader_.position();
  uint8_t flags;
  if (!reader_.read_byte(flags)) return false;
  if (flags > 1)
    return reader_.fail_at(
        is_memory ? "integer too large (memory limits flags)" : "integer representation too long (limits flags)",
        start);
  if (!reader_.read_u32(bounds.minimum)) return false;
  if (flags == 1) {
    uint32_t maximum;
    if (!reader_.read_u32(maximum)) return false;
    bounds.maximum = maximum;
  }
  return true;
}

bool Decoder::read_table_type(TableType& table) {
  return read_reference_type(reader_, table.element_type) && read_bounds(table.bounds, false);
}

// A defined table or memory is allocated at its minimum size when the
// module is instantiated, so the minimum is bounded here, before that.
Status Decoder::check_minimum(uint32_t minimum, uint32_t minimum_max, std::string_view what,
                              std::string_view limit_name, size_t offset) const {
  if (minimum <= minimum_max) return Status();
  return exhaustion_error(std::string(what) + " of " + std::to_string(minimum) + " initial " +
                          (what == "memory" ? "pages" : "elements") + " exceeds the limit of " +
                          std::to_string(minimum_max) + " (Limits::" + std::string(limit_name) + ") at byte offset " +
                          std::to_string(offset));
}

Status Decoder::add_table(const TableType& table) {
  if (module_.tables.size() >= limits_.tables_max)
    return malformed_error(limit_text("tables", module_.tables.size() + 1, limits_.tables_max, "tables_max"),
                           reader_.position());
  module_.tables.push_back(table);
  return Status();
}

bool Decoder::read_global_type(GlobalType& global) {
  if (!read_value_type(reader_, global.type)) return false;
  uint8_t mutability;
  if (!reader_.read_byte(mutability)) return false;
  if (mutability > 1) return reader_.fail_at("malformed mutability", reader_.position() - 1);
  global.is_mutable = mutability == 1;
  return true;
}

Status Decoder::read_imports() {
  uint32_t count;
  if (!reader_.read_count(count, 4, limits_.imports_max, "imports", "imports_max")) return failure();
  for (uint32_t index = 0; index < count; ++index) {
    Import import;
    uint8_t kind;
    if (!reader_.read_name(import.module_name) || !reader_.read_name(import.field_name) || !reader_.read_byte(kind))
      return failure();
    if (kind > 3) return malformed_error("malformed import kind", reader_.position() - 1);
    import.kind = static_cast<ExternalKind>(kind);
    switch (import.kind) {
      case ExternalKind::function:
        if (!reader_.read_u32(import.type_index)) return failure();
        if (module_.function_type_indices.size() >= limits_.functions_max)
          return malformed_error(
              limit_text("functions", module_.function_type_indices.size() + 1, limits_.functions_max, "functions_max"),
              reader_.position());
        module_.function_type_indices.push_back(import.type_index);
        ++module_.imported_function_count;
        break;
      case ExternalKind::table:
        if (!read_table_type(import.table)) return failure();
        GOVCHAIN_TRY(add_table(import.table));
        ++module_.imported_table_count;
        break;
      case ExternalKind::memory:
        if (!read_bounds(import.memory.bounds, true)) return failure();
        module_.memories.push_back(import.memory);
        ++module_.imported_memory_count;
        break;
      case ExternalKind::global:
        if (!read_global_type(import.global)) return failure();
        module_.global_types.push_back(import.global);
        ++module_.imported_global_count;
        break;
    }
    module_.imports.push_back(std::move(import));
  }
  return Status();
}

Status Decoder::read_functions() {
  uint32_t count;
  const uint32_t imported = static_cast<uint32_t>(module_.function_type_indices.size());
  if (!reader_.read_count(count, 1, limits_.functions_max - std::min(imported, limits_.functions_max),
                          "defined functions", "functions_max"))
    return failure();
  saw_function_section_ = true;
  declared_function_count_ = count;
  for (uint32_t index = 0; index < count; ++index) {
    uint32_t type_index;
    if (!reader_.read_u32(type_index)) return failure();
    module_.function_type_indices.push_back(type_index);
  }
  return Status();
}

Status Decoder::read_tables() {
  uint32_t count;
  if (!reader_.read_count(count, 3, limits_.tables_max, "tables", "tables_max")) return failure();
  for (uint32_t index = 0; index < count; ++index) {
    const size_t start = reader_.position();
    TableType table;
    if (!read_table_type(table)) return failure();
    GOVCHAIN_TRY(check_minimum(table.bounds.minimum, limits_.table_elements_max, "table", "table_elements_max", start));
    GOVCHAIN_TRY(add_table(table));
  }
  return Status();
}

Status Decoder::read_memories() {
  uint32_t count;
  // WebAssembly 2.0 allows one memory; the validate stage says so for a
  // second one, this bound only keeps the count small.
  if (!reader_.read_count(count, 2, memories_max, "memories")) return failure();
  for (uint32_t index = 0; index < count; ++index) {
    const size_t start = reader_.position();
    MemoryType memory;
    if (!read_bounds(memory.bounds, true)) return failure();
    GOVCHAIN_TRY(check_minimum(memory.bounds.minimum, limits_.memory_pages_max, "memory", "memory_pages_max", start));
    module_.memories.push_back(memory);
  }
  return Status();
}

Status Decoder::read_globals() {
  uint32_t count;
  if (!reader_.read_count(count, 4,
                          limits_.globals_max - std::min<uint32_t>(module_.imported_global_count, limits_.globals_max),
                          "defined globals", "globals_max"))
    return failure();
  for (uint32_t index = 0; index < count; ++index) {
    Global global;
    if (!read_global_type(global.type)) return failure();
    GOVCHAIN_TRY(read_constant_expression(global.initializer));
    module_.global_types.push_back(global.type);
    module_.globals.push_back(global);
  }
  return Status();
}

Status Decoder::read_exports() {
  uint32_t count;
  if (!reader_.read_count(count, 3, limits_.exports_max, "exports", "exports_max")) return failure();
  for (uint32_t index = 0; index < count; ++index) {
    Export entry;
    uint8_t kind;
    if (!reader_.read_name(entry.name) || !reader_.read_byte(kind)) return failure();
    if (kind > 3) return malformed_error("malformed export kind", reader_.position() - 1);
    entry.kind = static_cast<ExternalKind>(kind);
    if (!reader_.read_u32(entry.index)) return failure();
    module_.exports.push_back(std::move(entry));
  }
  return Status();
}

Status Decoder::read_start() {
  uint32_t index;
  if (!reader_.read_u32(index)) return failure();
  module_.start_function = index;
  return Status();
}

Status Decoder::read_constant_expression(ConstantExpression& expression) {
  expression.offset = reader_.position();
  uint16_t code;
  if (!read_opcode(reader_, code)) return failure();
  switch (code) {
    case opcode::i32_const: {
      int32_t value;
      if (!reader_.read_s32(value)) return failure();
      expression.type = ValueType::i32;
      expression.bits = static_cast<uint32_t>(value);
      break;
    }
    case opcode::i64_const: {
      int64_t value;
      if (!reader_.read_s64(value)) return failure();
      expression.type = ValueType::i64;
      expression.bits = static_cast<uint64_t>(value);
      break;
    }
    case opcode::f32_const: {
      uint32_t bits;
      if (!reader_.read_f32_bits(bits)) return failure();
      expression.type = ValueType::f32;
      expression.bits = bits;
      break;
    }
    case opcode::f64_const:
      if (!reader_.read_f64_bits(expression.bits)) return failure();
      expression.type = ValueType::f64;
      break;
    case opcode::global_get:
      expression.kind = ConstantExpression::Kind::global_get;
      if (!reader_.read_u32(expression.index)) return failure();
      break;
    case opcode::ref_null:
      expression.kind = ConstantExpression::Kind::ref_null;
      if (!read_reference_type(reader_, expression.type)) return failure();
      break;
    case opcode::ref_func:
      expression.kind = ConstantExpression::Kind::ref_func;
      expression.type = ValueType::funcref;
      if (!reader_.read_u32(expression.index)) return failure();
      break;
    case opcode::end:
      return invalid_error("type mismatch: empty constant expression", expression.offset);
    default:
      return invalid_error("constant expression required", expression.offset);
  }
  const size_t end_offset = reader_.position();
  if (!read_opcode(reader_, code)) return failure();
  if (code != opcode::end)
    return invalid_error("type mismatch or constant expression required: one instruction expected", end_offset);
  return Status();
}

Status Decoder::read_function_indices_as_expressions(std::vector<ConstantExpression>& items) {
  uint32_t count;
  if (!reader_.read_count(count, 1, limits_.table_elements_max, "items in an element segment", "table_elements_max"))
    return failure();
  items.resize(count);
  for (auto& item : items) {
    item.kind = ConstantExpression::Kind::ref_func;
    item.type = ValueType::funcref;
    item.offset = reader_.position();
    if (!reader_.read_u32(item.index)) return failure();
  }
  return Status();
}

Status Decoder::read_element_segment(ElementSegment& segment) {
  const size_t start = reader_.position();
  uint32_t flags;
  if (!reader_.read_u32(flags)) return failure();
  if (flags > 7) return malformed_error("malformed elements segment kind", start);
  const bool is_passive_or_declarative = (flags & 1) != 0;
  const bool has_table_index = (flags & 2) != 0;
  const bool uses_expressions = (flags & 4) != 0;
  if (!is_passive_or_declarative) {
    segment.mode = SegmentMode::active;
    if (has_table_index && !reader_.read_u32(segment.table_index)) return failure();
    GOVCHAIN_TRY(read_constant_expression(segment.offset));
  } else {
    segment.mode = has_table_index ? SegmentMode::declarative : SegmentMode::passive;
  }
  // Flags 0 and 4 imply funcref; the others name the element kind or type.
  if ((flags & 3) != 0) {
    if (uses_expressions) {
      if (!read_reference_type(reader_, segment.element_type)) return failure();
    } else {
      uint8_t element_kind;
      if (!reader_.read_byte(element_kind)) return failure();
      if (element_kind != 0) return malformed_error("malformed element kind", reader_.position() - 1);
    }
  }
  if (!uses_expressions) return read_function_indices_as_expressions(segment.items);
  uint32_t count;
  if (!reader_.read_count(count, 2, limits_.table_elements_max, "items in an element segment", "table_elements_max"))
    return failure();
  segment.items.resize(count);
  for (auto& item : segment.items) GOVCHAIN_TRY(read_constant_expression(item));
  return Status();
}

Status Decoder::read_elements() {
  uint32_t count;
  if (!reader_.read_count(count, 3, limits_.segments_max, "element segments", "segments_max")) return failure();
  module_.element_segments.resize(count);
  for (auto& segment : module_.element_segments) GOVCHAIN_TRY(read_element_segment(segment));
  return Status();
}

Status Decoder::read_function_body(FunctionBody& body, uint32_t param_count) {
  uint32_t size_bytes;
  if (!reader_.read_u32(size_bytes)) return failure();
  if (size_bytes > reader_.remaining_bytes())
    return malformed_error("unexpected end: function body size", reader_.position());
  if (size_bytes > limits_.function_size_bytes_max)
    return malformed_error("function body of " + std::to_string(size_bytes) + " bytes exceeds the limit of " +
                               std::to_string(limits_.function_size_bytes_max) + " (Limits::function_size_bytes_max)",
                           reader_.position());
  const size_t end = reader_.position() + size_bytes;
  Reader outer = reader_;
  reader_ = Reader(module_.bytes, reader_.position(), end);
  GOVCHAIN_TRY(read_locals(body, param_count));
  body.code_offset = reader_.position();
  body.code_end = end;
  reader_ = outer;
  reader_.seek(end);
  return Status();
}

// The sum of all local declarations, parameters included, is checked
// against the limit before the next declaration is recorded; declarations
// are kept as runs, so nothing is allocated per local.
Status Decoder::read_locals(FunctionBody& body, uint32_t param_count) {
  uint32_t group_count;
  if (!reader_.read_count(group_count, 2, limits_.locals_per_function_max, "local declarations",
                          "locals_per_function_max"))
    return failure();
  uint64_t local_count = param_count;
  for (uint32_t group = 0; group < group_count; ++group) {
    uint32_t count;
    ValueType type;
    if (!reader_.read_u32(count)) return failure();
    local_count += count;
    if (local_count > limits_.locals_per_function_max)
      return malformed_error(
          limit_text("locals", local_count, limits_.locals_per_function_max, "locals_per_function_max") +
              ", parameters included",
          reader_.position());
    if (!read_value_type(reader_, type)) return failure();
    if (count == 0) continue;
    body.local_count += count;
    if (!body.local_groups.empty() && body.local_groups.back().type == type)
      body.local_groups.back().end = body.local_count;
    else
      body.local_groups.push_back(LocalGroup{body.local_count, type});
  }
  return Status();
}

Status Decoder::read_code() {
  uint32_t count;
  saw_code_section_ = true;
  if (!reader_.read_count(count, 2, limits_.functions_max, "function bodies", "functions_max")) return failure();
  if (count != declared_function_count_)
    return malformed_error("function and code section have inconsistent lengths", reader_.position());
  module_.bodies.resize(count);
  for (uint32_t index = 0; index < count; ++index) {
    // Parameters count as locals; an unknown type index is the validate
    // stage's to report, so it counts none here.
    const uint32_t type_index = module_.function_type_indices[module_.imported_function_count + index];
    const uint32_t param_count =
        type_index < module_.types.size() ? static_cast<uint32_t>(module_.types[type_index].params.size()) : 0;
    GOVCHAIN_TRY(read_function_body(module_.bodies[index], param_count));
  }
  return Status();
}

Status Decoder::read_data() {
  uint32_t count;
  if (!reader_.read_count(count, 2, limits_.segments_max, "data segments", "segments_max")) return failure();
  if (module_.data_count && *module_.data_count != count)
    return malformed_error("data count and data section have inconsistent lengths", reader_.position());
  module_.data_segments.resize(count);
  for (auto& segment : module_.data_segments) {
    const size_t start = reader_.position();
    uint32_t flags;
    if (!reader_.read_u32(flags)) return failure();
    if (flags > 2) return malformed_error("malformed data segment kind", start);
    segment.mode = flags == 1 ? SegmentMode::passive : SegmentMode::active;
    if (flags == 2 && !reader_.read_u32(segment.memory_index)) return failure();
    if (flags != 1) GOVCHAIN_TRY(read_constant_expression(segment.offset));
    uint32_t length;
    ByteView bytes;
    if (!reader_.read_u32(length) || !reader_.read_bytes(length, bytes)) return failure();
    segment.bytes.assign(bytes.begin(), bytes.end());
  }
  return Status();
}

Status Decoder::read_data_count() {
  uint32_t count;
  if (!reader_.read_u32(count)) return failure();
  module_.data_count = count;
  return Status();
}

}  // namespace

bool read_value_type(Reader& reader, ValueType& type) {
  uint8_t byte;
  if (!reader.read_byte(byte)) return false;
  switch (byte) {
    case 0x7F:
    case 0x7E:
    case 0x7D:
    case 0x7C:
    case 0x70:
    case 0x6F:
      type = static_cast<ValueType>(byte);
      return true;
  }
  return reader.fail_at("malformed value type", reader.position() - 1);
}

bool read_block_type(Reader& reader, BlockType& block_type) {
  const size_t start = reader.position();
  uint8_t byte;
  if (!reader.read_byte(byte)) return false;
  if (byte == 0x40) {
    block_type.kind = BlockType::Kind::empty;
    return true;
  }
  if (byte == 0x7F || byte == 0x7E || byte == 0x7D || byte == 0x7C || byte == 0x70 || byte == 0x6F) {
    block_type.kind = BlockType::Kind::value;
    block_type.value = static_cast<ValueType>(byte);
    return true;
  }
  reader.seek(start);
  int64_t index;
  if (!reader.read_s33(index)) return false;
  if (index < 0 || index > UINT32_MAX) return reader.fail_at("malformed block type", start);
  block_type.kind = BlockType::Kind::type_index;
  block_type.type_index = static_cast<uint32_t>(index);
  return true;
}

uint32_t block_param_count(const Module& module, const BlockType& block_type) {
  if (block_type.kind != BlockType::Kind::type_index) return 0;
  return static_cast<uint32_t>(module.types[block_type.type_index].params.size());
}

uint32_t block_result_count(const Module& module, const BlockType& block_type) {
  switch (block_type.kind) {
    case BlockType::Kind::empty:
      return 0;
    case BlockType::Kind::value:
      return 1;
    case BlockType::Kind::type_index:
      return static_cast<uint32_t>(module.types[block_type.type_index].results.size());
  }
  return 0;
}

Result<Module> decode_module(ByteView bytes, const Limits& limits) {
  if (bytes.size() > limits.module_size_bytes_max)
    return exhaustion_error("module of " + std::to_string(bytes.size()) + " bytes exceeds the limit of " +
                            std::to_string(limits.module_size_bytes_max) + " (Limits::module_size_bytes_max)");
  Module module;
  module.bytes.assign(bytes.begin(), bytes.end());
  Decoder decoder(module.bytes, limits);
  return decoder.decode(std::move(module));
}

}  // namespace govchain::runtime
