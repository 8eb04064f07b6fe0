// The registry on prometheus-cpp 1.0 (core library): families are prometheus::Family
// objects in a prometheus::Registry, scrape-time collectors are one prometheus::Collectable
// of ours, and prometheus::TextSerializer writes the exposition (docs/library-notes.md).
#include <mercato/http/metrics.hpp>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <algorithm>
#include <cassert>
#include <mutex>
#include <stdexcept>
#include <type_traits>
#include <unordered_set>

namespace mercato::http {

// ---------------------------------------------------------------- values

void counter::inc(double by) noexcept {
  if (by > 0) c_->Increment(by);
}
double counter::value() const noexcept {
  return c_->Value();
}

void gauge::set(double v) noexcept {
  g_->Set(v);
}
void gauge::add(double by) noexcept {
  g_->Increment(by);
}
double gauge::value() const noexcept {
  return g_->Value();
}

void histogram::observe(double v) noexcept {
  h_->Observe(v);  // takes the histogram's mutex; allocates nothing
}

std::vector<double> default_latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

namespace {

template <class Child>
struct prometheus_type;
template <>
struct prometheus_type<counter> {
  using type = prometheus::Counter;
};
template <>
struct prometheus_type<gauge> {
  using type = prometheus::Gauge;
};
template <>
struct prometheus_type<histogram> {
  using type = prometheus::Histogram;
};

bool valid_name(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  const auto ok = [&](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
           (!first && c >= '0' && c <= '9');
  };
  if (!ok(n.front(), true)) return false;
  return std::all_of(n.begin() + 1, n.end(), [&](char c) { return ok(c, false); });
}

/// HELP text as the exposition format wants it. TextSerializer writes help verbatim (it
/// escapes label values only), so a backslash or a newline would break the output; an
/// empty help would drop the HELP line.
std::string escaped_help(std::string_view help) {
  if (help.empty()) return "(no help)";
  std::string out;
  out.reserve(help.size());
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- families

template <class Child>
struct family<Child>::impl {
  using metric = typename prometheus_type<Child>::type;
  prometheus::Family<metric>* fam;
  std::vector<std::string> label_names;
  std::vector<double> upper_bounds;  ///< histograms only
  std::mutex mutex;
  /// Our own index in front of Family::Add, which constructs a child (for a histogram: its
  /// bucket vectors) and copies the labels on every call, even when the child exists.
  std::map<label_values, Child, std::less<>> children;

  Child make(const label_values& values) {
    prometheus::Labels labels;
    for (std::size_t i = 0; i < label_names.size(); ++i) labels.emplace(label_names[i], values[i]);
    if constexpr (std::is_same_v<Child, histogram>)
      return Child(fam->Add(labels, upper_bounds));
    else
      return Child(fam->Add(labels));
  }
};

template <class Child>
family<Child>::family(std::unique_ptr<impl> i) : impl_(std::move(i)) {}
template <class Child>
family<Child>::~family() = default;

template <class Child>
Child& family<Child>::with(const label_values& values) {
  assert(values.size() == impl_->label_names.size());
  const std::lock_guard lock(impl_->mutex);
  auto it = impl_->children.find(values);
  if (it == impl_->children.end()) it = impl_->children.emplace(values, impl_->make(values)).first;
  return it->second;
}

template <class Child>
Child& family<Child>::with(std::initializer_list<std::string_view> values) {
  label_values v;
  v.reserve(values.size());
  for (auto s : values) v.emplace_back(s);
  return with(v);
}

template <class Child>
const std::string& family<Child>::name() const noexcept {
  return impl_->fam->GetName();
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

// ---------------------------------------------------------------- scrape

void scrape::counter(std::string_view name, std::string_view help, double value, label_pairs labels) {
  add(name, help, true, value, std::move(labels));
}
void scrape::gauge(std::string_view name, std::string_view help, double value, label_pairs labels) {
  add(name, help, false, value, std::move(labels));
}

void scrape::add(std::string_view name, std::string_view help, bool is_counter, double value,
                 label_pairs labels) {
  auto [it, fresh] = families_.try_emplace(std::string(name));
  if (fresh) {
    it->second.help = std::string(help);
    it->second.is_counter = is_counter;
  } else if (it->second.is_counter != is_counter) {
    return;  // the same name with another type would be an invalid exposition: drop it
  }
  it->second.samples.push_back({std::move(labels), value});
}

// ---------------------------------------------------------------- registry

namespace {

/// The scrape-time figures: runs every collector when collected and turns what they wrote
/// into metric families.
class scrape_collectable final : public prometheus::Collectable {
 public:
  void add(registry::collector c) {
    const std::lock_guard lock(mutex_);
    collectors_.push_back(std::move(c));
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<registry::collector> collectors;
    {
      const std::lock_guard lock(mutex_);
      collectors = collectors_;
    }
    scrape collected;
    for (const auto& c : collectors) {
      scrape one;
      try {
        c(one);
      } catch (...) {
        continue;  // a broken collector must not break /metrics
      }
      for (const auto& [name, fam] : one.families()) {
        for (const auto& s : fam.samples) {
          if (fam.is_counter)
            collected.counter(name, fam.help, s.value, s.labels);
          else
            collected.gauge(name, fam.help, s.value, s.labels);
        }
      }
    }
    std::vector<prometheus::MetricFamily> out;
    for (const auto& [name, fam] : collected.families()) {
      if (!valid_name(name, true)) continue;
      prometheus::MetricFamily f;
      f.name = name;
      f.help = escaped_help(fam.help);
      f.type = fam.is_counter ? prometheus::MetricType::Counter : prometheus::MetricType::Gauge;
      for (const auto& s : fam.samples) {
        prometheus::ClientMetric m;
        for (const auto& [k, v] : s.labels)
          if (valid_name(k, false)) m.label.push_back({k, v});
        (fam.is_counter ? m.counter.value : m.gauge.value) = s.value;
        f.metric.push_back(std::move(m));
      }
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<registry::collector> collectors_;
};

}  // namespace

struct registry::impl {
  prometheus::Registry families{prometheus::Registry::InsertBehavior::Throw};
  scrape_collectable scrape_time;
  mutable std::mutex mutex;
  std::vector<std::unique_ptr<counter_family>> counters;
  std::vector<std::unique_ptr<gauge_family>> gauges;
  std::vector<std::unique_ptr<histogram_family>> histograms;
  /// Every registered family, also rendered before its first child (HELP and TYPE only).
  std::vector<prometheus::MetricFamily> registered;

  /// Registration happens at start-up; a bad or duplicate name is a bug, reported loudly.
  /// prometheus-cpp checks metric names and duplicates itself but label names only when a
  /// child is added, and lets a histogram have a label `le`.
  static void check_labels(const std::string& name, const std::vector<std::string>& labels) {
    for (const auto& l : labels) {
      if (!valid_name(l, false) || l == "le" || l.starts_with("__"))
        throw std::invalid_argument("invalid label name on " + name + ": " + l);
    }
  }

  template <class Child, class Builder>
  family<Child>& add(Builder builder, std::vector<std::unique_ptr<family<Child>>>& owned,
                     prometheus::MetricType type, std::string name, std::string help,
                     std::vector<std::string> label_names, std::vector<double> upper_bounds = {}) {
    const std::lock_guard lock(mutex);
    check_labels(name, label_names);
    help = escaped_help(help);
    auto& fam = builder.Name(name).Help(help).Register(families);  // throws on a bad or taken name
    auto i = std::make_unique<typename family<Child>::impl>();
    i->fam = &fam;
    i->label_names = std::move(label_names);
    i->upper_bounds = std::move(upper_bounds);
    owned.push_back(std::make_unique<family<Child>>(std::move(i)));
    registered.push_back({std::move(name), std::move(help), type, {}});
    return *owned.back();
  }
};

registry::registry() : impl_(std::make_unique<impl>()) {}
registry::~registry() = default;

counter_family& registry::add_counter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return impl_->add<counter>(prometheus::BuildCounter(), impl_->counters, prometheus::MetricType::Counter,
                             std::move(name), std::move(help), std::move(label_names));
}

gauge_family& registry::add_gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return impl_->add<gauge>(prometheus::BuildGauge(), impl_->gauges, prometheus::MetricType::Gauge,
                           std::move(name), std::move(help), std::move(label_names));
}

histogram_family& registry::add_histogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> upper_bounds) {
  if (!std::is_sorted(upper_bounds.begin(), upper_bounds.end()) ||
      std::adjacent_find(upper_bounds.begin(), upper_bounds.end()) != upper_bounds.end())
    throw std::invalid_argument("histogram bounds must be strictly ascending: " + name);
  return impl_->add<histogram>(prometheus::BuildHistogram(), impl_->histograms,
                               prometheus::MetricType::Histogram, std::move(name), std::move(help),
                               std::move(label_names), std::move(upper_bounds));
}

void registry::add_collector(collector c) {
  impl_->scrape_time.add(std::move(c));
}

std::string registry::render() const {
  std::vector<prometheus::MetricFamily> all = impl_->families.Collect();
  std::unordered_set<std::string> names;
  for (const auto& f : all) names.insert(f.name);
  {
    const std::lock_guard lock(impl_->mutex);
    for (const auto& f : impl_->registered)
      if (names.insert(f.name).second) all.push_back(f);  // no child yet
  }
  for (auto& f : impl_->scrape_time.Collect())
    if (names.insert(f.name).second) all.push_back(std::move(f));  // registered families win

  // Stable output: families by name, children by labels (prometheus-cpp keeps them in
  // registration order and in a hash map).
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  for (auto& f : all) {
    std::sort(f.metric.begin(), f.metric.end(),
              [](const auto& a, const auto& b) { return a.label < b.label; });
  }
  return prometheus::TextSerializer{}.Serialize(all);
}

// ---------------------------------------------------------------- http_metrics

http_metrics::http_metrics(registry& r)
    : requests_(&r.add_counter("http_requests_total",
                               "HTTP requests answered, by method, route template and status.",
                               {"method", "route", "status"})),
      duration_(
          &r.add_histogram("http_request_duration_seconds",
                           "Time from request parsed to response written, by method and route template.",
                           {"method", "route"})),
      in_flight_(
          &r.add_gauge("http_requests_in_flight", "HTTP requests being handled now.").with(label_values{})),
      rate_limited_(&r.add_counter("http_rate_limited_total",
                                   "Requests refused by the rate limiter, by class.", {"class"})) {}

void http_metrics::observe(std::string_view method, std::string_view route, int status, double seconds) {
  requests_->with({method, route, std::to_string(status)}).inc();
  duration_->with({method, route}).observe(seconds);
}

counter& http_metrics::rate_limited(std::string_view rate_class) {
  return rate_limited_->with({rate_class});
}

}  // namespace mercato::http
