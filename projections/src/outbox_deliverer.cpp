// The outbox's delivery half: one thread per webhook URL scans its due records, POSTs each
// (libcurl, signed), and commits the outcome of every attempt atomically.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include <curl/curl.h>

#include <mercato/projections/outbox.hpp>

#include "outbox_records.hpp"

namespace mercato::projections {

namespace keys = outbox_keys;

namespace {

es::store_error invalid(std::string message) {
  return es::store_error{es::store_errc::invalid_argument, "outbox deliverer: " + std::move(message)};
}

std::string printable(std::string_view s, std::size_t max) {
  std::string out;
  for (char c : s.substr(0, max)) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  return out;
}

/// FNV-1a: a stable hash (the same on every build), for deterministic jitter.
std::uint64_t fnv1a(std::string_view s, std::uint64_t h = 14695981039346656037ULL) {
  for (char c : s) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  return h;
}

struct post_result {
  enum class outcome { delivered, failed, aborted } what = outcome::failed;
  std::string error;  ///< for failed
};

/// One reusable libcurl handle (keeps the connection to its endpoint alive between POSTs).
/// Not thread-safe: one per delivery thread.
class http_poster {
 public:
  http_poster(std::chrono::milliseconds timeout, const std::atomic<bool>& stop)
      : handle_(curl_easy_init()), timeout_(timeout), stop_(stop) {}
  ~http_poster() {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
  }
  http_poster(const http_poster&) = delete;
  http_poster& operator=(const http_poster&) = delete;

  post_result post(const std::string& url, const std::string& body, const std::vector<std::string>& headers) {
    if (handle_ == nullptr) return {post_result::outcome::failed, "libcurl: cannot create a handle"};
    curl_slist* list = nullptr;
    for (const auto& h : headers) list = curl_slist_append(list, h.c_str());
    response_.clear();
    char errbuf[CURL_ERROR_SIZE] = {0};
    CURL* h = handle_;
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout_.count()));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &http_poster::on_data);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &http_poster::on_progress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
    const CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(list);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
    if (rc == CURLE_ABORTED_BY_CALLBACK && stop_) return {post_result::outcome::aborted, {}};
    if (rc != CURLE_OK) {
      std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
      return {post_result::outcome::failed, printable(detail, 200)};
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 200 && status < 300) return {post_result::outcome::delivered, {}};
    std::string error = "HTTP " + std::to_string(status);
    if (!response_.empty()) error += ": " + printable(response_, 200);
    return {post_result::outcome::failed, std::move(error)};
  }

 private:
  static constexpr std::size_t kept_response_bytes = 256;

  static std::size_t on_data(char* data, std::size_t size, std::size_t n, void* self) {
    auto& kept = static_cast<http_poster*>(self)->response_;
    const std::size_t bytes = size * n;
    kept.append(data, std::min(bytes, kept_response_bytes - std::min(kept.size(), kept_response_bytes)));
    return bytes;  // the rest is read and dropped; the timeout bounds how long
  }
  static int on_progress(void* self, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    return static_cast<http_poster*>(self)->stop_.load() ? 1 : 0;
  }

  CURL* handle_;
  std::chrono::milliseconds timeout_;
  const std::atomic<bool>& stop_;
  std::string response_;
};

void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

}  // namespace

struct outbox_deliverer::impl {
  es::event_store& store;
  std::string prefix;
  deliverer_options options;
  std::vector<std::string> endpoint_ids;  // per options.webhook_urls entry

  // Every commit that changes a record goes through write_mutex, so the counters (kept
  // here and written in the same commit) never lose an update.
  std::mutex write_mutex;
  std::uint64_t delivered = 0;  // guarded by write_mutex
  std::uint64_t parked = 0;     // guarded by write_mutex

  mutable std::mutex mutex;
  std::condition_variable cv;
  std::uint64_t wake_generation = 0;  // guarded by mutex
  deliverer_stats stats;              // guarded by mutex

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;

  impl(es::event_store& s, std::string p, deliverer_options o)
      : store(s), prefix(std::move(p)), options(std::move(o)) {
    for (const auto& url : options.webhook_urls) endpoint_ids.push_back(endpoint_id(url));
  }

