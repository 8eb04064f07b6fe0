#include <mercato/http/metrics.hpp>

#include <algorithm>
#include <cassert>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <variant>

namespace mercato::http {

// ---------------------------------------------------------------- values

void counter::inc(double by) noexcept {
  if (by > 0) value_.fetch_add(by, std::memory_order_relaxed);
}
double counter::value() const noexcept {
  return value_.load(std::memory_order_relaxed);
}

void gauge::set(double v) noexcept {
  value_.store(v, std::memory_order_relaxed);
}
void gauge::add(double by) noexcept {
  value_.fetch_add(by, std::memory_order_relaxed);
}
double gauge::value() const noexcept {
  return value_.load(std::memory_order_relaxed);
}

histogram::histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  assert(std::is_sorted(bounds_.begin(), bounds_.end()));
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0, std::memory_order_relaxed);
}

void histogram::observe(double v) noexcept {
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);  // first bound >= v: le semantics
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::uint64_t histogram::count() const noexcept {
  return count_.load(std::memory_order_relaxed);
}
double histogram::sum() const noexcept {
  return sum_.load(std::memory_order_relaxed);
}
std::uint64_t histogram::bucket_count(std::size_t i) const noexcept {
  return buckets_[i].load(std::memory_order_relaxed);
}

std::vector<double> default_latency_buckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// ---------------------------------------------------------------- families

template <class Child>
family<Child>::family(std::string name, std::string help, std::vector<std::string> label_names,
                      std::function<std::unique_ptr<Child>()> make)
    : name_(std::move(name)),
      help_(std::move(help)),
      label_names_(std::move(label_names)),
      make_(std::move(make)) {}

template <class Child>
Child& family<Child>::with(const label_values& values) {
  assert(values.size() == label_names_.size());
  const std::lock_guard lock(mutex_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, make_()).first;
  return *it->second;
}

template <class Child>
Child& family<Child>::with(std::initializer_list<std::string_view> values) {
  label_values v;
  v.reserve(values.size());
  for (auto s : values) v.emplace_back(s);
  return with(v);
}

template <class Child>
void family<Child>::visit(const std::function<void(const label_values&, const Child&)>& f) const {
  const std::lock_guard lock(mutex_);
  for (const auto& [values, child] : children_) f(values, *child);
}

template class family<counter>;
template class family<gauge>;
template class family<histogram>;

// ---------------------------------------------------------------- scrape

void scrape::counter(std::string_view name, std::string_view help, double value, label_pairs labels) {
  add(name, help, "counter", value, std::move(labels));
}
void scrape::gauge(std::string_view name, std::string_view help, double value, label_pairs labels) {
  add(name, help, "gauge", value, std::move(labels));
}

void scrape::add(std::string_view name, std::string_view help, std::string_view type, double value,
                 label_pairs labels) {
  auto [it, fresh] = families_.try_emplace(std::string(name));
  if (fresh) {
    it->second.help = std::string(help);
    it->second.type = std::string(type);
  } else if (it->second.type != type) {
    return;  // the same name with another type would be an invalid exposition: drop it
  }
  it->second.samples.push_back({std::move(labels), value});
}

// ---------------------------------------------------------------- rendering

namespace {

bool valid_name(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  const auto ok = [&](char c, bool first) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (allow_colon && c == ':') ||
           (!first && c >= '0' && c <= '9');
  };
  if (!ok(n.front(), true)) return false;
  return std::all_of(n.begin() + 1, n.end(), [&](char c) { return ok(c, false); });
}

std::string number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) {
    return std::to_string(static_cast<std::int64_t>(v));
  }
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::general);
  return ec == std::errc{} ? std::string(buf, end) : std::string("NaN");
}

void escape_into(std::string& out, std::string_view s, bool quote) {
  for (char c : s) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (quote && c == '"')
      out += "\\\"";
    else
      out += c;
  }
}

void header(std::string& out, std::string_view name, std::string_view help, std::string_view type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  escape_into(out, help.empty() ? std::string_view("(no help)") : help, false);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, std::string_view name, const label_pairs& labels, double value) {
  out += name;
  if (!labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!valid_name(k, false)) continue;
      if (!first) out += ',';
      first = false;
      out += k;
      out += "=\"";
      escape_into(out, v, true);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += number(value);
  out += '\n';
}

label_pairs zip(const std::vector<std::string>& names, const label_values& values) {
  label_pairs pairs;
  for (std::size_t i = 0; i < names.size() && i < values.size(); ++i) pairs.emplace_back(names[i], values[i]);
  return pairs;
}

}  // namespace

struct registry::impl {
  using any_family = std::variant<std::unique_ptr<counter_family>, std::unique_ptr<gauge_family>,
                                  std::unique_ptr<histogram_family>>;
  mutable std::mutex mutex;
  std::map<std::string, any_family> families;
  std::vector<collector> collectors;

