//===- currency.cpp - supportedcurrencies and currency --------------------===//
//
// Fixed exchange rates against the euro, BeFaaS's table ("exchange rates
// never change in the real world, so this is ok"). Converted amounts are
// rounded to the cent.
//
//===----------------------------------------------------------------------===//
#include "money.h"
#include "webshop.h"

#include <cmath>
#include <map>
#include <stdexcept>

namespace webshop {
namespace {

const std::map<std::string, double> &euroRates() {
  static const std::map<std::string, double> Rates = {
      {"EUR", 1.0},     {"USD", 1.0798},  {"GBP", 0.88738}, {"CHF", 1.0513},
      {"JPY", 115.53},  {"CAD", 1.5231},  {"AUD", 1.6805},  {"SEK", 10.6695},
      {"NOK", 11.0568}, {"DKK", 7.4576},  {"PLN", 4.565},   {"CZK", 27.589},
      {"HUF", 354.7},   {"TRY", 7.4689},  {"CNY", 7.6759},  {"INR", 81.9885},
      {"BRL", 6.3172},  {"MXN", 25.8966}, {"ZAR", 20.0761}, {"KRW", 1332.6},
  };
  return Rates;
}

double rate(const std::string &code) {
  auto found = euroRates().find(code);
  if (found == euroRates().end())
    throw std::invalid_argument("unsupported currency '" + code + "'");
  return found->second;
}

} // namespace

std::vector<std::string> supportedcurrencies() {
  std::vector<std::string> codes;
  for (const auto &entry : euroRates())
    codes.push_back(entry.first);
  return codes;
}

Money currency(const Money &from, const std::string &to_code) {
  long double factor = static_cast<long double>(rate(to_code)) /
                       static_cast<long double>(rate(from.currency_code));
  long double nanos =
      (static_cast<long double>(from.units) * NanosPerUnit + from.nanos) *
      factor;
  constexpr std::int64_t NanosPerCent = 10'000'000;
  std::int64_t cents = std::llround(nanos / NanosPerCent);
  return Money{to_code, cents * NanosPerCent / NanosPerUnit,
               cents * NanosPerCent % NanosPerUnit};
}

} // namespace webshop
