// The group-commit writer: one thread per node drains every queued append into one
// WriteBatch, writes it with sync=true, and only then acknowledges each request.
#include <chrono>
#include <cstdint>
#include <cstring>
#include <future>
#include <optional>
#include <unordered_map>

#include <capnp/serialize-packed.h>
#include <kj/io.h>

#include <mercato/eventstore/envelope.hpp>

#include "keys.hpp"
#include "store_impl.hpp"

namespace mercato::es {

// ---- version_cache ---------------------------------------------------------------------

std::optional<std::uint64_t> version_cache::find(const std::string& stream) {
  if (auto it = young_.find(stream); it != young_.end()) return it->second;
  if (auto it = old_.find(stream); it != old_.end()) {
    auto v = it->second;
    put(stream, v);
    return v;
  }
  return std::nullopt;
}

void version_cache::put(const std::string& stream, std::uint64_t version) {
  if (young_.size() >= half_ && young_.find(stream) == young_.end()) {
    old_ = std::move(young_);
    young_.clear();
  }
  young_[stream] = version;
}

// ---- idempotency records ---------------------------------------------------------------

namespace {

std::string encode_ok(const append_ok& ok) {
  std::string s;
  s.reserve(36 + ok.positions.size() * 12);
  keys::put_u64(s, ok.first.value());
  keys::put_u64(s, ok.last.value());
  keys::put_u64(s, ok.first_global.value());
  keys::put_u32(s, static_cast<std::uint32_t>(ok.positions.size()));
  for (const auto& p : ok.positions) {
    keys::put_u32(s, p.shard.value());
    keys::put_u64(s, p.seq.value());
  }
  keys::put_u64(s, static_cast<std::uint64_t>(ok.timestamp_ns));
  return s;
}

}  // namespace

std::optional<append_ok> decode_idempotency_record(std::string_view s) {
  if (s.size() < 28) return std::nullopt;
  append_ok ok;
  ok.first = stream_version{keys::get_u64(s, 0)};
  ok.last = stream_version{keys::get_u64(s, 8)};
  ok.first_global = global_position{keys::get_u64(s, 16)};
  const auto n = keys::get_u32(s, 24);
  if (s.size() != 36 + std::size_t{n} * 12) return std::nullopt;
  for (std::size_t i = 0; i < n; ++i)
    ok.positions.push_back(
        {shard_id{keys::get_u32(s, 28 + i * 12)}, shard_seq{keys::get_u64(s, 32 + i * 12)}});
  ok.timestamp_ns = static_cast<std::int64_t>(keys::get_u64(s, 28 + std::size_t{n} * 12));
  ok.replayed = true;
  return ok;
}

namespace {

append_error error(append_errc code, std::string message, std::uint64_t actual = 0) {
  return {code, std::move(message), stream_version{actual}};
}

std::string describe(const expected_version& e) {
  switch (e.mode()) {
    case expected_version::kind::any:
      return "any";
    case expected_version::kind::no_stream:
      return "no stream";
    case expected_version::kind::exact:
      return "version " + std::to_string(e.version().value());
  }
  return "?";
}

}  // namespace

/// One drain of the queue: staged by the writer thread, made durable by the committer.
struct staged_batch {
  std::vector<pending_append> requests;
  std::vector<std::optional<append_result>> results;
  rocksdb::WriteBatch wb;
  std::unordered_map<std::string, std::uint64_t> versions;  // stream → new version
  std::unordered_map<std::string, append_ok> idempotent;    // idempotency key → result
  std::unordered_map<std::uint32_t, std::uint64_t> heads;   // shard → new head
  std::uint64_t first_global = 0;                           // global head before the batch
  std::uint64_t global = 0;                                 // global head after the batch
  std::int64_t timestamp = 0;
  std::chrono::nanoseconds stage_time{0};
};

// ---- lifecycle -------------------------------------------------------------------------

void event_store::impl::start_writer() {
  staged_heads.assign(info.shard_count, 0);
  for (std::uint32_t i = 0; i < info.shard_count; ++i) staged_heads[i] = shard_heads[i].load();
  staged_global = global_head.load();
  committer = std::thread([this] { committer_loop(); });
  writer = std::thread([this] { writer_loop(); });
}

void event_store::impl::stop_writer() {
  {
    std::lock_guard lk(queue_mutex);
    stopping = true;
  }
  queue_cv.notify_all();
  if (writer.joinable()) writer.join();  // hands every queued request to the committer
  {
    std::lock_guard lk(slot_mutex);
    committer_stopping = true;
  }
  slot_cv.notify_all();
  if (committer.joinable()) committer.join();
}

// ---- the batch -------------------------------------------------------------------------

namespace {

/// Adds one request's events to the batch, or returns why it fails alone. `prev` is the
/// batch that may still be in flight: its versions and idempotency keys are not in
/// RocksDB yet.
append_result stage(event_store::impl& s, staged_batch& b, const staged_batch* prev, append_request& req) {
  const std::string& stream = req.stream.str();
  std::string idem_key;
  if (!req.idempotency_key.empty()) {
    idem_key = keys::stream_suffixed(stream, req.idempotency_key);
    for (const staged_batch* batch : {static_cast<const staged_batch*>(&b), prev}) {
      if (batch == nullptr) continue;
      if (auto it = batch->idempotent.find(idem_key); it != batch->idempotent.end()) {
        auto replay = it->second;
        replay.replayed = true;
        return replay;
      }
    }
    std::string stored;
    auto st = s.db->Get(rocksdb::ReadOptions(), s.cf[cf_idempotency], idem_key, &stored);
    if (st.ok()) {
      if (auto ok = decode_idempotency_record(stored)) return *ok;
      return fail(error(append_errc::io_error, "idempotency record of '" + stream + "' is corrupt"));
    }
    if (!st.IsNotFound())
      return fail(error(append_errc::io_error, "reading idempotency key: " + st.ToString()));
  }

  std::uint64_t current = 0;
  if (auto it = b.versions.find(stream); it != b.versions.end()) {
    current = it->second;
  } else if (auto p = prev ? prev->versions.find(stream) : b.versions.end();
             prev && p != prev->versions.end()) {
    current = p->second;
  } else if (auto cached = s.versions.find(stream)) {
    current = *cached;
  } else {
    auto v = s.read_stream_version(stream);
    if (!v) return fail(error(append_errc::io_error, v.error().message));
    current = *v;
  }
  if (!req.expected.admits(stream_version{current}))
    return fail(error(append_errc::wrong_expected_version,
                      "stream '" + stream + "' is at version " + std::to_string(current) +
                          ", the command expected " + describe(req.expected),
                      current));

  const std::uint32_t shard = s.shard_of(stream);
  auto head_it = b.heads.find(shard);
  const std::uint64_t head = head_it != b.heads.end() ? head_it->second : s.staged_heads[shard];

  append_ok ok;
  ok.timestamp_ns = b.timestamp;
  ok.first = stream_version{current + 1};
  ok.last = stream_version{current + req.events.size()};
  ok.first_global = global_position{b.global + 1};
  ok.positions.reserve(req.events.size());

  b.wb.SetSavePoint();
  try {
    for (std::size_t i = 0; i < req.events.size(); ++i) {
      const auto& ev = req.events[i];
      const std::uint64_t version = current + 1 + i, seq = head + 1 + i, global = b.global + 1 + i;
      // The payload is opaque here: it is copied into the envelope as it is, never parsed.
      const std::size_t payload_words = ev.payload.size() / sizeof(capnp::word);
      capnp::MallocMessageBuilder out(static_cast<capnp::uint>(64 + payload_words));
      auto env = out.initRoot<schema::Envelope>();
      env.setStreamId(stream);
      env.setVersion(version);
      env.setShard(shard);
      env.setSequence(seq);
      env.setGlobalPosition(global);
      env.setEventType(ev.type);
      env.setTimestampNs(b.timestamp);
      if (!req.correlation_id.empty()) env.setCorrelationId(req.correlation_id);
      if (!ev.causation_id.empty()) env.setCausationId(ev.causation_id);
      if (!req.idempotency_key.empty()) env.setIdempotencyKey(req.idempotency_key);
      env.setNodeId(s.info.node_id);
      env.setPayload(
          capnp::Data::Reader(reinterpret_cast<const kj::byte*>(ev.payload.data()), ev.payload.size()));
      env.setSchemaId(ev.schema_id);
      // Stored packed: ~35% fewer bytes through the synced WAL (docs/storage-format.md).
      kj::VectorOutputStream packed(512);
      capnp::writePackedMessage(packed, out);
      auto bytes = packed.getArray();
      b.wb.Put(s.cf[cf_events], keys::event(shard, seq),
               rocksdb::Slice(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
      b.wb.Put(s.cf[cf_stream_index], keys::stream_versioned(stream, version), keys::u64_value(seq));
      ok.positions.push_back({shard_id{shard}, shard_seq{seq}});
    }
  } catch (const kj::Exception& ex) {
    (void)b.wb.RollbackToSavePoint();
    return fail(error(append_errc::invalid_request, "an event of the command cannot be stored: " +
                                                        std::string(ex.getDescription().cStr())));
  }
  (void)b.wb.PopSavePoint();
  b.wb.Put(s.cf[cf_streams], stream, keys::u64_value(ok.last.value()));
  for (const auto& u : req.index_updates) {
    if (u.value)
      b.wb.Put(s.cf[cf_projections], u.key, *u.value);
    else
      b.wb.Delete(s.cf[cf_projections], u.key);
  }
  if (!idem_key.empty()) {
    b.wb.Put(s.cf[cf_idempotency], idem_key, encode_ok(ok));
    b.idempotent.emplace(idem_key, ok);
  }
  b.versions[stream] = ok.last.value();
  b.heads[shard] = head + req.events.size();
  b.global += req.events.size();
  return ok;
}

}  // namespace

void event_store::impl::writer_loop() {
  std::shared_ptr<staged_batch> prev;  // the batch the committer may still be writing
  for (;;) {
    auto b = std::make_shared<staged_batch>();
    {
      std::unique_lock lk(queue_mutex);
      queue_cv.wait(lk, [&] { return stopping || !queue.empty(); });
      if (queue.empty()) return;  // stopping, and everything queued was handed over
      const std::size_t n = std::min(queue.size(), options.max_batch_requests);
      for (std::size_t i = 0; i < n; ++i) {
        b->requests.push_back(std::move(queue.front()));
        queue.pop_front();
      }
    }
    const auto t0 = std::chrono::steady_clock::now();
    b->first_global = b->global = staged_global;
    b->timestamp = std::max(options.clock(), last_timestamp);
    for (auto& p : b->requests) b->results.emplace_back(stage(*this, *b, prev.get(), p.request));
    // Staged state runs ahead of the durable state by at most one batch. If that batch
    // fails, the store turns unhealthy and this one is failed without being written.
    for (const auto& [stream, v] : b->versions) versions.put(stream, v);
    for (const auto& [shard, head] : b->heads) staged_heads[shard] = head;
    staged_global = b->global;
    last_timestamp = b->timestamp;
    b->stage_time = std::chrono::steady_clock::now() - t0;
    bool inline_write = false;
    {
      std::unique_lock lk(slot_mutex);
      if (slot == nullptr && !committer_busy) {
        // Nothing in flight (light load): write it here, saving a thread hand-off.
        committer_busy = inline_write = true;
      } else {
        // A write is in flight: hand this batch over and stage the next one meanwhile.
        slot_cv.wait(lk, [&] { return slot == nullptr; });
        slot = b;
      }
    }
    if (inline_write) {
      commit_batch(*b);
      std::lock_guard lk(slot_mutex);
      committer_busy = false;
    }
    slot_cv.notify_all();
    prev = std::move(b);
  }
}

void event_store::impl::committer_loop() {
  for (;;) {
    std::shared_ptr<staged_batch> b;
    {
      std::unique_lock lk(slot_mutex);
      slot_cv.wait(lk, [&] {
        return (slot != nullptr && !committer_busy) || (slot == nullptr && committer_stopping);
      });
      if (slot == nullptr) return;
      b = slot;
      committer_busy = true;
    }
    commit_batch(*b, [this] {
      std::lock_guard lk(slot_mutex);
      slot = nullptr;  // the writer may hand over the next batch while we answer this one
      committer_busy = false;
      slot_cv.notify_all();
    });
  }
}

void event_store::impl::commit_batch(staged_batch& b, const std::function<void()>& written) {
  const auto t_write = std::chrono::steady_clock::now();
  std::uint64_t events_written = 0;
  if (b.wb.Count() > 0) {
    rocksdb::Status st = healthy.load() ? db->Write(write_options, &b.wb)
                                        : rocksdb::Status::Aborted("an earlier write failed");
    if (!st.ok()) {
      // Nothing of this batch is acknowledged; RocksDB keeps refusing writes after a
      // failed sync, so the store reports itself unhealthy.
      healthy.store(false);
      for (auto& r : b.results)
        if (r->has_value()) r.emplace(fail(error(append_errc::io_error, "write failed: " + st.ToString())));
    } else {
      events_written = b.global - b.first_global;
      publish_commit({b.heads.begin(), b.heads.end()}, b.global);
    }
  }
  if (written) written();
  const auto t_done = std::chrono::steady_clock::now();
  {
    using ns = std::chrono::nanoseconds;
    std::lock_guard lk(stats_mutex);
    stats.batches += b.wb.Count() > 0 ? 1u : 0u;
    stats.requests += b.requests.size();
    stats.events += events_written;
    stats.bytes += b.wb.GetDataSize();
    stats.stage_ns += static_cast<std::uint64_t>(std::chrono::duration_cast<ns>(b.stage_time).count());
    stats.write_ns += static_cast<std::uint64_t>(std::chrono::duration_cast<ns>(t_done - t_write).count());
    stats.max_batch_requests = std::max<std::uint64_t>(stats.max_batch_requests, b.requests.size());
  }
  for (std::size_t i = 0; i < b.requests.size(); ++i) b.requests[i].done(std::move(*b.results[i]));
}

// ---- public append API -----------------------------------------------------------------

namespace {

std::uint32_t le32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;  // the platforms we build for are little-endian, as Cap'n Proto's wire format
}

/// True when `bytes` is framed as one flat-array Cap'n Proto message: a segment table whose
/// sizes add up to exactly the bytes that follow it. The content is not looked at (the
/// payload is opaque to the store); this only keeps a torn or foreign blob out of the log.
bool is_message_frame(std::string_view bytes) {
  if (bytes.empty() || bytes.size() % 8 != 0) return false;
  const std::uint64_t segments = std::uint64_t{le32(bytes.data())} + 1;
  if (segments > 512) return false;
  const std::uint64_t table_bytes = (4 + 4 * segments + 7) / 8 * 8;
  if (table_bytes > bytes.size()) return false;
  std::uint64_t words = 0;
  for (std::uint64_t i = 0; i < segments; ++i) words += le32(bytes.data() + 4 + 4 * i);
  return table_bytes + words * 8 == bytes.size();
}

}  // namespace

void event_store::append_async(append_request request, std::function<void(append_result)> done) {
  auto refuse = [&](append_errc c, std::string m) { done(fail(error(c, std::move(m)))); };
  if (impl_->options.read_only) return refuse(append_errc::closed, "store is open read-only");
  if (!impl_->healthy.load()) return refuse(append_errc::io_error, "store is unhealthy after a failed write");
  if (request.events.empty())
    return refuse(append_errc::invalid_request, "a command must append at least one event");
  if (request.events.size() > impl_->options.max_events_per_append)
    return refuse(append_errc::invalid_request,
                  "a command may append at most " + std::to_string(impl_->options.max_events_per_append) +
                      " events, this one has " + std::to_string(request.events.size()));
  for (const auto& e : request.events) {
    if (e.type.empty()) return refuse(append_errc::invalid_request, "an event has no type");
    if (!is_message_frame(e.payload))
      return refuse(append_errc::invalid_request,
                    "an event's payload is not a flat-array Cap'n Proto message");
  }
  {
    std::lock_guard lk(impl_->queue_mutex);
    if (impl_->stopping) return refuse(append_errc::closed, "store is closing");
    if (impl_->queue.size() >= impl_->options.write_queue_limit)
      return refuse(append_errc::overloaded, "the writer's queue is full; retry shortly");
    impl_->queue.push_back({std::move(request), std::move(done)});
  }
  impl_->queue_cv.notify_one();
}

append_result event_store::append(append_request request) {
  std::promise<append_result> promise;
  auto future = promise.get_future();
  append_async(std::move(request), [&promise](append_result r) { promise.set_value(std::move(r)); });
  return future.get();
}

}  // namespace mercato::es
