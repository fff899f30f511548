//===- cart.cpp - The cart service and its key-value storage --------------===//
//
// getcart, addcartitem, emptycart, and cartkvstorage behind them.
//
// As in BeFaaS, the three cart tasks do not touch storage themselves: each
// goes through cartkvstorage, and addcartitem adds one unit per call.
//
//===----------------------------------------------------------------------===//
#include "storage.h"
#include "webshop.h"

#include <stdexcept>

namespace webshop {

Cart getcart(const std::string &user_id) {
  return cartkvstorage(CartOperation{"get", user_id, "", 0});
}

void addcartitem(const std::string &user_id, const CartItem &item) {
  if (user_id.empty() || item.product_id.empty() || item.quantity < 1)
    throw std::invalid_argument("addcartitem: user, product and a positive "
                                "quantity are required");
  for (int unit = 0; unit < item.quantity; ++unit)
    cartkvstorage(CartOperation{"add", user_id, item.product_id, 1});
}

void emptycart(const std::string &user_id) {
  cartkvstorage(CartOperation{"empty", user_id, "", 0});
}

Cart cartkvstorage(const CartOperation &operation) {
  if (operation.user_id.empty())
    throw std::invalid_argument("cartkvstorage: a user id is required");
  Cart cart{operation.user_id, {}};
  if (operation.operation == "get") {
    cart.items = loadCart(operation.user_id);
  } else if (operation.operation == "add") {
    cart.items =
        addToCart(operation.user_id, operation.product_id, operation.quantity);
  } else if (operation.operation == "empty") {
    deleteCart(operation.user_id);
  } else {
    throw std::invalid_argument("cartkvstorage: unknown operation '" +
                                operation.operation + "'");
  }
  return cart;
}

} // namespace webshop
