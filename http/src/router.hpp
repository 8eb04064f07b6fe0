#pragma once
// The route table: method + path template ("/api/v1/orders/{id}/cancel") → handler, with
// the answers a table alone can give: 404 for an unknown path, 405 + Allow for a known
// path with another method. No Pistache here.
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "exchange.hpp"

namespace mercato::http::detail {

/// Who may call a route.
enum class access { open, customer, admin };

struct route_def {
  std::string method;  ///< upper case
  std::string path;    ///< template; "{name}" matches one non-empty segment
  access who = access::open;
  std::function<void(const exchange_ptr&)> handler;
};

class route_table {
 public:
  void add(route_def r);

  struct match {
    const route_def* route = nullptr;           ///< null: no route for this method
    std::map<std::string, std::string> params;  ///< decoded path parameters
    std::vector<std::string> allowed;           ///< methods of the path (for 405's Allow)
  };
  /// The route for `method` and `path`. A literal segment beats a parameter where both
  /// would match. HEAD is not mapped to GET.
  match find(std::string_view method, std::string_view path) const;
  const std::vector<route_def>& routes() const noexcept { return routes_; }

 private:
  struct compiled {
    std::vector<std::string> segments;  // "{x}" kept as is
  };
  std::vector<route_def> routes_;
  std::vector<compiled> compiled_;
};

/// "%41+b" → "A b" (when `plus_is_space`). Invalid escapes are kept literally.
std::string percent_decode(std::string_view text, bool plus_is_space);
/// Splits "/a/b/" into {"a","b"} (empty segments dropped).
std::vector<std::string> split_path(std::string_view path);

}  // namespace mercato::http::detail
