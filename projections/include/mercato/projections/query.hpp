#pragma once
// What every read-model query shares: paging and the keyspace prefix a query reads.
//
// Queries are constructed per use as X_query(store, prefix), where prefix is the active
// keyspace of the projection (host::active_prefix(name)); construction is
// cheap (no I/O). Until a host runs, tests use default_prefix<P>(): the keyspace
// projection_runner writes, key_prefix(P::projection_name, P::current_version).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <mercato/eventstore/store.hpp>
#include <mercato/projections/projection.hpp>

namespace mercato::projections {

inline constexpr std::uint32_t default_page_size = 20;
inline constexpr std::uint32_t max_page_size = 100;

/// A page of a list: `page` is 0-based (page 0 is the first), `size` is 1..max_page_size.
/// A page past the end is not an error: it comes back empty with the right total.
struct page_request {
  std::uint32_t page = 0;
  std::uint32_t size = default_page_size;
  std::uint64_t offset() const noexcept { return std::uint64_t(page) * size; }
};

/// Nullopt when `p` is valid, else what is wrong with it ("page size must be 1..100").
std::optional<std::string> check_page(const page_request& p);

template <class T>
struct page {
  std::vector<T> items;
  std::uint64_t total = 0;  ///< items matching the query over all pages
  std::uint32_t page = 0;   ///< as requested
  std::uint32_t size = 0;   ///< as requested (items.size() ≤ size)
};

/// The keyspace a bare projection_runner writes projection P into (see the header comment).
template <class P>
std::string default_prefix() {
  return key_prefix(P::projection_name, P::current_version);
}

}  // namespace mercato::projections
