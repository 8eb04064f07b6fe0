// Black-box tests of mercato::config::load: defaults, the three sources and their
// precedence, and that every refusal names the key (or file / variable) at fault.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <mercato/config/config.hpp>

#include "load_helpers.hpp"
#include "temp_dir.hpp"

namespace cfg = mercato::config;
using mercato::test::contains;
using mercato::test::load_error;
using mercato::test::load_ok;
using mercato::test::temp_dir;
using namespace std::chrono_literals;

namespace {

std::filesystem::path write_file(const temp_dir& dir, const std::string& text,
                                 const std::string& name = "mercato.yaml") {
  const auto path = dir / name;
  std::ofstream(path) << text;
  return path;
}

/// The refusal must name `key`, both in config_error::key and in the message, and say
/// what is accepted.
/// load_with_warnings() that must succeed.
cfg::loaded_config load_warned(const cfg::load_inputs& in) {
  auto r = cfg::load_with_warnings(in);
  REQUIRE_MESSAGE(r.has_value(), (r.has_value() ? "" : r.error().message));
  return *r;
}

void check_names_key(const cfg::config_error& e, const std::string& key) {
  INFO(e.message);
  CHECK(e.key == key);
  CHECK(contains(e.message, key));
  CHECK(contains(e.message, "accepted"));
}

}  // namespace

TEST_CASE("no inputs give the documented defaults") {
  const auto c = load_ok({});
  CHECK(c.profile == cfg::run_profile::dev);
  CHECK(c.node.id == "node-1");
  CHECK(c.data_dir == std::filesystem::path("./data"));
  CHECK(c.listen.host == "127.0.0.1");
  CHECK(c.listen.port == 8080);
  CHECK(c.storage.shards == 64);
  CHECK(c.storage.durability == cfg::durability_mode::sync);
  CHECK(c.storage.max_batch_requests == 1024);
  CHECK(c.storage.write_queue_limit == 65536);
  CHECK(c.storage.stream_cache_entries == 100000);
  CHECK(c.log.level == cfg::log_level::info);
  CHECK(c.log.format == cfg::log_format::json);
  CHECK(c.http.threads == 2);
  CHECK(c.http.max_request_bytes == 1048576);
  CHECK(c.http.keepalive_timeout_seconds == 30s);
  CHECK(c.auth.jwt_secret.empty());
  CHECK(c.auth.jwt_issuer == "mercato");
  CHECK(c.auth.jwt_audience == "mercato-storefront");
  CHECK(c.auth.jwt_expiration_minutes == 60min);
  CHECK(c.actors.passivate_after_seconds == 300s);
  CHECK(c.actors.snapshot_every == 100);
  CHECK(c.actors.max_line_quantity == 99);
}

TEST_CASE("known_keys lists every key with its MERCATO_ variable and default") {
  const auto keys = cfg::known_keys();
  // Components add keys as they grow; what must hold is that none is listed twice.
  REQUIRE(keys.size() >= 21);
  std::set<std::string> paths;
  for (const auto& k : keys) CHECK_MESSAGE(paths.insert(k.path).second, "listed twice: " << k.path);
  CHECK(keys.front().path == "profile");
  for (const auto& k : keys) {
    INFO(k.path);
    REQUIRE_FALSE(k.env_names.empty());
    CHECK(k.env_names.front().starts_with("MERCATO_"));
    CHECK_FALSE(k.accepted.empty());
  }
  const auto shards =
      std::find_if(keys.begin(), keys.end(), [](const auto& k) { return k.path == "storage.shards"; });
  REQUIRE(shards != keys.end());
  CHECK(shards->env_names == std::vector<std::string>{"MERCATO_STORAGE_SHARDS"});
  CHECK(shards->default_value == "64");
  CHECK(shards->accepted == "a whole number from 1 to 4096");
}

