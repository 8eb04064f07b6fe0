# Every command an entity decides. A command is what a caller asks of one entity; the
# entity's rules (actors/domain) answer with events (events.capnp) or a refusal. Commands
# are not stored in the log, but they cross process boundaries as bytes (a node forwards a
# command to the node that owns the entity's shard), so they follow the same evolution
# rules as events (docs/schema-evolution.md): add at the end, never renumber or retype.
#
# Naming: a `Command` member's entity mark ($M.entity) groups the commands of one kind of
# entity into its own C++ variant (cart_command, ...), the type its `decide` takes.
#
# Quantities arrive as signed Int64, as the caller sent them: the rules, not the type,
# decide what zero or a negative count means.
@0x808cc8708f0be8b0;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mercato::schema");

using M = import "mercato.capnp";
using Common = import "common.capnp";
using Money = Common.Money;
using OrderLine = Common.OrderLine;
using Role = Common.Role;
using CancelReason = Common.CancelReason;
using PaymentFailureReason = Common.PaymentFailureReason;
using Errors = import "errors.capnp";

struct Command $M.cxxName("any_command") {
  # One command for one entity: exactly one member of the union is set.
  union {
    none @0 :Void;                          # never sent; what an unset command reads as

    # users
    registerUser @1 :RegisterUser $M.entity("user");
    changePassword @2 :ChangePassword $M.entity("user");
    setRole @3 :SetRole $M.entity("user");

    # e-mail reservations (stream of one normalized e-mail)
    claimEmail @4 :ClaimEmail $M.entity("email_claim");
    releaseEmail @5 :ReleaseEmail $M.entity("email_claim");

    # products
    createProduct @6 :CreateProduct $M.entity("product");
    updateProduct @7 :UpdateProduct $M.entity("product");
    deactivateProduct @8 :DeactivateProduct $M.entity("product");
    reactivateProduct @9 :ReactivateProduct $M.entity("product");
    restockProduct @10 :RestockProduct $M.entity("product");
    reserveStock @11 :ReserveStock $M.entity("product");
    releaseReservation @12 :ReleaseReservation $M.entity("product");
    commitReservation @13 :CommitReservation $M.entity("product");

    # carts
    addCartItem @14 :AddCartItem $M.entity("cart");
    changeCartItemQuantity @15 :ChangeCartItemQuantity $M.entity("cart");
    removeCartItem @16 :RemoveCartItem $M.entity("cart");
    clearCart @17 :ClearCart $M.entity("cart");
    checkOutCart @18 :CheckOutCart $M.entity("cart");

    # orders
    placeOrder @19 :PlaceOrder $M.entity("order");
    markOrderStockReserved @20 :MarkOrderStockReserved $M.entity("order");
    markOrderPaymentAuthorized @21 :MarkOrderPaymentAuthorized $M.entity("order");
    confirmOrder @22 :ConfirmOrder $M.entity("order");
    shipOrder @23 :ShipOrder $M.entity("order");
    deliverOrder @24 :DeliverOrder $M.entity("order");
    cancelOrder @25 :CancelOrder $M.entity("order");
    refundOrder @26 :RefundOrder $M.entity("order");

    # payments
    authorizePayment @27 :AuthorizePayment $M.entity("payment");
    capturePayment @28 :CapturePayment $M.entity("payment");
    voidPayment @29 :VoidPayment $M.entity("payment");
    refundPayment @30 :RefundPayment $M.entity("payment");

