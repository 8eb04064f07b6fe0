// events export, stream show, entity state.
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include <mercato/actors/history.hpp>
#include <mercato/codec/json.hpp>
#include <mercato/eventstore/envelope.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/eventstore/subscription.hpp>

#include "cli.hpp"
#include "commands.hpp"
#include "node_client.hpp"

namespace mercato::tool {

namespace {

namespace fs = std::filesystem;

struct filter {
  std::set<std::uint32_t> shards;
  std::string stream;  // exact stream (node reads filter here; local reads read only it)
  std::string prefix;
  std::set<std::string, std::less<>> types;
  std::optional<std::int64_t> since_ns, until_ns;
  std::optional<std::uint64_t> to_position;

  bool matches(const es::recorded_event& e) const {
    if (!shards.empty() && !shards.contains(e.pos.shard.value())) return false;
    if (!stream.empty() && e.stream != stream) return false;
    if (!prefix.empty() && !std::string_view(e.stream).starts_with(prefix)) return false;
    if (!types.empty() && !types.contains(e.type)) return false;
    if (since_ns && e.timestamp_ns < *since_ns) return false;
    if (until_ns && e.timestamp_ns > *until_ns) return false;
    return true;
  }
  /// The same test on an event as the node's JSON renders it.
  bool matches(const nlohmann::json& e) const {
    if (!shards.empty() && !shards.contains(e.at("shard").get<std::uint32_t>())) return false;
    if (!stream.empty() && e.at("stream").get_ref<const std::string&>() != stream) return false;
    if (!prefix.empty() && !e.at("stream").get_ref<const std::string&>().starts_with(prefix)) return false;
    if (!types.empty() && !types.contains(e.at("type").get_ref<const std::string&>())) return false;
    const auto ts = e.at("timestampNs").get<std::int64_t>();
    if (since_ns && ts < *since_ns) return false;
    if (until_ns && ts > *until_ns) return false;
    return true;
  }
};

filter make_filter(const export_args& a) {
  filter f;
  f.shards.insert(a.shards.begin(), a.shards.end());
  f.prefix = a.prefix;
  if (!f.prefix.empty() && f.prefix.find('/') == std::string::npos) f.prefix += '/';  // "cart" = "cart/"
  if (!a.stream.empty()) f.stream = parse_stream(a.stream).str();
  for (const auto& t : a.types) f.types.insert(t);
  if (!a.since.empty()) f.since_ns = parse_time(a.since, "--since");
  if (!a.until.empty()) f.until_ns = parse_time(a.until, "--until");
  if (f.since_ns && f.until_ns && *f.until_ns < *f.since_ns)
    throw tool_error(exit_usage, "--until is before --since");
  f.to_position = a.to_position;
  return f;
}

/// Output with a resumable position: `<file>.position` holds "<global position> <bytes>"
/// of the last complete flush; --resume truncates the file to those bytes and goes on.
class sink {
 public:
  sink(const std::string& out, bool resume) : path_(out) {
    if (out == "-") {
      if (resume)
        throw tool_error(exit_usage, "--resume needs --out FILE (it keeps its position beside the file)");
      file_ = stdout;
      return;
    }
    std::uint64_t offset = 0;
    if (resume) {
      std::ifstream pos(out + ".position");
      if (pos && (pos >> resumed_after_ >> offset)) {
        std::error_code ec;
        const auto size = fs::file_size(out, ec);
        if (ec || size < offset)
          throw tool_error(exit_failure,
                           out + " is shorter than its .position file says; export afresh without --resume");
        fs::resize_file(out, offset, ec);
        if (ec) throw tool_error(exit_failure, "cannot truncate " + out + ": " + ec.message());
      }
    }
    file_ = std::fopen(out.c_str(), offset > 0 ? "ab" : "wb");
    if (!file_) throw tool_error(exit_failure, "cannot write " + out + ": " + std::strerror(errno));
    bytes_ = offset;
  }
  ~sink() {
    if (file_ && file_ != stdout) std::fclose(file_);
  }
  std::uint64_t resumed_after() const { return resumed_after_; }
  bool fresh() const { return bytes_ == 0; }

  std::string buffer;
  void flush(std::uint64_t last_position) {
    if (!buffer.empty()) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), file_) != buffer.size() || std::fflush(file_) != 0)
        throw tool_error(exit_failure, "writing " + (path_ == "-" ? std::string("stdout") : path_) + ": " +
                                           std::strerror(errno));
      bytes_ += buffer.size();
      buffer.clear();
    }
    if (path_ == "-" || last_position == 0) return;
    const std::string tmp = path_ + ".position.tmp";
    {
      std::ofstream pos(tmp, std::ios::trunc);
      pos << last_position << ' ' << bytes_ << '\n';
      if (!pos) throw tool_error(exit_failure, "cannot write " + tmp);
    }
    fs::rename(tmp, path_ + ".position");
  }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::uint64_t bytes_ = 0;
  std::uint64_t resumed_after_ = 0;
};

