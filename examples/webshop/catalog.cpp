//===- catalog.cpp - The product catalog ----------------------------------===//
//
// getproduct, listproducts, searchproducts and listrecommendations.
//
// The catalog is fixed, as in BeFaaS (a products.js file there). The first
// three products are BeFaaS's (its workload also asks for EASYSTOOL); the
// others fill the shop up to the size of Google's demo catalog.
//
//===----------------------------------------------------------------------===//
#include "hash.h"
#include "webshop.h"

#include <algorithm>
#include <cctype>

namespace webshop {
namespace {

const std::vector<Product> &catalog() {
  static const std::vector<Product> Products = {
      {"QWERTY",
       "Bathing Suit",
       "You will never want to take this off!",
       {"USD", 64, 990'000'000},
       {"clothing", "bath"}},
      {"REFLECTXXX",
       "Shiny Mirror",
       "You will definitely see yourself as a treasure by just looking at it.",
       {"USD", 149, 990'000'000},
       {"accessories", "bath"}},
      {"EASYSTOOL",
       "Easy Stool",
       "Sit down, relax, and enjoy the view.",
       {"USD", 37, 500'000'000},
       {"furniture", "kitchen"}},
      {"SUNGLASSES",
       "Sunglasses",
       "Add a modern touch to your outfits.",
       {"USD", 19, 990'000'000},
       {"accessories"}},
      {"TANKTOP",
       "Tank Top",
       "Perfectly cropped cotton tank.",
       {"USD", 18, 990'000'000},
       {"clothing", "tops"}},
      {"WATCH",
       "Watch",
       "This gold-tone stainless steel watch works with "
       "most of your outfits.",
       {"USD", 109, 990'000'000},
       {"accessories"}},
      {"CANDLEHOLDER",
       "Candle Holder",
       "This small but intricate candle "
       "holder is an excellent gift.",
       {"USD", 18, 990'000'000},
       {"decor", "home"}},
      {"MUG",
       "Mug",
       "A simple mug with a mustard interior.",
       {"USD", 8, 990'000'000},
       {"kitchen"}},
      {"BAMBOOJAR",
       "Bamboo Glass Jar",
       "This bamboo glass jar can hold 57 "
       "oz (1.7 l) and is perfect for any "
       "kitchen.",
       {"USD", 5, 490'000'000},
       {"kitchen"}},
  };
  return Products;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return text;
}

} // namespace

std::optional<Product> getproduct(const std::string &id) {
  for (const Product &product : catalog())
    if (product.id == id)
      return product;
  return std::nullopt;
}

std::vector<Product> listproducts() { return catalog(); }

std::vector<Product> searchproducts(const std::string &query) {
  std::string needle = lowercase(query);
  std::vector<Product> results;
  for (const Product &product : catalog())
    if (lowercase(product.id).find(needle) != std::string::npos ||
        lowercase(product.name).find(needle) != std::string::npos ||
        lowercase(product.description).find(needle) != std::string::npos)
      results.push_back(product);
  return results;
}

std::vector<std::string>
listrecommendations(const std::string &user_id,
                    const std::vector<std::string> &product_ids) {
  // Recommend products the user is not looking at, in an order that depends
  // on the user (BeFaaS shuffles at random), at most four.
  constexpr std::size_t MaxRecommendations = 4;
  std::vector<std::string> candidates;
  for (const Product &product : listproducts())
    if (std::find(product_ids.begin(), product_ids.end(), product.id) ==
        product_ids.end())
      candidates.push_back(product.id);
  std::sort(candidates.begin(), candidates.end(),
            [&](const std::string &a, const std::string &b) {
              return fnv1a(user_id + "/" + a) < fnv1a(user_id + "/" + b);
            });
  if (candidates.size() > MaxRecommendations)
    candidates.resize(MaxRecommendations);
  return candidates;
}

} // namespace webshop
