#include "client/document_schema.h"

#include <exception>
#include <nlohmann/json.hpp>
#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace govchain::client {

namespace generated {
extern const std::string_view dog_permit_schema;
extern const std::string_view street_music_permit_schema;
extern const std::string_view identity_attestation_schema;
extern const std::string_view landlord_confirmation_schema;
}  // namespace generated

namespace {

using json = nlohmann::json;

struct NamedSchema {
  std::string_view type;
  const std::string_view* text;
};

constexpr NamedSchema schemas[] = {
    {"dog_permit", &generated::dog_permit_schema},
    {"street_music_permit", &generated::street_music_permit_schema},
    {"identity_attestation", &generated::identity_attestation_schema},
    {"landlord_confirmation", &generated::landlord_confirmation_schema},
};

// valijson names a field by its path, e.g. {"<root>", "[permit]", "[dog]"}.
std::string field_path(const std::vector<std::string>& context) {
  std::string path;
  for (const std::string& part : context) {
    if (part == "<root>") continue;
    std::string name = part;
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') name = name.substr(1, name.size() - 2);
    if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
    path += (path.empty() ? "" : ".") + name;
  }
  return path.empty() ? "(the document)" : path;
}

// The innermost errors say the most; valijson also reports each enclosing
// object ("Failed to validate against schema ..."), which is left out.
std::string describe(valijson::ValidationResults& results) {
  std::string text;
  valijson::ValidationResults::Error failure;
  size_t shown = 0;
  while (results.popError(failure)) {
    if (failure.description.rfind("Failed to validate", 0) == 0) continue;
    if (shown++ == 8) {
      text += "; ...";
      break;
    }
    text += (text.empty() ? "" : "; ") + field_path(failure.context) + ": " + failure.description;
  }
  return text;
}

}  // namespace

std::optional<std::string_view> document_schema(std::string_view type) {
  for (const auto& schema : schemas)
    if (schema.type == type) return *schema.text;
  return std::nullopt;
}

std::vector<std::string> document_schema_types() {
  std::vector<std::string> types;
  for (const auto& schema : schemas) types.emplace_back(schema.type);
  return types;
}

Status check_document(std::string_view type, std::string_view document_json) {
  const std::optional<std::string_view> schema_text = document_schema(type);
  if (!schema_text) return Status();
  json document = json::parse(document_json.begin(), document_json.end(), nullptr, false);
  if (document.is_discarded()) return error(Code::invalid_argument, "the document is not valid JSON");
  try {
    const json schema_json = json::parse(*schema_text);
    valijson::Schema schema;
    valijson::SchemaParser parser;
    valijson::adapters::NlohmannJsonAdapter schema_adapter(schema_json);
    parser.populateSchema(schema_adapter, schema);
    valijson::Validator validator;
    valijson::ValidationResults results;
    valijson::adapters::NlohmannJsonAdapter target(document);
    if (validator.validate(schema, target, &results)) return Status();
    return error(Code::invalid_argument, "the " + std::string(type) + " document does not match its schema " +
                                             "(docs/schemas/" + std::string(type) +
                                             ".schema.json): " + describe(results));
  } catch (const std::exception& failure) {
    return error(Code::internal,
                 std::string("the document schema of ") + std::string(type) + " cannot be used: " + failure.what());
  }
}

}  // namespace govchain::client
