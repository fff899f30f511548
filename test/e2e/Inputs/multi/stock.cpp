#include "shop.h"

int stock(int item) { return item % 10; }
void ship(int item, int quantity) { (void)item, (void)quantity; }
int restock(int item) { return stock(item) + 10; }
