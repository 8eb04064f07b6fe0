# Every domain event of Mercato. One stored envelope (envelope.capnp) carries one `Event`.
#
# Ordinals are final: the log written today must load forever. Rules in
# docs/schema-evolution.md; in short: new events and new fields go at the end with the next
# ordinal; never renumber, retype, remove or reuse one; readers skip or refuse, clearly,
# an event whose union member they do not know.
#
# Naming: a union member's name, capitalised, is its struct's name and the envelope's
# `eventType` (member `cartItemAdded` ↔ struct `CartItemAdded` ↔ eventType "CartItemAdded").
#
# Units: ids are Text; quantities are item counts; money is `Money` (integer minor units +
# ISO 4217 currency); timestamps, where an event needs its own, are Int64 nanoseconds since
# the Unix epoch (UTC). The envelope already records when the event was committed.
@0xcedc5f85945e29d1;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mercato::schema");

using M = import "mercato.capnp";

using Common = import "common.capnp";
using Money = Common.Money;
using OrderLine = Common.OrderLine;
using Role = Common.Role;
using CancelReason = Common.CancelReason;
using PaymentFailureReason = Common.PaymentFailureReason;
using NotificationKind = Common.NotificationKind;
using CheckoutOutcome = Common.CheckoutOutcome;
using Errors = import "errors.capnp";

struct Event $M.cxxName("any_event") {
  # One domain event: exactly one member of the union is set.
  union {
    none @0 :Void;                          # never written; what an unset event reads as
    cartCleared @1 :CartCleared $M.entity("cart");  # ordinal kept from the first (placeholder) schema

    # users (stream of one user) and e-mail reservations (stream of one normalized e-mail)
    userRegistered @2 :UserRegistered $M.entity("user");
    userPasswordChanged @3 :UserPasswordChanged $M.entity("user");
    userRoleChanged @4 :UserRoleChanged $M.entity("user");
    emailClaimed @5 :EmailClaimed $M.entity("email_claim");
    emailReleased @6 :EmailReleased $M.entity("email_claim");

    # products, with their inventory
    productCreated @7 :ProductCreated $M.entity("product");
    productUpdated @8 :ProductUpdated $M.entity("product");
    productDeactivated @9 :ProductDeactivated $M.entity("product");
    productReactivated @10 :ProductReactivated $M.entity("product");
    productRestocked @11 :ProductRestocked $M.entity("product");
    productStockReserved @12 :ProductStockReserved $M.entity("product");
    productReservationReleased @13 :ProductReservationReleased $M.entity("product");
    productReservationCommitted @14 :ProductReservationCommitted $M.entity("product");

    # carts (cartCleared is @1 above)
    cartItemAdded @15 :CartItemAdded $M.entity("cart");
    cartItemQuantityChanged @16 :CartItemQuantityChanged $M.entity("cart");
    cartItemRemoved @17 :CartItemRemoved $M.entity("cart");
    cartCheckedOut @18 :CartCheckedOut $M.entity("cart");

    # orders
    orderPlaced @19 :OrderPlaced $M.entity("order");
    orderStockReserved @20 :OrderStockReserved $M.entity("order");
    orderPaymentAuthorized @21 :OrderPaymentAuthorized $M.entity("order");
    orderConfirmed @22 :OrderConfirmed $M.entity("order");
    orderShipped @23 :OrderShipped $M.entity("order");
    orderDelivered @24 :OrderDelivered $M.entity("order");
    orderCancelled @25 :OrderCancelled $M.entity("order");
    orderRefunded @26 :OrderRefunded $M.entity("order");

    # payments
    paymentAuthorizationRequested @27 :PaymentAuthorizationRequested $M.entity("payment");
    paymentAuthorized @28 :PaymentAuthorized $M.entity("payment");
    paymentAuthorizationFailed @29 :PaymentAuthorizationFailed $M.entity("payment");
    paymentCaptured @30 :PaymentCaptured $M.entity("payment");
    paymentVoided @31 :PaymentVoided $M.entity("payment");
    paymentRefunded @32 :PaymentRefunded $M.entity("payment");

    # notifications
    notificationEmitted @33 :NotificationEmitted $M.entity("notification");

    # checkout process manager (saga)
    checkoutStarted @34 :CheckoutStarted $M.entity("checkout");
    checkoutStockReserved @35 :CheckoutStockReserved $M.entity("checkout");
    checkoutStockReservationFailed @36 :CheckoutStockReservationFailed $M.entity("checkout");
    checkoutPaymentAuthorized @37 :CheckoutPaymentAuthorized $M.entity("checkout");
    checkoutPaymentFailed @38 :CheckoutPaymentFailed $M.entity("checkout");
    checkoutOrderConfirmed @39 :CheckoutOrderConfirmed $M.entity("checkout");
    checkoutCompensationStarted @40 :CheckoutCompensationStarted $M.entity("checkout");
    checkoutStockReleased @41 :CheckoutStockReleased $M.entity("checkout");
    checkoutPaymentVoided @42 :CheckoutPaymentVoided $M.entity("checkout");
    checkoutOrderCancelled @43 :CheckoutOrderCancelled $M.entity("checkout");
    checkoutCompleted @44 :CheckoutCompleted $M.entity("checkout");

