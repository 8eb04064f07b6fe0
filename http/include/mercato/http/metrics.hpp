#pragma once
// Prometheus metrics, kept by prometheus-cpp 1.0 (Debian's prometheus-cpp-dev, core library
// only) and rendered in the text exposition format 0.0.4
// (`text/plain; version=0.0.4; charset=utf-8`) for our own /metrics route.
//
// Two kinds of figures:
//   * live metrics, updated as things happen (requests, durations): families registered
//     once with add_counter / add_gauge / add_histogram, children looked up by label
//     values; a child's address is stable, so hot paths may cache the reference;
//   * scrape-time figures read from elsewhere when /metrics is served (event-store
//     totals, live actors, projection lag, process figures): add_collector() with a
//     callback that writes samples into a `scrape`.
// Naming (checked by `promtool check metrics` in tests): snake_case, base units
// (`_seconds`, `_bytes`), counters end in `_total`; Mercato's own figures start with
// `mercato_` (e.g. mercato_eventstore_appends_total, mercato_actors_live_entities,
// mercato_projection_lag_events{projection=...}).
//
// No prometheus-cpp header is included here (only src/metrics.cpp includes them); the
// handles below point at prometheus-cpp's own objects.
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
}  // namespace prometheus

namespace mercato::http {

inline constexpr std::string_view metrics_content_type = "text/plain; version=0.0.4; charset=utf-8";

using label_values = std::vector<std::string>;
using label_pairs = std::vector<std::pair<std::string, std::string>>;

/// A child of a counter family (a handle on prometheus::Counter; cheap to copy).
class counter {
 public:
  explicit counter(prometheus::Counter& c) noexcept : c_(&c) {}
  void inc(double by = 1.0) noexcept;  ///< `by` must be >= 0 (a negative one is ignored)
  double value() const noexcept;

 private:
  prometheus::Counter* c_;
};

/// A child of a gauge family (a handle on prometheus::Gauge).
class gauge {
 public:
  explicit gauge(prometheus::Gauge& g) noexcept : g_(&g) {}
  void set(double v) noexcept;
  void add(double by) noexcept;
  double value() const noexcept;

 private:
  prometheus::Gauge* g_;
};

/// A child of a histogram family (a handle on prometheus::Histogram).
class histogram {
 public:
  explicit histogram(prometheus::Histogram& h) noexcept : h_(&h) {}
  void observe(double v) noexcept;

 private:
  prometheus::Histogram* h_;
};

/// A metric family with fixed label names; with() returns the child for one set of label
/// values (created on first use; thread-safe; the reference stays valid for the family's
/// life). The number of values must equal the number of label names (asserted).
template <class Child>
class family {
 public:
  Child& with(const label_values& values);
  Child& with(std::initializer_list<std::string_view> values);
  const std::string& name() const noexcept;

  struct impl;  ///< src/metrics.cpp: the prometheus-cpp family and the children by values
  explicit family(std::unique_ptr<impl> i);
  ~family();
  family(const family&) = delete;
  family& operator=(const family&) = delete;

 private:
  std::unique_ptr<impl> impl_;
};

extern template class family<counter>;
extern template class family<gauge>;
extern template class family<histogram>;
using counter_family = family<counter>;
using gauge_family = family<gauge>;
using histogram_family = family<histogram>;

/// What a collector writes into at scrape time. Samples of one name are grouped under one
/// HELP/TYPE whatever the order of the calls; the first help text of a name wins.
class scrape {
 public:
  void counter(std::string_view name, std::string_view help, double value, label_pairs labels = {});
  void gauge(std::string_view name, std::string_view help, double value, label_pairs labels = {});

  struct sample {
    label_pairs labels;
    double value;
  };
  struct family_samples {
    std::string help;
    bool is_counter = false;  ///< else a gauge
    std::vector<sample> samples;
  };
  const std::map<std::string, family_samples>& families() const noexcept { return families_; }

 private:
  void add(std::string_view name, std::string_view help, bool is_counter, double value, label_pairs labels);
  std::map<std::string, family_samples> families_;
};

/// Latency buckets in seconds for HTTP requests: 0.5 ms .. 10 s.
std::vector<double> default_latency_buckets();

class registry {
 public:
  registry();
  ~registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// Registers a family. Names must be valid Prometheus names and unique across the
  /// registry; a bad or duplicate name (a bug) throws std::invalid_argument. Thread-safe.
  counter_family& add_counter(std::string name, std::string help, std::vector<std::string> label_names = {});
  gauge_family& add_gauge(std::string name, std::string help, std::vector<std::string> label_names = {});
  histogram_family& add_histogram(std::string name, std::string help, std::vector<std::string> label_names,
                                  std::vector<double> upper_bounds = default_latency_buckets());

  using collector = std::function<void(scrape&)>;
  /// Called on the scraping thread each time render() runs; must be thread-safe and quick.
  /// A collector that throws is skipped for that scrape (its samples are dropped).
  void add_collector(collector c);

  /// The whole exposition text: families sorted by name, each with # HELP and # TYPE
  /// (a registered family with no child yet too); a collected family named like a
  /// registered one is dropped.
  std::string render() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// The HTTP server's own metrics, registered in `r`:
///   http_requests_total{method,route,status}                 counter
///   http_request_duration_seconds{method,route}              histogram (default buckets)
///   http_requests_in_flight                                  gauge
///   http_rate_limited_total{class}                           counter
/// `route` is the route TEMPLATE (`/api/v1/products/{id}`), or `unmatched`, never the raw
/// path (unbounded label values would grow memory without end).
class http_metrics {
 public:
  explicit http_metrics(registry& r);
  void observe(std::string_view method, std::string_view route, int status, double seconds);
  gauge& in_flight() noexcept { return *in_flight_; }
  counter& rate_limited(std::string_view rate_class);

 private:
  counter_family* requests_;
  histogram_family* duration_;
  gauge* in_flight_;
  counter_family* rate_limited_;
};

/// Adds a collector of this process's figures read from /proc at scrape time, with the
/// standard names: process_resident_memory_bytes, process_virtual_memory_bytes,
/// process_cpu_seconds_total, process_open_fds, process_max_fds,
/// process_start_time_seconds, process_threads.
void add_process_collector(registry& r);

}  // namespace mercato::http
