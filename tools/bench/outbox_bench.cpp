// Notification outbox benchmark (docs/webhooks.md): how fast the outbox delivers to one
// healthy loopback receiver, against plain libcurl POSTs to the same receiver in the same
// run, and how much memory a dead receiver with a large backlog costs. Prints a Markdown
// section; --out appends it to a file (docs/benchmarks-detail.md).
//
//   1. Reference: --notifications signed POSTs of a typical body, one at a time, one reused
//      libcurl handle, nothing stored.
//   2. Outbox: the same number of NotificationEmitted events in a durable (sync) store; the
//      outbox projection (runner) and the deliverer start together; deliveries/s = records
//      delivered ÷ time until the last delivery is committed (every outcome is one commit,
//      not fsynced; the enqueue batches are).
//   3. Dead receiver: --backlog notifications for a URL where nothing listens (connection
//      refused); every record is attempted once and rescheduled an hour later. Resident
//      memory before and after.
//
// The receiver is the tests' loopback receiver (one connection per request, signature
// checked). Not a test: nothing asserts on timing.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <curl/curl.h>
#include <CLI/CLI.hpp>

#include <mercato/codec/codec.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/projections/outbox.hpp>
#include <mercato/projections/runner.hpp>

#include "bench_util.hpp"
#include "webhook_receiver.hpp"

namespace fs = std::filesystem;
using namespace mercato;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;

namespace {

const std::string secret = "bench-secret";

double seconds_since(clock_type::time_point t0) {
  return std::chrono::duration<double>(clock_type::now() - t0).count();
}

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

std::unique_ptr<es::event_store> open_store(const fs::path& dir) {
  es::store_options o;
  o.data_dir = dir;
  o.shard_count = 8;
  auto s = es::event_store::open(o);
  if (!s) throw std::runtime_error("open: " + s.error().message);
  return std::move(*s);
}

/// `n` NotificationEmitted events, 10 per order stream, appended in batches.
void emit(es::event_store& s, int n) {
  for (int order = 0; order * 10 < n; ++order) {
    const std::string oid = "o-" + std::to_string(order);
    es::append_request r{*es::stream_id::make("order/" + oid), es::expected_version::any(), {}, {}, {}};
    for (int i = 0; i < 10 && order * 10 + i < n; ++i) {
      domain::notification_emitted e{domain::notification_id{"ntf-order/" + oid + "-" + std::to_string(i)},
                                     domain::user_id{"u-" + std::to_string(order % 97)},
                                     domain::notification_kind::order_confirmed,
                                     domain::order_id{oid},
                                     "Order " + oid + " confirmed",
                                     "Thank you for your order. We will ship soon."};
      r.events.push_back(codec::to_event_data(domain::notification_event{std::move(e)}));
    }
    if (auto ok = s.append(std::move(r)); !ok) throw std::runtime_error("append: " + ok.error().message);
  }
}

/// Plain libcurl: `n` signed POSTs, one at a time on one handle.
double reference_rate(const std::string& url, int n) {
  CURL* h = curl_easy_init();
  const std::string body =
      R"({"id":"ntf-order/o-1-2:0123456789abcdef","notification_id":"ntf-order/o-1-2","kind":"order_confirmed",)"
      R"("user_id":"u-1","order_id":"o-1","created_at":"2026-11-29T20:15:03.123456Z",)"
      R"("payload":{"subject":"Order o-1 confirmed","body":"Thank you for your order. We will ship soon."}})";
  const auto t0 = clock_type::now();
  for (int i = 0; i < n; ++i) {
    const auto t =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Mercato-Delivery-Id: ntf-order/o-1-2:0123456789abcdef");
    headers = curl_slist_append(headers, ("Mercato-Timestamp: " + std::to_string(t)).c_str());
    headers = curl_slist_append(
        headers, ("Mercato-Signature: " + projections::webhook_signature(secret, t, body)).c_str());
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_perform(h);
    curl_slist_free_all(headers);
  }
  curl_easy_cleanup(h);
  return n / seconds_since(t0);
}

struct outbox_run {
  double seconds = 0;
  std::uint64_t delivered = 0;
};

outbox_run outbox_rate(const fs::path& dir, const std::string& url, int n) {
  auto store = open_store(dir);
  emit(*store, n);
  projections::deliverer_options o;
  o.webhook_urls = {url};
  o.secret = secret;
  o.poll_interval = 5ms;
  const auto t0 = clock_type::now();
  auto runner = projections::projection_runner::start(
      *store, std::make_shared<projections::outbox_projection>(o.webhook_urls));
  auto deliverer = projections::outbox_deliverer::start(*store, projections::key_prefix("outbox", 1), o);
  if (!runner || !deliverer) throw std::runtime_error("cannot start the outbox");
  while ((*deliverer)->stats().delivered < static_cast<std::uint64_t>(n)) std::this_thread::sleep_for(1ms);
  return {seconds_since(t0), (*deliverer)->stats().delivered};
}

/// A loopback port where nothing listens.
std::uint16_t dead_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

struct dead_run {
  long rss_before_kib = 0;
  long rss_after_kib = 0;
  std::uint64_t pending = 0;
  double seconds = 0;
};

dead_run dead_receiver(const fs::path& dir, int backlog) {
  auto store = open_store(dir);
  emit(*store, backlog);
  projections::deliverer_options o;
  o.webhook_urls = {"http://127.0.0.1:" + std::to_string(dead_port()) + "/hook"};
  o.secret = secret;
  o.backoff_initial = 3600s;
  o.backoff_max = 3600s;
  o.poll_interval = 5ms;
  auto runner = projections::projection_runner::start(
      *store, std::make_shared<projections::outbox_projection>(o.webhook_urls));
  if (!runner) throw std::runtime_error("cannot start the runner");
  const auto before = rss_kib();
  const auto t0 = clock_type::now();
  auto deliverer = projections::outbox_deliverer::start(*store, projections::key_prefix("outbox", 1), o);
  if (!deliverer) throw std::runtime_error("cannot start the deliverer");
  while ((*deliverer)->stats().failed < static_cast<std::uint64_t>(backlog)) std::this_thread::sleep_for(5ms);
  const double secs = seconds_since(t0);
  const auto counts = projections::outbox_query(*store, projections::key_prefix("outbox", 1)).counts();
  return {before, rss_kib(), counts ? counts->pending : 0, secs};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"outbox_bench: webhook delivery throughput and memory"};
  int n = 5000, backlog = 20000;
  std::string out, dir_arg;
  app.add_option("--notifications", n, "deliveries to a healthy receiver");
  app.add_option("--backlog", backlog, "deliveries pending for a dead receiver");
  app.add_option("--dir", dir_arg, "scratch directory (default: a fresh one under /tmp)");
  app.add_option("--out", out, "append the Markdown section to this file");
  CLI11_PARSE(app, argc, argv);

