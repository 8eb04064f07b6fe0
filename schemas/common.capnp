# Value types and enums shared by events (events.capnp) and snapshots (snapshots.capnp).
#
# These types are part of the stored log: the evolution rules of docs/schema-evolution.md
# apply to them exactly as to the events. Add fields and enumerants at the end with the
# next ordinal; never renumber, retype, remove or reuse one.
@0xb75194bb300add7f;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mercato::schema");

using M = import "mercato.capnp";

struct Money $M.cxxType("money") {
  # An amount of money in one currency. Never floating point.
  minorUnits @0 :Int64;   # amount in the currency's minor unit (cents for EUR/USD, yen for JPY)
  currency @1 :Text;      # ISO 4217 alphabetic code, upper case, e.g. "EUR"
}

struct OrderLine {
  # One line of an order (and of a checkout), frozen when the cart is checked out.
  productId @0 :Text $M.id("product");
  name @1 :Text;          # product name as the cart saw it when the item was added
  quantity @2 :UInt32;    # units ordered (1..99 by default; the cart's configured range)
  unitPrice @3 :Money;    # price of one unit, as seen when the item was added to the cart
  lineTotal @4 :Money;    # unitPrice × quantity, same currency
}

enum Role $M.unknownAs("customer") {
  # A user's role. Every registered user has exactly one.
  customer @0;
  admin @1;
}

enum CancelReason $M.unknownAs("unspecified") {
  # Why an order was cancelled, a checkout compensated, or a stock reservation released.
  # The accompanying `detail` text says more, for people.
  unspecified @0;         # not set; never written on purpose
  customerRequested @1;   # the order's owner cancelled it
  adminCancelled @2;      # an admin cancelled it
  stockUnavailable @3;    # a line could not be reserved (out of stock, inactive, not found)
  paymentFailed @4;       # the payment authorization was declined or failed
  checkoutFailed @5;      # any other failure inside the checkout; see detail
}

enum PaymentFailureReason $M.unknownAs("unspecified") {
  # Why a payment authorization failed.
  unspecified @0;         # not set; never written on purpose
  declined @1;            # the provider declined the charge (e.g. token "tok_chargeDeclined")
  insufficientFunds @2;   # e.g. token "tok_insufficientFunds"
  expiredCard @3;
  invalidToken @4;        # the provider does not know the payment token
  amountMismatch @5;      # the requested amount is not the order total
  providerError @6;       # the provider answered with an error
  providerTimeout @7;     # the provider did not answer in time
}

enum NotificationKind {
  # What a notification tells its user about.
  orderConfirmed @0;
  orderShipped @1;
  orderDelivered @2;
  orderCancelled @3;
  paymentFailed @4;
  refundIssued @5;
}

enum CheckoutOutcome {
  # How a checkout ended.
  confirmed @0;           # the order is confirmed and the payment authorized
  compensated @1;         # everything done was undone; the order is cancelled
}