    # checkout process manager: the start, then one record per step's outcome
    startCheckout @31 :StartCheckout $M.entity("checkout");
    recordOrderPlaced @32 :RecordOrderPlaced $M.entity("checkout");
    recordStockReserved @33 :RecordStockReserved $M.entity("checkout");
    recordStockReservationFailed @34 :RecordStockReservationFailed $M.entity("checkout");
    recordOrderStockReserved @35 :RecordOrderStockReserved $M.entity("checkout");
    recordPaymentAuthorized @36 :RecordPaymentAuthorized $M.entity("checkout");
    recordPaymentFailed @37 :RecordPaymentFailed $M.entity("checkout");
    recordOrderPaymentAuthorized @38 :RecordOrderPaymentAuthorized $M.entity("checkout");
    recordOrderConfirmed @39 :RecordOrderConfirmed $M.entity("checkout");
    recordCartCheckedOut @40 :RecordCartCheckedOut $M.entity("checkout");
    recordStepFailed @41 :RecordStepFailed $M.entity("checkout");
    recordStockReleased @42 :RecordStockReleased $M.entity("checkout");
    recordPaymentVoided @43 :RecordPaymentVoided $M.entity("checkout");
    recordOrderCancelled @44 :RecordOrderCancelled $M.entity("checkout");
  }
}

# ---------------------------------------------------------------------------------------
# Users

struct RegisterUser {
  # Creates the account (the e-mail was claimed first; the password is already hashed).
  userId @0 :Text $M.id("user");
  email @1 :Text $M.personal;             # as given
  displayName @2 :Text $M.personal;
  passwordHash @3 :Text;                  # Argon2id PHC string, never the password
  role @4 :Role;
}

struct ChangePassword {
  newPasswordHash @0 :Text;               # Argon2id PHC string
  expectedPasswordHash @1 :Text;          # when set, change only if this is the current hash
                                          # (a re-hash at login must not undo a newer change);
                                          # empty: unconditional
}

struct SetRole {
  # Only an admin may set a role.
  newRole @0 :Role;
  actor @1 :Text $M.id("user");           # who asks
  actorRole @2 :Role;                     # the asker's role
}

struct ClaimEmail {
  # Reserves a normalized e-mail address for one user (uniqueness across the cluster).
  email @0 :Text $M.personal;             # as given; the stream is its normalized form
  userId @1 :Text $M.id("user");
}

struct ReleaseEmail {
  userId @0 :Text $M.id("user");          # only the holder can release
}

# ---------------------------------------------------------------------------------------
# Products

struct CreateProduct {
  productId @0 :Text $M.id("product");
  sku @1 :Text;
  name @2 :Text;
  description @3 :Text;
  category @4 :Text;
  price @5 :Money;
  images @6 :List(Text);
  initialStock @7 :Int64;
}

struct UpdateProduct {
  # Each field either stays as it is or gets the value.
  name :union {
    unchanged @0 :Void;
    value @1 :Text;
  }
  description :union {
    unchanged @2 :Void;
    value @3 :Text;
  }
  category :union {
    unchanged @4 :Void;
    value @5 :Text;
  }
  price :union {
    unchanged @6 :Void;
    value @7 :Money;
  }
  images :union {
    unchanged @8 :Void;
    value @9 :List(Text);
  }
}

struct DeactivateProduct {}
struct ReactivateProduct {}

struct RestockProduct {
  quantity @0 :Int64;
}

struct ReserveStock {
  # Sets units aside for one order (at most one reservation per order).
  orderId @0 :Text $M.id("order");
  quantity @1 :Int64;
}

struct ReleaseReservation {
  orderId @0 :Text $M.id("order");
  reason @1 :CancelReason;
  detail @2 :Text;
}

struct CommitReservation {
  orderId @0 :Text $M.id("order");
}

# ---------------------------------------------------------------------------------------
# Carts

struct ProductView {
  # What the cart's caller found when it looked the product up (a cart cannot see products).
  exists @0 :Bool;
  active @1 :Bool;
  name @2 :Text;
  unitPrice @3 :Money;
}

struct AddCartItem {
  # Adds units; to an existing line they are summed. The first add names the cart's user.
  userId @0 :Text $M.id("user");
  productId @1 :Text $M.id("product");
  quantity @2 :Int64;
  product @3 :ProductView;
}

