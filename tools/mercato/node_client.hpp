#pragma once
// The tool's HTTP side: reading a live node's event routes (GET /api/v1/events, the SSE feed
// GET /api/v1/events/live) with an admin bearer token. libcurl.
#include <cstdint>
#include <functional>
#include <string>

#include "cli.hpp"

namespace mercato::tool {

struct node_target {
  std::string base_url;  ///< e.g. http://127.0.0.1:8080
  std::string token;     ///< admin bearer token (MERCATO_TOKEN)
};

/// GET base_url + path_and_query; returns the body of a 200, throws tool_error otherwise
/// (the problem's detail when the node sent one).
std::string node_get(const node_target& node, const std::string& path_and_query);

/// The node could not be reached (no HTTP answer), or answered that it cannot serve now
/// (5xx, 429): worth retrying.
struct node_unreachable : tool_error {
  using tool_error::tool_error;
};

/// POST base_url + path (an empty JSON object as body); returns the body when
/// the status is `expected`, throws tool_error otherwise.
std::string node_post(const node_target& node, const std::string& path, long expected);

/// One Server-Sent Event.
struct sse_event {
  std::string id;
  std::string event;
  std::string data;
};

/// Streams GET base_url + path with `Last-Event-ID: last_id` (when not empty), calling
/// `on_event` per event until the connection ends, `on_event` returns false, or Ctrl-C.
/// Returns normally when the connection ended (the caller reconnects); throws tool_error for
/// refusals (401/403/4xx) and node_unreachable when no HTTP answer came.
/// Returns the reconnection delay the node asked for (`retry:`, default 1000 ms).
std::uint64_t node_stream(const node_target& node, const std::string& path, const std::string& last_id,
                          const std::function<bool(const sse_event&)>& on_event);

}  // namespace mercato::tool
