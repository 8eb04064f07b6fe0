# Snapshots: an entity's state folded up to a stream version, so recovery replays only the
# events after it. A snapshot is a cache of the log, never the truth: a reader that cannot
# use one (unknown state member, other stateVersion) drops it and replays the stream.
#
# Evolution rules as for events (docs/schema-evolution.md).
@0xf2780233f11dd7d1;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mercato::schema");

using M = import "mercato.capnp";

using Common = import "common.capnp";
using Money = Common.Money;
using OrderLine = Common.OrderLine;
using Role = Common.Role;
using CancelReason = Common.CancelReason;
using PaymentFailureReason = Common.PaymentFailureReason;
using CheckoutOutcome = Common.CheckoutOutcome;
using Errors = import "errors.capnp";

struct Snapshot {
  # One entity's state as of `version` of its stream.
  streamId @0 :Text;
  version @1 :UInt64;         # version of the last event folded into the state
  takenAtNs @2 :Int64;        # when the snapshot was taken, ns since the Unix epoch (UTC)
  stateVersion @3 :UInt32;    # version of the fold that produced `state`; a reader expecting
                              # another one discards the snapshot and replays from version 1
  state :union {
    none @4 :Void;            # never written; what an unset state reads as
    user @5 :UserState;
    product @6 :ProductState;
    cart @7 :CartState;
    order @8 :OrderState;
    payment @9 :PaymentState;
    checkout @10 :CheckoutState;
    emailClaim @11 :EmailClaimState;
  }
}

# ---------------------------------------------------------------------------------------

struct UserState {
  # A user account.
  userId @0 :Text $M.id("user");
  email @1 :Text $M.personal;             # as given at registration
  emailNormalized @2 :Text $M.personal;   # lower-cased
  passwordHash @3 :Text;      # Argon2id PHC string
  role @4 :Role;
  displayName @5 :Text $M.personal;
  registeredAtNs @6 :Int64;   # commit time of UserRegistered, ns since the Unix epoch
}

struct EmailClaimState {
  # The reservation of one normalized e-mail address.
  emailNormalized @0 :Text;
  userId @1 :Text $M.id("user");            # the holder while claimed; the last holder once released
  claimed @2 :Bool;
}

struct ProductState {
  # A catalog product and its inventory.
  productId @0 :Text $M.id("product");
  sku @1 :Text;
  name @2 :Text;
  description @3 :Text;
  category @4 :Text;
  price @5 :Money;
  images @6 :List(Text);
  active @7 :Bool;
  stock @8 :UInt32;           # units free to reserve (reserved units are not included)
  reservations @9 :List(StockReservation);  # open reservations, at most one per order
  sold @10 :UInt32;           # units committed to orders so far
}

struct StockReservation {
  # Units of one product held for one order.
  orderId @0 :Text $M.id("order");
  quantity @1 :UInt32;
}

enum CartStatus {
  open @0;
  checkedOut @1;
}

struct CartState {
  # A user's cart.
  cartId @0 :Text $M.id("cart");
  userId @1 :Text $M.id("user");
  status @2 :CartStatus;
  lines @3 :List(CartLine);   # in the order they were added
  lastCheckoutId @4 :Text $M.id("checkout");  # the checkout of the last CartCheckedOut; empty if none
  lastOrderId @5 :Text $M.id("order");  # its order; empty if none
  updatedAtNs @6 :Int64;      # commit time of the last event, ns since the Unix epoch
}

struct CartLine {
  # One product in a cart.
  productId @0 :Text $M.id("product");
  productName @1 :Text;
  quantity @2 :UInt32;
  unitPrice @3 :Money;        # the price seen when the line was added
}

enum OrderStatus {
  pending @0;
  stockReserved @1;
  paymentAuthorized @2;
  confirmed @3;
  shipped @4;
  delivered @5;
  cancelled @6;
  refunded @7;
}

