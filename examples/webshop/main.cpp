//===- main.cpp - Runs the web shop as an ordinary program ----------------===//
//
//   webshop_plain [PAYLOADS.jsonl]   run requests through frontend
//   webshop_plain --report           only print the database
//
// Sends each request (the built-in session, or one payload per line of the
// file) to frontend, prints each page as a line of JSON, then every row of
// the database. Every call is a plain C++ call here; the output is what
// every fusion plan of the application must reproduce. Set
// FUSIONIZE_WEBSHOP_DB to choose the database file; start from a fresh file
// to compare runs.
//
//===----------------------------------------------------------------------===//
#include "payloads.h"
#include "storage.h"
#include "webshop.h"

#include <exception>
#include <iostream>
#include <string>
#include <vector>

namespace {

using webshop::ShopRequest;

ShopRequest page(const std::string &id, const std::string &operation,
                 const std::string &user, const std::string &currency = "EUR") {
  ShopRequest request;
  request.request_id = id;
  request.operation = operation;
  request.user_id = user;
  request.currency = currency;
  return request;
}

ShopRequest withProduct(ShopRequest request, const std::string &productId,
                        int quantity = 1) {
  request.product_id = productId;
  request.quantity = quantity;
  return request;
}

ShopRequest withPayment(ShopRequest request, const std::string &cardNumber) {
  request.address = {"Schillerstrasse 9", "Munich", "Bavaria", "Germany",
                     80336};
  request.email = request.user_id + "@example.com";
  request.credit_card = {cardNumber, 123, 2030, 10};
  return request;
}

/// A session like the flows of BeFaaS's workload (browse, log in, add to
/// cart, check out), plus the ways a request can fail.
std::vector<ShopRequest> builtinSession() {
  ShopRequest search = page("r3", "search", "alice", "USD");
  search.query = "mirror";
  return {
      page("r1", "home", ""),
      withProduct(page("r2", "product", "alice"), "QWERTY"),
      search,
      withProduct(page("r4", "addcartitem", "alice"), "QWERTY", 2),
      withProduct(page("r5", "addcartitem", "alice"), "REFLECTXXX"),
      page("r6", "cart", "alice"),
      withPayment(page("r7", "checkout", "alice"), "4432-8015-6152-0454"),
      page("r8", "cart", "alice"),
      withPayment(page("r9", "checkout", "bob", "GBP"), "4432-8015-6152-0454"),
      withProduct(page("r10", "addcartitem", "bob", "GBP"), "EASYSTOOL", 3),
      withPayment(page("r11", "checkout", "bob", "GBP"), "1234-5678-9012-3456"),
      withPayment(page("r12", "checkout", "bob", "JPY"), "378282246310005"),
      withProduct(page("r13", "addcartitem", "carol"), "MUG", 1),
      withProduct(page("r14", "product", "carol"), "NOSUCHTHING"),
      page("r15", "home", "carol", "XYZ"),
      page("r16", "cart", ""),
  };
}

} // namespace

int main(int argc, char **argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  try {
    if (args.size() == 1 && args[0] == "--report") {
      webshop::printDatabase(std::cout);
      return 0;
    }
    if (args.size() > 1 || (args.size() == 1 && args[0].rfind("-", 0) == 0)) {
      std::cerr << "usage: webshop_plain [PAYLOADS.jsonl] | --report\n";
      return 2;
    }

    std::vector<ShopRequest> requests;
    if (args.empty()) {
      requests = builtinSession();
    } else {
      for (const nlohmann::json &payload : examples::readPayloads(args[0]))
        requests.push_back(
            examples::argument<ShopRequest>(payload, 0, "request"));
    }

    for (const ShopRequest &request : requests) {
      webshop::ShopPage shown = webshop::frontend(request);
      std::cout << "frontend " << nlohmann::json(shown).dump() << "\n";
    }
    webshop::printDatabase(std::cout);
  } catch (const std::exception &error) {
    std::cerr << "webshop_plain: " << error.what() << "\n";
    return 1;
  }
  return 0;
}
