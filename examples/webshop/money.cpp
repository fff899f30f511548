//===- money.cpp - Arithmetic on Money ------------------------------------===//
#include "money.h"

#include <cstdio>
#include <stdexcept>

namespace webshop {
namespace {

std::int64_t toNanos(const Money &amount) {
  return amount.units * NanosPerUnit + amount.nanos;
}

Money fromNanos(const std::string &currencyCode, std::int64_t nanos) {
  return Money{currencyCode, nanos / NanosPerUnit, nanos % NanosPerUnit};
}

} // namespace

Money zeroMoney(const std::string &currencyCode) {
  return Money{currencyCode, 0, 0};
}

Money addMoney(const Money &a, const Money &b) {
  if (a.currency_code != b.currency_code)
    throw std::invalid_argument("cannot add " + a.currency_code + " and " +
                                b.currency_code);
  return fromNanos(a.currency_code, toNanos(a) + toNanos(b));
}

Money multiplyMoney(const Money &amount, int factor) {
  return fromNanos(amount.currency_code, toNanos(amount) * factor);
}

std::string formatMoney(const Money &amount) {
  char text[64];
  std::snprintf(text, sizeof text, "%lld.%02lld %s",
                static_cast<long long>(amount.units),
                static_cast<long long>(amount.nanos / 10'000'000),
                amount.currency_code.c_str());
  return text;
}

Money convertPrice(const Money &price, const std::string &toCode) {
  if (price.currency_code == toCode)
    return price;
  return currency(price, toCode);
}

} // namespace webshop
