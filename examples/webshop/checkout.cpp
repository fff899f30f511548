//===- checkout.cpp - checkout: place an order for the whole cart ---------===//
//
// BeFaaS's checkout: price the cart in the user's currency, add shipping,
// charge the card, ship, send the confirmation and empty the cart. The
// confirmation email is the one asynchronous call: the customer gets the
// order without waiting for the mail.
//
//===----------------------------------------------------------------------===//
#include "money.h"
#include "storage.h"
#include "webshop.h"

namespace webshop {

namespace {

CheckoutResult failure(const std::string &error) {
  CheckoutResult result;
  result.error = error;
  return result;
}

} // namespace

CheckoutResult checkout(const CheckoutRequest &request) {
  Cart cart = getcart(request.user_id);
  if (cart.items.empty())
    return failure("cart is empty");

  Order order;
  order.order_id = "order-" + request.request_id;
  order.user_id = request.user_id;
  order.email = request.email;
  order.shipping_address = request.address;
  order.total_cost = zeroMoney(request.user_currency);
  for (const CartItem &item : cart.items) {
    std::optional<Product> product = getproduct(item.product_id);
    if (!product)
      return failure("unknown product " + item.product_id);
    Money price = convertPrice(product->price_usd, request.user_currency);
    order.items.push_back(OrderItem{item, price});
    order.total_cost =
        addMoney(order.total_cost, multiplyMoney(price, item.quantity));
  }
  order.shipping_cost = convertPrice(shipmentquote(request.address, cart.items),
                                     request.user_currency);
  order.total_cost = addMoney(order.total_cost, order.shipping_cost);

  PaymentResult charge =
      payment(order.order_id, order.total_cost, request.credit_card);
  if (!charge.ok)
    return failure(charge.error);
  order.transaction_id = charge.transaction_id;
  order.shipping_tracking_id =
      shiporder(order.order_id, request.address, cart.items);
  storeOrder(order);

  auto confirmation = fusionize::async(email, request.email, order);
  emptycart(request.user_id);
  confirmation.wait();
  return CheckoutResult{true, "", order};
}

} // namespace webshop
