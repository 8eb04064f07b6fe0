// Money ↔ schemas/common.capnp Money (the one $cxxType struct): an unset amount has no
// currency; a code outside ISO 4217 is a decoding problem.
#include <mercato/codec/common.codec.hpp>

namespace mercato::codec {

void write(const domain::money& v, schema::Money::Builder b) {
  b.setMinorUnits(v.minor_units);
  const std::string code(v.currency.code());  // NUL-terminated, as Text::Reader needs
  b.setCurrency(text(code));
}

void read(schema::Money::Reader r, domain::money& v, read_context& ctx) {
  v.minor_units = r.getMinorUnits();
  v.currency = {};
  const auto code = r.getCurrency();
  if (code.size() == 0) return;  // an unset amount
  if (auto c = domain::currency_code::parse(std::string_view(code.cStr(), code.size())))
    v.currency = *c;
  else
    ctx.fail("invalid currency '" + str(code) + "'");
}

}  // namespace mercato::codec
