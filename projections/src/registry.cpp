// Every query read model, in a fixed order.
#include <mercato/projections/admin.hpp>
#include <mercato/projections/carts.hpp>
#include <mercato/projections/catalog.hpp>
#include <mercato/projections/notifications.hpp>
#include <mercato/projections/orders.hpp>
#include <mercato/projections/registry.hpp>
#include <mercato/projections/streams.hpp>

namespace mercato::projections {

std::vector<std::shared_ptr<projection>> read_models() {
  return {std::make_shared<catalog_projection>(), std::make_shared<carts_projection>(),
          std::make_shared<orders_projection>(),  std::make_shared<notifications_projection>(),
          std::make_shared<admin_projection>(),   std::make_shared<streams_projection>()};
}

}  // namespace mercato::projections
