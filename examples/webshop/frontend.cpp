//===- frontend.cpp - frontend: the shop's pages --------------------------===//
//
// One call per page view or form post, BeFaaS's routes as operations. Where
// BeFaaS fetches several things at once (Promise.all), this starts them with
// fusionize::async and collects the futures: asynchronous calls whose results
// the page needs. The frontend keeps no state of its own; what BeFaaS keeps
// in a cookie (the user and the currency) comes with each request.
//
//===----------------------------------------------------------------------===//
#include "money.h"
#include "webshop.h"

#include <algorithm>

namespace webshop {
namespace {

ProductView viewOf(const Product &product, const std::string &currencyCode,
                   int quantity = 0) {
  return ProductView{product.id, product.name, product.description,
                     convertPrice(product.price_usd, currencyCode), quantity};
}

int cartSize(const std::string &userId) {
  if (userId.empty())
    return 0;
  int size = 0;
  for (const CartItem &item : getcart(userId).items)
    size += item.quantity;
  return size;
}

void showHome(const ShopRequest &request, ShopPage &page) {
  auto products = fusionize::async(listproducts);
  auto ads = fusionize::async(getads, std::vector<std::string>{});
  for (const Product &product : products.get())
    page.products.push_back(viewOf(product, request.currency));
  page.ads = ads.get();
}

void showProduct(const ShopRequest &request, ShopPage &page) {
  std::optional<Product> product = getproduct(request.product_id);
  if (!product) {
    page.error = "no product " + request.product_id;
    return;
  }
  auto recommendations =
      fusionize::async(listrecommendations, request.user_id,
                       std::vector<std::string>{request.product_id});
  auto ads = fusionize::async(getads, product->categories);
  page.products.push_back(viewOf(*product, request.currency));
  page.recommendations = recommendations.get();
  page.ads = ads.get();
}

void showSearch(const ShopRequest &request, ShopPage &page) {
  for (const Product &product : searchproducts(request.query))
    page.products.push_back(viewOf(product, request.currency));
}

void showCart(const ShopRequest &request, ShopPage &page) {
  Cart cart = getcart(request.user_id);
  for (const CartItem &item : cart.items) {
    std::optional<Product> product = getproduct(item.product_id);
    if (!product)
      continue;
    ProductView view = viewOf(*product, request.currency, item.quantity);
    page.total_cost =
        addMoney(page.total_cost, multiplyMoney(view.price, item.quantity));
    page.products.push_back(view);
  }
  page.shipping_cost = convertPrice(shipmentquote(request.address, cart.items),
                                    request.currency);
  page.total_cost = addMoney(page.total_cost, page.shipping_cost);
}

void placeOrder(const ShopRequest &request, ShopPage &page) {
  CheckoutRequest order{request.request_id, request.user_id,
                        request.currency,   request.address,
                        request.email,      request.credit_card};
  CheckoutResult result = checkout(order);
  if (!result.ok) {
    page.error = result.error;
    return;
  }
  page.order_id = result.order.order_id;
  page.tracking_id = result.order.shipping_tracking_id;
  page.shipping_cost = result.order.shipping_cost;
  page.total_cost = result.order.total_cost;
}

bool needsUser(const std::string &operation) {
  return operation == "cart" || operation == "addcartitem" ||
         operation == "emptycart" || operation == "checkout";
}

} // namespace

ShopPage frontend(const ShopRequest &request) {
  ShopPage page;
  page.request_id = request.request_id;
  page.operation = request.operation;
  page.user_id = request.user_id;
  page.currency = request.currency;
  page.shipping_cost = zeroMoney(request.currency);
  page.total_cost = zeroMoney(request.currency);

  // Every page offers the currency switch, and prices need a known currency.
  page.currencies = supportedcurrencies();
  if (std::find(page.currencies.begin(), page.currencies.end(),
                request.currency) == page.currencies.end()) {
    page.error = "unsupported currency " + request.currency;
    return page;
  }
  if (needsUser(request.operation) && request.user_id.empty()) {
    page.error = "log in first";
    return page;
  }

  if (request.operation == "home") {
    showHome(request, page);
  } else if (request.operation == "product") {
    showProduct(request, page);
  } else if (request.operation == "search") {
    showSearch(request, page);
  } else if (request.operation == "cart") {
    showCart(request, page);
  } else if (request.operation == "addcartitem") {
    if (request.quantity < 1 || !getproduct(request.product_id))
      page.error = "cannot add " + request.product_id;
    else
      addcartitem(request.user_id,
                  CartItem{request.product_id, request.quantity});
  } else if (request.operation == "emptycart") {
    emptycart(request.user_id);
  } else if (request.operation == "checkout") {
    placeOrder(request, page);
  } else {
    page.error = "unknown operation " + request.operation;
  }
  page.cart_size = cartSize(request.user_id);
  return page;
}

} // namespace webshop