TEST_CASE("YAML file sets nested values") {
  temp_dir dir;
  const auto file = write_file(dir, R"(
profile: prod
node:
  id: eu-west.1
data_dir: /var/lib/mercato
listen: "[::1]:9090"
storage:
  shards: 128
  durability: sync
  max_batch_requests: 512
  write_queue_limit: 1000
  stream_cache_entries: 0
log: {level: debug, format: text}
http:
  threads: 8
  max_request_bytes: 2048
  keepalive_timeout_seconds: 0
auth:
  jwt_secret: "from-file"
  jwt_issuer: shop
  jwt_audience: web
  jwt_expiration_minutes: 15
)");
  const auto c = load_ok({.file = file});
  CHECK(c.profile == cfg::run_profile::prod);
  CHECK(c.node.id == "eu-west.1");
  CHECK(c.data_dir == std::filesystem::path("/var/lib/mercato"));
  CHECK(c.listen == cfg::endpoint{"::1", 9090});
  CHECK(c.storage.shards == 128);
  CHECK(c.storage.max_batch_requests == 512);
  CHECK(c.storage.write_queue_limit == 1000);
  CHECK(c.storage.stream_cache_entries == 0);
  CHECK(c.log.level == cfg::log_level::debug);
  CHECK(c.log.format == cfg::log_format::text);
  CHECK(c.http.threads == 8);
  CHECK(c.http.max_request_bytes == 2048);
  CHECK(c.http.keepalive_timeout_seconds == 0s);
  CHECK(c.auth.jwt_secret == "from-file");
  CHECK(c.auth.jwt_issuer == "shop");
  CHECK(c.auth.jwt_audience == "web");
  CHECK(c.auth.jwt_expiration_minutes == 15min);
}

TEST_CASE("an empty or comment-only YAML file gives the defaults") {
  temp_dir dir;
  CHECK(load_ok({.file = write_file(dir, "")}) == load_ok({}));
  CHECK(load_ok({.file = write_file(dir, "# nothing here\n", "c.yaml")}) == load_ok({}));
  CHECK(load_ok({.file = write_file(dir, "storage:\n", "s.yaml")}) == load_ok({}));
}

TEST_CASE("environment overrides the file, other variables are ignored") {
  temp_dir dir;
  const auto file = write_file(dir, "storage:\n  shards: 128\ndata_dir: /from/file\nlisten: 0.0.0.0:80\n");
  const auto c = load_ok({.file = file,
                          .env = {{"MERCATO_STORAGE_SHARDS", "256"},
                                  {"MERCATO_DATA_DIR", "/from/env"},
                                  {"MERCATO_PROFILE", "bench"},
                                  {"MERCATO_NODE_ID", "n7"},
                                  {"PATH", "/usr/bin"},
                                  {"HOME", "/root"},
                                  {"JWT_SOMETHING_ELSE", "x"}}});
  CHECK(c.storage.shards == 256);
  CHECK(c.data_dir == std::filesystem::path("/from/env"));
  CHECK(c.profile == cfg::run_profile::bench);
  CHECK(c.node.id == "n7");
  CHECK(c.listen == cfg::endpoint{"0.0.0.0", 80});  // from the file, env left it alone
}

TEST_CASE("overrides beat environment and file") {
  temp_dir dir;
  const auto file = write_file(dir, "data_dir: /from/file\nlisten: 10.0.0.1:1000\nprofile: prod\n");
  const auto c = load_ok({.file = file,
                          .env = {{"MERCATO_DATA_DIR", "/from/env"}, {"MERCATO_LISTEN", "10.0.0.2:2000"}},
                          .overrides = {{"data_dir", "/from/flag"}, {"listen", "localhost:3000"}}});
  CHECK(c.data_dir == std::filesystem::path("/from/flag"));
  CHECK(c.listen == cfg::endpoint{"localhost", 3000});
  CHECK(c.profile == cfg::run_profile::prod);  // untouched by env and flags
}

TEST_CASE("MERCATO_CONFIG names the file unless load_inputs::file does") {
  temp_dir dir;
  const auto env_file = write_file(dir, "node: {id: from-env-file}\n", "env.yaml");
  const auto flag_file = write_file(dir, "node: {id: from-flag-file}\n", "flag.yaml");
  CHECK(load_ok({.env = {{"MERCATO_CONFIG", env_file.string()}}}).node.id == "from-env-file");
  CHECK(load_ok({.file = flag_file, .env = {{"MERCATO_CONFIG", env_file.string()}}}).node.id ==
        "from-flag-file");
}

TEST_CASE("unknown YAML key is refused with its full dotted path and the file") {
  temp_dir dir;
  const auto file = write_file(dir, "storage:\n  shards: 8\n  shardz: 16\n");
  const auto e = load_error({.file = file});
  INFO(e.message);
  CHECK(e.key == "storage.shardz");
  CHECK(contains(e.message, "storage.shardz"));
  CHECK(contains(e.message, file.string()));
  CHECK(contains(e.message, "line 3"));
  CHECK(contains(e.message, "did you mean storage.shards?"));
  CHECK(contains(e.message, "known under storage: shards, durability,"));

  const auto top = load_error({.file = write_file(dir, "colour: blue\n", "top.yaml")});
  CHECK(top.key == "colour");
}

