#include "app/tx_gossip.h"

#include <spdlog/spdlog.h>

#include <cassert>
#include <chrono>

#include "core/limits.h"

namespace govchain::app {

TxGossip::TxGossip(TxGossipConfig config, TxGossipCallbacks callbacks)
    : config_(config), clock_(config.clock ? *config.clock : system_clock()), callbacks_(std::move(callbacks)) {
  assert(config_.txs_per_message_max >= 1 && config_.txs_per_message_max <= sync::txs_per_batch_max);
  assert(config_.message_size_bytes_max <= sync::tx_batch_size_bytes_max);
  assert(config_.inbound_messages_max >= 1);
  assert(callbacks_.send && callbacks_.accept && callbacks_.penalize);
}

TxGossip::~TxGossip() { stop(); }

void TxGossip::start() {
  std::lock_guard lock(mutex_);
  assert(!thread_.joinable());
  thread_ = std::thread([this] { run(); });
}

void TxGossip::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    if (!outbox_.txs.empty()) flush_locked();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TxGossip::add(ByteView encoded_tx) {
  const size_t entry_size_bytes = sync::tx_batch_entry_size_bytes(encoded_tx.size());
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  // A transaction that would take the batch over its size goes into the next.
  if (!outbox_.txs.empty() && outbox_size_bytes_ + entry_size_bytes > config_.message_size_bytes_max) flush_locked();
  if (outbox_.txs.empty()) outbox_started_ms_ = clock_.steady_ms();
  outbox_.txs.emplace_back(encoded_tx.begin(), encoded_tx.end());
  outbox_size_bytes_ += entry_size_bytes;
  if (outbox_.txs.size() >= config_.txs_per_message_max || outbox_size_bytes_ >= config_.message_size_bytes_max) {
    flush_locked();
    return;
  }
  if (outbox_.txs.size() == 1) changed_.notify_all();  // the worker times the flush
}

void TxGossip::on_message(const PublicKey& peer, uint8_t type, Bytes payload) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (inbound_.size() >= config_.inbound_messages_max) {
      ++dropped_messages_;
      return;
    }
    inbound_.push_back({peer, type, std::move(payload)});
  }
  changed_.notify_all();
}

uint64_t TxGossip::dropped_messages() const {
  std::lock_guard lock(mutex_);
  return dropped_messages_;
}

void TxGossip::wait_idle() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return stopping_ || (inbound_.empty() && !handling_); });
}

void TxGossip::flush_locked() {
  assert(!outbox_.txs.empty());
  Bytes payload = sync::encode_tx_batch(outbox_);
  outbox_.txs.clear();
  outbox_size_bytes_ = sync::tx_batch_header_size_bytes;
  callbacks_.send(payload, std::nullopt);
}

void TxGossip::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!outbox_.txs.empty() && clock_.steady_ms() >= outbox_started_ms_ + config_.flush_delay_ms) flush_locked();
    if (!inbound_.empty()) {
      Inbound message = std::move(inbound_.front());
      inbound_.pop_front();
      handling_ = true;
      lock.unlock();
      handle(message);
      lock.lock();
      handling_ = false;
      changed_.notify_all();  // for wait_idle()
      continue;
    }
    if (outbox_.txs.empty()) {
      changed_.wait(lock, [&] { return stopping_ || !inbound_.empty() || !outbox_.txs.empty(); });
    } else {
      uint64_t due_ms = outbox_started_ms_ + config_.flush_delay_ms;
      uint64_t now = clock_.steady_ms();
      changed_.wait_for(lock, std::chrono::milliseconds(due_ms > now ? due_ms - now : 0),
                        [&] { return stopping_ || !inbound_.empty(); });
    }
  }
}

std::optional<sync::TxBatch> TxGossip::decode(const Inbound& message) {
  if (message.type == sync::message_type::tx) {
    if (message.payload.size() > limits::tx_size_bytes_max) {
      callbacks_.penalize(message.peer, "transaction of " + std::to_string(message.payload.size()) + " bytes");
      return std::nullopt;
    }
    return sync::TxBatch{{message.payload}};
  }
  auto batch = sync::decode_tx_batch(message.payload);
  if (batch.ok()) return std::move(*batch);
  callbacks_.penalize(message.peer, "invalid transaction batch: " + batch.status().to_string());
  return std::nullopt;
}

void TxGossip::handle(const Inbound& message) {
  std::optional<sync::TxBatch> batch = decode(message);
  if (!batch) return;
  sync::TxBatch accepted;
  for (const auto& tx : batch->txs) {
    Status admitted = callbacks_.accept(tx);
    if (admitted.ok()) {
      accepted.txs.push_back(tx);
      continue;
    }
    // A peer may relay a stranger's transaction that it accepted before a
    // role was revoked, so an unknown sender is counted, not penalised.
    if (admitted.code() == Code::unknown_account && callbacks_.refused_unknown)
      callbacks_.refused_unknown(message.peer, admitted);
    // Stale nonces, duplicates and full pools are normal between honest
    // peers; bytes that do not decode or carry a bad signature are not.
    if (admitted.code() == Code::malformed || admitted.code() == Code::bad_signature) {
      callbacks_.penalize(message.peer, "invalid transaction: " + admitted.to_string());
      return;
    }
  }
  if (!config_.relay || accepted.txs.empty()) return;
  // Unchanged batches are relayed as they came, so peers that already have
  // them drop the copy by its hash before decoding it.
  if (accepted.txs.size() == batch->txs.size() && message.type == sync::message_type::txs)
    callbacks_.send(message.payload, message.peer);
  else
    callbacks_.send(sync::encode_tx_batch(accepted), message.peer);
}

}  // namespace govchain::app
