#!/usr/bin/env python3
"""Writes DIR/compile_commands.json: one entry per SOURCE, compiled by
COMMAND (a string: compiler and flags) into DIR/<name>.o.

    compile_commands.py DIR COMMAND SOURCE...
"""
import json
import os
import sys


def main(argv):
    out_dir, command, sources = argv[1], argv[2], argv[3:]
    entries = []
    for source in sources:
        obj = os.path.join(out_dir, os.path.splitext(os.path.basename(source))[0] + ".o")
        entries.append({"directory": out_dir, "file": source,
                        "command": "%s -c %s -o %s" % (command, source, obj)})
    with open(os.path.join(out_dir, "compile_commands.json"), "w") as f:
        json.dump(entries, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
