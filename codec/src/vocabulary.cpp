// The ISO 4217 code list behind currency_code.
#include <algorithm>

#include <mercato/codec/vocabulary.hpp>

namespace mercato::domain {
namespace {

// Active ISO 4217 alphabetic codes (including funds, metals and the testing codes XTS and
// XXX), as one sorted string of 3-letter codes so a lookup is a binary search.
constexpr std::string_view iso_codes =
    "AEDAFNALLAMDANGAOAARSAUDAWGAZNBAMBBDBDTBGNBHDBIFBMDBNDBOBBOVBRLBSDBTNBWPBYNBZD"
    "CADCDFCHECHFCHWCLFCLPCNYCOPCOUCRCCUCCUPCVECZKDJFDKKDOPDZDEGPERNETBEURFJDFKPGBP"
    "GELGHSGIPGMDGNFGTQGYDHKDHNLHTGHUFIDRILSINRIQDIRRISKJMDJODJPYKESKGSKHRKMFKPWKRW"
    "KWDKYDKZTLAKLBPLKRLRDLSLLYDMADMDLMGAMKDMMKMNTMOPMRUMURMVRMWKMXNMXVMYRMZNNADNGN"
    "NIONOKNPRNZDOMRPABPENPGKPHPPKRPLNPYGQARRONRSDRUBRWFSARSBDSCRSDGSEKSGDSHPSLESLL"
    "SOSSRDSSPSTNSVCSYPSZLTHBTJSTMTTNDTOPTRYTTDTWDTZSUAHUGXUSDUSNUYIUYUUYWUZSVEDVES"
    "VNDVUVWSTXAFXAGXAUXBAXBBXBCXBDXCDXCGXDRXOFXPDXPFXPTXSUXTSXUAXXXYERZARZMWZWGZWL";

bool is_iso_code(std::string_view code) {
  std::size_t lo = 0;
  std::size_t hi = iso_codes.size() / 3;
  while (lo < hi) {
    const std::size_t mid = lo + (hi - lo) / 2;
    const auto c = iso_codes.substr(mid * 3, 3).compare(code);
    if (c == 0) return true;
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return false;
}

}  // namespace

std::optional<currency_code> currency_code::parse(std::string_view code) noexcept {
  if (code.size() != 3 || !is_iso_code(code)) return std::nullopt;
  currency_code c;
  std::copy(code.begin(), code.end(), c.c_.begin());
  return c;
}

std::string_view currency_code::code() const noexcept {
  return valid() ? std::string_view(c_.data(), c_.size()) : std::string_view{};
}

}  // namespace mercato::domain
