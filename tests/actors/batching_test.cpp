// Hot entities: commands waiting for one entity are decided one after another and appended
// together. Random command sequences (refusals, no-ops, idempotency keys and their repeats
// included) sent at once to one entity must give, command by command, exactly the answers
// and the log that one-at-a-time processing gives.
#include <future>
#include <mutex>
#include <ostream>
#include <random>

#include <mercato/codec/codec.hpp>

#include "engine_fixture.hpp"

using namespace mercato;
using namespace mercato::test;

namespace {

struct step {
  domain::cart_command command;
  actors::command_meta meta;
};

/// What an answer says, without what differs between two runs (commit times).
struct outcome {
  bool ok = false;
  domain::domain_errc refusal = domain::domain_errc::none;
  bool replayed = false;
  std::uint64_t version = 0;
  std::size_t positions = 0;
  domain::cart_state state;
  bool operator==(const outcome&) const = default;
};

outcome outcome_of(const actors::reply<domain::cart_state>& r) {
  outcome o;
  o.ok = r.has_value();
  if (!r) {
    o.refusal = r.error().error.code;
    return o;
  }
  o.replayed = r->replayed;
  o.version = r->version.value();
  o.positions = r->positions.size();
  o.state = r->state;
  o.state.updated_at_ns = 0;
  return o;
}

std::ostream& operator<<(std::ostream& os, const outcome& o) {
  os << "{ok=" << o.ok << " refusal=" << static_cast<int>(o.refusal) << " replayed=" << o.replayed
     << " version=" << o.version << " positions=" << o.positions << " lines=[";
  for (const auto& l : o.state.lines) os << l.product_id.value() << "x" << l.quantity << " ";
  return os << "]}";
}

domain::product_view view(const std::string& name, std::int64_t cents, bool active = true) {
  return {true, active, name, eur(cents)};
}

/// A random mix: adds (some over the line limit, some of an inactive product), changes and
/// removes (some of lines that are not there), clears (some of an empty cart), a few keyed
/// commands and repeats of earlier keys (same command, or another one under the same key).
std::vector<step> random_steps(const domain::user_id& user, std::uint32_t seed, std::size_t n) {
  std::mt19937 rng(seed);
  auto pick = [&](int k) { return static_cast<int>(rng() % static_cast<unsigned>(k)); };
  const std::vector<std::string> products{"p1", "p2", "p3", "p4"};
  std::vector<step> steps;
  for (std::size_t i = 0; i < n; ++i) {
    const domain::product_id product{products[static_cast<std::size_t>(pick(4))]};
    step s;
    switch (pick(10)) {
      case 0:
      case 1:
      case 2:
      case 3:
        s.command = domain::add_cart_item{user, product, 1 + pick(40),
                                          view("Product " + product.value(), 100 + pick(3), pick(12) != 0)};
        break;
      case 4:
      case 5:
        s.command = domain::change_cart_item_quantity{product, pick(60)};
        break;
      case 6:
      case 7:
        s.command = domain::remove_cart_item{product};
        break;
      case 8:
        s.command = domain::clear_cart{};
        break;
      default:
        if (!steps.empty() && pick(2) == 0) {
          s = steps[static_cast<std::size_t>(pick(static_cast<int>(steps.size())))];  // a repeat
          if (s.meta.idempotency_key.empty()) s.meta.idempotency_key = "key-" + std::to_string(i);
        } else {
          s.command = domain::add_cart_item{user, product, 1, view("Product " + product.value(), 100)};
        }
    }
    if (s.meta.idempotency_key.empty() && pick(4) == 0) s.meta.idempotency_key = "key-" + std::to_string(i);
    steps.push_back(std::move(s));
  }
  return steps;
}

/// The events of a stream, decoded: equal logs, commit times aside.
std::vector<domain::any_event> log_of(es::event_store& store, const std::string& stream) {
  std::vector<domain::any_event> out;
  auto page = store.read_stream(*es::stream_id::make(stream), es::stream_version{1},
                                es::read_direction::forward, 100000);
  REQUIRE(page);
  for (const auto& e : *page) {
    auto decoded = codec::decode_event(e);
    REQUIRE(decoded);
    out.push_back(std::move(*decoded));
  }
  return out;
}

}  // namespace

TEST_CASE("commands decided together give the answers and the log of one at a time") {
  const domain::user_id user{"u-batch"};
  const domain::cart_id cart = domain::cart_id_for(user);
  for (std::uint32_t seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    CAPTURE(seed);
    const auto steps = random_steps(user, seed, 240);

    // One at a time: each command sent after the answer to the one before it.
    engine_fixture sequential;
    sequential.options.max_batch_commands = 1;
    sequential.restart();
    std::vector<outcome> expected;
    for (const auto& s : steps) expected.push_back(outcome_of(sequential.send(cart, s.command, s.meta)));

    // All at once: they wait for the entity together and are decided in batches.
    engine_fixture batched;
    std::vector<std::promise<actors::reply<domain::cart_state>>> answers(steps.size());
    for (std::size_t i = 0; i < steps.size(); ++i)
      batched.engine->send(
          cart, steps[i].command, steps[i].meta,
          [&answers, i](actors::reply<domain::cart_state> r) { answers[i].set_value(std::move(r)); });
    for (std::size_t i = 0; i < steps.size(); ++i) {
      CAPTURE(i);
      CHECK(outcome_of(answers[i].get_future().get()) == expected[i]);
    }
    CHECK(batched.engine->stats().batched_commands > 0);  // the batches did happen
    CHECK(log_of(*batched.store, actors::stream_of(cart)) ==
          log_of(*sequential.store, actors::stream_of(cart)));

    // And the state rebuilt from the log is the one the answers led to.
    batched.restart();
    auto rebuilt = batched.get(cart);
    REQUIRE(rebuilt);
    auto last = outcome_of(sequential.get(cart));
    CHECK(outcome_of(*rebuilt).state == last.state);
    CHECK(rebuilt->version.value() == last.version);
  }
}

TEST_CASE("a refused command in a batch appends nothing and leaves the others' outcomes alone") {
  engine_fixture f;
  const domain::user_id user{"u-refuse"};
  const domain::cart_id cart = domain::cart_id_for(user);
  std::vector<domain::cart_command> commands{
      domain::add_cart_item{user, domain::product_id{"a"}, 2, view("A", 100)},
      domain::add_cart_item{user, domain::product_id{"b"}, 1000, view("B", 100)},  // over the line limit
      domain::remove_cart_item{domain::product_id{"zzz"}},                         // no such line
      domain::add_cart_item{user, domain::product_id{"a"}, 3, view("A", 100)},
  };
  std::vector<std::promise<actors::reply<domain::cart_state>>> answers(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i)
    f.engine->send(cart, commands[i], {}, [&answers, i](actors::reply<domain::cart_state> r) {
      answers[i].set_value(std::move(r));
    });
  auto a0 = answers[0].get_future().get();
  auto a1 = answers[1].get_future().get();
  auto a2 = answers[2].get_future().get();
  auto a3 = answers[3].get_future().get();
  REQUIRE(a0);
  CHECK(a0->state.lines.at(0).quantity == 2);
  REQUIRE_FALSE(a1);
  CHECK(a1.error().error.code == domain::domain_errc::quantity_out_of_range);
  REQUIRE_FALSE(a2);
  CHECK(a2.error().error.code == domain::domain_errc::line_not_found);
  REQUIRE(a3);
  CHECK(a3->state.lines.at(0).quantity == 5);
  CHECK(a3->version.value() == 2);
  CHECK(log_of(*f.store, actors::stream_of(cart)).size() == 2);
}
