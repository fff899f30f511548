//===- storage.cpp - The web shop's database ------------------------------===//
#include "storage.h"

#include "money.h"
#include "sqlite_db.h"
#include "work.h"

#include <algorithm>

namespace webshop {
namespace {

const char *const Schema = R"sql(
CREATE TABLE IF NOT EXISTS carts (
  user_id TEXT PRIMARY KEY,
  items   TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orders (
  order_id       TEXT PRIMARY KEY,
  user_id        TEXT NOT NULL,
  total          TEXT NOT NULL,
  shipping       TEXT NOT NULL,
  tracking_id    TEXT NOT NULL,
  transaction_id TEXT NOT NULL,
  items          TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS emails (
  order_id  TEXT PRIMARY KEY,
  recipient TEXT NOT NULL,
  subject   TEXT NOT NULL,
  body      TEXT NOT NULL
);
)sql";

examples::Database openDatabase() {
  return examples::Database(databasePath(), Schema);
}

std::vector<CartItem> readItems(examples::Database &db,
                                const std::string &userId) {
  auto rows = db.query("SELECT items FROM carts WHERE user_id = ?", {userId});
  if (rows.empty())
    return {};
  return nlohmann::json::parse(examples::asText(rows[0][0]))
      .get<std::vector<CartItem>>();
}

} // namespace

std::string databasePath() {
  return examples::databasePath("FUSIONIZE_WEBSHOP_DB",
                                "fusionize-webshop.sqlite");
}

std::vector<CartItem> loadCart(const std::string &userId) {
  examples::Database db = openDatabase();
  return readItems(db, userId);
}

std::vector<CartItem> addToCart(const std::string &userId,
                                const std::string &productId, int quantity) {
  examples::Database db = openDatabase();
  return db.transaction([&] {
    std::vector<CartItem> items = readItems(db, userId);
    auto item =
        std::find_if(items.begin(), items.end(), [&](const CartItem &i) {
          return i.product_id == productId;
        });
    if (item != items.end())
      item->quantity += quantity;
    else
      items.push_back(CartItem{productId, quantity});
    db.execute("INSERT OR REPLACE INTO carts VALUES (?, ?)",
               {userId, nlohmann::json(items).dump()});
    return items;
  });
}

void deleteCart(const std::string &userId) {
  examples::Database db = openDatabase();
  db.execute("DELETE FROM carts WHERE user_id = ?", {userId});
}

void storeOrder(const Order &order) {
  examples::Database db = openDatabase();
  db.execute("INSERT OR REPLACE INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
             {order.order_id, order.user_id, formatMoney(order.total_cost),
              formatMoney(order.shipping_cost), order.shipping_tracking_id,
              order.transaction_id, nlohmann::json(order.items).dump()});
}

void storeEmail(const std::string &orderId, const std::string &recipient,
                const std::string &subject, const std::string &body) {
  examples::Database db = openDatabase();
  db.execute("INSERT OR REPLACE INTO emails VALUES (?, ?, ?, ?)",
             {orderId, recipient, subject, body});
}

void printDatabase(std::ostream &out) {
  using examples::asText;
  examples::Database db = openDatabase();
  for (const examples::Row &row :
       db.query("SELECT user_id, items FROM carts ORDER BY user_id"))
    out << "cart user=" << asText(row[0]) << " items=" << asText(row[1])
        << "\n";
  for (const examples::Row &row :
       db.query("SELECT order_id, user_id, total, shipping, tracking_id, "
                "transaction_id, items FROM orders ORDER BY order_id"))
    out << "order id=" << asText(row[0]) << " user=" << asText(row[1])
        << " total=\"" << asText(row[2]) << "\" shipping=\"" << asText(row[3])
        << "\" tracking=" << asText(row[4]) << " transaction=" << asText(row[5])
        << " items=" << asText(row[6]) << "\n";
  for (const examples::Row &row :
       db.query("SELECT order_id, recipient, subject, body FROM emails "
                "ORDER BY order_id"))
    out << "email order=" << asText(row[0]) << " to=" << asText(row[1])
        << " subject=\"" << asText(row[2])
        << "\" body=" << nlohmann::json(asText(row[3])).dump() << "\n";
}

} // namespace webshop
