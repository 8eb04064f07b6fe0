// The outbox's projection half (enqueue one record per notification and endpoint), its
// record keys and encoding, the signature, and the operator query.
#include <charconv>
#include <cstdio>
#include <ctime>

#include <sodium.h>
#include <nlohmann/json.hpp>

#include <mercato/projections/outbox.hpp>

#include "outbox_records.hpp"

namespace mercato::projections {

namespace outbox_keys {

namespace {

std::string digits20(std::int64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%020llu", static_cast<unsigned long long>(v < 0 ? 0 : v));
  return buf;
}

}  // namespace

std::string due_range(std::string_view endpoint_id) {
  return std::string(due) + std::string(endpoint_id) + "/";
}

std::string due_key(std::string_view endpoint_id, std::int64_t due_ns, std::string_view delivery_id) {
  return due_range(endpoint_id) + digits20(due_ns) + "/" + std::string(delivery_id);
}

std::string due_key(const outbox_record& r) {
  return due_key(endpoint_of(r.id), r.due_ns, r.id);
}

std::string due_until(std::string_view endpoint_id, std::int64_t now_ns) {
  // Keys due at now_ns are "<digits(now)>/<id>" < "<digits(now)>0" ('/' < '0').
  return due_range(endpoint_id) + digits20(now_ns) + "0";
}

std::string parked_key(std::string_view delivery_id) {
  return std::string(parked) + std::string(delivery_id);
}

std::string_view endpoint_of(std::string_view delivery_id) {
  const auto colon = delivery_id.rfind(':');
  return colon == std::string_view::npos ? std::string_view() : delivery_id.substr(colon + 1);
}

std::string encode(const outbox_record& r) {
  return nlohmann::json{{"id", r.id},
                        {"notification_id", r.notification_id},
                        {"url", r.url},
                        {"body", r.body},
                        {"attempts", r.attempts},
                        {"created_ns", r.created_ns},
                        {"due_ns", r.due_ns},
                        {"last_attempt_ns", r.last_attempt_ns},
                        {"last_error", r.last_error}}
      .dump();
}

std::optional<outbox_record> decode(std::string_view bytes) {
  try {
    const auto j = nlohmann::json::parse(bytes);
    outbox_record r;
    j.at("id").get_to(r.id);
    j.at("notification_id").get_to(r.notification_id);
    j.at("url").get_to(r.url);
    j.at("body").get_to(r.body);
    j.at("attempts").get_to(r.attempts);
    j.at("created_ns").get_to(r.created_ns);
    j.at("due_ns").get_to(r.due_ns);
    j.at("last_attempt_ns").get_to(r.last_attempt_ns);
    j.at("last_error").get_to(r.last_error);
    return r;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

std::optional<std::uint64_t> counter(const std::optional<std::string>& stored) {
  if (!stored) return 0;
  std::uint64_t v = 0;
  const auto* end = stored->data() + stored->size();
  auto [p, ec] = std::from_chars(stored->data(), end, v);
  if (ec != std::errc{} || p != end) return std::nullopt;
  return v;
}

}  // namespace outbox_keys

namespace {

namespace keys = outbox_keys;

std::string hex(const unsigned char* bytes, std::size_t n) {
  std::string out(n * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes, n);
  out.pop_back();
  return out;
}

void ensure_sodium() {
  static const int ready = sodium_init();  // thread-safe once; < 0 only if no RNG (unused here)
  (void)ready;
}

/// RFC 3339 UTC with microseconds: "2026-11-29T20:15:03.123456Z".
std::string rfc3339(std::int64_t ns) {
  const std::time_t secs = static_cast<std::time_t>(ns / 1000000000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[80];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>((ns % 1000000000) / 1000));
  return buf;
}

/// The POST body: the same bytes on every attempt (docs/webhooks.md "Payload").
std::string webhook_body(const domain::notification_emitted& n, const std::string& id,
                         std::int64_t created_ns) {
  nlohmann::ordered_json j;
  j["id"] = id;
  j["notification_id"] = n.notification_id.value();
  j["kind"] = domain::to_string(n.kind);
  j["user_id"] = n.user_id.value();
  j["order_id"] = n.order_id.value();
  j["created_at"] = rfc3339(created_ns);
  j["payload"] = {{"subject", n.subject}, {"body", n.body}};
  return j.dump();
}

}  // namespace

std::string endpoint_id(std::string_view url) {
  ensure_sodium();
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(url.data()), url.size());
  return hex(digest, 8);
}

std::string delivery_id(std::string_view notification_id, std::string_view url) {
  return std::string(notification_id) + ":" + endpoint_id(url);
}

std::string webhook_signature(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  ensure_sodium();
  const std::string t = std::to_string(unix_seconds);
  crypto_auth_hmacsha256_state st;
  crypto_auth_hmacsha256_init(&st, reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(t.data()), t.size());
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>("."), 1);
  crypto_auth_hmacsha256_update(&st, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_final(&st, mac);
  return "t=" + t + ",v1=" + hex(mac, sizeof mac);
}

// ---- the projection ------------------------------------------------------------------

outbox_projection::outbox_projection(std::vector<std::string> webhook_urls)
    : urls_(std::move(webhook_urls)) {}

bool outbox_projection::wants_decoded(const es::recorded_event& event) const {
  return !urls_.empty() && event.type == domain::notification_emitted::type_name;
}

void outbox_projection::apply(batch_writer& out, const log_event& event) {
  if (!wants_decoded(event)) return;
  const auto* n = std::get_if<domain::notification_emitted>(&event.decoded("outbox"));
  if (n == nullptr)
    throw projection_error("outbox: " + event.stream + " v" + std::to_string(event.version.value()) +
                           ": not a NotificationEmitted");
  const auto enqueued = keys::counter(out.get(keys::enqueued));
  if (!enqueued) throw projection_error("outbox: " + std::string(keys::enqueued) + " is not a number");
  for (const auto& url : urls_) {
    outbox_record r;
    r.id = delivery_id(n->notification_id.value(), url);
    r.notification_id = n->notification_id.value();
    r.url = url;
    r.body = webhook_body(*n, r.id, event.timestamp_ns);
    r.created_ns = event.timestamp_ns;
    r.due_ns = event.timestamp_ns;
    out.put(keys::due_key(r), keys::encode(r));
  }
  out.put(keys::enqueued, std::to_string(*enqueued + urls_.size()));
}

// ---- the query -----------------------------------------------------------------------

outbox_query::outbox_query(const es::event_store& store, std::string prefix)
    : store_(store), prefix_(std::move(prefix)) {}

namespace {

es::store_error corrupt(const std::string& key) {
  return es::store_error{es::store_errc::corruption, "outbox: undecodable value at " + key};
}

/// Decodes every record in [prefix+begin, prefix+end) after skipping `offset`, up to `limit`.
es::store_result<std::vector<outbox_record>> records_in(const es::event_store& store,
                                                        const std::string& prefix, std::string_view begin,
                                                        std::string_view end, std::size_t offset,
                                                        std::size_t limit) {
  std::vector<outbox_record> out;
  std::optional<std::string> bad;
  if (limit == 0) return out;
  auto scanned = store.scan_projection(prefix + std::string(begin), prefix + std::string(end),
                                       [&](std::string_view key, std::string_view value) {
                                         if (offset > 0) return --offset, true;
                                         auto r = keys::decode(value);
                                         if (!r) return bad = std::string(key), false;
                                         out.push_back(std::move(*r));
                                         return out.size() < limit;
                                       });
  if (!scanned) return fail(scanned.error());
  if (bad) return fail(corrupt(*bad));
  return out;
}

}  // namespace

es::store_result<outbox_counts> outbox_query::counts() const {
  outbox_counts c;
  // The deliverer's counters first: enqueued only grows, so pending is never understated
  // below zero by a delivery that happens between the reads.
  for (auto [key, field] :
       {std::pair{keys::delivered, &c.delivered}, std::pair{keys::parked_count, &c.parked},
        std::pair{keys::enqueued, &c.enqueued}}) {
    auto v = store_.load_projection(prefix_ + std::string(key));
    if (!v) return fail(v.error());
    auto n = keys::counter(*v);
    if (!n) return fail(corrupt(prefix_ + std::string(key)));
    *field = *n;
  }
  c.pending = c.enqueued >= c.delivered + c.parked ? c.enqueued - c.delivered - c.parked : 0;
  return c;
}

es::store_result<std::vector<outbox_record>> outbox_query::pending(std::size_t limit) const {
  return records_in(store_, prefix_, keys::due, "due0", 0, limit);
}

es::store_result<std::vector<outbox_record>> outbox_query::parked(std::size_t offset,
                                                                  std::size_t limit) const {
  return records_in(store_, prefix_, keys::parked, "parked0", offset, limit);
}

}  // namespace mercato::projections
