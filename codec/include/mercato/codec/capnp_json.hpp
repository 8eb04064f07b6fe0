#pragma once
// JSON of any Cap'n Proto struct by reflection (the encoding json.hpp describes). Includes
// Cap'n Proto's dynamic API: include it from .cpp files only.
#include <string>

#include <capnp/dynamic.h>

namespace mercato::codec {

/// Appends `s` as a JSON object: every non-union field plus the active union member.
void append_capnp_json(std::string& out, capnp::DynamicStruct::Reader s);

}  // namespace mercato::codec