  const fs::path dir = dir_arg.empty()
                           ? fs::temp_directory_path() / ("outbox_bench." + std::to_string(::getpid()))
                           : fs::path(dir_arg);
  fs::remove_all(dir);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  test::webhook_receiver rx(secret);
  const double ref = reference_rate(rx.url("/ref"), n);
  const auto run = outbox_rate(dir / "healthy", rx.url("/hook"), n);
  const double rate = static_cast<double>(run.delivered) / run.seconds;
  const auto dead = dead_receiver(dir / "dead", backlog);
  fs::remove_all(dir);

  std::ostringstream md;
  md << "\n## Notification outbox (webhook delivery)\n\n"
     << "Machine: " << bench::machine() << ". Command: `build/tools/bench/outbox_bench --notifications " << n
     << " --backlog " << backlog
     << "`. Receiver: the tests' loopback receiver (one TCP connection per request, "
     << "signature checked).\n\n"
     << "| measure | result |\n|---|---|\n"
     << "| reference: plain libcurl signed POSTs, one at a time, nothing stored | " << static_cast<long>(ref)
     << " POST/s |\n"
     << "| outbox: " << n
     << " notifications enqueued by the projection (synced batches) and delivered (one unsynced commit per "
        "outcome) | "
     << static_cast<long>(rate) << " deliveries/s (" << static_cast<int>(100.0 * rate / ref)
     << " % of the reference) |\n"
     << "| dead receiver: " << backlog << " pending deliveries, each attempted once (connection refused) in "
     << static_cast<int>(dead.seconds) << " s, " << dead.pending << " still pending | RSS "
     << dead.rss_before_kib / 1024 << " MiB before the deliverer started, " << dead.rss_after_kib / 1024
     << " MiB after |\n";
  std::cout << md.str();
  if (!out.empty()) std::ofstream(out, std::ios::app) << md.str();
  return 0;
}
