# The envelope every stored event is wrapped in. One envelope is one RocksDB value in the
# `events` column family, keyed by (shard, sequence) in big-endian.
#
# The envelope knows nothing of commerce: the event travels inside it as opaque bytes with
# its type name and schema id (the codec library above the event store writes and reads
# them). Records written before that embed the event union of events.capnp in
# `legacyEvent` instead (docs/storage-format.md).
#
# Evolution rules (docs/schema-evolution.md): add fields and union members at the end with
# the next ordinal; never renumber, retype, rename-with-new-meaning or remove a field.
@0xcf866f6249617046;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mercato::schema");

struct Envelope {
  streamId @0 :Text;          # the entity's stream, e.g. "cart-6f1c..."
  version @1 :UInt64;         # this event's version within its stream, from 1
  shard @2 :UInt32;           # hash(streamId) mod shardCount
  sequence @3 :UInt64;        # gap-free position within the shard, from 1
  globalPosition @4 :UInt64;  # node-wide commit order, from 1
  eventType @5 :Text;         # stable event type name, e.g. "CartItemAdded"
  timestampNs @6 :Int64;      # commit time, nanoseconds since the Unix epoch (UTC)
  correlationId @7 :Text;     # request that caused the command (X-Request-Id)
  causationId @8 :Text;       # message/command that directly caused this event
  idempotencyKey @9 :Text;    # the command's idempotency key, if it had one
  legacyEvent @10 :AnyPointer;
  # Records of the first form only: the event as a member of the Event union of
  # events.capnp (this field was `event :Events.Event`; a struct pointer may become
  # AnyPointer without changing the bytes). Never written now.
  nodeId @11 :Text;           # node that committed the event (added later: old records read "")
  payload @12 :Data;
  # The event: a flat-array Cap'n Proto message whose root is the struct `schemaId`
  # (e.g. events.capnp CartItemAdded). Empty in records of the first form.
  schemaId @13 :UInt64;       # Cap'n Proto id of the payload's root struct
}