  /// Registration happens at start-up; a bad or duplicate name is a bug, reported loudly
  /// (a duplicate would otherwise render an invalid exposition).
  void check_new(const std::string& name, const std::vector<std::string>& labels) const {
    if (!valid_name(name, true)) throw std::invalid_argument("invalid metric name: " + name);
    if (families.contains(name)) throw std::invalid_argument("metric registered twice: " + name);
    for (const auto& l : labels) {
      if (!valid_name(l, false) || l == "le")
        throw std::invalid_argument("invalid label name on " + name + ": " + l);
    }
  }
};

registry::registry() : impl_(std::make_unique<impl>()) {}
registry::~registry() = default;

namespace {

template <class Family, class Child, class Families>
Family& add_family(std::mutex& mutex, Families& families,
                   const std::function<void(const std::string&, const std::vector<std::string>&)>& check,
                   std::string name, std::string help, std::vector<std::string> label_names,
                   std::function<std::unique_ptr<Child>()> make) {
  const std::lock_guard lock(mutex);
  check(name, label_names);
  auto f = std::make_unique<Family>(name, std::move(help), std::move(label_names), std::move(make));
  auto& ref = *f;
  families.emplace(std::move(name), std::move(f));
  return ref;
}

}  // namespace

counter_family& registry::add_counter(std::string name, std::string help,
                                      std::vector<std::string> label_names) {
  return add_family<counter_family, counter>(
      impl_->mutex, impl_->families, [this](const auto& n, const auto& l) { impl_->check_new(n, l); },
      std::move(name), std::move(help), std::move(label_names), [] { return std::make_unique<counter>(); });
}

gauge_family& registry::add_gauge(std::string name, std::string help, std::vector<std::string> label_names) {
  return add_family<gauge_family, gauge>(
      impl_->mutex, impl_->families, [this](const auto& n, const auto& l) { impl_->check_new(n, l); },
      std::move(name), std::move(help), std::move(label_names), [] { return std::make_unique<gauge>(); });
}

histogram_family& registry::add_histogram(std::string name, std::string help,
                                          std::vector<std::string> label_names,
                                          std::vector<double> upper_bounds) {
  return add_family<histogram_family, histogram>(
      impl_->mutex, impl_->families, [this](const auto& n, const auto& l) { impl_->check_new(n, l); },
      std::move(name), std::move(help), std::move(label_names),
      [bounds = std::move(upper_bounds)] { return std::make_unique<histogram>(bounds); });
}

void registry::add_collector(collector c) {
  const std::lock_guard lock(impl_->mutex);
  impl_->collectors.push_back(std::move(c));
}

std::string registry::render() const {
  std::vector<collector> collectors;
  {
    const std::lock_guard lock(impl_->mutex);
    collectors = impl_->collectors;
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
        if (fam.type == "counter")
          collected.counter(name, fam.help, s.value, s.labels);
        else
          collected.gauge(name, fam.help, s.value, s.labels);
      }
    }
  }

  // name -> rendered block; registered families and collected ones merged in name order.
  std::map<std::string, std::string> blocks;
  {
    const std::lock_guard lock(impl_->mutex);
    for (const auto& [name, any] : impl_->families) {
      std::string out;
      std::visit(
          [&](const auto& fam) {
            using F = std::decay_t<decltype(*fam)>;
            if constexpr (std::is_same_v<F, histogram_family>) {
              header(out, name, fam->help(), "histogram");
              fam->visit([&](const label_values& values, const histogram& h) {
                label_pairs labels = zip(fam->label_names(), values);
                std::uint64_t cumulative = 0;
                const auto& bounds = h.upper_bounds();
                for (std::size_t i = 0; i <= bounds.size(); ++i) {
                  cumulative += h.bucket_count(i);
                  label_pairs with_le = labels;
                  with_le.emplace_back("le", i < bounds.size() ? number(bounds[i]) : std::string("+Inf"));
                  sample(out, name + "_bucket", with_le, static_cast<double>(cumulative));
                }
                sample(out, name + "_sum", labels, h.sum());
                sample(out, name + "_count", labels, static_cast<double>(cumulative));
              });
            } else {
              header(out, name, fam->help(), std::is_same_v<F, counter_family> ? "counter" : "gauge");
              fam->visit([&](const label_values& values, const auto& child) {
                sample(out, name, zip(fam->label_names(), values), child.value());
              });
            }
          },
          any);
      blocks.emplace(name, std::move(out));
    }
  }
  for (const auto& [name, fam] : collected.families()) {
    if (blocks.contains(name) || !valid_name(name, true)) continue;  // registered families win
    std::string out;
    header(out, name, fam.help, fam.type);
    for (const auto& s : fam.samples) sample(out, name, s.labels, s.value);
    blocks.emplace(name, std::move(out));
  }
  std::string text;
  for (const auto& [name, block] : blocks) text += block;
  return text;
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
