//===- webshop.h - The web shop of Fusionize++: types and tasks -----------===//
//
// Seventeen tasks of an online shop, after the web shop of the BeFaaS
// benchmark (itself after Google's microservices demo) that Fusionize++
// (IEEE TCC 2024) optimizes. Task names are BeFaaS's function names. The
// tasks are defined in several source files and call each other across
// them; this header is all they share. See README.md for the call graph.
//
// State lives in the SQLite file $FUSIONIZE_WEBSHOP_DB (default
// $TMPDIR/fusionize-webshop.sqlite): the carts (cartkvstorage's key-value
// store), the orders and the outgoing email.
//
//===----------------------------------------------------------------------===//
#ifndef FUSIONIZE_EXAMPLES_WEBSHOP_H
#define FUSIONIZE_EXAMPLES_WEBSHOP_H

#include <fusionize/fusionize.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace webshop {

/// An amount of money: units plus nanos (10^-9 units), as in the demo.
struct Money {
  std::string currency_code = "USD";
  std::int64_t units = 0;
  std::int64_t nanos = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Money, currency_code, units,
                                                nanos)

struct Product {
  std::string id;
  std::string name;
  std::string description;
  Money price_usd;
  std::vector<std::string> categories;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Product, id, name, description,
                                                price_usd, categories)

struct CartItem {
  std::string product_id;
  int quantity = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CartItem, product_id, quantity)

struct Cart {
  std::string user_id;
  std::vector<CartItem> items;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Cart, user_id, items)

/// A request to the cart's key-value storage: "get", "add" or "empty".
struct CartOperation {
  std::string operation;
  std::string user_id;
  std::string product_id; // "add" only
  int quantity = 0;       // "add" only
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CartOperation, operation,
                                                user_id, product_id, quantity)

struct Address {
  std::string street_address;
  std::string city;
  std::string state;
  std::string country;
  int zip_code = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Address, street_address, city,
                                                state, country, zip_code)

struct CreditCard {
  std::string number;
  int cvv = 0;
  int expiration_year = 0;
  int expiration_month = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CreditCard, number, cvv,
                                                expiration_year,
                                                expiration_month)

struct Ad {
  std::string redirect_url;
  std::string text;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Ad, redirect_url, text)

struct PaymentResult {
  bool ok = false;
  std::string transaction_id;
  std::string error;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(PaymentResult, ok,
                                                transaction_id, error)

struct OrderItem {
  CartItem item;
  Money cost; // per unit, in the order's currency
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(OrderItem, item, cost)

struct Order {
  std::string order_id;
  std::string user_id;
  std::string email;
  std::string shipping_tracking_id;
  std::string transaction_id;
  Money shipping_cost;
  Money total_cost;
  Address shipping_address;
  std::vector<OrderItem> items;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Order, order_id, user_id, email,
                                                shipping_tracking_id,
                                                transaction_id, shipping_cost,
                                                total_cost, shipping_address,
                                                items)

struct CheckoutRequest {
  std::string request_id; // makes the order id
  std::string user_id;
  std::string user_currency = "EUR";
  Address address;
  std::string email;
  CreditCard credit_card;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CheckoutRequest, request_id,
                                                user_id, user_currency, address,
                                                email, credit_card)

struct CheckoutResult {
  bool ok = false;
  std::string error;
  Order order;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(CheckoutResult, ok, error,
                                                order)

/// A request to the shop's frontend: one page view or form post. The
/// operations are BeFaaS's routes: "home" (/), "product" (/product/:id),
/// "search", "cart" (/cart), "addcartitem", "emptycart", "checkout".
struct ShopRequest {
  std::string request_id;
  std::string operation = "home";
  std::string user_id;          // empty: not logged in
  std::string currency = "EUR"; // the currency the user chose
  std::string product_id;       // product, addcartitem
  int quantity = 1;             // addcartitem
  std::string query;            // search
  Address address;              // checkout
  std::string email;            // checkout
  CreditCard credit_card;       // checkout
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ShopRequest, request_id,
                                                operation, user_id, currency,
                                                product_id, quantity, query,
                                                address, email, credit_card)

/// A product as a page shows it: price in the user's currency.
struct ProductView {
  std::string id;
  std::string name;
  std::string description;
  Money price;      // per unit
  int quantity = 0; // in the cart (cart page only)
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ProductView, id, name,
                                                description, price, quantity)

/// What the frontend renders, as data rather than HTML.
struct ShopPage {
  std::string request_id;
  std::string operation;
  std::string user_id;
  std::string currency;
  std::string error; // empty on success
  std::vector<std::string> currencies;
  std::vector<ProductView> products;
  std::vector<std::string> recommendations;
  std::vector<Ad> ads;
  int cart_size = 0;
  Money shipping_cost;
  Money total_cost;
  std::string order_id;
  std::string tracking_id;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ShopPage, request_id, operation,
                                                user_id, currency, error,
                                                currencies, products,
                                                recommendations, ads, cart_size,
                                                shipping_cost, total_cost,
                                                order_id, tracking_id)

// --- The tasks, by the file that defines them -------------------------------

// frontend.cpp: the entry point, one call per page view.
[[fusionize::task]] ShopPage frontend(const ShopRequest &request);

// cart.cpp: the cart service and its key-value storage.
[[fusionize::task]] Cart getcart(const std::string &user_id);
[[fusionize::task]] void addcartitem(const std::string &user_id,
                                     const CartItem &item);
[[fusionize::task]] void emptycart(const std::string &user_id);
[[fusionize::task]] Cart cartkvstorage(const CartOperation &operation);

// catalog.cpp: products and recommendations.
[[fusionize::task]] std::optional<Product> getproduct(const std::string &id);
[[fusionize::task]] std::vector<Product> listproducts();
[[fusionize::task]] std::vector<Product>
searchproducts(const std::string &query);
[[fusionize::task]] std::vector<std::string>
listrecommendations(const std::string &user_id,
                    const std::vector<std::string> &product_ids);

// ads.cpp
[[fusionize::task]] std::vector<Ad>
getads(const std::vector<std::string> &context_keys);

// currency.cpp
[[fusionize::task]] std::vector<std::string> supportedcurrencies();
[[fusionize::task]] Money currency(const Money &from,
                                   const std::string &to_code);

// shipping.cpp
[[fusionize::task]] Money shipmentquote(const Address &address,
                                        const std::vector<CartItem> &items);
[[fusionize::task]] std::string shiporder(const std::string &order_id,
                                          const Address &address,
                                          const std::vector<CartItem> &items);

// checkout.cpp, payment.cpp, email.cpp
[[fusionize::task]] CheckoutResult checkout(const CheckoutRequest &request);
[[fusionize::task]] PaymentResult payment(const std::string &order_id,
                                          const Money &amount,
                                          const CreditCard &credit_card);
[[fusionize::task]] void email(const std::string &address, const Order &order);

} // namespace webshop

#endif // FUSIONIZE_EXAMPLES_WEBSHOP_H
