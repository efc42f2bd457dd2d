#include "rpc/metrics.h"

#include <prometheus/text_serializer.h>

#include <exception>
#include <sstream>

#include "core/version.h"

namespace govchain::rpc {
namespace {

// prometheus-cpp reports bad names and type clashes by throwing; this turns
// any exception into a Status so that none leaves the module.
template <typename Metric, typename MakeMetric>
Result<Metric*> guarded(std::string_view name, MakeMetric&& make_metric) {
  try {
    return &make_metric();
  } catch (const std::exception& exception) {
    return error(Code::invalid_argument, "metric '" + std::string(name) +
                                             "' cannot be registered: " + exception.what() +
                                             "; use [a-zA-Z_:][a-zA-Z0-9_:]* names and one type per name");
  } catch (...) {
    return error(Code::invalid_argument, "metric '" + std::string(name) + "' cannot be registered");
  }
}

}  // namespace

Metrics::Metrics() : registry_(std::make_shared<prometheus::Registry>()) {
  // The build's version as a label of a constant 1, the usual Prometheus
  // form, so that dashboards can show which version each node runs.
  if (auto info = gauge("govchain_build_info", "Version of this govchaind build (label version); always 1",
                        {{"version", std::string(version_text())}});
      info.ok())
    (*info)->Set(1);
}

Result<prometheus::Counter*> Metrics::counter(std::string_view name, std::string_view help,
                                              const MetricLabels& labels) {
  return guarded<prometheus::Counter>(name, [&]() -> prometheus::Counter& {
    auto& family = prometheus::BuildCounter().Name(std::string(name)).Help(std::string(help)).Register(*registry_);
    return family.Add(labels);
  });
}

Result<prometheus::Gauge*> Metrics::gauge(std::string_view name, std::string_view help, const MetricLabels& labels) {
  return guarded<prometheus::Gauge>(name, [&]() -> prometheus::Gauge& {
    auto& family = prometheus::BuildGauge().Name(std::string(name)).Help(std::string(help)).Register(*registry_);
    return family.Add(labels);
  });
}

Result<prometheus::Histogram*> Metrics::histogram(std::string_view name, std::string_view help,
                                                  const std::vector<double>& bucket_bounds,
                                                  const MetricLabels& labels) {
  return guarded<prometheus::Histogram>(name, [&]() -> prometheus::Histogram& {
    auto& family = prometheus::BuildHistogram().Name(std::string(name)).Help(std::string(help)).Register(*registry_);
    return family.Add(labels, bucket_bounds);
  });
}

std::vector<double> Metrics::latency_buckets_seconds() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};
}

std::string Metrics::render() const {
  try {
    const prometheus::TextSerializer serializer;
    return serializer.Serialize(registry_->Collect());
  } catch (...) {
    // Serialising writes to a string stream; only allocation can fail.
    return "# metrics could not be rendered\n";
  }
}

}  // namespace govchain::rpc
