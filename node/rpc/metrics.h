// Metrics: the node's Prometheus registry and its text exposition.
//
// A thin wrapper over prometheus-cpp core. It owns one prometheus::Registry;
// the HTTP server records request counts and latencies there, and the
// embedder adds chain figures (height, transactions, mempool size) through
// the same object. render() produces the text exposition format that
// GET /metrics serves.
//
// Ownership: the returned metric pointers are owned by the registry and stay
// valid as long as this Metrics object lives (families are never removed).
// Share the Metrics object with std::shared_ptr between its users.
//
// Thread-safety: every member function is thread-safe, and so are the
// returned prometheus::Counter, Gauge and Histogram objects.
//
// prometheus-cpp throws std::invalid_argument for a bad metric or label
// name and for a name that is already registered with another type; these
// functions catch it and return a Status instead.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/labels.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace govchain::rpc {

// Label name -> value, e.g. {{"route", "/v1/txs/{hash}"}}.
using MetricLabels = prometheus::Labels;

class Metrics {
 public:
  Metrics();

  // Returns the counter with `name` and `labels`, creating family and counter
  // on first use. Later calls with the same name and labels return the same
  // counter; `help` of the first call wins. Fails with invalid_argument for
  // an invalid name or label, or a name registered with another type.
  Result<prometheus::Counter*> counter(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  Result<prometheus::Gauge*> gauge(std::string_view name, std::string_view help, const MetricLabels& labels = {});
  // `bucket_bounds` are the upper bounds of the buckets, strictly increasing;
  // they must be the same for every call with one name.
  Result<prometheus::Histogram*> histogram(std::string_view name, std::string_view help,
                                           const std::vector<double>& bucket_bounds, const MetricLabels& labels = {});

  // Bucket bounds in seconds from 0.5 ms to 10 s, for request latencies.
  static std::vector<double> latency_buckets_seconds();

  // All metrics in the Prometheus text exposition format (version 0.0.4).
  std::string render() const;

  // The underlying registry, for prometheus-cpp features not wrapped here.
  prometheus::Registry& registry() { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;
};

}  // namespace govchain::rpc