  std::string key(std::string_view relative) const { return prefix + std::string(relative); }
  bool configured(std::string_view eid) const {
    return std::find(endpoint_ids.begin(), endpoint_ids.end(), eid) != endpoint_ids.end();
  }

  void note_error(std::string message) {
    std::lock_guard lock(mutex);
    stats.last_error = std::move(message);
  }

  std::chrono::milliseconds backoff(std::string_view id, std::uint32_t attempts) const {
    using ms = std::chrono::milliseconds;
    const auto cap = options.backoff_max.count();
    std::int64_t d = options.backoff_initial.count();
    for (std::uint32_t i = 1; i < attempts && d < cap; ++i) d *= 2;
    d = std::min(d, cap);
    const double u = static_cast<double>(fnv1a(std::to_string(attempts), fnv1a(id)) >> 11) * 0x1.0p-53;
    d -= static_cast<std::int64_t>(static_cast<double>(d) * options.jitter * u);
    return ms(std::max<std::int64_t>(d, 1));
  }

  es::store_result<std::optional<std::uint64_t>> load_counter(std::string_view relative) const {
    auto v = store.load_projection(key(relative));
    if (!v) return fail(v.error());
    return keys::counter(*v);
  }

  es::store_result<ok_t> load_counters() {
    for (auto [name, field] :
         {std::pair{keys::delivered, &delivered}, std::pair{keys::parked_count, &parked}}) {
      auto v = load_counter(name);
      if (!v) return fail(v.error());
      if (!*v)
        return fail(es::store_error{es::store_errc::corruption, "outbox: " + key(name) + " is not a number"});
      *field = **v;
    }
    return ok;
  }

  // ---- record state changes (each one atomic commit) ----------------------------------

  /// Commits the outcome of one attempt of `r`, which was due under `due_key`.
  void record_outcome(const std::string& due_key, outbox_record r, const post_result& res) {
    std::lock_guard lock(write_mutex);
    es::aux_batch b;
    b.delete_projection(key(due_key));
    bool parks = false;
    if (res.what == post_result::outcome::delivered) {
      b.put_projection(key(keys::delivered), std::to_string(delivered + 1));
    } else {
      r.last_error = res.error;
      parks = r.attempts >= options.max_attempts;
      if (parks) {
        b.put_projection(key(keys::parked_key(r.id)), keys::encode(r));
        b.put_projection(key(keys::parked_count), std::to_string(parked + 1));
      } else {
        r.due_ns = r.last_attempt_ns + std::chrono::nanoseconds(backoff(r.id, r.attempts)).count();
        b.put_projection(key(keys::due_key(r)), keys::encode(r));
      }
    }
    // Not fsynced: the write-ahead log survives a process crash; what only a power loss can
    // undo is an outcome, and losing one just means one more attempt (at-least-once).
    if (auto c = store.commit(std::move(b), es::durability::async); !c) {
      // The record stays as it was (due): it is attempted again; a delivered one twice.
      note_error("outbox: committing the outcome for " + r.id + ": " + c.error().message);
      return;
    }
    if (parks && options.on_parked) options.on_parked(r);
    std::lock_guard stats_lock(mutex);
    ++stats.attempts;
    if (res.what == post_result::outcome::delivered) {
      ++delivered;
      ++stats.delivered;
    } else {
      ++stats.failed;
      stats.last_error = r.id + " attempt " + std::to_string(r.attempts) + ": " + res.error;
      if (parks) {
        ++parked;
        ++stats.parked;
      }
    }
  }

  /// Parks due records as they are (endpoint no longer configured), one commit per chunk.
  es::store_result<ok_t> park_due(std::vector<std::pair<std::string, outbox_record>> due,
                                  const std::string& why) {
    std::lock_guard lock(write_mutex);
    es::aux_batch b;
    for (auto& [k, r] : due) {
      r.last_error = why;
      b.delete_projection(key(k));
      b.put_projection(key(keys::parked_key(r.id)), keys::encode(r));
    }
    b.put_projection(key(keys::parked_count), std::to_string(parked + due.size()));
    if (auto c = store.commit(std::move(b)); !c) return fail(c.error());
    parked += due.size();
    return ok;
  }

