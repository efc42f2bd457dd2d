#include "rpc/json_shape.h"

#include <string>

namespace govchain::rpc {

Status check_json_shape(std::string_view text, const JsonShapeLimits& limits) {
  uint64_t depth = 0;
  uint64_t values = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char character : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (character == '\\') {
        escaped = true;
      } else if (character == '"') {
        in_string = false;
      }
      continue;
    }
    switch (character) {
      case '"':
        in_string = true;
        break;
      case '[':
      case '{':
        if (++depth > limits.depth_max) {
          return error(Code::too_large,
                       "JSON nests deeper than " + std::to_string(limits.depth_max) + " levels; flatten the document");
        }
        [[fallthrough]];
      case ',':
        if (++values > limits.values_max) {
          return error(Code::too_large, "JSON holds more than " + std::to_string(limits.values_max) +
                                            " values; send fewer items per request");
        }
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return Status::ok_status();
}

}  // namespace govchain::rpc