TEST_CASE("YAML shape errors name the key") {
  temp_dir dir;
  SUBCASE("a section given a scalar") {
    const auto e = load_error({.file = write_file(dir, "storage: 5\n")});
    CHECK(e.key == "storage");
    CHECK(contains(e.message, "mapping"));
  }
  SUBCASE("a setting given a list") {
    const auto e = load_error({.file = write_file(dir, "storage:\n  shards: [1, 2]\n")});
    CHECK(e.key == "storage.shards");
    CHECK(contains(e.message, "single value"));
  }
  SUBCASE("a key given twice") {
    const auto e = load_error({.file = write_file(dir, "log:\n  level: info\n  level: debug\n")});
    CHECK(e.key == "log.level");
    CHECK(contains(e.message, "twice"));
  }
  SUBCASE("the top level is not a mapping") {
    const auto file = write_file(dir, "- a\n- b\n");
    const auto e = load_error({.file = file});
    CHECK(e.key == file.string());
  }
}

TEST_CASE("unknown MERCATO_ variables are ignored with one warning naming them all") {
  // What Kubernetes injects into every pod of a namespace with a Service named `mercato`.
  const std::map<std::string, std::string> env{{"MERCATO_SERVICE_HOST", "10.0.0.1"},
                                               {"MERCATO_SERVICE_PORT", "8080"},
                                               {"MERCATO_PORT_8080_TCP_ADDR", "10.0.0.1"},
                                               {"MERCATO_WRAPPER_SECRET", "hunter2"},
                                               {"MERCATO_STORAGE_SHARDS", "16"}};
  const auto loaded = load_warned({.env = env});
  CHECK(loaded.config == load_ok({.env = {{"MERCATO_STORAGE_SHARDS", "16"}}}));
  REQUIRE(loaded.warnings.size() == 1);
  const auto& w = loaded.warnings.front();
  INFO(w.message);
  CHECK(w.keys == std::vector<std::string>{"MERCATO_PORT_8080_TCP_ADDR", "MERCATO_SERVICE_HOST",
                                           "MERCATO_SERVICE_PORT", "MERCATO_WRAPPER_SECRET"});
  for (const auto& name : w.keys) CHECK(contains(w.message, name));
  CHECK(contains(w.message, "4 MERCATO_* environment variables that name no setting"));
  CHECK_FALSE(contains(w.message, "MERCATO_STORAGE_SHARDS"));  // known, not warned about
  CHECK_FALSE(contains(w.message, "hunter2"));                 // names only, never values
  CHECK_FALSE(contains(w.message, "10.0.0.1"));
  CHECK_FALSE(contains(w.message, "did you mean"));  // none of them looks like a setting
  CHECK(std::count(w.message.begin(), w.message.end(), '\n') == 0);

  // load() accepts the same inputs; it only drops the warning.
  CHECK(load_ok({.env = env}) == loaded.config);
}

TEST_CASE("an unknown MERCATO_ variable close to a setting's name gets a did-you-mean") {
  const auto loaded = load_warned({.env = {{"MERCATO_STORAGE_SHARD", "8"},
                                           {"MERCATO_LOG_LEVLE", "debug"},
                                           {"MERCATO_SERVICE_HOST", "10.0.0.1"}}});
  CHECK(loaded.config == load_ok({}));  // the misspelt settings keep their defaults
  REQUIRE(loaded.warnings.size() == 1);
  const auto& w = loaded.warnings.front();
  INFO(w.message);
  CHECK(w.keys.size() == 3);
  CHECK(contains(w.message, "MERCATO_STORAGE_SHARD (did you mean MERCATO_STORAGE_SHARDS?)"));
  CHECK(contains(w.message, "MERCATO_LOG_LEVLE (did you mean MERCATO_LOG_LEVEL?)"));
  CHECK(contains(w.message, "MERCATO_SERVICE_HOST,"));  // no guess for a service link
  CHECK(contains(w.message, "3 MERCATO_* environment variables that name no setting"));

  const auto one = load_warned({.env = {{"MERCATO_AUTH_JWT_SECRT", "x"}}});
  REQUIRE(one.warnings.size() == 1);
  INFO(one.warnings.front().message);
  CHECK(contains(one.warnings.front().message, "1 MERCATO_* environment variable that names no setting"));
  CHECK(contains(one.warnings.front().message, "did you mean MERCATO_AUTH_JWT_SECRET?"));
}

