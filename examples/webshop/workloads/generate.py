#!/usr/bin/env python3
"""Writes the web shop's payload files (JSON Lines, one invocation payload of
frontend per line: a one-element argument array holding a ShopRequest).

    generate.py [OUTPUT_DIR]

sessions.jsonl        about 1000 requests: sessions drawn from the four flows
                      of BeFaaS's web shop workload, each with its own user
sessions-smoke.jsonl  the session of webshop_plain without arguments: browse,
                      fill a cart, check out, and every way a request can fail

Requests of one session depend on each other (add to cart, then check out),
so a session's requests must be sent in order; sessions are independent.
"""
import json
import os
import random
import sys

PRODUCTS = ["QWERTY", "REFLECTXXX", "EASYSTOOL", "SUNGLASSES", "TANKTOP",
            "WATCH", "CANDLEHOLDER", "MUG", "BAMBOOJAR"]
CURRENCIES = ["EUR", "USD", "GBP", "JPY", "CHF"]
ADDRESS = {"street_address": "Schillerstrasse 9", "city": "Munich",
           "state": "Bavaria", "country": "Germany", "zip_code": 80336}
GOOD_CARD = "4432-8015-6152-0454"


def page(request_id, operation, user, currency="EUR", **fields):
    request = {"request_id": request_id, "operation": operation,
               "user_id": user, "currency": currency}
    request.update(fields)
    return request


def product(request, product_id, quantity=1):
    request["product_id"] = product_id
    request["quantity"] = quantity
    return request


def payment(request, card_number):
    request["address"] = ADDRESS
    request["email"] = request["user_id"] + "@example.com"
    request["credit_card"] = {"number": card_number, "cvv": 123,
                              "expiration_year": 2030, "expiration_month": 10}
    return request


def smoke_session():
    # Keep in step with builtinSession() in ../main.cpp (a test compares).
    return [
        page("r1", "home", ""),
        product(page("r2", "product", "alice"), "QWERTY"),
        page("r3", "search", "alice", "USD", query="mirror"),
        product(page("r4", "addcartitem", "alice"), "QWERTY", 2),
        product(page("r5", "addcartitem", "alice"), "REFLECTXXX"),
        page("r6", "cart", "alice"),
        payment(page("r7", "checkout", "alice"), GOOD_CARD),
        page("r8", "cart", "alice"),
        payment(page("r9", "checkout", "bob", "GBP"), GOOD_CARD),
        product(page("r10", "addcartitem", "bob", "GBP"), "EASYSTOOL", 3),
        payment(page("r11", "checkout", "bob", "GBP"), "1234-5678-9012-3456"),
        payment(page("r12", "checkout", "bob", "JPY"), "378282246310005"),
        product(page("r13", "addcartitem", "carol"), "MUG", 1),
        product(page("r14", "product", "carol"), "NOSUCHTHING"),
        page("r15", "home", "carol", "XYZ"),
        page("r16", "cart", ""),
    ]


def session(rng, number):
    """One of BeFaaS's four flows, with equal weights."""
    user = "user%d" % number
    currency = rng.choice(CURRENCIES)
    step = iter(range(1, 100))

    def rid():
        return "s%d-%d" % (number, next(step))

    flow = rng.randrange(4)
    if flow == 0:  # just the frontend
        return [page(rid(), "home", "", currency)]
    if flow == 1:  # browse two products
        return [page(rid(), "home", "", currency),
                product(page(rid(), "product", "", currency), rng.choice(PRODUCTS)),
                product(page(rid(), "product", "", currency), rng.choice(PRODUCTS))]
    if flow == 2:  # log in, browse, buy nothing
        return [page(rid(), "home", user, currency),
                product(page(rid(), "product", user, currency), rng.choice(PRODUCTS)),
                product(page(rid(), "product", user, currency), rng.choice(PRODUCTS))]
    # log in, browse, buy one thing
    item = rng.choice(PRODUCTS)
    return [page(rid(), "home", user, currency),
            product(page(rid(), "product", user, currency), rng.choice(PRODUCTS)),
            product(page(rid(), "product", user, currency), item),
            product(page(rid(), "addcartitem", user, currency), item, 1),
            product(page(rid(), "product", user, currency), item),
            page(rid(), "cart", user, currency),
            payment(page(rid(), "checkout", user, currency), GOOD_CARD)]


def write(path, requests):
    with open(path, "w") as out:
        for request in requests:
            out.write(json.dumps([request], separators=(",", ":")) + "\n")


def main(argv):
    out_dir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(3)
    requests = []
    number = 0
    while len(requests) < 1000:
        number += 1
        requests += session(rng, number)
    write(os.path.join(out_dir, "sessions.jsonl"), requests)
    write(os.path.join(out_dir, "sessions-smoke.jsonl"), smoke_session())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
