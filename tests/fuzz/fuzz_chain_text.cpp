// The chain's text rules (chain/text.h) on arbitrary bytes: the repair used
// for JSON output always yields valid UTF-8 and leaves valid text alone,
// printable text is valid UTF-8, and the checks never crash.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "chain/text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool valid = govchain::chain::is_valid_utf8(text);
  const std::string repaired = govchain::chain::to_valid_utf8(text);
  if (!govchain::chain::is_valid_utf8(repaired)) std::abort();
  if (valid && repaired != text) std::abort();
  if (govchain::chain::is_printable_text(text, true) && !valid) std::abort();
  if (govchain::chain::is_printable_text(text) && !govchain::chain::is_printable_text(text, true)) std::abort();
  (void)govchain::chain::is_valid_method_name(text);
  (void)govchain::chain::is_valid_name(text);
  return 0;
}
