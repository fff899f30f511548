//===- shipping.cpp - shipmentquote and shiporder -------------------------===//
#include "hash.h"
#include "webshop.h"

#include <cmath>

namespace webshop {

Money shipmentquote(const Address &address,
                    const std::vector<CartItem> &items) {
  // BeFaaS's formula: a base fee plus a little per item, in dollars. The
  // address does not change the price, as in BeFaaS.
  (void)address;
  int count = 0;
  for (const CartItem &item : items)
    count += item.quantity;
  if (count <= 0)
    return Money{"USD", 0, 0};
  return Money{
      "USD", 4 + static_cast<std::int64_t>(std::ceil(std::sqrt(count) / 2)), 0};
}

std::string shiporder(const std::string &order_id, const Address &address,
                      const std::vector<CartItem> &items) {
  std::string parcel = order_id + "|" + address.street_address + "|" +
                       address.city + "|" + address.country;
  for (const CartItem &item : items)
    parcel += "|" + item.product_id + "x" + std::to_string(item.quantity);
  return hashId("TRK-", parcel);
}

} // namespace webshop