    # checkout process manager, added with the domain rules: every step the saga takes is
    # recorded, so after a crash it resumes from its own stream alone
    checkoutOrderPlaced @45 :CheckoutOrderPlaced $M.entity("checkout");
    checkoutOrderStockReserved @46 :CheckoutOrderStockReserved $M.entity("checkout");
    checkoutOrderPaymentAuthorized @47 :CheckoutOrderPaymentAuthorized $M.entity("checkout");
    checkoutCartCheckedOut @48 :CheckoutCartCheckedOut $M.entity("checkout");
  }
}

# ---------------------------------------------------------------------------------------
# Users

struct UserRegistered {
  # A user account was created.
  userId @0 :Text $M.id("user");
  email @1 :Text $M.personal;             # the address as given at registration, for display and mail
  emailNormalized @2 :Text $M.personal;   # lower-cased address; the case-insensitive uniqueness key
  passwordHash @3 :Text;      # Argon2id in PHC string form ("$argon2id$v=19$m=..,t=..,p=..$salt$hash"); never the password
  role @4 :Role;
  displayName @5 :Text $M.personal;
}

struct UserPasswordChanged {
  # A user's password was replaced.
  userId @0 :Text $M.id("user");
  passwordHash @1 :Text;      # the new Argon2id PHC string
}

struct UserRoleChanged {
  # An admin set a user's role.
  userId @0 :Text $M.id("user");
  role @1 :Role;              # the role from now on
  previousRole @2 :Role;
  changedBy @3 :Text $M.id("user");         # userId of the admin who changed it
}

struct EmailClaimed {
  # A normalized e-mail address was reserved for one user (its own stream; makes e-mails
  # unique across the cluster).
  emailNormalized @0 :Text;
  userId @1 :Text $M.id("user");            # the user the address now belongs to
}

struct EmailReleased {
  # A reservation of an e-mail address was given up (e.g. the registration it was for failed).
  emailNormalized @0 :Text;
  userId @1 :Text $M.id("user");            # the user that held it
}

# ---------------------------------------------------------------------------------------
# Products and inventory.
# "Stock" is always the number of units still free to reserve; units held by reservations
# are not in it.

struct ProductCreated {
  # A product was added to the catalog.
  productId @0 :Text $M.id("product");
  sku @1 :Text;
  name @2 :Text;
  description @3 :Text;
  category @4 :Text;
  price @5 :Money;            # price of one unit, ≥ 0
  images @6 :List(Text);      # image URLs, in display order
  initialStock @7 :UInt32;    # units free to reserve
}

struct ProductUpdated {
  # Some catalog fields of a product changed. Each field is either `unchanged` or carries its
  # new `value`, so any partial update is expressible (a field added later reads as unchanged
  # in old records).
  productId @0 :Text $M.id("product");
  name :union {
    unchanged @1 :Void;
    value @2 :Text;
  }
  description :union {
    unchanged @3 :Void;
    value @4 :Text;
  }
  category :union {
    unchanged @5 :Void;
    value @6 :Text;
  }
  price :union {
    unchanged @7 :Void;
    value @8 :Money;          # ≥ 0
  }
  images :union {
    unchanged @9 :Void;
    value @10 :List(Text);    # replaces the whole list
  }
}

struct ProductDeactivated {
  # The product can no longer be added to carts or reserved.
  productId @0 :Text $M.id("product");
}

struct ProductReactivated {
  # A deactivated product is sellable again.
  productId @0 :Text $M.id("product");
}

struct ProductRestocked {
  # Units were added to a product's stock.
  productId @0 :Text $M.id("product");
  quantity @1 :UInt32;        # units added
  newStock @2 :UInt32;        # units free to reserve afterwards
}

struct ProductStockReserved {
  # Units were set aside for one order (at most one reservation per order).
  productId @0 :Text $M.id("product");
  orderId @1 :Text $M.id("order");
  quantity @2 :UInt32;        # units reserved
  newStock @3 :UInt32;        # units free to reserve afterwards
}

struct ProductReservationReleased {
  # An order's reservation was given back to stock.
  productId @0 :Text $M.id("product");
  orderId @1 :Text $M.id("order");
  quantity @2 :UInt32;        # units returned to stock
  reason @3 :CancelReason;
  detail @4 :Text;            # for people; may be empty
  newStock @5 :UInt32;        # units free to reserve afterwards
}

