#!/usr/bin/env python3
"""Writes the IoT application's payload files (JSON Lines, one invocation
payload of AnalyzeSensor per line: a one-element argument array).

    generate.py [OUTPUT_DIR]

readings.jsonl        1000 readings, request ids 1..1000, default CPU work
readings-smoke.jsonl  10 readings with little CPU work, for smoke runs and tests

The readings are drawn from a seeded generator, so the files are the same on
every run. Values are rounded to hundredths so every program prints them the
same way.
"""
import json
import os
import random
import sys

SIEVE = 4_000_000        # ~20 ms per check on one core at -O2
SMOKE_SIEVE = 100_000


def reading(rng, request_id, sieve):
    # Roughly normal around typical values, with tails that reach every
    # branch: freezing and heat, loud traffic and bangs, jams, and now and
    # then a station reporting nonsense.
    return {
        "request_id": request_id,
        "sensor_id": rng.randrange(0, 101),
        "temperature": round(rng.gauss(15, 14), 2),
        "sound": round(rng.gauss(70, 18), 2),
        "air_quality": round(abs(rng.gauss(80, 50)), 2),
        "sieve": sieve,
    }


def write(path, readings):
    with open(path, "w") as out:
        for r in readings:
            out.write(json.dumps([r], separators=(",", ":")) + "\n")


def main(argv):
    out_dir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    rng = random.Random(7)
    write(os.path.join(out_dir, "readings.jsonl"),
          [reading(rng, i, SIEVE) for i in range(1, 1001)])
    rng = random.Random(297)  # a seed whose ten readings take every branch
    write(os.path.join(out_dir, "readings-smoke.jsonl"),
          [reading(rng, i, SMOKE_SIEVE) for i in range(1, 11)])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