TEST_CASE("known variables, MERCATO_CONFIG and other names give no warning") {
  temp_dir dir;
  const auto file = write_file(dir, "node: {id: from-file}\n");
  const auto loaded = load_warned({.env = {{"MERCATO_CONFIG", file.string()},
                                           {"MERCATO_LOG_LEVEL", "debug"},
                                           {"JWT_ISSUER", "me"},
                                           {"JWT_SOMETHING_ELSE", "x"},
                                           {"MERCATOR", "x"},
                                           {"PATH", "/usr/bin"}}});
  CHECK(loaded.warnings.empty());
  CHECK(loaded.config.node.id == "from-file");
}

TEST_CASE("a bad value of a known MERCATO_ variable is still refused beside unknown ones") {
  const auto e =
      load_error({.env = {{"MERCATO_SERVICE_HOST", "10.0.0.1"}, {"MERCATO_STORAGE_SHARDS", "abc"}}});
  check_names_key(e, "MERCATO_STORAGE_SHARDS");
  CHECK(contains(e.message, "storage.shards"));
  CHECK_FALSE(contains(e.message, "MERCATO_SERVICE_HOST"));
  CHECK_FALSE(cfg::load_with_warnings({.env = {{"MERCATO_SERVICE_HOST", "x"}, {"MERCATO_PROFILE", "qa"}}}));
}

TEST_CASE("unknown override key is refused by name") {
  const auto e = load_error({.overrides = {{"data-dir", "/x"}}});
  CHECK(e.key == "data-dir");
  CHECK(contains(e.message, "did you mean data_dir?"));
}

TEST_CASE("bad values are refused naming the key, from every source") {
  struct bad_value {
    std::string path;
    std::string text;
  };
  const bad_value cases[] = {
      {"storage.shards", "0"},
      {"storage.shards", "abc"},
      {"storage.shards", "4097"},
      {"storage.shards", "-4"},
      {"storage.max_batch_requests", "-1"},
      {"http.threads", "2.5"},
      {"http.threads", "1e1"},
      {"listen", "127.0.0.1"},
      {"listen", "127.0.0.1:70000"},
      {"listen", ":8080"},
      {"listen", "127.0.0.1:-1"},
      {"profile", "staging"},
      {"storage.durability", "maybe"},
      {"log.level", "verbose"},
      {"log.format", "xml"},
      {"node.id", "has space"},
      {"node.id", ""},
      {"node.id", std::string(65, 'a')},
      {"data_dir", ""},
      {"auth.jwt_expiration_minutes", "0"},
  };
  for (const auto& bad : cases) {
    CAPTURE(bad.path);
    CAPTURE(bad.text);
    const auto e = load_error({.overrides = {{bad.path, bad.text}}});
    check_names_key(e, bad.path);
    CHECK(contains(e.message, "command line"));
  }
}

TEST_CASE("a bad value in the environment names the variable and the key") {
  const auto e = load_error({.env = {{"MERCATO_STORAGE_SHARDS", "0"}}});
  INFO(e.message);
  CHECK(e.key == "MERCATO_STORAGE_SHARDS");
  CHECK(contains(e.message, "storage.shards"));
  CHECK(contains(e.message, "\"0\" is out of range"));
  CHECK(contains(e.message, "a whole number from 1 to 4096"));
}

TEST_CASE("a bad value in the file names the key, the file and the line") {
  temp_dir dir;
  const auto file = write_file(dir, "storage:\n  durability: sync\n  shards: abc\n");
  const auto e = load_error({.file = file});
  check_names_key(e, "storage.shards");
  CHECK(contains(e.message, file.string()));
  CHECK(contains(e.message, "line 3"));
  CHECK(contains(e.message, "\"abc\" is not a whole number"));

  const auto negative = load_error({.file = write_file(dir, "http: {threads: -2}\n", "n.yaml")});
  check_names_key(negative, "http.threads");
  const auto fractional = load_error({.file = write_file(dir, "http: {threads: 2.0}\n", "f.yaml")});
  check_names_key(fractional, "http.threads");
}

TEST_CASE("a bad value is refused even when a higher source replaces it") {
  temp_dir dir;
  const auto file = write_file(dir, "storage: {shards: 0}\n");
  const auto e = load_error({.file = file, .overrides = {{"storage.shards", "8"}}});
  CHECK(e.key == "storage.shards");
  CHECK(contains(e.message, file.string()));
}