struct ProductReservationCommitted {
  # An order's reservation became a sale: the units left inventory for good.
  productId @0 :Text $M.id("product");
  orderId @1 :Text $M.id("order");
  quantity @2 :UInt32;        # units sold
}

# ---------------------------------------------------------------------------------------
# Carts

struct CartItemAdded {
  # A product was put in the cart.
  cartId @0 :Text $M.id("cart");
  userId @1 :Text $M.id("user");            # the cart's owner
  productId @2 :Text $M.id("product");
  productName @3 :Text;       # name at the time of adding, shown in the cart
  quantity @4 :UInt32;        # units added by this command
  unitPrice @5 :Money;        # price of one unit seen when the line was first added; the line keeps it
  lineQuantity @6 :UInt32;    # the line's quantity afterwards (equals quantity for a new line)
}

struct CartItemQuantityChanged {
  # A cart line's quantity was set.
  cartId @0 :Text $M.id("cart");
  productId @1 :Text $M.id("product");
  quantity @2 :UInt32;        # the line's new quantity
  previousQuantity @3 :UInt32;
}

struct CartItemRemoved {
  # A line was removed from the cart.
  cartId @0 :Text $M.id("cart");
  productId @1 :Text $M.id("product");
}

struct CartCleared {
  # Every line was removed from the cart.
  cartId @0 :Text $M.id("cart");
}

struct CartCheckedOut {
  # The cart's content was handed to a checkout, which places order `orderId`.
  cartId @0 :Text $M.id("cart");
  orderId @1 :Text $M.id("order");
  checkoutId @2 :Text $M.id("checkout");
}

# ---------------------------------------------------------------------------------------
# Orders. Status machine: pending → stockReserved → paymentAuthorized → confirmed → shipped →
# delivered; cancelled before shipped; refunded after confirmed.

struct OrderPlaced {
  # An order was created from a cart checkout; its status is pending.
  orderId @0 :Text $M.id("order");
  userId @1 :Text $M.id("user");
  cartId @2 :Text $M.id("cart");
  checkoutId @3 :Text $M.id("checkout");
  lines @4 :List(OrderLine);
  total @5 :Money;            # sum of the lines' totals
}

struct OrderStockReserved {
  # Stock is reserved for every line of the order.
  orderId @0 :Text $M.id("order");
}

struct OrderPaymentAuthorized {
  # The order's payment was authorized.
  orderId @0 :Text $M.id("order");
  paymentId @1 :Text $M.id("payment");
}

struct OrderConfirmed {
  # The order is confirmed.
  orderId @0 :Text $M.id("order");
}

struct OrderShipped {
  # The order left the warehouse.
  orderId @0 :Text $M.id("order");
  tracking @1 :Text;          # carrier tracking reference; empty when none was given
  carrier @2 :Text;           # carrier name; empty when none was given
}

struct OrderDelivered {
  # The order reached its customer.
  orderId @0 :Text $M.id("order");
}

struct OrderCancelled {
  # The order was cancelled (only before it shipped).
  orderId @0 :Text $M.id("order");
  reason @1 :CancelReason;
  detail @2 :Text;            # for people; may be empty
  cancelledBy @3 :Text $M.id("user");       # userId of who asked; empty when the system (checkout) cancelled
}

struct OrderRefunded {
  # Money was returned for a confirmed order.
  orderId @0 :Text $M.id("order");
  amount @1 :Money;           # amount refunded by this event
  reason @2 :Text;            # for people
  paymentId @3 :Text $M.id("payment");
  refundId @4 :Text $M.id("refund");          # the payment's refund this corresponds to
}

# ---------------------------------------------------------------------------------------
# Payments. Raw card data is never stored: only the provider's token in masked form and
# the card brand.

struct PaymentAuthorizationRequested {
  # A payment was created and its authorization asked of the provider.
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  userId @2 :Text $M.id("user");
  amount @3 :Money;           # the order total
  provider @4 :Text;          # payment provider name, e.g. "simulated"
  cardBrand @5 :Text;         # e.g. "visa"; empty when unknown
  tokenMasked @6 :Text;       # the payment token with all but a short tail masked
}

struct PaymentAuthorized {
  # The provider authorized the amount.
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  amount @2 :Money;           # amount authorized
  providerReference @3 :Text; # the provider's id of the authorization
}

struct PaymentAuthorizationFailed {
  # The provider refused or failed to authorize.
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  reason @2 :PaymentFailureReason;
  detail @3 :Text;            # the provider's message, for people
}

struct PaymentCaptured {
  # Authorized money was taken (capture ≤ authorized).
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  amount @2 :Money;           # amount captured by this event
  providerReference @3 :Text;
}