void append_csv_field(std::string& out, std::string_view v) {
  if (v.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += v;
    return;
  }
  out.push_back('"');
  for (char c : v) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

constexpr const char* csv_header =
    "global_position,shard,sequence,stream,version,type,timestamp,timestamp_ns,correlation_id,causation_id,"
    "idempotency_key,node_id,data\n";

/// One CSV record, from a local event or from the node's JSON.
struct csv_row {
  std::uint64_t global = 0, version = 0, sequence = 0;
  std::uint32_t shard = 0;
  std::int64_t timestamp_ns = 0;
  std::string stream, type, correlation_id, causation_id, idempotency_key, node_id, data;

  static csv_row of(const es::recorded_event& e) {
    auto ids = es::read_envelope_ids(e);
    csv_row r{e.global.value(),
              e.version.value(),
              e.pos.seq.value(),
              e.pos.shard.value(),
              e.timestamp_ns,
              e.stream,
              e.type,
              std::move(ids.correlation_id),
              std::move(ids.causation_id),
              std::move(ids.idempotency_key),
              std::move(ids.node_id),
              {}};
    codec::append_event_data_json(r.data, e);
    return r;
  }
  static csv_row of(const nlohmann::json& e) {
    auto s = [&](const char* k) { return e.at(k).get<std::string>(); };
    return {e.at("globalPosition").get<std::uint64_t>(),
            e.at("version").get<std::uint64_t>(),
            e.at("sequence").get<std::uint64_t>(),
            e.at("shard").get<std::uint32_t>(),
            e.at("timestampNs").get<std::int64_t>(),
            s("stream"),
            s("type"),
            s("correlationId"),
            s("causationId"),
            s("idempotencyKey"),
            s("nodeId"),
            e.at("data").dump()};
  }
  void append_to(std::string& out) const {
    out += std::to_string(global) + ',' + std::to_string(shard) + ',' + std::to_string(sequence) + ',';
    append_csv_field(out, stream);
    out += ',' + std::to_string(version) + ',';
    append_csv_field(out, type);
    out += ',' + codec::format_timestamp(timestamp_ns) + ',' + std::to_string(timestamp_ns);
    for (const auto* f : {&correlation_id, &causation_id, &idempotency_key, &node_id, &data}) {
      out.push_back(',');
      append_csv_field(out, *f);
    }
    out.push_back('\n');
  }
};

/// The whole log on reader threads ("lanes"), each merging its share of the shards over
/// the same bound (the head when the export starts); the consumer merges the lanes' pages
/// by global position. Reading and unpacking then overlap with formatting and with each
/// other.
class lanes {
 public:
  lanes(const es::event_store& store, std::uint64_t after, std::size_t count) {
    const auto bound = store.global_head().value();
    const auto shard_count = store.info().shard_count;
    count = std::max<std::size_t>(1, std::min<std::size_t>(count, shard_count));
    lanes_.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
      std::vector<es::shard_id> mine;
      for (std::uint32_t sh = static_cast<std::uint32_t>(i); sh < shard_count;
           sh += static_cast<std::uint32_t>(count))
        mine.push_back(es::shard_id{sh});
      auto r = store.read_all(es::global_position{after}, mine);
      if (!r) throw tool_error(exit_failure, r.error().message);
      lanes_.push_back(std::make_unique<lane>());
      lanes_.back()->thread = std::thread([this, l = lanes_.back().get(), reader = std::move(*r),
                                           bound]() mutable { run(*l, *reader, bound); });
    }
  }
  ~lanes() {
    for (auto& l : lanes_) {
      {
        std::lock_guard g(l->m);
        l->stop = true;
      }
      l->cv.notify_all();
    }
    for (auto& l : lanes_) l->thread.join();
  }

  /// Up to `max` next events in global order; empty when every lane is exhausted.
  std::vector<es::recorded_event> next(std::size_t max) {
    std::vector<es::recorded_event> out;
    out.reserve(max);
    while (out.size() < max) {
      lane* best = nullptr;
      for (auto& l : lanes_) {
        if (!fill(*l)) continue;
        if (!best || l->page[l->at].global < best->page[best->at].global) best = l.get();
      }
      if (!best) break;
      out.push_back(std::move(best->page[best->at++]));
    }
    return out;
  }

 private:
  static constexpr std::size_t page_size = 4096, queue_depth = 4;
  struct lane {
    std::thread thread;
    std::mutex m;
    std::condition_variable cv;
    std::deque<std::vector<es::recorded_event>> queue;
    bool done = false, stop = false;
    std::optional<es::store_error> error;
    std::vector<es::recorded_event> page;  // the consumer's current page
    std::size_t at = 0;
    bool exhausted = false;
  };

  static void run(lane& l, es::all_reader& reader, std::uint64_t bound) {
    for (;;) {
      auto r = reader.next(page_size);
      std::unique_lock g(l.m);
      if (!r) {
        l.error = r.error();
      } else {
        std::erase_if(*r, [&](const es::recorded_event& e) { return e.global.value() > bound; });
        if (!r->empty()) {
          l.cv.wait(g, [&] { return l.queue.size() < queue_depth || l.stop; });
          l.queue.push_back(std::move(*r));
          l.cv.notify_all();
          if (!l.stop) continue;
        }
      }
      l.done = true;
      l.cv.notify_all();
      return;
    }
  }

  /// True when the lane has a current event (waits for its next page).
  static bool fill(lane& l) {
    if (l.at < l.page.size()) return true;
    if (l.exhausted) return false;
    std::unique_lock g(l.m);
    l.cv.wait(g, [&] { return !l.queue.empty() || l.done; });
    if (l.queue.empty()) {
      l.exhausted = true;
      if (l.error)
        throw tool_error(l.error->code == es::store_errc::corruption ? exit_corruption : exit_failure,
                         l.error->message);
      return false;
    }
    l.page = std::move(l.queue.front());
    l.queue.pop_front();
    l.at = 0;
    l.cv.notify_all();
    return true;
  }

  std::vector<std::unique_ptr<lane>> lanes_;
};

