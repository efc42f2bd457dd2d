// The gas schedule check of runtime_bench: CPU time per gas unit for each
// class of work the engine prices (arithmetic and control flow, calls,
// locals zeroed, values moved by branches, memory and table growth, bulk
// memory, instantiation, loading, and the node's host functions: signature
// checks, hashing, storage, events), measured with purpose-built modules under
// the node's contract limits, and their spread (the largest ns/gas divided
// by the smallest). A schedule that prices work evenly has a small spread;
// docs/runtime.md, "Gas schedule", has the figures and how they were used.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace govchain::bench {

// A figure measured elsewhere in the same run (the compute workloads),
// added to the check as a row of its class.
struct MeasuredWorkload {
  std::string name;
  double seconds = 0;
  uint64_t gas = 0;
};

// Prints the check; fails only if a purpose-built module does not load or
// run (a broken engine, not a slow machine). `host_workload_path` is the
// wasm32 build of bench/runtime/host.c.
Status print_gas_schedule_check(const std::string& contracts_dir, const std::string& host_workload_path,
                                const std::vector<MeasuredWorkload>& workloads);

}  // namespace govchain::bench