struct PaymentVoided {
  # The authorization was cancelled before capture; nothing is charged.
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  reason @2 :Text;            # for people; may be empty
}

struct PaymentRefunded {
  # Captured money was given back (total refunds ≤ captured).
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  amount @2 :Money;           # amount refunded by this event
  refundId @3 :Text $M.id("refund");
  providerReference @4 :Text; # the provider's id of the refund
  reason @5 :Text;            # for people
}

# ---------------------------------------------------------------------------------------
# Notifications

struct NotificationEmitted {
  # A notification was put in a user's inbox (and is due for webhook delivery).
  notificationId @0 :Text $M.id("notification");
  userId @1 :Text $M.id("user");            # the recipient
  kind @2 :NotificationKind;
  orderId @3 :Text $M.id("order");           # the order it is about
  subject @4 :Text;
  body @5 :Text;              # plain text
}

# ---------------------------------------------------------------------------------------
# Checkout process manager (saga): place order → reserve stock for every line → authorize
# payment → confirm; on failure release reservations, void the authorization, cancel the
# order, and record why.

struct CheckoutStarted {
  # A checkout began; everything needed to finish or compensate it after a crash is here.
  checkoutId @0 :Text $M.id("checkout");
  userId @1 :Text $M.id("user");
  cartId @2 :Text $M.id("cart");
  orderId @3 :Text $M.id("order");           # the order this checkout places
  paymentId @4 :Text $M.id("payment");         # chosen up front so a resumed authorization is idempotent
  lines @5 :List(OrderLine);
  total @6 :Money;
  paymentToken @7 :Text;      # the provider's opaque token (e.g. "tok_visa"), never card data
}

struct CheckoutStockReserved {
  # One line's stock was reserved.
  checkoutId @0 :Text $M.id("checkout");
  productId @1 :Text $M.id("product");
  quantity @2 :UInt32;
}

struct CheckoutStockReservationFailed {
  # One line's stock could not be reserved.
  checkoutId @0 :Text $M.id("checkout");
  productId @1 :Text $M.id("product");
  reason @2 :Errors.DomainError;  # e.g. insufficientStock, productInactive, productNotFound
  detail @3 :Text;
}

struct CheckoutPaymentAuthorized {
  # The payment was authorized.
  checkoutId @0 :Text $M.id("checkout");
  paymentId @1 :Text $M.id("payment");
}

struct CheckoutPaymentFailed {
  # The payment authorization failed.
  checkoutId @0 :Text $M.id("checkout");
  paymentId @1 :Text $M.id("payment");
  reason @2 :PaymentFailureReason;
  detail @3 :Text;
}

struct CheckoutOrderConfirmed {
  # The order was confirmed; the checkout is about to complete as confirmed.
  checkoutId @0 :Text $M.id("checkout");
  orderId @1 :Text $M.id("order");
}

struct CheckoutCompensationStarted {
  # The checkout failed and starts undoing what it did.
  checkoutId @0 :Text $M.id("checkout");
  reason @1 :CancelReason;    # also the order's cancel reason
  detail @2 :Text;
}

struct CheckoutStockReleased {
  # One line's reservation was released during compensation.
  checkoutId @0 :Text $M.id("checkout");
  productId @1 :Text $M.id("product");
  quantity @2 :UInt32;
}

struct CheckoutPaymentVoided {
  # The payment authorization was voided during compensation.
  checkoutId @0 :Text $M.id("checkout");
  paymentId @1 :Text $M.id("payment");
}

struct CheckoutOrderCancelled {
  # The order was cancelled during compensation.
  checkoutId @0 :Text $M.id("checkout");
  orderId @1 :Text $M.id("order");
  reason @2 :CancelReason;
}

struct CheckoutCompleted {
  # The checkout ended; nothing more will happen on its stream.
  checkoutId @0 :Text $M.id("checkout");
  outcome @1 :CheckoutOutcome;
}

struct CheckoutOrderPlaced {
  # The checkout's order was placed (status pending).
  checkoutId @0 :Text $M.id("checkout");
  orderId @1 :Text $M.id("order");
}

struct CheckoutOrderStockReserved {
  # The order was told that stock is reserved for every line (status stockReserved).
  checkoutId @0 :Text $M.id("checkout");
  orderId @1 :Text $M.id("order");
}

struct CheckoutOrderPaymentAuthorized {
  # The order was told that its payment is authorized (status paymentAuthorized).
  checkoutId @0 :Text $M.id("checkout");
  orderId @1 :Text $M.id("order");
  paymentId @2 :Text $M.id("payment");
}

struct CheckoutCartCheckedOut {
  # The cart was marked checked out for this checkout (its lines are gone); the checkout is
  # about to complete as confirmed.
  checkoutId @0 :Text $M.id("checkout");
  cartId @1 :Text $M.id("cart");
}
