// Products ↔ schema.
#include "codec_detail.hpp"

namespace mercato::domain::codec_detail {
namespace {

void put_images(const std::vector<std::string>& images, capnp::List<capnp::Text>::Builder out) {
  put_strings(images, out);
}

template <class Group>
std::optional<std::string> optional_text(Group g) {
  if (g.isUnchanged()) return std::nullopt;
  return str(g.getValue());
}

}  // namespace

void put_event(const product_created& e, schema::Event::Builder out) {
  auto b = out.initProductCreated();
  b.setProductId(text(e.id.value()));
  b.setSku(text(e.sku));
  b.setName(text(e.name));
  b.setDescription(text(e.description));
  b.setCategory(text(e.category));
  put_money(e.price, b.initPrice());
  put_images(e.images, b.initImages(count(e.images.size())));
  b.setInitialStock(e.initial_stock);
}

product_created from(schema::ProductCreated::Reader in) {
  return {id_of<product_id>(in.getProductId()),
          str(in.getSku()),
          str(in.getName()),
          str(in.getDescription()),
          str(in.getCategory()),
          get_money(in.getPrice()),
          get_strings(in.getImages()),
          in.getInitialStock()};
}

void put_event(const product_updated& e, schema::Event::Builder out) {
  auto b = out.initProductUpdated();
  b.setProductId(text(e.id.value()));
  // Each group's default member is `unchanged`; only changed fields are set.
  if (e.name) b.initName().setValue(text(*e.name));
  if (e.description) b.initDescription().setValue(text(*e.description));
  if (e.category) b.initCategory().setValue(text(*e.category));
  if (e.price) put_money(*e.price, b.initPrice().initValue());
  if (e.images) put_images(*e.images, b.initImages().initValue(count(e.images->size())));
}

product_updated from(schema::ProductUpdated::Reader in) {
  product_updated e{id_of<product_id>(in.getProductId()),
                    optional_text(in.getName()),
                    optional_text(in.getDescription()),
                    optional_text(in.getCategory()),
                    std::nullopt,
                    std::nullopt};
  if (in.getPrice().isValue()) e.price = get_money(in.getPrice().getValue());
  if (in.getImages().isValue()) e.images = get_strings(in.getImages().getValue());
  return e;
}

void put_event(const product_deactivated& e, schema::Event::Builder out) {
  out.initProductDeactivated().setProductId(text(e.id.value()));
}

product_deactivated from(schema::ProductDeactivated::Reader in) {
  return {id_of<product_id>(in.getProductId())};
}

void put_event(const product_reactivated& e, schema::Event::Builder out) {
  out.initProductReactivated().setProductId(text(e.id.value()));
}

product_reactivated from(schema::ProductReactivated::Reader in) {
  return {id_of<product_id>(in.getProductId())};
}

void put_event(const product_restocked& e, schema::Event::Builder out) {
  auto b = out.initProductRestocked();
  b.setProductId(text(e.id.value()));
  b.setQuantity(e.qty.value());
  b.setNewStock(e.new_available);
}

product_restocked from(schema::ProductRestocked::Reader in) {
  return {id_of<product_id>(in.getProductId()), quantity{in.getQuantity()}, in.getNewStock()};
}

void put_event(const product_stock_reserved& e, schema::Event::Builder out) {
  auto b = out.initProductStockReserved();
  b.setProductId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setQuantity(e.qty.value());
  b.setNewStock(e.new_available);
}

product_stock_reserved from(schema::ProductStockReserved::Reader in) {
  return {id_of<product_id>(in.getProductId()), id_of<order_id>(in.getOrderId()), quantity{in.getQuantity()},
          in.getNewStock()};
}

void put_event(const product_reservation_released& e, schema::Event::Builder out) {
  auto b = out.initProductReservationReleased();
  b.setProductId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setQuantity(e.qty.value());
  b.setReason(to_wire(e.reason));
  b.setDetail(text(e.detail));
  b.setNewStock(e.new_available);
}

product_reservation_released from(schema::ProductReservationReleased::Reader in) {
  return {id_of<product_id>(in.getProductId()),
          id_of<order_id>(in.getOrderId()),
          quantity{in.getQuantity()},
          from_wire(in.getReason()),
          str(in.getDetail()),
          in.getNewStock()};
}

void put_event(const product_reservation_committed& e, schema::Event::Builder out) {
  auto b = out.initProductReservationCommitted();
  b.setProductId(text(e.id.value()));
  b.setOrderId(text(e.order.value()));
  b.setQuantity(e.qty.value());
}

product_reservation_committed from(schema::ProductReservationCommitted::Reader in) {
  return {id_of<product_id>(in.getProductId()), id_of<order_id>(in.getOrderId()), quantity{in.getQuantity()}};
}

void put_state(const product_state& s, schema::ProductState::Builder out) {
  out.setProductId(text(s.id.value()));
  out.setSku(text(s.sku));
  out.setName(text(s.name));
  out.setDescription(text(s.description));
  out.setCategory(text(s.category));
  put_money(s.price, out.initPrice());
  put_images(s.images, out.initImages(count(s.images.size())));
  out.setActive(s.active);
  out.setStock(s.available);
  auto rs = out.initReservations(count(s.reservations.size()));
  for (unsigned i = 0; i < rs.size(); ++i) {
    rs[i].setOrderId(text(s.reservations[i].order.value()));
    rs[i].setQuantity(s.reservations[i].qty.value());
  }
  out.setSold(s.sold);
}

product_state from(schema::ProductState::Reader in) {
  product_state s{id_of<product_id>(in.getProductId()),
                  str(in.getSku()),
                  str(in.getName()),
                  str(in.getDescription()),
                  str(in.getCategory()),
                  get_money(in.getPrice()),
                  get_strings(in.getImages()),
                  in.getActive(),
                  in.getStock(),
                  {},
                  in.getSold()};
  for (auto r : in.getReservations())
    s.reservations.push_back({id_of<order_id>(r.getOrderId()), quantity{r.getQuantity()}});
  return s;
}

}  // namespace mercato::domain::codec_detail
