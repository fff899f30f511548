//===- payment.cpp - payment: charge a credit card ------------------------===//
//
// Like BeFaaS, the payment service only checks that the card number is
// plausible (the Luhn checksum, 13 to 19 digits) and answers with a
// transaction id.
//
//===----------------------------------------------------------------------===//
#include "hash.h"
#include "money.h"
#include "webshop.h"

#include <cctype>

namespace webshop {
namespace {

bool passesLuhnCheck(const std::string &number) {
  std::string digits;
  for (char c : number)
    if (std::isdigit(static_cast<unsigned char>(c)))
      digits += c;
  if (digits.size() < 13 || digits.size() > 19)
    return false;
  int sum = 0;
  bool doubleIt = false;
  for (auto digit = digits.rbegin(); digit != digits.rend(); ++digit) {
    int value = *digit - '0';
    if (doubleIt) {
      value *= 2;
      if (value > 9)
        value -= 9;
    }
    sum += value;
    doubleIt = !doubleIt;
  }
  return sum % 10 == 0;
}

} // namespace

PaymentResult payment(const std::string &order_id, const Money &amount,
                      const CreditCard &credit_card) {
  if (!passesLuhnCheck(credit_card.number))
    return PaymentResult{false, "", "credit card is invalid"};
  if (amount.units < 0 || (amount.units == 0 && amount.nanos <= 0))
    return PaymentResult{false, "", "nothing to charge"};
  return PaymentResult{
      true, hashId("TXN-", order_id + "|" + formatMoney(amount)), ""};
}

} // namespace webshop
