#!/usr/bin/env python3
"""Summarizes the parentage in a `fusionize run --trace` file.

    check_trace.py TRACE.jsonl [SCHEMA]

For every platform span (fusion.source = platform), sorted by function and
root-ness: "platform NAME root" or "platform NAME parent=client(..) <- ...".
Then checks that every span the instances exported has a parent that is a
platform span or one of their own spans. Exits 1 on a malformed document.
"""
import json
import sys


def attrs(span):
    out = {}
    for a in span.get("attributes", []):
        v = a["value"]
        out[a["key"]] = next(iter(v.values())) if v else None
    return out


def main(path, schema=None):
    validator = None
    if schema:
        import jsonschema
        with open(schema) as f:
            s = json.load(f)
        validator = jsonschema.validators.validator_for(s)(s)
    spans = {}
    for no, line in enumerate(open(path), 1):
        line = line.strip()
        if not line:
            continue
        doc = json.loads(line)
        if validator:
            for err in validator.iter_errors(doc):
                print("line %d: %s: %s" % (no, "/".join(map(str, err.absolute_path)), err.message))
        for rs in doc["resourceSpans"]:
            for ss in rs["scopeSpans"]:
                for s in ss["spans"]:
                    assert len(s["traceId"]) == 32 and len(s["spanId"]) == 16, s
                    int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
                    s["_a"] = attrs(s)
                    spans[s["spanId"]] = s
    platform = [s for s in spans.values() if s["_a"].get("fusion.source") == "platform"]
    runtime = [s for s in spans.values() if s["_a"].get("fusion.source") != "platform"]

    def label(s):
        kind = {1: "internal", 2: "runtime", 3: "client"}[s["kind"]]
        if s["_a"].get("fusion.source") == "platform":
            kind = "platform"
        return "%s(%s)" % (kind, s["name"])

    lines = []
    for s in platform:
        assert s["kind"] == 2, s
        chain = []
        p = s.get("parentSpanId")
        while p and p in spans:
            chain.append(label(spans[p]))
            p = spans[p].get("parentSpanId")
        if not s.get("parentSpanId"):
            lines.append("platform %s root" % s["name"])
        else:
            lines.append("platform %s parent=%s" % (s["name"], " <- ".join(chain)))
    for l in sorted(lines):
        print(l)
    servers = [s for s in runtime if s["kind"] == 2]
    ok = all(spans.get(s.get("parentSpanId"), {}).get("_a", {}).get("fusion.source")
             == "platform" for s in servers)
    ok = ok and all(s.get("parentSpanId") in spans for s in runtime)
    print("runtime spans %d, %s" % (len(runtime), "all children of platform spans"
                                    if ok else "SOME ORPHANED"))


if __name__ == "__main__":
    main(*sys.argv[1:3])
