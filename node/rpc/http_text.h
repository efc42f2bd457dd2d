// Small text helpers of the HTTP edge: ASCII case folding and comparison,
// RFC 9110 tokens, and line-break checks for header values. HTTP field names
// and methods are ASCII, so no locale is involved.
//
// All functions are pure and safe to call from any thread.
#pragma once

#include <string>
#include <string_view>

namespace govchain::rpc {

std::string ascii_lower(std::string_view text);
bool equals_ignore_case(std::string_view left, std::string_view right);
// True for a non-empty RFC 9110 token (method names, header field names).
bool is_http_token(std::string_view text);
// True when `text` holds CR or LF, which would split a header line.
bool has_line_break(std::string_view text);

}  // namespace govchain::rpc
