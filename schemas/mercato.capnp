# Annotations read by Mercato's code generator (tools/capnpc-mercato), which turns the
# schemas into the C++ value types the domain works on and their codec
# (docs/decisions/0009-one-definition-per-message.md). Annotations never change the wire
# format: adding or removing one is always safe for stored data.
@0xca1827c9d1450d19;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("mercato::schema");

annotation id(field) :Text;
# A Text field holding the id of an entity: its C++ type is the strong id type
# `mercato::domain::<value>_id` (e.g. $id("cart") → cart_id), so ids of different kinds
# cannot be swapped. The kinds are declared in codec/include/mercato/codec/vocabulary.hpp.

annotation cxxName(struct, enum, field) :Text;
# The C++ name of a struct, enum or field when the generated one (snake_case of the schema
# name) does not fit, e.g. the Event union is `any_event`.

annotation cxxType(struct) :Text;
# The struct is represented in C++ by a hand-written value type of this name (in
# mercato::domain), with its own read/write in codec/src/vocabulary_codec.cpp. Only for
# small vocabulary types whose rules belong to the type itself (Money: currency checks).

annotation unknownAs(enum) :Text;
# An enumerant this build does not know (written by a newer version) reads as this one
# (schema-evolution rule 6). Without it, an unknown enumerant is a decoding error.

annotation entity(field) :Text;
# On a member of a catalogue union (Event, Command): the kind of entity whose stream the
# message belongs to. The generator makes one C++ variant per kind (cart_event,
# cart_command, ...) from the members carrying that kind, in schema order.

annotation personal(field) :Void;
# Personal data of one person (e-mail address, name). The codec is the one place that acts
# on this mark; today it only lists the fields (personal_fields), so erasure by destroying a
# per-person key can be added there without touching the domain.
