// A small program for the IR tests: checkout calls price (sync, in a loop)
// and audit (async); report is called by nobody but main.
#include <fusionize/fusionize.h>
#include <string>
#include <vector>

struct Order {
  int id = 0;
  std::vector<std::string> items;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Order, id, items)

[[fusionize::task]] int price(const std::string &item);
[[fusionize::task]] void audit(Order o);
[[fusionize::task]] int checkout(Order o);
