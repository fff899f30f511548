//===- email.cpp - email: the order confirmation --------------------------===//
//
// Called asynchronously by checkout: the customer does not wait for the
// mail. "Sending" puts the message into the outbox table.
//
//===----------------------------------------------------------------------===//
#include "money.h"
#include "storage.h"
#include "webshop.h"

#include <sstream>

namespace webshop {

void email(const std::string &address, const Order &order) {
  std::ostringstream body;
  body << "Thank you for your order " << order.order_id << ".\n";
  for (const OrderItem &line : order.items)
    body << line.item.quantity << " x " << line.item.product_id << " at "
         << formatMoney(line.cost) << "\n";
  body << "Shipping: " << formatMoney(order.shipping_cost) << "\n"
       << "Total: " << formatMoney(order.total_cost) << "\n"
       << "Tracking: " << order.shipping_tracking_id << "\n";
  storeEmail(order.order_id, address, "Your order " + order.order_id,
             body.str());
}

} // namespace webshop
