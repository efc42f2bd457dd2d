#include "app/dev_producer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>

#include "consensus/certificate.h"

namespace govchain::app {

DevBlockProducer::DevBlockProducer(ChainBackend& backend, std::string chain_id, const consensus::Signer& signer,
                                   uint64_t block_interval_ms, const Clock& clock)
    : backend_(backend),
      chain_id_(std::move(chain_id)),
      signer_(signer),
      block_interval_ms_(block_interval_ms),
      clock_(clock) {}

DevBlockProducer::~DevBlockProducer() { stop(); }

void DevBlockProducer::start() {
  thread_ = std::thread([this] { run(); });
}

void DevBlockProducer::stop() {
  if (stopping_.exchange(true)) return;
  {
    std::lock_guard lock(wake_mutex_);
    wake_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void DevBlockProducer::wake() {
  {
    std::lock_guard lock(wake_mutex_);
    work_waiting_ = true;
  }
  wake_.notify_one();
}

Status DevBlockProducer::produce_once() {
  if (backend_.mempool_size() == 0) return Status();
  const uint64_t started_ms = clock_.steady_ms();
  chain::ChainHead head = backend_.building_head();
  GOVCHAIN_ASSIGN_OR_RETURN(chain::CommitCertificate last_commit, certificate_of(head));
  const int64_t time_ms = std::max(clock_.wall_ms(), head.time_ms + 1);
  GOVCHAIN_ASSIGN_OR_RETURN(block::ExecutedBlock executed,
                            backend_.build_block(time_ms, signer_.public_key(), last_commit));
  if (executed.txs.empty()) return Status();
  const uint64_t built_ms = clock_.steady_ms();
  const size_t tx_count = executed.txs.size();
  const uint64_t height = executed.header.height;
  chain::CommitCertificate commit = consensus::sign_commit_certificate(chain_id_, height, executed.block_hash, signer_);
  GOVCHAIN_TRY(backend_.commit_executed(std::move(executed), commit));
  last_signed_ = std::move(commit);
  spdlog::debug("committed block {} with {} transactions: build {} ms, commit {} ms", height, tx_count,
                built_ms - started_ms, clock_.steady_ms() - built_ms);
  return Status();
}

Result<chain::CommitCertificate> DevBlockProducer::certificate_of(const chain::ChainHead& head) const {
  if (last_signed_ && last_signed_->height == head.height && last_signed_->block_hash == head.block_hash)
    return *last_signed_;
  return backend_.commit(head.height);
}

void DevBlockProducer::run() {
  while (!stopping_) {
    {
      std::unique_lock lock(wake_mutex_);
      wake_.wait(lock, [&] { return work_waiting_ || stopping_.load(); });
      work_waiting_ = false;
    }
    if (stopping_) break;
    const uint64_t due_ms = last_block_steady_ms_ + block_interval_ms_;
    const uint64_t now_ms = clock_.steady_ms();
    if (due_ms > now_ms) std::this_thread::sleep_for(std::chrono::milliseconds(due_ms - now_ms));
    last_block_steady_ms_ = clock_.steady_ms();
    Status produced = produce_once();
    if (!produced.ok()) {
      spdlog::critical("block production failed, stopping the node to protect the data: {}", produced.to_string());
      std::exit(70);
    }
    if (backend_.mempool_size() > 0) wake();
  }
}

}  // namespace govchain::app