struct OrderState {
  # An order.
  orderId @0 :Text $M.id("order");
  userId @1 :Text $M.id("user");
  cartId @2 :Text $M.id("cart");
  checkoutId @3 :Text $M.id("checkout");
  lines @4 :List(OrderLine);
  total @5 :Money;
  status @6 :OrderStatus;
  paymentId @7 :Text $M.id("payment");         # empty until the payment is authorized
  tracking @8 :Text;          # empty unless shipped with a tracking reference
  carrier @9 :Text;
  cancelReason @10 :CancelReason;  # meaningful when status is cancelled
  cancelDetail @11 :Text;
  refunded @12 :Money;        # total refunded so far (zero minor units when none)
  placedAtNs @13 :Int64;      # commit time of OrderPlaced, ns since the Unix epoch
  updatedAtNs @14 :Int64;     # commit time of the last status change
}

enum PaymentStatus {
  requested @0;               # authorization asked, no answer yet
  authorized @1;
  authorizationFailed @2;
  captured @3;                # some or all of the authorized amount captured
  voided @4;
  partiallyRefunded @5;
  refunded @6;                # everything captured was refunded
}

struct PaymentState {
  # A payment of one order.
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  userId @2 :Text $M.id("user");
  status @3 :PaymentStatus;
  amount @4 :Money;           # amount requested (the order total)
  authorized @5 :Money;       # amount authorized
  captured @6 :Money;         # total captured
  refunded @7 :Money;         # total refunded (≤ captured)
  provider @8 :Text;
  providerReference @9 :Text; # the authorization's id at the provider
  cardBrand @10 :Text;
  tokenMasked @11 :Text;
  failureReason @12 :PaymentFailureReason;  # meaningful when status is authorizationFailed
  failureDetail @13 :Text;
  refunds @14 :List(RefundRecord);  # every refund, in order (refund ids make repeats no-ops)
}

struct RefundRecord {
  # One refund of a payment.
  refundId @0 :Text $M.id("refund");
  amount @1 :Money;
  providerReference @2 :Text;
}

enum CheckoutStep {
  placingOrder @0;
  reservingStock @1;
  authorizingPayment @2;
  confirmingOrder @3;
  compensating @4;
  completed @5;
}

enum LineStockState {
  pending @0;                 # not reserved yet
  reserved @1;
  failed @2;                  # reservation refused
  released @3;                # reserved, then released by compensation
}

struct CheckoutState {
  # A checkout process manager: where it is and what it has done, so it resumes after a
  # crash and ends confirmed or compensated.
  checkoutId @0 :Text $M.id("checkout");
  userId @1 :Text $M.id("user");
  cartId @2 :Text $M.id("cart");
  orderId @3 :Text $M.id("order");
  paymentId @4 :Text $M.id("payment");
  paymentToken @5 :Text;      # the provider's opaque token, never card data
  lines @6 :List(OrderLine);
  total @7 :Money;
  step @8 :CheckoutStep;
  lineProgress @9 :List(CheckoutLineProgress);  # one per line, same order as `lines`
  paymentAuthorized @10 :Bool;
  paymentVoided @11 :Bool;
  orderConfirmed @12 :Bool;
  orderCancelled @13 :Bool;
  compensationReason @14 :CancelReason;  # meaningful once step is compensating or later
  compensationDetail @15 :Text;
  outcome @16 :CheckoutOutcome;          # meaningful when step is completed
  startedAtNs @17 :Int64;     # commit time of CheckoutStarted, ns since the Unix epoch
  orderPlaced @18 :Bool;             # CheckoutOrderPlaced was recorded
  orderStockReserved @19 :Bool;      # CheckoutOrderStockReserved was recorded
  orderPaymentAuthorized @20 :Bool;  # CheckoutOrderPaymentAuthorized was recorded
  cartCheckedOut @21 :Bool;          # CheckoutCartCheckedOut was recorded
}

struct CheckoutLineProgress {
  # How far one line's stock reservation got.
  productId @0 :Text $M.id("product");
  quantity @1 :UInt32;
  state @2 :LineStockState;
  failureReason @3 :Errors.DomainError;  # meaningful when state is failed
}