/// Pages of events from the narrowest source the filters allow, in log order.
class source {
 public:
  source(const es::event_store& store, const export_args& a, std::uint64_t after)
      : store_(store), after_(after) {
    if (!a.stream.empty()) {
      stream_ = parse_stream(a.stream);
      auto head = store.stream_head(*stream_);
      if (!head) throw tool_error(exit_failure, head.error().message);
      total_ = head->value();
    } else if (a.shards.size() == 1) {
      shard_ = es::shard_id{a.shards.front()};
      if (a.shards.front() >= store.info().shard_count)
        throw tool_error(exit_usage, "--shard " + std::to_string(a.shards.front()) +
                                         ": the directory has shards 0.." +
                                         std::to_string(store.info().shard_count - 1));
      total_ = store.shard_head(*shard_).value();
    } else {
      all_.emplace(store, after, std::max(2u, std::thread::hardware_concurrency()));
      total_ = store.global_head().value() > after ? store.global_head().value() - after : 0;
    }
  }
  std::uint64_t total() const { return total_; }

  /// The next page; empty only when the source is exhausted.
  std::vector<es::recorded_event> next() {
    constexpr std::size_t page = 4096;
    if (all_) return all_->next(page);
    for (;;) {
      es::store_result<std::vector<es::recorded_event>> r = std::vector<es::recorded_event>{};
      if (stream_)
        r = store_.read_stream(*stream_, es::stream_version{next_ + 1}, es::read_direction::forward, page);
      else
        r = store_.read_shard(*shard_, es::shard_seq{next_}, page);
      if (!r)
        throw tool_error(r.error().code == es::store_errc::corruption ? exit_corruption : exit_failure,
                         r.error().message);
      if (r->empty()) return std::move(*r);
      next_ = stream_ ? r->back().version.value() : r->back().pos.seq.value();
      // Stream and shard reads start at their beginning: drop what the position bound excludes.
      std::erase_if(*r, [&](const es::recorded_event& e) { return e.global.value() <= after_; });
      if (!r->empty()) return std::move(*r);
    }
  }

 private:
  const es::event_store& store_;
  std::uint64_t after_;
  std::optional<es::stream_id> stream_;
  std::optional<es::shard_id> shard_;
  std::optional<lanes> all_;
  std::uint64_t next_ = 0;
  std::uint64_t total_ = 0;
};

}  // namespace

