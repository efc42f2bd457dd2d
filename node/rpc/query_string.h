// Query-string and path-parameter decoding for the router: percent escapes
// (%XX) and "+" as space in query strings, with a bound on the number of
// parameters so that a long query cannot make the server build a long list.
//
// All functions are pure and safe to call from any thread. They never throw
// except std::bad_alloc.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace govchain::rpc {

using QueryParameters = std::vector<std::pair<std::string, std::string>>;

// More parameters than this in one query string are refused (too_large).
inline constexpr size_t query_parameters_max = 256;

// Decodes %XX escapes, and "+" as a space when `plus_is_space` (query
// strings); nullopt for a truncated or non-hex escape.
std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space);

// Splits "a=1&b=x+y&flag" into decoded (name, value) pairs in order of
// appearance; empty pairs ("a=1&&b=2") are skipped and a missing "=" gives an
// empty value. Fails with malformed for an invalid escape and too_large for
// more than query_parameters_max parameters.
Result<QueryParameters> parse_query(std::string_view query);

}  // namespace govchain::rpc
