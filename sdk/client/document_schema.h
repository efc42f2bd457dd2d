// JSON Schemas of the certificate documents (docs/schemas/<type>.schema.json,
// JSON Schema draft 7), checked before anything is issued, so that a
// misspelled or missing field is refused while it can still be corrected:
// a commitment fixes the document forever (docs/verification.md, section 9).
//
// The schemas are compiled into the library from docs/schemas (one source
// for the CLI, the SDK and the verification page, which shows a document's
// fields with the schemas' German "title" and English "x-title-en" labels).
// Validation uses valijson (Debian's libvalijson-dev).
//
// Pure functions; thread-safe (every call parses its own schema). Nothing
// throws.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace govchain::client {

// The schema text of a certificate type, or nullopt for a type without one
// (a use case added later; its documents are then only canonicalised).
std::optional<std::string_view> document_schema(std::string_view type);
// The types that have a schema.
std::vector<std::string> document_schema_types();

// Checks `document_json` against the schema of `type` (ok for a type
// without one). Code::invalid_argument naming every field at fault, e.g.
// "the dog_permit document does not match its schema: permit.dog.chip_number:
// missing (required)".
Status check_document(std::string_view type, std::string_view document_json);

}  // namespace govchain::client
