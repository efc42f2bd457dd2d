#include "rpc/query_string.h"

#include <algorithm>

namespace govchain::rpc {

namespace {

int hex_digit_value(char character) {
  if (character >= '0' && character <= '9') return character - '0';
  if (character >= 'a' && character <= 'f') return character - 'a' + 10;
  if (character >= 'A' && character <= 'F') return character - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space) {
  std::string decoded;
  decoded.reserve(text.size());
  for (size_t index = 0; index < text.size(); ++index) {
    const char character = text[index];
    if (character == '+' && plus_is_space) {
      decoded.push_back(' ');
    } else if (character != '%') {
      decoded.push_back(character);
    } else {
      if (index + 2 >= text.size()) return std::nullopt;
      const int high = hex_digit_value(text[index + 1]);
      const int low = hex_digit_value(text[index + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      decoded.push_back(static_cast<char>(high * 16 + low));
      index += 2;
    }
  }
  return decoded;
}

Result<QueryParameters> parse_query(std::string_view query) {
  QueryParameters parameters;
  while (!query.empty()) {
    const size_t end = std::min(query.find('&'), query.size());
    const std::string_view pair = query.substr(0, end);
    query.remove_prefix(std::min(end + 1, query.size()));
    if (pair.empty()) continue;
    if (parameters.size() == query_parameters_max) {
      return error(Code::too_large, "more than " + std::to_string(query_parameters_max) + " query parameters");
    }
    const size_t equals = std::min(pair.find('='), pair.size());
    auto name = percent_decode(pair.substr(0, equals), true);
    auto value = percent_decode(pair.substr(std::min(equals + 1, pair.size())), true);
    if (!name || !value) {
      return error(Code::malformed, "query parameter '" + std::string(pair.substr(0, 64)) +
                                        "' has an invalid %-escape; use %XX with two hex digits");
    }
    parameters.emplace_back(std::move(*name), std::move(*value));
  }
  return parameters;
}

}  // namespace govchain::rpc
