// A cheap pre-scan of a JSON text that bounds what a parser would build from
// it, run on every request body before any handler parses it.
//
// nlohmann/json parses recursively and allocates one value per element; a
// body of 4 MiB of "[" nests four million levels deep (deep recursion and
// hundreds of MiB of allocations), and 4 MiB of "[]," makes over a million
// containers. The scan walks the text once, with constant memory, tracking
// only whether it is inside a string, and refuses a text that nests deeper
// than `depth_max` or holds more than `values_max` values (counted as
// opening brackets plus commas outside strings, an upper bound on the
// values a parser allocates beyond the first). It does not validate the JSON:
// a text that passes may still be malformed, and the parser then says so.
//
// Pure function, safe from any thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/status.h"

namespace govchain::rpc {

struct JsonShapeLimits {
  uint64_t depth_max = 64;
  // POST /v1/txs with its largest batch (10,000 transactions) needs about
  // 20,000.
  uint64_t values_max = 100'000;
};

// Fails with too_large and a message that names the limit.
Status check_json_shape(std::string_view text, const JsonShapeLimits& limits);

}  // namespace govchain::rpc
