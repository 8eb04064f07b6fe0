# Errors that cross process boundaries (between nodes, to tools, into stored records): closed
# enums so every node and tool agrees on them. A message for people travels beside them as
# Text, never inside them.
#
# Evolution (docs/schema-evolution.md): new enumerants at the end with the next ordinal;
# never renumber, rename to a new meaning, or remove one. A reader that meets an enumerant it
# does not know (a newer peer) must treat it as a generic failure of that kind, never crash.
# Ordinal 0 is `none` in each enum: a field that was never set reads as "no error".
@0xd22e9e09e5de544d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mercato::schema");

using M = import "mercato.capnp";

enum StoreError {
  # Failures of the event store (eventstore/).
  none @0;
  wrongExpectedVersion @1;  # optimistic concurrency: the stream moved on; reload and retry
  invalidRequest @2;        # malformed append or read (empty batch, bad position, ...)
  overloaded @3;            # the writer's queue is full; retry later
  ioError @4;               # the file system or RocksDB failed (disk full, I/O error)
  closed @5;                # the store is shutting down or closed
  corruption @6;            # stored data failed a check; operator attention needed
  notFound @7;              # no such stream, snapshot or position
  unsupportedFormat @8;     # the data directory's format version is not understood
  tooLarge @9;              # the request or a value exceeds the configured limit
  timeout @10;              # the operation did not finish in time
}

enum DomainError $M.cxxName("domain_errc") $M.unknownAs("invalidRequest") {
  # Refusals of domain commands (the rules of docs/product.md). A refusal appends nothing.
  none @0;

  # users
  emailTaken @1;                # another user has that e-mail (case-insensitive)
  invalidEmail @2;
  weakPassword @3;
  invalidCredentials @4;        # unknown e-mail or wrong password (deliberately not told apart)
  userNotFound @5;
  invalidRole @6;

  # products and inventory
  productNotFound @7;
  productInactive @8;
  invalidPrice @9;              # negative, or not integer minor units + ISO 4217 currency
  insufficientStock @10;        # reserving more than is free: never oversell
  stockNegative @11;            # the change would make stock negative
  reservationNotFound @12;      # no reservation for that order
  reservationExists @13;        # the order already holds a reservation of this product
  productExists @14;            # a product with that id or SKU already exists

  # carts
  quantityOutOfRange @15;       # outside the configured per-line range (1..99 by default)
  cartEmpty @16;                # checkout of an empty cart
  cartNotFound @17;
  lineNotFound @18;
  currencyMismatch @19;         # a line in another currency than the cart's

  # orders
  orderNotFound @20;
  invalidTransition @21;        # not allowed from the order's current status

  # payments
  paymentNotFound @22;
  paymentDeclined @23;
  insufficientFunds @24;
  paymentProviderError @25;     # the provider failed or timed out
  invalidPaymentToken @26;
  amountMismatch @27;           # payment amount is not the order total
  captureExceedsAuthorized @28;
  refundExceedsCaptured @29;
  invalidSignature @30;         # a provider webhook's HMAC-SHA256 signature did not verify

  # checkout
  checkoutNotFound @31;
  checkoutInProgress @32;       # the cart already has a checkout running

  # general
  invalidRequest @33;           # input failed validation; the detail names the field
  idempotencyKeyReused @34;     # same idempotency key with a different command
  forbidden @35;                # authenticated, but not allowed (not the owner, not admin)
  notFound @36;                 # the thing addressed does not exist (none more specific)
}

enum ClusterError {
  # Failures of routing and membership between nodes (cluster/).
  none @0;
  notOwner @1;              # this node does not own the entity's shard; ask the owner
  shardMoving @2;           # the shard is being handed off; retry shortly
  nodeUnreachable @3;       # the owning node did not answer
  unauthorized @4;          # the peer does not hold the cluster secret
  timeout @5;               # a forwarded request got no answer in time
  notCoordinator @6;        # a coordinator-only request reached another member
  incompatibleVersion @7;   # the peer speaks a protocol or format this node does not
  shuttingDown @8;          # this node is leaving the cluster
}

struct Refusal $M.cxxName("domain_error") {
  # A refused command: what kind (for programs) and a message a person can act on.
  code @0 :DomainError;
  message @1 :Text;
}
