#include "shop.h"

int price(const std::string &item) { return static_cast<int>(item.size()) * 3; }
void audit(Order o) { (void)o; }

static int total(const Order &o) {
  int t = 0;
  for (const auto &i : o.items)
    t += price(i);
  return t;
}

int checkout(Order o) {
  fusionize::async(audit, o);
  return total(o);
}

// No main(): the monolith serves every task with the runtime's main.