struct ChangeCartItemQuantity {
  productId @0 :Text $M.id("product");
  quantity @1 :Int64;
}

struct RemoveCartItem {
  productId @0 :Text $M.id("product");
}

struct ClearCart {}

struct CheckOutCart {
  # Hands the cart's content to a checkout placing an order; empties the cart.
  orderId @0 :Text $M.id("order");
  checkoutId @1 :Text $M.id("checkout");
}

# ---------------------------------------------------------------------------------------
# Orders

struct PlaceOrder {
  orderId @0 :Text $M.id("order");
  userId @1 :Text $M.id("user");
  cartId @2 :Text $M.id("cart");
  checkoutId @3 :Text $M.id("checkout");
  lines @4 :List(OrderLine);
}

struct MarkOrderStockReserved {}

struct MarkOrderPaymentAuthorized {
  paymentId @0 :Text $M.id("payment");
}

struct ConfirmOrder {}

struct ShipOrder {
  tracking @0 :Text;                      # may be empty
  carrier @1 :Text;                       # may be empty
}

struct DeliverOrder {}

struct CancelOrder {
  reason @0 :CancelReason;
  detail @1 :Text;
  cancelledBy @2 :Text $M.id("user");     # empty when the system (checkout) cancels
}

struct RefundOrder {
  amount @0 :Money;
  reason @1 :Text;
  paymentId @2 :Text $M.id("payment");
  refundId @3 :Text $M.id("refund");
}

# ---------------------------------------------------------------------------------------
# Payments

struct ProviderApproved {
  providerReference @0 :Text;
}

struct ProviderDeclined {
  reason @0 :PaymentFailureReason;
  detail @1 :Text;
}

struct AuthorizePayment {
  # Records the provider's answer to an authorization the runtime asked for.
  paymentId @0 :Text $M.id("payment");
  orderId @1 :Text $M.id("order");
  userId @2 :Text $M.id("user");
  amount @3 :Money;                       # what is asked
  orderTotal @4 :Money;                   # what the order says; must equal amount
  provider @5 :Text;
  cardBrand @6 :Text;
  tokenMasked @7 :Text;                   # already masked
  answer :union {
    approved @8 :ProviderApproved;
    declined @9 :ProviderDeclined;
  }
}

struct CapturePayment {
  amount @0 :Money;
  providerReference @1 :Text;
}

struct VoidPayment {
  reason @0 :Text;
}

struct RefundPayment {
  refundId @0 :Text $M.id("refund");
  amount @1 :Money;
  providerReference @2 :Text;
  reason @3 :Text;
}

# ---------------------------------------------------------------------------------------
# Checkout process manager

struct StartCheckout {
  checkoutId @0 :Text $M.id("checkout");
  userId @1 :Text $M.id("user");
  cartId @2 :Text $M.id("cart");
  orderId @3 :Text $M.id("order");
  paymentId @4 :Text $M.id("payment");
  lines @5 :List(OrderLine);
  paymentToken @6 :Text;
}

struct RecordOrderPlaced {}

struct RecordStockReserved {
  productId @0 :Text $M.id("product");
  quantity @1 :UInt32;
}

struct RecordStockReservationFailed {
  productId @0 :Text $M.id("product");
  reason @1 :Errors.DomainError;
  detail @2 :Text;
}

struct RecordOrderStockReserved {}
struct RecordPaymentAuthorized {}

struct RecordPaymentFailed {
  reason @0 :PaymentFailureReason;
  detail @1 :Text;
}

struct RecordOrderPaymentAuthorized {}
struct RecordOrderConfirmed {}
struct RecordCartCheckedOut {}

struct RecordStepFailed {
  # A step failed in a way that is not a business answer (e.g. an unexpected refusal).
  error @0 :Errors.Refusal;
}

struct RecordStockReleased {
  productId @0 :Text $M.id("product");
  quantity @1 :UInt32;
}

struct RecordPaymentVoided {}
struct RecordOrderCancelled {}