TEST_CASE("async durability only in the bench profile") {
  SUBCASE("refused in dev, naming the key") {
    const auto e = load_error({.overrides = {{"storage.durability", "async"}}});
    CHECK(e.key == "storage.durability");
    CHECK(contains(e.message, "storage.durability"));
    CHECK(contains(e.message, "bench"));
  }
  SUBCASE("refused in prod") {
    CHECK(load_error({.env = {{"MERCATO_STORAGE_DURABILITY", "async"}, {"MERCATO_PROFILE", "prod"}}}).key ==
          "storage.durability");
  }
  SUBCASE("accepted in bench, whichever source sets which") {
    temp_dir dir;
    const auto file = write_file(dir, "storage: {durability: async}\n");
    const auto c = load_ok({.file = file, .overrides = {{"profile", "bench"}}});
    CHECK(c.storage.durability == cfg::durability_mode::async);
  }
}

TEST_CASE("a broken YAML file is refused naming the file and the line") {
  temp_dir dir;
  const auto file = write_file(dir, "storage:\n  shards: [1,\nlog: {level: info}\n");
  const auto e = load_error({.file = file});
  INFO(e.message);
  CHECK(e.key == file.string());
  CHECK(contains(e.message, file.string()));
  CHECK(contains(e.message, "line "));
  CHECK(contains(e.message, "not valid YAML"));
}

TEST_CASE("a missing or unreadable file is refused naming the file") {
  temp_dir dir;
  const auto missing = dir / "nope.yaml";
  const auto e = load_error({.file = missing});
  CHECK(e.key == missing.string());
  CHECK(contains(e.message, missing.string()));
  CHECK(contains(e.message, "does not exist"));

  const auto is_dir = load_error({.file = dir.path()});
  CHECK(contains(is_dir.message, "directory"));
}

TEST_CASE("JWT_* variables set the auth keys") {
  const auto c = load_ok({.env = {{"JWT_SECRET", "s3cret"},
                                  {"JWT_ISSUER", "iss"},
                                  {"JWT_AUDIENCE", "aud"},
                                  {"JWT_EXPIRATION_MINUTES", "5"}}});
  CHECK(c.auth.jwt_secret == "s3cret");
  CHECK(c.auth.jwt_issuer == "iss");
  CHECK(c.auth.jwt_audience == "aud");
  CHECK(c.auth.jwt_expiration_minutes == 5min);

  const auto bad = load_error({.env = {{"JWT_EXPIRATION_MINUTES", "soon"}}});
  CHECK(bad.key == "JWT_EXPIRATION_MINUTES");
  CHECK(contains(bad.message, "auth.jwt_expiration_minutes"));

  SUBCASE("the MERCATO_ name and the plain name must agree") {
    CHECK(load_ok({.env = {{"JWT_ISSUER", "a"}, {"MERCATO_AUTH_JWT_ISSUER", "a"}}}).auth.jwt_issuer == "a");
    const auto clash = load_error({.env = {{"JWT_ISSUER", "a"}, {"MERCATO_AUTH_JWT_ISSUER", "b"}}});
    CHECK(contains(clash.message, "JWT_ISSUER"));
    CHECK(contains(clash.message, "MERCATO_AUTH_JWT_ISSUER"));
  }
}

TEST_CASE("describe() is one line with every key and hides the secret") {
  const auto c =
      load_ok({.env = {{"JWT_SECRET", "super-secret-value"}}, .overrides = {{"data_dir", "/my data"}}});
  const auto line = cfg::describe(c);
  INFO(line);
  CHECK_FALSE(contains(line, "super-secret-value"));
  CHECK_FALSE(contains(line, "\n"));
  CHECK(contains(line, "auth.jwt_secret=(set)"));
  CHECK(contains(line, "profile=dev"));
  CHECK(contains(line, "storage.shards=64"));
  CHECK(contains(line, "listen=127.0.0.1:8080"));
  CHECK(contains(line, "data_dir=\"/my data\""));
  CHECK(contains(line, "http.keepalive_timeout_seconds=30"));
  CHECK(contains(cfg::describe(load_ok({})), "auth.jwt_secret=(empty)"));
}

TEST_CASE("environment_from splits NAME=value and keeps the first of duplicates") {
  const char* envp[] = {"A=1", "B=x=y", "EMPTY=", "NOEQUALS", "A=2", nullptr};
  const auto env = cfg::environment_from(envp);
  CHECK(env == std::map<std::string, std::string>{{"A", "1"}, {"B", "x=y"}, {"EMPTY", ""}});
  CHECK(cfg::environment_from(nullptr).empty());
}