  es::store_result<bool> requeue_one(const std::string& id) {
    if (!configured(keys::endpoint_of(id))) return false;
    std::lock_guard lock(write_mutex);
    auto stored = store.load_projection(key(keys::parked_key(id)));
    if (!stored) return fail(stored.error());
    if (!*stored) return false;
    auto r = keys::decode(**stored);
    if (!r)
      return fail(es::store_error{es::store_errc::corruption, "outbox: undecodable parked record " + id});
    r->attempts = 0;
    r->due_ns = options.clock();
    es::aux_batch b;
    b.delete_projection(key(keys::parked_key(id)));
    b.put_projection(key(keys::due_key(*r)), keys::encode(*r));
    b.put_projection(key(keys::parked_count), std::to_string(parked > 0 ? parked - 1 : 0));
    if (auto c = store.commit(std::move(b)); !c) return fail(c.error());
    if (parked > 0) --parked;
    return true;
  }

  // ---- scanning -------------------------------------------------------------------------

  /// Up to `limit` records in [begin, end) (relative keys), with their keys.
  es::store_result<std::vector<std::pair<std::string, outbox_record>>> scan(const std::string& begin,
                                                                            const std::string& end,
                                                                            std::size_t limit) {
    std::vector<std::pair<std::string, outbox_record>> out;
    auto scanned = store.scan_projection(key(begin), key(end), [&](std::string_view k, std::string_view v) {
      auto r = keys::decode(v);
      if (r)
        out.emplace_back(std::string(k.substr(prefix.size())), std::move(*r));
      else
        note_error("outbox: undecodable record at " + std::string(k) + " (skipped)");
      return out.size() < limit;
    });
    if (!scanned) return fail(scanned.error());
    return out;
  }

  /// At start: parks every due record of an endpoint that is no longer configured.
  es::store_result<ok_t> park_unconfigured() {
    std::string from(keys::due);
    for (;;) {
      std::optional<std::string> eid;
      auto first = store.scan_projection(key(from), key("due0"), [&](std::string_view k, std::string_view) {
        auto rest = k.substr(prefix.size() + keys::due.size());
        eid = std::string(rest.substr(0, rest.find('/')));
        return false;
      });
      if (!first) return fail(first.error());
      if (!eid) return ok;
      const auto range = keys::due_range(*eid);
      const auto range_end = std::string(keys::due) + *eid + "0";  // '0' follows '/'
      while (!configured(*eid)) {
        auto chunk = scan(range, range_end, 256);
        if (!chunk) return fail(chunk.error());
        if (chunk->empty()) break;
        auto parked_now = park_due(std::move(*chunk), "endpoint is no longer in notifications.webhook_urls");
        if (!parked_now) return fail(parked_now.error());
      }
      from = range_end;
    }
  }

  // ---- the delivery threads -------------------------------------------------------------

  void wait_for_work(std::uint64_t& seen) {
    std::unique_lock lock(mutex);
    cv.wait_for(lock, options.poll_interval, [&] { return stop.load() || wake_generation != seen; });
    seen = wake_generation;
  }

  void attempt(http_poster& http, const std::string& due_key, outbox_record r) {
    const auto t = options.clock() / 1000000000;
    const std::vector<std::string> headers{
        "Content-Type: application/json",
        "User-Agent: mercato-webhooks/1",
        "Expect:",  // no 100-continue round trip
        "Mercato-Delivery-Id: " + r.id,
        "Mercato-Timestamp: " + std::to_string(t),
        "Mercato-Signature: " + webhook_signature(options.secret, t, r.body),
        "Mercato-Attempt: " + std::to_string(r.attempts + 1),
    };
    const auto res = http.post(r.url, r.body, headers);
    if (res.what == post_result::outcome::aborted) return;  // stopping: stays due, not an attempt
    ++r.attempts;
    r.last_attempt_ns = options.clock();
    record_outcome(due_key, std::move(r), res);
  }

  void run(std::size_t endpoint) {
    http_poster http(options.timeout, stop);
    const auto& eid = endpoint_ids[endpoint];
    std::uint64_t seen = 0;
    while (!stop) {
      auto due = scan(keys::due_range(eid), keys::due_until(eid, options.clock()), options.scan_batch);
      {
        std::lock_guard lock(mutex);
        ++stats.passes;
      }
      if (!due) note_error("outbox: scanning due records: " + due.error().message);
      if (!due || due->empty()) {
        wait_for_work(seen);
        continue;
      }
      for (auto& [k, r] : *due) {
        if (stop) break;
        attempt(http, k, std::move(r));
      }
    }
  }
};