namespace {

void check_format(const export_args& a) {
  if (a.format != "ndjson" && a.format != "csv" && a.format != "capnp")
    throw tool_error(exit_usage, "--format must be ndjson, csv or capnp");
  if (a.to_position && *a.to_position <= a.after_position)
    throw tool_error(exit_usage, "--to-position must be greater than --after-position");
}

void append_json_event(std::string& out, const std::string& format, const nlohmann::json& e) {
  if (format == "csv")
    csv_row::of(e).append_to(out);
  else
    out += e.dump() + "\n";
}

/// Export from a live node: pages of GET /api/v1/events up to the head of the first answer
/// (a point-in-time upper bound), filtered here.
int export_from_node(const export_args& a, const filter& f) {
  if (a.format == "capnp")
    throw tool_error(exit_usage,
                     "raw Cap'n Proto export reads a data directory (--data-dir); a node serves JSON");
  sink out(a.out, a.resume);
  std::uint64_t after = std::max(a.after_position, out.resumed_after());
  std::optional<std::uint64_t> bound = a.to_position;
  progress bar("export", 0, a.quiet || a.out == "-");
  if (a.format == "csv" && out.fresh()) out.buffer += csv_header;
  std::uint64_t written = 0, scanned = 0;
  while (!interrupted.load()) {
    auto page = nlohmann::json::parse(
        node_get(a.node, "/api/v1/events?after=" + std::to_string(after) + "&limit=1000"));
    if (!bound) bound = page.at("meta").at("head").get<std::uint64_t>();
    const auto& events = page.at("data");
    if (events.empty()) break;
    bool done = false;
    for (const auto& e : events) {
      const auto g = e.at("globalPosition").get<std::uint64_t>();
      if (g > *bound) {
        done = true;
        break;
      }
      after = g;
      ++scanned;
      if (!f.matches(e)) continue;
      append_json_event(out.buffer, a.format, e);
      ++written;
    }
    out.flush(after);
    bar.update(scanned);
    if (done || after >= *bound) break;
  }
  out.flush(after);
  bar.finish(scanned);
  if (interrupted.load()) return exit_interrupted;
  if (!a.quiet && a.out != "-")
    std::fprintf(stderr, "exported %llu events to %s\n", static_cast<unsigned long long>(written),
                 a.out.c_str());
  return exit_ok;
}

}  // namespace

int events_export(const export_args& a) {
  check_format(a);
  const auto f = make_filter(a);
  if (!a.node.base_url.empty()) return export_from_node(a, f);
  auto store = open_read_only(a.data_dir);
  sink out(a.out, a.resume);
  const std::uint64_t after = std::max(a.after_position, out.resumed_after());
  source src(*store, a, after);
  progress bar("export", src.total(), a.quiet || a.out == "-");
  if (a.format == "csv" && out.fresh()) out.buffer += csv_header;

  std::uint64_t written = 0, scanned = 0, last = after;
  bool done = false;
  while (!done && !interrupted.load()) {
    auto page = src.next();
    if (page.empty()) break;
    for (const auto& e : page) {
      if (f.to_position && e.global.value() > *f.to_position) {
        done = true;
        break;
      }
      ++scanned;
      last = std::max(last, e.global.value());
      if (!f.matches(e)) continue;
      ++written;
      if (a.format == "ndjson") {
        codec::append_event_json(out.buffer, e);
        out.buffer.push_back('\n');
      } else if (a.format == "csv") {
        csv_row::of(e).append_to(out.buffer);
      } else {
        out.buffer += e.envelope.bytes();
      }
    }
    if (out.buffer.size() >= (1u << 20)) out.flush(last);
    bar.update(scanned);
  }
  // For reads by stream or shard, `last` is the last global position seen, not a bound of
  // the whole log: resuming re-reads from the start of the stream/shard and skips ≤ last.
  out.flush(last);
  bar.finish(scanned);
  if (interrupted.load()) {
    std::fprintf(stderr, "mercato: interrupted after %llu events; --resume continues after position %llu\n",
                 static_cast<unsigned long long>(written), static_cast<unsigned long long>(last));
    return exit_interrupted;
  }
  if (!a.quiet && a.out != "-")
    std::fprintf(stderr, "exported %llu events to %s\n", static_cast<unsigned long long>(written),
                 a.out.c_str());
  return exit_ok;
}

