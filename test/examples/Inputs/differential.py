#!/usr/bin/env python3
"""Runs an example application's payloads through its fusion groups on the
local platform and prints the responses the way the plain program does.

    differential.py --fusionize EXE --manifest MANIFEST --function NAME \
                    --payloads FILE --dir DIR [--invocations FILE]

Starts `fusionize run MANIFEST` on a free port (no cloud emulation, state in
DIR), sends every payload of FILE to function NAME in order, one at a time
(the web shop's requests depend on earlier ones), and prints one line per
response: `NAME {json}`, keys sorted, as the plain drivers print them. Then
waits until every asynchronous event has been delivered, so that the
database is complete, and stops the platform. --invocations writes how
often each function was invoked ("NAME COUNT" lines, sorted), which shows
which calls crossed groups. Exits 1 on a function error,
a failed event, or when the platform does not quiesce within five minutes.
The environment (the examples' database variables) passes to the instances.
"""
import argparse
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request


def fail(message):
    print("differential.py: " + message, file=sys.stderr)
    sys.exit(1)


def get_json(url):
    with urllib.request.urlopen(url, timeout=60) as response:
        return json.load(response)


def invoke(url, function, payload):
    request = urllib.request.Request(
        "%s/2015-03-31/functions/%s/invocations" % (url, function),
        data=payload.encode(), method="POST",
        headers={"Content-Type": "application/json",
                 "X-Amz-Invocation-Type": "RequestResponse"})
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            body = response.read().decode()
            if response.headers.get("X-Amz-Function-Error"):
                fail("%s failed on %s: %s" % (function, payload, body))
            return json.loads(body)
    except urllib.error.HTTPError as error:
        fail("%s answered HTTP %d on %s: %s" %
             (function, error.code, payload, error.read().decode()))


def wait_until_quiet(url, deadline_s):
    """Every accepted event delivered (or failed), none queued."""
    end = time.monotonic() + deadline_s
    while True:
        events = get_json(url + "/fusionize/v1/summary")["events"]
        if events["queued"] == 0 and \
                events["accepted"] == events["delivered"] + events["failed"]:
            if events["failed"]:
                fail("%d asynchronous event(s) failed" % events["failed"])
            return events
        if time.monotonic() > end:
            fail("events still pending after %d s: %s" % (deadline_s, events))
        time.sleep(0.2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fusionize", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--function", required=True)
    parser.add_argument("--payloads", required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--invocations")
    args = parser.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    port_file = os.path.join(args.dir, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    with open(os.path.join(args.dir, "run.out"), "w") as out, \
            open(os.path.join(args.dir, "run.err"), "w") as err:
        platform = subprocess.Popen(
            [args.fusionize, "run", "--port", "0", "--port-file", port_file,
             "--emulate", "none", "--state-dir",
             os.path.join(args.dir, "state"), "--retry-delays", "1,2",
             args.manifest], stdout=out, stderr=err)
    try:
        for _ in range(300):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            if platform.poll() is not None:
                fail("fusionize run exited: see " + args.dir + "/run.err")
            time.sleep(0.1)
        else:
            fail("fusionize run did not start")
        url = "http://127.0.0.1:" + open(port_file).read().strip()

        with open(args.payloads) as payloads:
            for line in payloads:
                if not line.strip() or line.startswith("#"):
                    continue
                response = invoke(url, args.function, line.strip())
                print(args.function + " " +
                      json.dumps(response, sort_keys=True,
                                 separators=(",", ":"), ensure_ascii=False))
                sys.stdout.flush()
        wait_until_quiet(url, 300)
        if args.invocations:
            functions = get_json(url + "/fusionize/v1/summary")["functions"]
            with open(args.invocations, "w") as out:
                for function in sorted(functions, key=lambda f: f["name"]):
                    out.write("%s %d\n" % (function["name"],
                                           function["invocations"]))
    finally:
        if platform.poll() is None:
            platform.send_signal(signal.SIGTERM)
            try:
                platform.wait(timeout=60)
            except subprocess.TimeoutExpired:
                platform.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
