//===- ads.cpp - getads: two ads that match what the user is looking at ---===//
//
// BeFaaS shows two random cat pictures; Google's demo picks ads by the
// product categories on the page. This does the latter, and fills up with
// ads chosen by a hash of the context, so a page always shows the same ads.
//
//===----------------------------------------------------------------------===//
#include "hash.h"
#include "webshop.h"

#include <algorithm>

namespace webshop {
namespace {

struct CategoryAd {
  std::string category;
  Ad ad;
};

const std::vector<CategoryAd> &inventory() {
  static const std::vector<CategoryAd> Ads = {
      {"clothing", {"/product/TANKTOP", "Tank top for sale. 20% off."}},
      {"accessories",
       {"/product/WATCH", "Watch for sale. Buy one, get second kit for free"}},
      {"bath", {"/product/QWERTY", "Bathing suits for the summer. 10% off."}},
      {"furniture",
       {"/product/EASYSTOOL", "Stools for every kitchen. Free shipping."}},
      {"kitchen",
       {"/product/BAMBOOJAR", "Bamboo glass jar for sale. 10% off."}},
      {"decor", {"/product/CANDLEHOLDER", "Candle holder for sale. 30% off."}},
      {"home", {"/product/MUG", "Mugs for sale. Buy two, get a third free."}},
  };
  return Ads;
}

} // namespace

std::vector<Ad> getads(const std::vector<std::string> &context_keys) {
  constexpr std::size_t AdsPerPage = 2;
  std::vector<Ad> shown;
  auto alreadyShown = [&](const Ad &ad) {
    return std::any_of(shown.begin(), shown.end(), [&](const Ad &other) {
      return other.redirect_url == ad.redirect_url;
    });
  };
  for (const std::string &key : context_keys)
    for (const CategoryAd &entry : inventory())
      if (entry.category == key && shown.size() < AdsPerPage &&
          !alreadyShown(entry.ad))
        shown.push_back(entry.ad);

  std::string context;
  for (const std::string &key : context_keys)
    context += key + ",";
  std::size_t next = fnv1a(context) % inventory().size();
  while (shown.size() < AdsPerPage) {
    const Ad &ad = inventory()[next].ad;
    if (!alreadyShown(ad))
      shown.push_back(ad);
    next = (next + 1) % inventory().size();
  }
  return shown;
}

} // namespace webshop
