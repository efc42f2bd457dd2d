// govchain_sim: runs the deterministic consensus simulator for a range of
// seeds and prints, for any failing seed, the exact command that replays it.
//
//   govchain_sim --seed 1 --seeds 500 --validators 7 --scenario mixed
//   govchain_sim --seed 1234 --validators 7 --scenario crash --verbose   (replay one)
//   govchain_sim --seeds 200 --scenario lossy --ignore-lock --expect-violation
//   govchain_sim --scenario scale --validators 100                       (figures)
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <string>

#include "sim/simulation.h"

using namespace govchain::sim;

namespace {

std::string replay_command(const std::string& program, const Options& options) {
  std::string command = program + " --seed " + std::to_string(options.seed) + " --validators " +
                        std::to_string(options.validators) + " --scenario " + scenario_name(options.scenario);
  Options defaults;
  if (options.fault_duration_ms != defaults.fault_duration_ms)
    command += " --fault-ms " + std::to_string(options.fault_duration_ms);
  if (options.real_crypto) command += " --real-crypto";
  if (options.rotate_validators) command += " --rotate-validators";
  if (options.ignore_lock) command += " --ignore-lock";
  if (options.forget_wal) command += " --forget-wal";
  return command + " --verbose";
}

int run_scale(const Options& options) {
  auto start = std::chrono::steady_clock::now();
  Outcome outcome = run_simulation(options);
  double wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!outcome.ok()) {
    std::printf("scale run failed: %s\n", outcome.message.c_str());
    return 1;
  }
  uint64_t blocks = outcome.blocks_committed;
  std::printf("scale: %zu validators, %llu ms links, %llu blocks\n", options.validators,
              static_cast<unsigned long long>(options.link_delay_ms), static_cast<unsigned long long>(blocks));
  std::printf("simulated_ms_per_block %llu\n", static_cast<unsigned long long>(outcome.simulated_ms / blocks));
  std::printf("messages_per_block %llu\n", static_cast<unsigned long long>(outcome.messages_sent / blocks));
  std::printf("wall_seconds %.2f\n", wall_seconds);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"govchain deterministic consensus simulator"};
  Options options;
  uint64_t seeds = 1;
  std::string scenario = "mixed";
  bool expect_violation = false;
  app.add_option("--seed", options.seed, "first seed");
  app.add_option("--seeds", seeds, "number of consecutive seeds to run");
  app.add_option("--validators", options.validators, "validators (n)")->check(CLI::Range(1, 1024));
  app.add_option("--scenario", scenario, "lossy, partition, crash, byzantine, mixed or scale");
  app.add_option("--fault-ms", options.fault_duration_ms, "simulated milliseconds of faults before healing");
  app.add_option("--liveness-ms", options.liveness_bound_ms, "simulated milliseconds allowed after healing");
  app.add_option("--blocks", options.scale_blocks, "scale mode: blocks to measure");
  app.add_option("--link-ms", options.link_delay_ms, "scale mode: link delay");
  app.add_flag("--real-crypto", options.real_crypto, "sign with BIP340 instead of the fast stand-in");
  app.add_flag("--ignore-lock", options.ignore_lock, "run the deliberately broken variant (self-test)");
  app.add_flag("--rotate-validators", options.rotate_validators, "change the validator set every few heights");
  app.add_flag("--forget-wal", options.forget_wal, "restart without replaying the WAL (self-test)");
  app.add_flag("--expect-violation", expect_violation, "exit 0 only if some seed violates safety");
  app.add_flag("--verbose", options.verbose, "trace commits, crashes and partitions to stderr");
  CLI11_PARSE(app, argc, argv);
  if (!parse_scenario(scenario, options.scenario)) {
    std::fprintf(stderr, "unknown scenario '%s'\n", scenario.c_str());
    return 2;
  }
  if (options.scenario == Scenario::scale) return run_scale(options);
  uint64_t first = options.seed, failures = 0, slowest_recovery_ms = 0, slowest_seed = first;
  for (uint64_t seed = first; seed < first + seeds; ++seed) {
    options.seed = seed;
    Outcome outcome = run_simulation(options);
    if (outcome.ok() && outcome.recovery_ms > slowest_recovery_ms)
      slowest_recovery_ms = outcome.recovery_ms, slowest_seed = seed;
    if (options.verbose || seeds == 1)
      std::printf("seed %llu: %s\n", static_cast<unsigned long long>(seed), outcome.message.c_str());
    if (outcome.ok()) continue;
    failures += 1;
    if (expect_violation && outcome.safety_violation) {
      std::printf("expected violation found at seed %llu: %s\n", static_cast<unsigned long long>(seed),
                  outcome.message.c_str());
      return 0;
    }
    std::printf("FAIL seed %llu (%s): %s\n  replay: %s\n", static_cast<unsigned long long>(seed),
                outcome.safety_violation ? "safety" : "liveness", outcome.message.c_str(),
                replay_command(argv[0], options).c_str());
  }
  if (expect_violation) {
    std::printf("the broken variant was NOT caught in %llu seeds\n", static_cast<unsigned long long>(seeds));
    return 1;
  }
  std::printf("%llu seeds, n=%zu, scenario %s: %llu failed; slowest recovery %llu ms (seed %llu)\n",
              static_cast<unsigned long long>(seeds), options.validators, scenario.c_str(),
              static_cast<unsigned long long>(failures), static_cast<unsigned long long>(slowest_recovery_ms),
              static_cast<unsigned long long>(slowest_seed));
  return failures == 0 ? 0 : 1;
}
