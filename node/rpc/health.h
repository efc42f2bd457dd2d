// Health and readiness of a node, for load balancers and monitoring:
//
//   GET /healthz  200 {"status":"ok"} whenever the process answers HTTP at
//                 all. Restart the node only when this fails.
//   GET /readyz   200 when the node can serve current data, 503 with the
//                 reasons otherwise: its chain has made no new block for
//                 `stale_block_intervals` block intervals, it has lost contact
//                 with a quorum (more than two thirds) of the validators (an
//                 observer: with every validator), or it is catching up with
//                 its peers. Send no traffic to a node while this fails.
//
// Both run on the server's I/O threads (RouteExecution::io_thread), never on
// the worker pool, so they answer quickly while every worker is busy.
//
// The node supplies the facts through ReadinessProvider; judge_readiness()
// turns them into a verdict as a pure function, so the rules are unit-tested
// without a chain.
//
// Ownership: the routes share ownership of the provider. Thread-safety: the
// provider is called from several server threads at once and must be
// thread-safe and quick (no disk reads, no waiting on consensus).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "rpc/http_server.h"

namespace govchain::rpc {

struct ReadinessFacts {
  uint64_t head_height = 0;
  // Block time of the head (from its header), Unix milliseconds.
  int64_t head_time_ms = 0;
  // The longest normal time between two blocks while the chain is live. 0
  // when the node makes blocks only on demand (a single-validator dev
  // chain); the stall rule is then off.
  uint64_t block_interval_ms = 0;
  // Validators of the set that decides the next height, and how many of
  // them this node reaches now: itself when it is one, plus those it has an
  // open p2p session with.
  uint64_t validators = 0;
  uint64_t validators_reachable = 0;
  // Whether this node is one of them. An observer follows one or a few
  // validators and needs only one of them; a validator needs a quorum.
  bool is_validator = true;
  bool catching_up = false;
  uint64_t best_peer_height = 0;
};

class ReadinessProvider {
 public:
  virtual ~ReadinessProvider() = default;
  virtual ReadinessFacts readiness_facts() const = 0;
};

struct ReadinessPolicy {
  // Not ready when the head is older than this many block intervals, and
  // never sooner than stale_after_ms_min: a height whose first round fails
  // takes the propose (3 s), prevote (1 s) and precommit (1 s) timeouts plus
  // an interval whatever the interval is. With the default interval of 1 s
  // the limit is 8 s, above one failed round and below 10 s.
  uint64_t stale_block_intervals = 8;
  uint64_t stale_after_ms_min = 6000;
};

struct ReadinessReason {
  std::string code;  // "stalled", "no_quorum", "no_validator", "catching_up"
  std::string message;
};

struct ReadinessVerdict {
  bool ready = true;
  std::vector<ReadinessReason> reasons;  // empty when ready
  uint64_t head_age_ms = 0;
};

// The rules above, at wall-clock time `now_unix_ms`.
ReadinessVerdict judge_readiness(const ReadinessFacts& facts, const ReadinessPolicy& policy, int64_t now_unix_ms);

// The /readyz body: status, reasons and the facts they were judged on.
std::string readiness_json(const ReadinessFacts& facts, const ReadinessVerdict& verdict);

// Registers GET /healthz and GET /readyz (io_thread routes; CORS allowed as
// for every read route). Fails like HttpServer::add_route(), and with
// invalid_argument for a null provider or a stale_block_intervals of 0.
Status register_health_routes(HttpServer& server, std::shared_ptr<const ReadinessProvider> provider,
                              ReadinessPolicy policy = {});

}  // namespace govchain::rpc
