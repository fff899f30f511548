#!/usr/bin/env python3
"""Writes the tree application's payload files (JSON Lines, one invocation
payload of A per line: a one-element argument array).

    generate.py [OUTPUT_DIR]

requests.jsonl        1000 requests as in Fusionize++: B, D and E wait 500 ms
                      each, C, F and G count the primes below 10 million
requests-smoke.jsonl  the requests of tree_plain without arguments: short
                      waits, small sieves
"""
import json
import os
import sys

WAIT_MS = 500
WORK = 10_000_000   # ~50 ms per computing task on one core at -O2

SMOKE = [(1, 20, 100_000), (2, 10, 200_000), (3, 0, 1_000)]


def write(path, requests):
    with open(path, "w") as out:
        for request_id, wait_ms, work in requests:
            payload = {"request_id": request_id, "wait_ms": wait_ms, "work": work}
            out.write(json.dumps([payload], separators=(",", ":")) + "\n")


def main(argv):
    out_dir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(out_dir, "requests.jsonl"),
          [(i, WAIT_MS, WORK) for i in range(1, 1001)])
    write(os.path.join(out_dir, "requests-smoke.jsonl"), SMOKE)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
