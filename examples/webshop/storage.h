//===- storage.h - The web shop's database --------------------------------===//
//
// Three tables in one SQLite file shared by every instance of every group:
//
//   carts   key-value: user id -> the cart's items as JSON (cartkvstorage,
//           where BeFaaS uses Redis)
//   orders  one row per placed order (checkout)
//   emails  the outbox: one confirmation per order (email)
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_WEBSHOP_STORAGE_H
#define FUSIONIZE_EXAMPLES_WEBSHOP_STORAGE_H

#include "webshop.h"

#include <ostream>
#include <string>
#include <vector>

namespace webshop {

/// $FUSIONIZE_WEBSHOP_DB, or fusionize-webshop.sqlite in $TMPDIR (or /tmp).
std::string databasePath();

/// The items in `userId`'s cart (none if there is no cart).
std::vector<CartItem> loadCart(const std::string &userId);

/// Adds `quantity` of a product to `userId`'s cart in one transaction, so
/// concurrent additions from several instances are never lost; returns the
/// cart's items afterwards.
std::vector<CartItem> addToCart(const std::string &userId,
                                const std::string &productId, int quantity);

/// Removes `userId`'s cart.
void deleteCart(const std::string &userId);

/// Records a placed order; placing the same order again changes nothing.
void storeOrder(const Order &order);

/// Puts a message into the outbox, one per order.
void storeEmail(const std::string &orderId, const std::string &recipient,
                const std::string &subject, const std::string &body);

/// Writes every row of every table, sorted, one line per row.
void printDatabase(std::ostream &out);

} // namespace webshop

#endif // FUSIONIZE_EXAMPLES_WEBSHOP_STORAGE_H
