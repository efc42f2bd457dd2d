// Catch-up serving: how a node answers a peer's BlockRequest from the blocks
// it committed. Pure: the blocks come through a BlockSource, which the app
// implements over its block store; sending the answer is the app's.
//
// The answer holds consecutive blocks from the requested height (height 0,
// the genesis, is never sent: every node makes it from the genesis file),
// up to the node's head, at most the request's count, and at most
// block_response_size_bytes_max bytes — but at least one block when the
// node has the first one, however large. A block or certificate that cannot
// be read ends the answer early.
//
// Thread-safety: answer_block_request is as thread-safe as the source.
#pragma once

#include <cstdint>

#include "chain/block.h"
#include "core/bytes.h"
#include "core/status.h"
#include "sync/protocol.h"

namespace govchain::sync {

class BlockSource {
 public:
  virtual ~BlockSource() = default;
  // Height of the latest committed block.
  virtual uint64_t head_height() const = 0;
  // The committed block at `height` in its canonical encoding.
  virtual Result<Bytes> encoded_block(uint64_t height) const = 0;
  // The certificate that finalised the block at `height`.
  virtual Result<chain::CommitCertificate> commit(uint64_t height) const = 0;
};

BlockResponse answer_block_request(const BlockRequest& request, const BlockSource& source);

}  // namespace govchain::sync
