#include "app/state_sync_server.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "sync/protocol.h"

namespace govchain::app {

StateSyncServer::StateSyncServer(StateSyncServerConfig config, const ChainBackend& backend, Send send,
                                 Penalize penalize)
    : config_(config), backend_(backend), send_(std::move(send)), penalize_(std::move(penalize)) {}

StateSyncServer::~StateSyncServer() { stop(); }

void StateSyncServer::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void StateSyncServer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  if (thread_.joinable()) thread_.join();
}

StateSyncServerStats StateSyncServer::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void StateSyncServer::on_request(const PublicKey& peer, uint8_t type, Bytes payload) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    size_t& pending = pending_[peer];
    if (pending >= config_.pending_per_peer_max) {
      ++stats_.dropped_peer;
      return;
    }
    if (queue_.size() >= config_.queue_max) {
      ++stats_.dropped_queue;
      if (pending == 0) pending_.erase(peer);
      return;
    }
    ++pending;
    queue_.push_back({peer, type, std::move(payload)});
  }
  queued_.notify_one();
}

void StateSyncServer::run() {
  while (true) {
    Request request;
    {
      std::unique_lock lock(mutex_);
      queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      request = std::move(queue_.front());
      queue_.pop_front();
      if (--pending_[request.peer] == 0) pending_.erase(request.peer);
    }
    const bool snapshot = request.type == sync::message_type::snapshot_request;
    auto answer =
        snapshot ? answer_snapshot_request(backend_, request.payload) : answer_state_request(backend_, request.payload);
    if (!answer.ok()) {
      {
        std::lock_guard lock(mutex_);
        ++stats_.refused;
      }
      if (answer.status().code() == Code::malformed || answer.status().code() == Code::invalid)
        penalize_(request.peer, "invalid state sync request: " + answer.status().message());
      else
        spdlog::warn("state sync serving: {}", answer.status().to_string());
      continue;
    }
    const uint64_t answer_size_bytes = answer->size();
    send_(request.peer, snapshot ? sync::message_type::snapshot_offer : sync::message_type::state_response,
          std::move(*answer));
    std::unique_lock lock(mutex_);
    ++stats_.answered;
    // Keep to both rates: the next answer waits (stop() ends the wait).
    const uint64_t per_request_us = 1'000'000 / std::max<uint32_t>(1, config_.requests_per_second_max);
    const uint64_t per_size_us =
        answer_size_bytes * 1'000'000 / std::max<uint64_t>(1, config_.size_bytes_per_second_max);
    queued_.wait_for(lock, std::chrono::microseconds(std::max(per_request_us, per_size_us)),
                     [this] { return stopping_; });
  }
}

Result<Bytes> StateSyncServer::answer_snapshot_request(const ChainBackend& backend, ByteView payload) {
  GOVCHAIN_ASSIGN_OR_RETURN(sync::SnapshotRequest request, sync::decode_snapshot_request(payload));
  GOVCHAIN_ASSIGN_OR_RETURN(sync::SnapshotOffer offer, backend.snapshot_offer(request.height));
  return sync::encode_snapshot_offer(offer);
}

Result<Bytes> StateSyncServer::answer_state_request(const ChainBackend& backend, ByteView payload) {
  GOVCHAIN_ASSIGN_OR_RETURN(sync::StateRequest request, sync::decode_state_request(payload));
  sync::StateResponse response;
  // Version byte and count, then the entries: stop before the bound (the
  // syncing node asks again for what is left).
  size_t size_bytes = 1 + 4;
  for (const auto& id : request.records) {
    auto record = backend.state_record(id.kind, id.hash);
    if (!record.ok() && record.status().code() != Code::not_found) return record.status();
    size_t entry = record.ok() ? sync::state_response_entry_size_bytes(record->size()) : 1;
    if (size_bytes + entry > sync::state_response_size_bytes_max) break;
    size_bytes += entry;
    if (record.ok())
      response.records.emplace_back(std::move(*record));
    else
      response.records.emplace_back();
  }
  return sync::encode_state_response(response);
}

}  // namespace govchain::app
