#include "shop.h"

bool available(int item, int quantity) { return stock(item) >= quantity; }