es::store_result<std::unique_ptr<outbox_deliverer>> outbox_deliverer::start(es::event_store& store,
                                                                            std::string prefix,
                                                                            deliverer_options options) {
  const auto& o = options;
  if (!o.webhook_urls.empty() && o.secret.empty())
    return fail(invalid("webhook URLs are set but the secret is empty"));
  for (std::size_t i = 0; i < o.webhook_urls.size(); ++i)
    if (std::find(o.webhook_urls.begin(), o.webhook_urls.begin() + static_cast<std::ptrdiff_t>(i),
                  o.webhook_urls[i]) != o.webhook_urls.begin() + static_cast<std::ptrdiff_t>(i))
      return fail(invalid("webhook URL listed twice: " + o.webhook_urls[i]));
  if (o.max_attempts < 1) return fail(invalid("max_attempts must be at least 1"));
  if (o.backoff_initial.count() < 1 || o.backoff_max < o.backoff_initial)
    return fail(invalid("backoff_initial must be at least 1 ms and at most backoff_max"));
  if (!(o.jitter >= 0.0 && o.jitter < 1.0)) return fail(invalid("jitter must be in [0, 1)"));
  if (o.timeout.count() < 1 || o.poll_interval.count() < 1 || o.scan_batch < 1)
    return fail(invalid("timeout, poll_interval and scan_batch must be positive"));
  if (prefix.empty() || prefix.back() != '/') return fail(invalid("prefix must end in '/': " + prefix));

  init_curl_once();
  auto d = std::make_unique<impl>(store, std::move(prefix), std::move(options));
  if (auto loaded = d->load_counters(); !loaded) return fail(loaded.error());
  if (auto swept = d->park_unconfigured(); !swept) return fail(swept.error());
  auto* raw = d.get();
  for (std::size_t i = 0; i < raw->endpoint_ids.size(); ++i)
    raw->threads.emplace_back([raw, i] { raw->run(i); });
  return std::unique_ptr<outbox_deliverer>(new outbox_deliverer(std::move(d)));
}

outbox_deliverer::outbox_deliverer(std::unique_ptr<impl> state) : impl_(std::move(state)) {}

outbox_deliverer::~outbox_deliverer() {
  {
    std::lock_guard lock(impl_->mutex);
    impl_->stop = true;
  }
  impl_->cv.notify_all();
  for (auto& t : impl_->threads) t.join();
}

std::chrono::milliseconds outbox_deliverer::backoff(std::string_view id, std::uint32_t attempts) const {
  return impl_->backoff(id, attempts);
}

es::store_result<std::size_t> outbox_deliverer::requeue(std::span<const std::string> ids) {
  std::size_t n = 0;
  for (const auto& id : ids) {
    auto done = impl_->requeue_one(id);
    if (!done) return fail(done.error());
    if (*done) ++n;
  }
  if (n > 0) wake();
  return n;
}

es::store_result<std::size_t> outbox_deliverer::requeue_all() {
  std::size_t total = 0;
  std::string from(keys::parked);
  for (;;) {
    std::vector<std::string> ids;
    auto scanned = impl_->store.scan_projection(
        impl_->key(from), impl_->key("parked0"), [&](std::string_view k, std::string_view) {
          ids.emplace_back(k.substr(impl_->prefix.size() + keys::parked.size()));
          return ids.size() < 256;
        });
    if (!scanned) return fail(scanned.error());
    if (ids.empty()) return total;
    auto n = requeue(ids);
    if (!n) return fail(n.error());
    total += *n;
    from = keys::parked_key(ids.back()) + std::string(1, '\0');  // skipped ones stay parked
  }
}

void outbox_deliverer::wake() {
  {
    std::lock_guard lock(impl_->mutex);
    ++impl_->wake_generation;
  }
  impl_->cv.notify_all();
}

deliverer_stats outbox_deliverer::stats() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->stats;
}

const std::string& outbox_deliverer::prefix() const noexcept {
  return impl_->prefix;
}

}  // namespace mercato::projections
