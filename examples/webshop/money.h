//===- money.h - Arithmetic on Money, shared by frontend and checkout -----===//
//
// Plain helpers, not tasks. convertPrice calls the currency task, so a task
// that calls it (frontend, checkout) reaches currency through a function in
// another file: the whole-program analysis must see through it.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_WEBSHOP_MONEY_H
#define FUSIONIZE_EXAMPLES_WEBSHOP_MONEY_H

#include "webshop.h"

#include <cstdint>
#include <string>

namespace webshop {

constexpr std::int64_t NanosPerUnit = 1'000'000'000;

/// Zero in `currencyCode`.
Money zeroMoney(const std::string &currencyCode);

/// a + b; both must be in the same currency.
Money addMoney(const Money &a, const Money &b);

/// amount * factor.
Money multiplyMoney(const Money &amount, int factor);

/// "12.34 EUR".
std::string formatMoney(const Money &amount);

/// `price` in currency `toCode`, asking the currency task unless it already
/// is.
Money convertPrice(const Money &price, const std::string &toCode);

} // namespace webshop

#endif // FUSIONIZE_EXAMPLES_WEBSHOP_MONEY_H