int events_tail(const export_args& a, std::optional<std::uint64_t> after,
                std::optional<std::uint64_t> count) {
  if (a.node.base_url.empty())
    throw tool_error(exit_usage, "events tail follows a live node: give --node URL");
  if (a.format == "capnp") throw tool_error(exit_usage, "events tail writes ndjson or csv");
  const auto f = make_filter(a);
  std::string last_id;
  std::uint64_t last = after.value_or(0), seen = 0;
  bool header = a.format == "csv";
  bool first = true;
  while (!interrupted.load()) {
    // The first connection starts after --after-position (default: new events only); every
    // reconnection resumes after the last id seen, so nothing is missed or repeated.
    std::string path = "/api/v1/events/live";
    if (last_id.empty() && after) path += "?after=" + std::to_string(*after);
    bool stop = false;
    std::uint64_t retry_ms = 1000;
    bool lost = false;
    try {
      retry_ms = node_stream(a.node, path, last_id, [&](const sse_event& ev) {
        if (ev.id.empty()) return true;
        const auto g = std::stoull(ev.id);
        if (g <= last && !last_id.empty()) return true;  // never twice
        last = g;
        last_id = ev.id;
        auto e = nlohmann::json::parse(ev.data);
        if (!f.matches(e)) return true;
        std::string line;
        if (header) {
          line = csv_header;
          header = false;
        }
        append_json_event(line, a.format, e);
        if (std::fwrite(line.data(), 1, line.size(), stdout) != line.size() || std::fflush(stdout) != 0) {
          stop = true;
          return false;
        }
        if (count && ++seen >= *count) {
          stop = true;
          return false;
        }
        return true;
      });
    } catch (const node_unreachable& e) {
      if (first) throw;  // never connected: say so instead of waiting silently
      lost = true;
      if (!a.quiet)
        std::fprintf(stderr, "mercato: %s; retrying after position %llu\n", e.what(),
                     static_cast<unsigned long long>(last));
    }
    first = false;
    if (stop) return exit_ok;
    // The node ends a feed response after a batch or on shutdown: reconnect after the delay
    // it asked for (longer while it is unreachable).
    const auto wait = std::chrono::milliseconds(lost ? std::max<std::uint64_t>(retry_ms, 1000) : retry_ms);
    for (auto until = std::chrono::steady_clock::now() + wait;
         std::chrono::steady_clock::now() < until && !interrupted.load();)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return exit_interrupted;
}

int stream_show(const fs::path& data_dir, const std::string& stream, const std::string& format) {
  if (format != "table" && format != "ndjson")
    throw tool_error(exit_usage, "--format must be table or ndjson");
  const auto id = parse_stream(stream);
  auto store = open_read_only(data_dir);
  auto head = store->stream_head(id);
  if (!head) throw tool_error(exit_failure, head.error().message);
  if (head->value() == 0) throw tool_error(exit_failure, "stream " + stream + " has no events");
  std::string line;
  for (std::uint64_t from = 1; !interrupted.load();) {
    auto page = store->read_stream(id, es::stream_version{from}, es::read_direction::forward, 1024);
    if (!page) throw tool_error(exit_failure, page.error().message);
    if (page->empty()) break;
    for (const auto& e : *page) {
      line.clear();
      if (format == "ndjson") {
        codec::append_event_json(line, e);
      } else {
        line += "v" + std::to_string(e.version.value()) + "  " + codec::format_timestamp(e.timestamp_ns) +
                "  " + e.type + "  ";
        codec::append_event_data_json(line, e);
      }
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), stdout);
    }
    from = page->back().version.value() + 1;
  }
  return std::fflush(stdout) == 0 ? exit_ok : exit_failure;
}

int entity_state(const fs::path& data_dir, const std::string& stream, const std::string& at,
                 std::optional<std::uint64_t> version) {
  if (!at.empty() && version) throw tool_error(exit_usage, "give --at or --version, not both");
  actors::history_point point;
  if (!at.empty()) point.at_ns = parse_time(at, "--at");
  if (version) {
    if (*version == 0) throw tool_error(exit_usage, "--version counts from 1");
    point.version = es::stream_version{*version};
  }
  const auto id = parse_stream(stream);
  auto store = open_read_only(data_dir);
  auto view = actors::entity_state_at(*store, id, point);
  if (!view) throw tool_error(exit_failure, view.error());
  std::string out = "{\"stream\":";
  codec::append_json_string(out, stream);
  out += ",\"kind\":\"" + view->kind + "\",\"version\":" + std::to_string(view->version.value());
  out += ",\"at\":";
  if (view->version.value() == 0)
    out += "null";
  else
    out += "\"" + codec::format_timestamp(view->at_ns) + "\"";
  out += ",\"state\":" + view->state_json + "}\n";
  std::fwrite(out.data(), 1, out.size(), stdout);
  if (view->version.value() == 0)
    std::fprintf(stderr, "mercato: %s did not exist yet at that point (its first event is later)\n",
                 stream.c_str());
  return exit_ok;
}

}  // namespace mercato::tool
