// See compare.h. Methods first (the most common mistake: arguments swapped
// or renamed), then structs, events and the certificate type.
#include "abi/compare.h"

namespace govchain::abi {

namespace {

std::string fields_text(const Fields& fields) { return "(" + describe_fields(fields) + ")"; }

Status differs(const std::string& what) { return error(Code::invalid, what); }

Status compare_method(const Method& declared, const Method& actual) {
  const std::string where = "method '" + declared.name + "'";
  if (declared.kind != actual.kind)
    return differs(where + ": the ABI says kind '" + std::string(method_kind_name(declared.kind)) +
                   "', the module declares '" + std::string(method_kind_name(actual.kind)) + "'");
  if (declared.arguments != actual.arguments)
    return differs(where + ": the ABI lists the arguments " + fields_text(declared.arguments) +
                   ", the module decodes " + fields_text(actual.arguments));
  if (declared.returns != actual.returns)
    return differs(where + ": the ABI lists the returns " + fields_text(declared.returns) + ", the module returns " +
                   fields_text(actual.returns));
  return Status();
}

Status compare_methods(const Abi& declared, const Abi& actual) {
  for (const auto& method : declared.methods) {
    const Method* found = actual.find_method(method.name);
    if (found == nullptr)
      return differs("method '" + method.name + "' is in the ABI but the module does not export it");
    GOVCHAIN_TRY(compare_method(method, *found));
  }
  for (const auto& method : actual.methods)
    if (declared.find_method(method.name) == nullptr)
      return differs("method '" + method.name + "' of the module is missing from the ABI");
  return Status();
}

Status compare_types(const Abi& declared, const Abi& actual) {
  for (const auto& [name, fields] : declared.types) {
    auto found = actual.types.find(name);
    if (found == actual.types.end()) return differs("struct '" + name + "' is in the ABI but not in the module");
    if (found->second != fields)
      return differs("struct '" + name + "': the ABI lists " + fields_text(fields) + ", the module " +
                     fields_text(found->second));
  }
  for (const auto& [name, fields] : actual.types)
    if (!declared.types.count(name)) return differs("struct '" + name + "' of the module is missing from the ABI");
  return Status();
}

Status compare_events(const Abi& declared, const Abi& actual) {
  for (const auto& event : declared.events) {
    const Event* found = actual.find_event(event.topic);
    if (found == nullptr) return differs("event '" + event.topic + "' is in the ABI but not in the module");
    if (found->type != event.type)
      return differs("event '" + event.topic + "': the ABI says type '" + event.type + "', the module '" + found->type +
                     "'");
  }
  for (const auto& event : actual.events)
    if (declared.find_event(event.topic) == nullptr)
      return differs("event '" + event.topic + "' of the module is missing from the ABI");
  return Status();
}

}  // namespace

Status compare_with_module(const Abi& declared, const Abi& from_module) {
  GOVCHAIN_TRY(compare_methods(declared, from_module));
  GOVCHAIN_TRY(compare_types(declared, from_module));
  GOVCHAIN_TRY(compare_events(declared, from_module));
  if (declared.certificate_type != from_module.certificate_type)
    return differs("the ABI says certificate_type '" + declared.certificate_type + "', the module '" +
                   from_module.certificate_type + "'");
  return Status();
}

}  // namespace govchain::abi
