#pragma once
// Refusals of domain commands. A refusal is a value: `decide` returns it and appends
// nothing. `domain_errc` and `domain_error` are generated from schemas/errors.capnp
// (DomainError, Refusal), so they cross processes and land in stored records; an enumerant
// this build does not know reads as invalid_request. wire_name(code) is the schema's name
// ("insufficientStock"), the stable form for problem types and logs.
#include <string>
#include <utility>
#include <vector>

#include <mercato/codec/errors.types.hpp>
#include <mercato/common/result.hpp>

namespace mercato::domain {

/// What `decide` returns: the events to append (possibly none: an idempotent no-op), or
/// the refusal.
template <class Event>
using decision = mercato::result<std::vector<Event>, domain_error>;

/// Shorthand for a refusal, usable wherever a result<..., domain_error> is returned.
inline unexpected<domain_error> refuse(domain_errc code, std::string message) {
  return mercato::fail(domain_error{code, std::move(message)});
}

}  // namespace mercato::domain
