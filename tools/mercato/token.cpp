// mercato token issue: an access token signed with the node's own JWT settings, for
// operators and analysts calling admin routes (events export --node, events tail). The
// settings come from the node's configuration exactly as mercatod reads them (file,
// MERCATO_*/JWT_* environment, flags); in the dev profile the secret is the one the node
// keeps in its data directory.
#include <cstdio>

#include <mercato/config/config.hpp>
#include <mercato/http/jwt.hpp>

#include "cli.hpp"
#include "commands.hpp"

extern char** environ;

namespace mercato::tool {

int token_issue(const token_args& a) {
  if (a.role != "admin" && a.role != "customer")
    throw tool_error(exit_usage, "--role must be admin or customer");
  if (a.subject.empty()) throw tool_error(exit_usage, "--sub must not be empty");
  config::load_inputs in;
  if (!a.config_file.empty()) in.file = a.config_file;
  in.env = config::environment_from(environ);
  if (!a.data_dir.empty()) in.overrides["data_dir"] = a.data_dir.string();
  if (!a.profile.empty()) in.overrides["profile"] = a.profile;
  auto cfg = config::load(in);
  if (!cfg) throw tool_error(exit_usage, "configuration error: " + cfg.error().message);
  if (cfg->profile != config::run_profile::prod) {
    // Never create a dev secret from here: a token only makes sense with the node's own.
    std::error_code ec;
    if (!std::filesystem::exists(cfg->data_dir, ec))
      throw tool_error(exit_failure, "no such data directory: " + cfg->data_dir.string());
  }
  auto secret = http::resolve_jwt_secret(cfg->auth, cfg->profile, cfg->data_dir);
  if (!secret) throw tool_error(exit_failure, secret.error());
  auto settings = http::jwt_settings_from(cfg->auth, secret->secret);
  if (a.minutes) settings.lifetime = std::chrono::minutes(*a.minutes);
  http::jwt_codec codec(settings);
  auto token = codec.issue({a.subject, a.role, std::nullopt});
  if (!token) throw tool_error(exit_failure, "cannot issue a token: " + token.error());
  std::printf("%s\n", token->access_token.c_str());
  return exit_ok;
}

}  // namespace mercato::tool
