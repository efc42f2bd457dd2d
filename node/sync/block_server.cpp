#include "sync/block_server.h"

#include <algorithm>

namespace govchain::sync {

BlockResponse answer_block_request(const BlockRequest& request, const BlockSource& source) {
  BlockResponse response;
  const uint64_t head = source.head_height();
  const uint64_t first = std::max<uint64_t>(request.from_height, 1);
  if (first > head) return response;
  // Counted, not compared with a last height, so that heights near the
  // top of the range cannot wrap around.
  const uint64_t count = std::min<uint64_t>(request.count, head - first + 1);
  size_t size_bytes = 0;
  for (uint64_t offset = 0; offset < count; ++offset) {
    const uint64_t height = first + offset;
    auto block = source.encoded_block(height);
    auto commit = source.commit(height);
    if (!block.ok() || !commit.ok()) break;
    if (!response.blocks.empty() && size_bytes + block->size() > block_response_size_bytes_max) break;
    size_bytes += block->size();
    response.blocks.push_back({std::move(*block), std::move(*commit)});
  }
  return response;
}

}  // namespace govchain::sync
