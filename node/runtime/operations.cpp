#include "runtime/operations.h"

#include <array>

namespace govchain::runtime {
namespace {

constexpr size_t wasm_opcode_count = 256;

using FormsTable = std::array<OperationForms, wasm_opcode_count>;

// Integer comparisons as (opcode, its negation, its operands swapped).
struct Comparison {
  uint16_t code;
  uint16_t negated;
  uint16_t swapped;
};

constexpr Comparison comparisons[] = {
    {opcode::i32_eq, opcode::i32_ne, opcode::i32_eq},       {opcode::i32_ne, opcode::i32_eq, opcode::i32_ne},
    {opcode::i32_lt_s, opcode::i32_ge_s, opcode::i32_gt_s}, {opcode::i32_lt_u, opcode::i32_ge_u, opcode::i32_gt_u},
    {opcode::i32_gt_s, opcode::i32_le_s, opcode::i32_lt_s}, {opcode::i32_gt_u, opcode::i32_le_u, opcode::i32_lt_u},
    {opcode::i32_le_s, opcode::i32_gt_s, opcode::i32_ge_s}, {opcode::i32_le_u, opcode::i32_gt_u, opcode::i32_ge_u},
    {opcode::i32_ge_s, opcode::i32_lt_s, opcode::i32_le_s}, {opcode::i32_ge_u, opcode::i32_lt_u, opcode::i32_le_u},
    {opcode::i64_eq, opcode::i64_ne, opcode::i64_eq},       {opcode::i64_ne, opcode::i64_eq, opcode::i64_ne},
    {opcode::i64_lt_s, opcode::i64_ge_s, opcode::i64_gt_s}, {opcode::i64_lt_u, opcode::i64_ge_u, opcode::i64_gt_u},
    {opcode::i64_gt_s, opcode::i64_le_s, opcode::i64_lt_s}, {opcode::i64_gt_u, opcode::i64_le_u, opcode::i64_lt_u},
    {opcode::i64_le_s, opcode::i64_gt_s, opcode::i64_ge_s}, {opcode::i64_le_u, opcode::i64_gt_u, opcode::i64_ge_u},
    {opcode::i64_ge_s, opcode::i64_lt_s, opcode::i64_le_s}, {opcode::i64_ge_u, opcode::i64_lt_u, opcode::i64_le_u},
};

// Float comparisons keep their meaning with the operands swapped (a NaN
// makes both sides false), but not negated.
constexpr Comparison float_comparisons[] = {
    {opcode::f32_eq, 0, opcode::f32_eq}, {opcode::f32_ne, 0, opcode::f32_ne}, {opcode::f32_lt, 0, opcode::f32_gt},
    {opcode::f32_gt, 0, opcode::f32_lt}, {opcode::f32_le, 0, opcode::f32_ge}, {opcode::f32_ge, 0, opcode::f32_le},
    {opcode::f64_eq, 0, opcode::f64_eq}, {opcode::f64_ne, 0, opcode::f64_ne}, {opcode::f64_lt, 0, opcode::f64_gt},
    {opcode::f64_gt, 0, opcode::f64_lt}, {opcode::f64_le, 0, opcode::f64_ge}, {opcode::f64_ge, 0, opcode::f64_le},
};

constexpr uint16_t commutative_opcodes[] = {opcode::i32_add,  opcode::i32_mul, opcode::i32_and_, opcode::i32_or_,
                                            opcode::i32_xor_, opcode::i64_add, opcode::i64_mul,  opcode::i64_and_,
                                            opcode::i64_or_,  opcode::i64_xor_};

void set(OperationForms& forms, Form form, uint16_t operation) { forms.forms[static_cast<size_t>(form)] = operation; }

FormsTable make_forms() {
  FormsTable table{};
#define GOVCHAIN_INTEGER_FORMS(name)                 \
  set(table[opcode::name], Form::ss, op::name##_ss); \
  set(table[opcode::name], Form::si, op::name##_si); \
  set(table[opcode::name], Form::as, op::name##_as); \
  set(table[opcode::name], Form::ai, op::name##_ai);
  GOVCHAIN_INTEGER_BINARY(GOVCHAIN_INTEGER_FORMS)
#undef GOVCHAIN_INTEGER_FORMS
#define GOVCHAIN_IMMEDIATE_LEFT_FORMS(name)          \
  set(table[opcode::name], Form::sa, op::name##_sa); \
  set(table[opcode::name], Form::is, op::name##_is); \
  set(table[opcode::name], Form::ia, op::name##_ia);
  GOVCHAIN_IMMEDIATE_LEFT(GOVCHAIN_IMMEDIATE_LEFT_FORMS)
#undef GOVCHAIN_IMMEDIATE_LEFT_FORMS
#define GOVCHAIN_F32_FORMS(name)                     \
  set(table[opcode::name], Form::ss, op::name##_ss); \
  set(table[opcode::name], Form::si, op::name##_si); \
  set(table[opcode::name], Form::as, op::name##_as); \
  set(table[opcode::name], Form::ai, op::name##_ai); \
  set(table[opcode::name], Form::sa, op::name##_sa);
  GOVCHAIN_F32_BINARY(GOVCHAIN_F32_FORMS)
#undef GOVCHAIN_F32_FORMS
#define GOVCHAIN_F64_FORMS(name)                     \
  set(table[opcode::name], Form::ss, op::name##_ss); \
  set(table[opcode::name], Form::si, op::name##_sf); \
  set(table[opcode::name], Form::as, op::name##_as); \
  set(table[opcode::name], Form::ai, op::name##_af); \
  set(table[opcode::name], Form::sa, op::name##_sa);
  GOVCHAIN_F64_BINARY(GOVCHAIN_F64_FORMS)
#undef GOVCHAIN_F64_FORMS
#define GOVCHAIN_F64_FUSED_FORMS(name)                           \
  set(table[opcode::name], Form::sm, op::name##_sm);             \
  set(table[opcode::name], Form::sa_store, op::name##_sa_store); \
  set(table[opcode::name], Form::as_store, op::name##_as_store); \
  set(table[opcode::name], Form::sm_store, op::name##_sm_store); \
  set(table[opcode::name], Form::ps, op::name##_ps);             \
  set(table[opcode::name], Form::sp, op::name##_sp);
  GOVCHAIN_F64_FUSED(GOVCHAIN_F64_FUSED_FORMS)
#undef GOVCHAIN_F64_FUSED_FORMS
#define GOVCHAIN_BRANCH_FORMS(name) \
  table[opcode::name].branch = {op::br_##name##_ss, op::br_##name##_si, op::br_##name##_as, op::br_##name##_ai};
  GOVCHAIN_INTEGER_COMPARE(GOVCHAIN_BRANCH_FORMS)
#undef GOVCHAIN_BRANCH_FORMS
#define GOVCHAIN_ACC_FORMS(name)                \
  set(table[opcode::name], Form::ss, op::name); \
  set(table[opcode::name], Form::as, op::name##_a);
  GOVCHAIN_UNARY(GOVCHAIN_ACC_FORMS)
#undef GOVCHAIN_ACC_FORMS
#define GOVCHAIN_ADDRESS_FORMS(name)                 \
  set(table[opcode::name], Form::ss, op::name##_ss); \
  set(table[opcode::name], Form::as, op::name##_as); \
  set(table[opcode::name], Form::sd, op::name##_sd); \
  set(table[opcode::name], Form::ad, op::name##_ad); \
  set(table[opcode::name], Form::sx, op::name##_sx); \
  set(table[opcode::name], Form::ax, op::name##_ax);
  GOVCHAIN_LOADS(GOVCHAIN_ADDRESS_FORMS)
  GOVCHAIN_STORES(GOVCHAIN_ADDRESS_FORMS)
#undef GOVCHAIN_ADDRESS_FORMS
#define GOVCHAIN_STORE_VALUE_FORM(name) set(table[opcode::name], Form::sa, op::name##_sa);
  GOVCHAIN_STORES(GOVCHAIN_STORE_VALUE_FORM)
#undef GOVCHAIN_STORE_VALUE_FORM
  for (const Comparison& comparison : comparisons) {
    table[comparison.code].negated = comparison.negated;
    table[comparison.code].swapped = comparison.swapped;
  }
  for (const Comparison& comparison : float_comparisons) table[comparison.code].swapped = comparison.swapped;
  for (uint16_t code : commutative_opcodes) table[code].commutative = true;
  return table;
}

const FormsTable forms_table = make_forms();

using NameTable = std::array<const char*, op::count>;

NameTable make_names() {
  NameTable names{};
#define GOVCHAIN_NAME(name) names[op::name] = #name;
#define GOVCHAIN_ACC_NAMES(name) \
  names[op::name] = #name;       \
  names[op::name##_a] = #name "_a";
#define GOVCHAIN_FORM_NAME(name, form) names[op::name##_##form] = #name "_" #form;
#define GOVCHAIN_LOAD_NAMES(name) \
  GOVCHAIN_FORM_NAME(name, ss)    \
  GOVCHAIN_FORM_NAME(name, as)    \
  GOVCHAIN_FORM_NAME(name, sd) GOVCHAIN_FORM_NAME(name, ad) GOVCHAIN_FORM_NAME(name, sx) GOVCHAIN_FORM_NAME(name, ax)
#define GOVCHAIN_STORE_NAMES(name) GOVCHAIN_LOAD_NAMES(name) GOVCHAIN_FORM_NAME(name, sa)
#define GOVCHAIN_BINARY_NAMES(name) \
  GOVCHAIN_FORM_NAME(name, ss) GOVCHAIN_FORM_NAME(name, si) GOVCHAIN_FORM_NAME(name, as) GOVCHAIN_FORM_NAME(name, ai)
#define GOVCHAIN_IMMEDIATE_LEFT_NAMES(name) \
  GOVCHAIN_FORM_NAME(name, sa) GOVCHAIN_FORM_NAME(name, is) GOVCHAIN_FORM_NAME(name, ia)
#define GOVCHAIN_BRANCH_NAMES(name)              \
  names[op::br_##name##_ss] = "br_" #name "_ss"; \
  names[op::br_##name##_si] = "br_" #name "_si"; \
  names[op::br_##name##_as] = "br_" #name "_as"; \
  names[op::br_##name##_ai] = "br_" #name "_ai";
#define GOVCHAIN_F32_NAMES(name) GOVCHAIN_BINARY_NAMES(name) GOVCHAIN_FORM_NAME(name, sa)
#define GOVCHAIN_F64_NAMES(name) \
  GOVCHAIN_FORM_NAME(name, ss)   \
  GOVCHAIN_FORM_NAME(name, sf) GOVCHAIN_FORM_NAME(name, as) GOVCHAIN_FORM_NAME(name, af) GOVCHAIN_FORM_NAME(name, sa)
#define GOVCHAIN_F64_FUSED_NAMES(name)                                                               \
  GOVCHAIN_FORM_NAME(name, sm)                                                                       \
  GOVCHAIN_FORM_NAME(name, sa_store)                                                                 \
  GOVCHAIN_FORM_NAME(name, as_store) GOVCHAIN_FORM_NAME(name, sm_store) GOVCHAIN_FORM_NAME(name, ps) \
      GOVCHAIN_FORM_NAME(name, sp)
  GOVCHAIN_OTHER_OPERATIONS(GOVCHAIN_NAME)
  GOVCHAIN_INTEGER_BINARY(GOVCHAIN_BINARY_NAMES)
  GOVCHAIN_IMMEDIATE_LEFT(GOVCHAIN_IMMEDIATE_LEFT_NAMES)
  GOVCHAIN_INTEGER_COMPARE(GOVCHAIN_BRANCH_NAMES)
  GOVCHAIN_F32_BINARY(GOVCHAIN_F32_NAMES)
  GOVCHAIN_F64_BINARY(GOVCHAIN_F64_NAMES)
  GOVCHAIN_F64_FUSED(GOVCHAIN_F64_FUSED_NAMES)
  GOVCHAIN_UNARY(GOVCHAIN_ACC_NAMES)
  GOVCHAIN_LOADS(GOVCHAIN_LOAD_NAMES)
  GOVCHAIN_STORES(GOVCHAIN_STORE_NAMES)
#undef GOVCHAIN_NAME
#undef GOVCHAIN_ACC_NAMES
#undef GOVCHAIN_STORE_NAMES
#undef GOVCHAIN_LOAD_NAMES
#undef GOVCHAIN_FORM_NAME
#undef GOVCHAIN_BINARY_NAMES
#undef GOVCHAIN_IMMEDIATE_LEFT_NAMES
#undef GOVCHAIN_BRANCH_NAMES
#undef GOVCHAIN_F32_NAMES
#undef GOVCHAIN_F64_NAMES
#undef GOVCHAIN_F64_FUSED_NAMES
  return names;
}

const NameTable name_table = make_names();

}  // namespace

const OperationForms& operation_forms(uint16_t code) {
  static const OperationForms none{};
  return code < wasm_opcode_count ? forms_table[code] : none;
}

const char* operation_name(uint16_t operation) {
  return operation < op::count && name_table[operation] != nullptr ? name_table[operation] : "?";
}

}  // namespace govchain::runtime
