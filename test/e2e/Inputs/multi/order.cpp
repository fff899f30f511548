#include "shop.h"

std::string order(int item, int quantity) {
  if (quantity <= 0)
    throw std::invalid_argument("quantity must be positive");
  if (!available(item, quantity))
    return "item " + std::to_string(item) + ": out of stock";
  fusionize::async(ship, item, quantity);
  return "item " + std::to_string(item) + ": " + std::to_string(quantity) +
         " ordered";
}
