#pragma once
// Every query read model of a node, for the host. The notification outbox
// is NOT here: rebuilding it would re-deliver.
#include <memory>
#include <vector>

#include <mercato/projections/projection.hpp>

namespace mercato::projections {

/// New instances of: catalog, carts, orders, notifications, admin, streams (this order).
std::vector<std::shared_ptr<projection>> read_models();

}  // namespace mercato::projections
