// `mercato` end to end: a data directory written by the real mercatod (demo data) and by
// the real engine (users, carts, checkouts), then every subcommand as a real process.
#include <doctest/doctest.h>

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <capnp/message.h>
#include <capnp/serialize.h>
#include <nlohmann/json.hpp>

#include <mercato/schema/envelope.capnp.h>
#include <mercato/actors/engine.hpp>
#include <mercato/codec/codec.hpp>
#include <mercato/eventstore/store.hpp>
#include <mercato/eventstore/subscription.hpp>

#include "http_client.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

using namespace mercato;
using namespace std::chrono_literals;
using json = nlohmann::json;

namespace {

struct run_result {
  int code = -1;
  std::string output;  // stdout + stderr
};

run_result run(const std::filesystem::path& log, const std::string& program,
               const std::vector<std::string>& args) {
  test::process p(program, args, {}, log);
  auto code = p.wait(300s);
  REQUIRE_MESSAGE(code, "timed out: " << program);
  return {*code, p.output()};
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<json> ndjson(const std::string& text) {
  std::vector<json> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(json::parse(line));
  return out;
}

/// One data directory shared by the test cases (built once: a node run plus engine work).
struct world {
  test::temp_dir dir;
  std::filesystem::path data = dir / "data";
  std::int64_t between_ns = 0;  // after the demo data, before the shoppers
  std::uint64_t events = 0;
  std::string order_stream;
  int n = 0;

  world() {
    {  // the real node writes its demo catalog and customer
      test::node_process node(data, dir / "node.log", {"--profile", "dev"});
      node.proc.signal(SIGTERM);
      REQUIRE(node.proc.wait(30s) == 0);
    }
    // `between_ns` is a whole millisecond at least 1 ms after the node's last event (so six
    // decimals of seconds print it exactly), and the engine's store records every event at
    // least 1 ms after it: its clock is the test's, never earlier than that.
    {
      es::store_options ro;
      ro.data_dir = data;
      ro.read_only = true;
      auto demo = es::event_store::open(ro);
      REQUIRE_MESSAGE(demo, (demo ? "" : demo.error().message));
      const auto head = (*demo)->global_head().value();
      REQUIRE(head > 0);
      auto reader = (*demo)->read_all(es::global_position{head - 1});
      REQUIRE(reader);
      auto last = (*reader)->next(1);
      REQUIRE(last);
      REQUIRE(last->size() == 1);
      constexpr std::int64_t ms = 1'000'000;
      between_ns = (last->front().timestamp_ns / ms + 2) * ms;
    }
    es::store_options o;
    o.data_dir = data;
    o.clock = [after = between_ns + 1'000'000] { return std::max(system_now_ns(), after); };
    auto store = es::event_store::open(o);
    REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
    actors::engine_options eo;
    eo.password = {1, 8192};
    auto engine = actors::engine::start(**store, eo);
    REQUIRE(engine);
    for (int i = 0; i < 4; ++i) {
      auto user = actors::await<domain::user_state>([&](auto done) {
        (*engine)->register_user("shopper" + std::to_string(i) + "@example.com", "Password123!", "Shopper",
                                 domain::role::customer, {}, std::move(done));
      });
      REQUIRE(user);
      auto cart = actors::await<domain::cart_state>([&](auto done) {
        (*engine)->add_to_cart(user->state.user_id, domain::product_id{"prod-00" + std::to_string(i + 1)}, 2,
                               {}, std::move(done));
      });
      REQUIRE(cart);
      auto checkout = actors::await<domain::checkout_state>([&](auto done) {
        (*engine)->checkout(user->state.user_id, i % 2 ? "tok_chargeDeclined" : "tok_visa", {},
                            std::move(done));
      });
      REQUIRE(checkout);
      if (order_stream.empty()) order_stream = actors::stream_of(checkout->state.order_id);
    }
    events = (*store)->global_head().value();
  }

  run_result tool(const std::vector<std::string>& args) {
    return run(dir / ("tool-" + std::to_string(n++) + ".log"), MERCATO_TOOL_PATH, args);
  }
};

world& shared_world() {
  static world w;
  return w;
}

}  // namespace

TEST_CASE("events export writes every event as NDJSON, CSV and raw Cap'n Proto") {
  auto& w = shared_world();
  const auto out = w.dir / "all.ndjson";
  auto r = w.tool({"events", "export", "-d", w.data.string(), "-o", out.string(), "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto lines = ndjson(slurp(out));
  REQUIRE(lines.size() == w.events);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CHECK(lines[i]["globalPosition"] == i + 1);  // log order, gap-free
    CHECK(lines[i]["data"].is_object());
    CHECK(lines[i]["type"].is_string());
  }
  CHECK(lines.front()["type"] == "ProductCreated");
  CHECK(lines.front()["data"]["price"]["minorUnits"].is_number_integer());

  const auto csv = w.dir / "all.csv";
  r = w.tool({"events", "export", "-d", w.data.string(), "-f", "csv", "-o", csv.string(), "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto csv_text = slurp(csv);
  CHECK(csv_text.starts_with("global_position,shard,sequence,stream,version,type,timestamp"));
  std::size_t rows = 0;
  bool in_quotes = false;
  for (char c : csv_text) {  // count records, not the newlines inside quoted fields
    if (c == '"') in_quotes = !in_quotes;
    if (c == '\n' && !in_quotes) ++rows;
  }
  CHECK(rows == w.events + 1);

  const auto raw = w.dir / "all.capnp";
  r = w.tool({"events", "export", "-d", w.data.string(), "-f", "capnp", "-o", raw.string(), "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const std::string schema_dir = MERCATO_SCHEMA_DIR;
  auto decoded = run(w.dir / "capnp.log", "/bin/sh",
                     {"-c", "capnp decode -I " + schema_dir + " " + schema_dir +
                                "/envelope.capnp Envelope < " + raw.string()});
  REQUIRE_MESSAGE(decoded.code == 0, decoded.output.substr(0, 2000));
  std::size_t envelopes = 0;
  for (std::size_t p = decoded.output.find("globalPosition = "); p != std::string::npos;
       p = decoded.output.find("globalPosition = ", p + 1))
    ++envelopes;
  CHECK(envelopes == w.events);
  // The event inside an envelope is its payload: a flat-array message of the struct its
  // eventType names, which capnp decodes with events.capnp (as tools/README.md says).
  const auto placed =
      std::count_if(lines.begin(), lines.end(), [](const json& l) { return l["type"] == "OrderPlaced"; });
  REQUIRE(placed > 0);
  std::size_t placed_envelopes = 0;
  for (std::size_t p = decoded.output.find("eventType = \"OrderPlaced\""); p != std::string::npos;
       p = decoded.output.find("eventType = \"OrderPlaced\"", p + 1))
    ++placed_envelopes;
  CHECK(placed_envelopes == static_cast<std::size_t>(placed));
  const auto raw_bytes = slurp(raw);
  REQUIRE(raw_bytes.size() % sizeof(capnp::word) == 0);
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(raw_bytes.size() / sizeof(capnp::word));
  std::memcpy(words.begin(), raw_bytes.data(), raw_bytes.size());
  std::string payload;
  for (kj::ArrayPtr<const capnp::word> rest = words; rest.size() > 0 && payload.empty();) {
    capnp::FlatArrayMessageReader message(rest);
    auto envelope = message.getRoot<schema::Envelope>();
    if (envelope.getEventType() == "OrderPlaced") {
      auto bytes = envelope.getPayload();
      payload.assign(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
    }
    rest = kj::arrayPtr(message.getEnd(), rest.end());
  }
  REQUIRE_FALSE(payload.empty());
  const auto payload_file = w.dir / "order_placed.bin";
  std::ofstream(payload_file, std::ios::binary) << payload;
  auto event = run(w.dir / "capnp-event.log", "/bin/sh",
                   {"-c", "capnp decode -I " + schema_dir + " " + schema_dir +
                              "/events.capnp OrderPlaced < " + payload_file.string()});
  REQUIRE_MESSAGE(event.code == 0, event.output.substr(0, 2000));
  CHECK(event.output.find("orderId = \"") != std::string::npos);
  CHECK(event.output.find("lines = [") != std::string::npos);
}

TEST_CASE("events export filters by kind, type, stream, shard, time and position") {
  auto& w = shared_world();
  auto all = ndjson(slurp(w.dir / "all.ndjson"));
  if (all.empty()) {  // this case may run alone
    auto r = w.tool({"events", "export", "-d", w.data.string(), "-o", (w.dir / "all.ndjson").string(), "-q"});
    REQUIRE(r.code == 0);
    all = ndjson(slurp(w.dir / "all.ndjson"));
  }
  auto count = [&](auto pred) {
    return static_cast<std::size_t>(std::count_if(all.begin(), all.end(), pred));
  };
  auto export_lines = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{"events", "export", "-d", w.data.string(), "-q"};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto out = w.dir / ("f" + std::to_string(w.n) + ".ndjson");
    args.insert(args.end(), {"-o", out.string()});
    auto r = w.tool(args);
    REQUIRE_MESSAGE(r.code == 0, r.output);
    return ndjson(slurp(out));
  };

  auto orders = export_lines({"--prefix", "order"});
  CHECK(orders.size() ==
        count([](const json& e) { return e["stream"].get<std::string>().starts_with("order/"); }));
  CHECK(orders.size() > 0);

  auto placed = export_lines({"--type", "OrderPlaced,ProductCreated"});
  CHECK(placed.size() ==
        count([](const json& e) { return e["type"] == "OrderPlaced" || e["type"] == "ProductCreated"; }));

  auto one = export_lines({"--stream", w.order_stream});
  REQUIRE(one.size() == count([&](const json& e) { return e["stream"] == w.order_stream; }));
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(one[i]["version"] == i + 1);

  const auto shard = all.back()["shard"].get<std::uint32_t>();
  auto by_shard = export_lines({"--shard", std::to_string(shard)});
  CHECK(by_shard.size() == count([&](const json& e) { return e["shard"] == shard; }));

  auto before = export_lines({"--until", "@" + std::to_string(static_cast<double>(w.between_ns) / 1e9)});
  auto after = export_lines({"--since", "@" + std::to_string(static_cast<double>(w.between_ns) / 1e9)});
  CHECK(before.size() + after.size() == all.size());
  CHECK(before.size() ==
        count([&](const json& e) { return e["timestampNs"].get<std::int64_t>() < w.between_ns; }));

  auto window = export_lines({"--after-position", "3", "--to-position", "7"});
  REQUIRE(window.size() == 4);
  CHECK(window.front()["globalPosition"] == 4);
  CHECK(window.back()["globalPosition"] == 7);
}

TEST_CASE("an interrupted or bounded export resumes from the last position it wrote") {
  auto& w = shared_world();
  const auto out = w.dir / "resume.ndjson";
  auto r =
      w.tool({"events", "export", "-d", w.data.string(), "-o", out.string(), "-q", "--to-position", "10"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(ndjson(slurp(out)).size() == 10);
  // A torn tail (as after a crash mid-write) is cut back to the recorded position.
  { std::ofstream(out, std::ios::app) << "{\"partial"; }
  r = w.tool({"events", "export", "-d", w.data.string(), "-o", out.string(), "-q", "--resume"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto lines = ndjson(slurp(out));
  REQUIRE(lines.size() == w.events);
  for (std::size_t i = 0; i < lines.size(); ++i) CHECK(lines[i]["globalPosition"] == i + 1);
  // Resume without an output file is refused.
  r = w.tool({"events", "export", "-d", w.data.string(), "--resume"});
  CHECK(r.code == 2);
  CHECK(r.output.find("--resume needs --out") != std::string::npos);
}

TEST_CASE("stream show and entity state travel in time with the node's domain code") {
  auto& w = shared_world();
  auto r = w.tool({"stream", "show", "-d", w.data.string(), w.order_stream, "--format", "ndjson"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto events = ndjson(r.output);
  REQUIRE(events.size() >= 3);
  CHECK(events.front()["type"] == "OrderPlaced");

  r = w.tool({"entity", "state", "-d", w.data.string(), w.order_stream, "--version", "1"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto first = json::parse(r.output);
  CHECK(first["version"] == 1);
  CHECK(first["state"]["state"]["order"]["status"] == "pending");

  r = w.tool({"entity", "state", "-d", w.data.string(), w.order_stream});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto now = json::parse(r.output);
  CHECK(now["state"]["state"]["order"]["status"] == "confirmed");

  // --at a time between two events = the state after the earlier one.
  const auto at = events[1]["timestampNs"].get<std::int64_t>();
  const auto between = at + 1;  // 1 ns after the second event, written exactly
  char frac[16];
  std::snprintf(frac, sizeof frac, "%09lld", static_cast<long long>(between % 1'000'000'000));
  r = w.tool({"entity", "state", "-d", w.data.string(), w.order_stream, "--at",
              "@" + std::to_string(between / 1'000'000'000) + "." + frac});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(json::parse(r.output.substr(0, r.output.find('\n')))["version"] == 2);

  r = w.tool({"entity", "state", "-d", w.data.string(), "product/prod-001", "--at", "2001-01-01"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("\"version\":0") != std::string::npos);

  r = w.tool({"entity", "state", "-d", w.data.string(), "user/nobody"});
  CHECK(r.code == 1);
  CHECK(r.output.find("has no events") != std::string::npos);
  r = w.tool({"entity", "state", "-d", w.data.string(), "widget/1"});
  CHECK(r.code == 1);
  CHECK(r.output.find("not an entity stream") != std::string::npos);
  r = w.tool({"entity", "state", "-d", w.data.string(), w.order_stream, "--version", "999"});
  CHECK(r.code == 1);
  r = w.tool({"entity", "state", "-d", w.data.string(), w.order_stream, "--at", "yesterday"});
  CHECK(r.code == 2);
  CHECK(r.output.find("is not a time") != std::string::npos);
}

TEST_CASE("node info, doctor, and bad arguments") {
  auto& w = shared_world();
  auto r = w.tool({"node", "info", "-d", w.data.string(), "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto info = json::parse(r.output);
  CHECK(info["events"] == w.events);
  CHECK(info["shards"] == 64);
  CHECK(info["formatVersion"] == 1);
  CHECK(info["diskBytes"].get<std::uint64_t>() > 0);

  r = w.tool({"doctor", "-d", w.data.string(), "-q"});
  CHECK_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("ok: " + std::to_string(w.events) + " events") != std::string::npos);

  r = w.tool({});
  CHECK(r.code == 2);
  r = w.tool({"events", "export", "-d", (w.dir / "missing").string()});
  CHECK(r.code == 1);
  CHECK(r.output.find("no such directory") != std::string::npos);
  r = w.tool({"events", "export", "-d", w.data.string(), "--format", "xml"});
  CHECK(r.code == 2);
  r = w.tool({"node", "info", "-d", w.dir.path().string()});  // a directory that is not Mercato's
  CHECK(r.code == 1);
  r = w.tool({"events", "export", "-d", w.data.string(), "--shard", "64", "-o", (w.dir / "x").string()});
  CHECK(r.code == 2);
}

TEST_CASE("doctor decodes every event and names those it cannot") {
  auto& w = shared_world();
  const auto data = w.dir / "undecodable";
  {
    es::store_options o;
    o.data_dir = data;
    auto store = es::event_store::open(o);
    REQUIRE_MESSAGE(store, (store ? "" : store.error().message));
    domain::cart_item_added added;
    added.cart_id = domain::cart_id{"cart-u-1"};
    added.user_id = domain::user_id{"u-1"};
    added.product_id = domain::product_id{"prod-001"};
    added.product_name = "Coffee";
    added.quantity = 1;
    added.line_quantity = 1;
    added.unit_price = domain::money{1999, *domain::currency_code::parse("EUR")};
    auto good = codec::to_event_data(domain::cart_event{added});
    // The same bytes under a type this build does not know (written by a newer version).
    auto newer = good;
    newer.type = "CartItemGiftWrapped";
    newer.schema_id = 0x8000'0000'0000'0001ull;
    es::append_request r{*es::stream_id::make("cart/cart-u-1"), es::expected_version::any(), {}, {}, {}};
    r.events = {good, newer};
    REQUIRE((*store)->append(r));
  }
  auto r = w.tool({"doctor", "-d", data.string(), "-q"});
  CHECK(r.code == 3);
  CHECK_MESSAGE(r.output.find("cart/cart-u-1 v2 (CartItemGiftWrapped): ") != std::string::npos, r.output);
  CHECK_MESSAGE(r.output.find("cart/cart-u-1 v1") == std::string::npos, r.output);
  CHECK_MESSAGE(r.output.find("1 problem(s)") != std::string::npos, r.output);
}

TEST_CASE("export reads a consistent view beside a running node") {
  auto& w = shared_world();
  test::node_process node(w.data, w.dir / "node2.log", {"--profile", "dev"});
  auto r = w.tool({"events", "export", "-d", w.data.string(), "-o", (w.dir / "live.ndjson").string(), "-q"});
  CHECK_MESSAGE(r.code == 0, r.output);
  CHECK(ndjson(slurp(w.dir / "live.ndjson")).size() >= w.events);
  // Backups need the directory for writing: refused clearly while the node holds it.
  r = w.tool({"backup", "create", "-d", w.data.string(), "-b", (w.dir / "bk-live").string()});
  CHECK(r.code == 1);
  CHECK(r.output.find("stop it first") != std::string::npos);
  node.proc.signal(SIGTERM);
  CHECK(node.proc.wait(30s) == 0);
}

TEST_CASE("backup create, list, verify, restore; a damaged backup or data file is reported") {
  auto& w = shared_world();
  const auto bk = w.dir / "backups";
  auto r = w.tool({"backup", "create", "-d", w.data.string(), "-b", bk.string()});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  r = w.tool({"backup", "list", "-b", bk.string()});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("\n1 ") != std::string::npos);
  r = w.tool({"backup", "verify", "-b", bk.string()});
  CHECK_MESSAGE(r.code == 0, r.output);

  const auto restored = w.dir / "restored";
  r = w.tool({"backup", "restore", "-b", bk.string(), "-t", restored.string()});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  r = w.tool({"events", "export", "-d", restored.string(), "-o", (w.dir / "restored.ndjson").string(), "-q"});
  REQUIRE(r.code == 0);
  r = w.tool({"events", "export", "-d", w.data.string(), "-o", (w.dir / "orig.ndjson").string(), "-q"});
  REQUIRE(r.code == 0);
  CHECK(slurp(w.dir / "restored.ndjson") == slurp(w.dir / "orig.ndjson"));
  {  // a node on the restored directory starts and serves
    test::node_process node(restored, w.dir / "node-restored.log", {"--profile", "prod"},
                            {{"JWT_SECRET", "0123456789abcdef0123456789abcdef-test"}});
    CHECK(node.port > 0);
    node.proc.signal(SIGTERM);
    CHECK(node.proc.wait(30s) == 0);
  }
  r = w.tool({"backup", "restore", "-b", bk.string(), "-t", restored.string()});
  CHECK(r.code == 1);  // never into a non-empty directory
  CHECK(r.output.find("not empty") != std::string::npos);

  // Damage one table file of the backup: verify and restore report it, restore writes nothing.
  std::filesystem::path victim;
  for (const auto& e : std::filesystem::recursive_directory_iterator(bk))
    if (e.path().extension() == ".sst") victim = e.path();
  REQUIRE_FALSE(victim.empty());
  {
    std::fstream f(victim, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(10);
    f.write("XXXXXXXX", 8);
  }
  r = w.tool({"backup", "verify", "-b", bk.string()});
  CHECK(r.code == 3);
  r = w.tool({"backup", "restore", "-b", bk.string(), "-t", (w.dir / "restored2").string()});
  CHECK(r.code != 0);
  CHECK((!std::filesystem::exists(w.dir / "restored2") || std::filesystem::is_empty(w.dir / "restored2")));

  // Damage a table file of a data directory copy: doctor finds it.
  const auto copy = w.dir / "damaged";
  std::filesystem::copy(restored, copy, std::filesystem::copy_options::recursive);
  std::filesystem::path sst;
  for (const auto& e : std::filesystem::directory_iterator(copy))
    if (e.path().extension() == ".sst" && std::filesystem::file_size(e.path()) > 200) sst = e.path();
  REQUIRE_FALSE(sst.empty());
  {
    std::fstream f(sst, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(20);
    f.write("\xde\xad\xbe\xef\xde\xad\xbe\xef", 8);
  }
  r = w.tool({"doctor", "-d", copy.string(), "-q"});
  CHECK(r.code == 3);
  CHECK_MESSAGE(r.output.find("doctor:") != std::string::npos, r.output);
}

namespace {

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  socklen_t len = sizeof a;
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  close(fd);
  return ntohs(a.sin_port);
}

/// mercatod on a fixed port (so a restart comes back at the same address).
std::unique_ptr<test::process> start_node(const std::filesystem::path& data, std::uint16_t port,
                                          const std::filesystem::path& log,
                                          std::map<std::string, std::string> env = {}) {
  auto p = std::make_unique<test::process>(
      MERCATOD_PATH,
      std::vector<std::string>{"--data-dir", data.string(), "--listen", "127.0.0.1:" + std::to_string(port),
                               "--profile", "dev"},
      env, log);
  REQUIRE_MESSAGE(p->wait_for_output("listening on http://", 30s), p->output());
  return p;
}

void register_user(std::uint16_t port, const std::string& email) {
  auto r = test::http_request(port, "POST", "/api/v1/auth/register", {{"Content-Type", "application/json"}},
                              R"({"email":")" + email + R"(","password":"Password123!","displayName":"T"})");
  REQUIRE_MESSAGE(r.status == 201, r.status << " " << r.body);
}

}  // namespace

TEST_CASE("export from a live node and tail its feed across a restart, without gaps or duplicates") {
  test::temp_dir dir;
  const auto data = dir / "data";
  const auto port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto node = start_node(data, port, dir / "node1.log");
  int n = 0;
  auto tool = [&](const std::vector<std::string>& args) {
    return run(dir / ("t" + std::to_string(n++) + ".log"), MERCATO_TOOL_PATH, args);
  };

  auto t = tool({"token", "issue", "--sub", "ops", "--role", "admin", "-d", data.string()});
  REQUIRE_MESSAGE(t.code == 0, t.output);
  const auto token = t.output.substr(0, t.output.find('\n'));

  auto r =
      tool({"events", "export", "--node", url, "--token", token, "-o", (dir / "node.ndjson").string(), "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  const auto from_node = ndjson(slurp(dir / "node.ndjson"));
  REQUIRE(from_node.size() >= 14);  // the demo catalog and customer
  for (std::size_t i = 0; i < from_node.size(); ++i) CHECK(from_node[i]["globalPosition"] == i + 1);

  r = tool({"events", "export", "--node", url, "--token", "not-a-token", "-q"});
  CHECK(r.code == 1);
  CHECK(r.output.find("401") != std::string::npos);
  r = tool({"events", "export", "--node", url, "--token", token, "-f", "capnp", "-q"});
  CHECK(r.code == 2);

  // Tail from the start; the node restarts in the middle; every event arrives exactly once.
  const auto before = from_node.size();
  const std::size_t expected = before + 3 * 2;  // each registration: EmailClaimed + UserRegistered
  const auto out = dir / "tail.ndjson";
  test::process tail(
      "/bin/sh",
      {"-c", "exec " + std::string(MERCATO_TOOL_PATH) + " events tail --node " + url + " --token " + token +
                 " --after-position 0 --count " + std::to_string(expected) + " > " + out.string()},
      {}, dir / "tail.err");
  // The tail must have connected before the node goes away (a tail that never reached a
  // node fails at once by design): wait until it has written the events already there.
  auto lines_written = [&] {
    const auto text = slurp(out);
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  };
  for (auto until = std::chrono::steady_clock::now() + 60s;
       lines_written() < before && std::chrono::steady_clock::now() < until;)
    std::this_thread::sleep_for(20ms);
  REQUIRE_MESSAGE(lines_written() >= before, "tail did not connect: " << tail.output());
  register_user(port, "tail1@example.com");
  node->signal(SIGTERM);
  REQUIRE(node->wait(30s) == 0);
  node = start_node(data, port, dir / "node2.log");
  register_user(port, "tail2@example.com");
  register_user(port, "tail3@example.com");
  auto code = tail.wait(60s);
  REQUIRE_MESSAGE(code.has_value(), "tail did not finish: " << tail.output());
  CHECK_MESSAGE(*code == 0, tail.output());
  const auto tailed = ndjson(slurp(out));
  REQUIRE(tailed.size() == expected);
  for (std::size_t i = 0; i < tailed.size(); ++i) CHECK(tailed[i]["globalPosition"] == i + 1);
  CHECK(tailed.back()["type"] == "UserRegistered");

  // A filter applies to the feed as to an export.
  r = tool({"events", "tail", "--node", url, "--token", token, "--after-position", "0", "--type",
            "UserRegistered", "--count", "4", "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto regs = ndjson(r.output);
  CHECK(regs.size() == 4);
  for (const auto& e : regs) CHECK(e["type"] == "UserRegistered");

  node->signal(SIGTERM);
  CHECK(node->wait(30s) == 0);
  r = tool({"events", "tail", "--node", url, "--token", token, "--count", "1"});
  CHECK(r.code == 1);  // nothing listens: said at once, not a silent wait
  CHECK(r.output.find("cannot reach") != std::string::npos);
}

TEST_CASE(
    "operators: online backup, projection status and rebuild through a node and on a stopped node's "
    "directory") {
  test::temp_dir dir;
  const auto data = dir / "data";
  const auto backups = dir / "backups";
  const auto port = free_port();
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto node = start_node(data, port, dir / "node.log", {{"MERCATO_STORAGE_BACKUP_DIR", backups.string()}});
  int n = 0;
  auto tool = [&](const std::vector<std::string>& args) {
    return run(dir / ("t" + std::to_string(n++) + ".log"), MERCATO_TOOL_PATH, args);
  };
  const auto token = [&] {
    auto t = tool({"token", "issue", "--sub", "ops", "--role", "admin", "-d", data.string()});
    REQUIRE(t.code == 0);
    return t.output.substr(0, t.output.find('\n'));
  }();
  const auto customer = [&] {
    auto t = tool({"token", "issue", "--sub", "someone", "--role", "customer", "-d", data.string()});
    REQUIRE(t.code == 0);
    return t.output.substr(0, t.output.find('\n'));
  }();
  register_user(port, "ops1@example.com");

  // Online backup while the node runs, then verify and restore it.
  auto r = tool({"backup", "create", "--node", url, "--token", token});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("backup 1 ") != std::string::npos);
  r = tool({"backup", "create", "--node", url, "--token", customer});
  CHECK(r.code == 1);
  CHECK(r.output.find("403") != std::string::npos);
  r = tool({"backup", "verify", "-b", backups.string()});
  CHECK_MESSAGE(r.code == 0, r.output);
  r = tool({"backup", "restore", "-b", backups.string(), "-t", (dir / "restored").string()});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  r = tool({"node", "info", "-d", (dir / "restored").string(), "--json"});
  REQUIRE(r.code == 0);
  CHECK(json::parse(r.output)["events"].get<std::uint64_t>() >= 16);  // demo data + one registration

  // Projections through the node: status, a rebuild that swaps to generation 1.
  r = tool({"projections", "status", "--node", url, "--token", token, "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto status = json::parse(r.output);
  REQUIRE(status.size() >= 6);
  CHECK(status[0]["name"] == "catalog");
  CHECK(status[0]["live"] == true);
  r = tool({"projections", "rebuild", "catalog", "--node", url, "--token", token, "--wait", "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(r.output.find("generation 1 serves") != std::string::npos);
  auto products = test::http_request(port, "GET", "/api/v1/products/prod-001");
  CHECK(products.status == 200);  // the rebuilt catalog serves
  r = tool({"projections", "rebuild", "nope", "--node", url, "--token", token});
  CHECK(r.code == 1);
  CHECK(r.output.find("404") != std::string::npos);
  r = tool({"projections", "rebuild", "outbox", "--node", url, "--token", token});
  CHECK(r.code == 1);  // rebuilding the outbox would deliver every notification again: refused
  CHECK(r.output.find("409") != std::string::npos);

  node->signal(SIGTERM);
  REQUIRE(node->wait(30s) == 0);

  // The same on the stopped node's directory.
  r = tool({"projections", "status", "-d", data.string(), "--json"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  status = json::parse(r.output);
  CHECK(status[0]["generation"] == 1);
  for (const auto& p : status) CHECK(p["lagEvents"] == 0);
  r = tool({"projections", "rebuild", "orders", "-d", data.string(), "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  r = tool({"projections", "status", "-d", data.string(), "--json"});
  REQUIRE(r.code == 0);
  for (const auto& p : json::parse(r.output))
    if (p["name"] == "orders") CHECK(p["generation"] == 1);
  r = tool({"projections", "rebuild", "nope", "-d", data.string()});
  CHECK(r.code == 2);
}

TEST_CASE("replay folds a read model up to an instant without writing the data directory") {
  auto& w = shared_world();
  auto info_before = w.tool({"node", "info", "-d", w.data.string(), "--json"});
  REQUIRE(info_before.code == 0);
  const auto at = "@" + std::to_string(static_cast<double>(w.between_ns) / 1e9);
  auto r = w.tool({"replay", "-d", w.data.string(), "-p", "orders", "--until", at, "-o",
                   (w.dir / "o-then.ndjson").string(), "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  CHECK(ndjson(slurp(w.dir / "o-then.ndjson")).empty());  // no order existed yet
  r = w.tool(
      {"replay", "-d", w.data.string(), "-p", "orders", "-o", (w.dir / "o-now.ndjson").string(), "-q"});
  REQUIRE_MESSAGE(r.code == 0, r.output);
  auto now = ndjson(slurp(w.dir / "o-now.ndjson"));
  CHECK(now.size() >= 4);  // the four shoppers' orders (and their index keys)
  std::size_t orders = 0;
  for (const auto& kv : now) {
    const auto key = kv["key"].get<std::string>();
    if (key.starts_with("o/")) {  // an order, as the API shows it
      ++orders;
      CHECK(kv["value"]["id"] == key.substr(2));
      CHECK(kv["value"]["status"].is_string());
      CHECK(kv["value"]["items"].size() >= 1);
      CHECK(kv["value"]["total"].get<std::int64_t>() > 0);
    } else if (key.starts_with("p/")) {
      CHECK(kv["value"]["orderId"].is_string());
    } else {
      CHECK(kv["value"].is_null());  // index keys
    }
    CHECK_FALSE(kv["value"].contains("base64"));
  }
  CHECK(orders >= 4);  // the four shoppers' orders
  CHECK_FALSE(std::filesystem::exists(w.dir / "o-now.ndjson.replay-work"));
  auto info_after = w.tool({"node", "info", "-d", w.data.string(), "--json"});
  CHECK(json::parse(info_after.output)["events"] == json::parse(info_before.output)["events"]);
  // Every read model describes its records: no raw bytes in any replay.
  for (const auto* model : {"catalog", "carts", "notifications", "admin", "streams"}) {
    const auto out = w.dir / (std::string(model) + ".ndjson");
    r = w.tool({"replay", "-d", w.data.string(), "-p", model, "-o", out.string(), "-q"});
    REQUIRE_MESSAGE(r.code == 0, r.output);
    auto records = ndjson(slurp(out));
    CHECK_MESSAGE(!records.empty(), model);
    for (const auto& kv : records) CHECK_MESSAGE(!kv["value"].contains("base64"), model << " " << kv.dump());
    if (std::string(model) == "catalog")
      for (const auto& kv : records)
        if (kv["key"].get<std::string>().starts_with("p/")) CHECK(kv["value"]["price"].is_number_integer());
  }
  r = w.tool({"replay", "-d", w.data.string(), "-p", "nope"});
  CHECK(r.code == 2);
  CHECK(r.output.find("one of: catalog") != std::string::npos);
}
