#!/usr/bin/env python3
"""Checks an example's workloads: check_workloads.py APP_DIR ENTRY_TASK

Every workloads/*.json is a fusionize-workload/1 document for ENTRY_TASK
whose payload file exists, and every line of every payload file is a JSON
array holding one argument object. When docs/schemas/fusionize-workload.schema.json
exists, each workload is also validated against it. Prints one line per
file checked; exits 1 on the first problem.
"""
import glob
import json
import os
import sys


def fail(message):
    print("error: " + message)
    sys.exit(1)


def check_payloads(path):
    count = 0
    with open(path) as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                payload = json.loads(line)
            except ValueError as error:
                fail("%s:%d: not JSON: %s" % (path, number, error))
            if not (isinstance(payload, list) and len(payload) == 1 and
                    isinstance(payload[0], dict)):
                fail("%s:%d: expected [ {arguments} ]" % (path, number))
            count += 1
    if count == 0:
        fail(path + ": no payloads")
    return count


def main(argv):
    app_dir, entry = argv[1], argv[2]
    root = os.path.dirname(os.path.dirname(os.path.abspath(app_dir)))
    schema_path = os.path.join(root, "docs", "schemas", "fusionize-workload.schema.json")
    validator = None
    if os.path.exists(schema_path):
        import jsonschema
        with open(schema_path) as f:
            schema = json.load(f)
        validator = jsonschema.validators.validator_for(schema)(schema)

    workloads = sorted(glob.glob(os.path.join(app_dir, "workloads", "*.json")))
    if not workloads:
        fail("no workloads in " + app_dir)
    for path in workloads:
        with open(path) as f:
            doc = json.load(f)
        name = os.path.basename(path)
        if doc.get("format") != "fusionize-workload/1":
            fail(name + ": format is not fusionize-workload/1")
        if doc.get("function") != entry:
            fail("%s: function is %r, not %r" % (name, doc.get("function"), entry))
        if validator:
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
            if errors:
                fail("%s: %s at %s" % (name, errors[0].message, list(errors[0].path)))
        payload = doc.get("payload", {}).get("file")
        if not payload:
            fail(name + ": no payload file")
        payload_path = os.path.join(os.path.dirname(path), payload)
        if not os.path.exists(payload_path):
            fail("%s: payload file %s does not exist" % (name, payload))
        count = check_payloads(payload_path)
        phases = ", ".join(json.dumps(p, sort_keys=True) for p in doc["phases"])
        print("%s: %s, %d payloads, phases %s" % (name, entry, count, phases))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
