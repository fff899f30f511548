// A program of several files: tasks declared here, defined in different
// files, and a helper in a third file between two of them.
#pragma once
#include <fusionize/fusionize.h>
#include <string>

[[fusionize::task]] std::string order(int item, int quantity);
[[fusionize::task]] int stock(int item);
[[fusionize::task]] void ship(int item, int quantity);
[[fusionize::task]] int restock(int item); // nobody calls it: an entry point

// Not a task: defined in helpers.cpp, calls stock().
bool available(int item, int quantity);
