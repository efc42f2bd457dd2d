// The deterministic cluster simulator: many consensus state machines in one
// process, one seed driving every choice (message loss, delay, duplication,
// reordering, partitions, crashes with torn WAL writes, Byzantine twins).
//
// After every action it checks safety (no two honest validators finalise
// different blocks at one height; no honest key signs two different votes or
// proposals for one height/round/step; evidence only ever names Byzantine
// validators; every commit certificate verifies). After the faults heal it
// requires every honest validator to commit new blocks within a bound.
//
// Single-threaded; a Simulation is used once (construct, run()).
#pragma once

#include <cstdint>
#include <string>

namespace govchain::sim {

enum class Scenario { lossy, partition, crash, byzantine, mixed, scale };

// Parses "lossy", "partition", "crash", "byzantine", "mixed" or "scale".
bool parse_scenario(const std::string& name, Scenario& scenario);
std::string scenario_name(Scenario scenario);

struct Options {
  uint64_t seed = 1;
  size_t validators = 4;
  Scenario scenario = Scenario::mixed;
  // Faults happen during [0, fault_duration_ms); then the network heals.
  uint64_t fault_duration_ms = 20'000;
  // After healing every honest validator must commit heights_after_heal
  // blocks beyond the highest height any honest validator had at healing,
  // within liveness_bound_ms of simulated time.
  uint64_t liveness_bound_ms = 120'000;
  uint64_t heights_after_heal = 2;
  // Use BIP340 signatures instead of the fast stand-in.
  bool real_crypto = false;
  // The broken variant for the simulator's self-test (Config::test_only_ignore_lock).
  bool ignore_lock = false;
  // Validator set changes: a pool of validators + 1 keys, one of them
  // sitting out in turn every few heights (also drawn at random in mixed).
  bool rotate_validators = false;
  // A second broken variant: restart crashed validators without their WAL.
  bool forget_wal = false;
  // Scale mode: fixed link delay and the number of blocks to measure.
  uint64_t link_delay_ms = 50;
  uint64_t scale_blocks = 20;
  bool verbose = false;
};

struct Outcome {
  bool safety_violation = false;
  bool liveness_failure = false;
  std::string message;  // what failed, or a one-line summary
  uint64_t simulated_ms = 0;
  uint64_t messages_sent = 0;
  uint64_t blocks_committed = 0;  // heights committed by every honest validator
  uint64_t evidence_reported = 0;
  uint64_t crashes = 0;
  uint64_t torn_writes = 0;
  uint64_t forgeries_refused = 0;
  uint64_t recovery_ms =
      0;  // from healing until every honest node reached the target height  // tampered messages honest nodes refused
  bool ok() const { return !safety_violation && !liveness_failure; }
};

Outcome run_simulation(const Options& options);

}  // namespace govchain::sim
