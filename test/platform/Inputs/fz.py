#!/usr/bin/env python3
"""Runs `fusionize run` in the background for a lit test and talks to it.

    fz.py [--fusionize EXE] [--testfn EXE] start DIR [-- RUN-OPTIONS...]
        Writes DIR/manifest.json (the test functions, Inputs/manifest.json.in),
        starts `fusionize run` on a free port with DIR/state as state
        directory, stdout to DIR/run.out, stderr to DIR/run.err, and waits
        until it serves. DIR/url holds http://127.0.0.1:PORT. A watchdog
        stops the platform after 300 s in case the test never does.
    fz.py stop DIR [--signal INT|TERM|KILL] [--twice] [--no-wait | --wait-only]
        Signals the platform and waits until it has exited.
    fz.py get DIR PATH            GET a platform path, print JSON sorted.
    fz.py status DIR FUNCTION     print "instances N" and their states.
    fz.py wait DIR EXPR           poll the summary until EXPR (Python, over
                                  `s`, the summary) holds; 60 s at most.
    fz.py lines FILE N            wait until FILE has N lines (60 s at most).
    fz.py busy DIR FUNCTION [N]   wait until N (default 1) invocations of
                                  FUNCTION are in flight (60 s at most).
    fz.py contains FILE TEXT      wait until FILE contains TEXT (60 s at most).
"""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))


def die(msg):
    print("fz.py: " + msg, file=sys.stderr)
    sys.exit(1)


def url(d):
    with open(os.path.join(d, "url")) as f:
        return f.read().strip()


def get(d, path):
    with urllib.request.urlopen(url(d) + path, timeout=30) as r:
        return json.load(r)


def start(args, fusionize, testfn):
    d = args[0]
    extra = args[1:]
    if extra and extra[0] == "--":
        extra = extra[1:]
    os.makedirs(d, exist_ok=True)
    manifest = os.path.join(d, "manifest.json")
    if not os.path.exists(manifest):
        with open(os.path.join(HERE, "manifest.json.in")) as f:
            text = f.read().replace("@TESTFN@", testfn)
        with open(manifest, "w") as f:
            f.write(text)
    port_file = os.path.join(d, "port")
    if os.path.exists(port_file):
        os.unlink(port_file)
    cmd = [fusionize, "run", manifest, "--port", "0", "--port-file", port_file]
    if "--state-dir" not in extra:
        cmd += ["--state-dir", os.path.join(d, "state")]
    cmd += extra
    out = open(os.path.join(d, "run.out"), "w")
    err = open(os.path.join(d, "run.err"), "w")
    p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                         start_new_session=True)
    with open(os.path.join(d, "pid"), "w") as f:
        f.write(str(p.pid))
    subprocess.Popen([sys.executable, "-c",
                      "import os, signal, time\n"
                      "time.sleep(300)\n"
                      "try: os.kill(%d, signal.SIGTERM)\n"
                      "except OSError: pass\n" % p.pid],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(3000):
        if p.poll() is not None:
            sys.stderr.write(open(os.path.join(d, "run.err")).read())
            die("fusionize run exited with %d" % p.returncode)
        if os.path.exists(port_file):
            with open(port_file) as f:
                port = f.read().strip()
            if port:
                with open(os.path.join(d, "url"), "w") as f:
                    f.write("http://127.0.0.1:%s\n" % port)
                return
        time.sleep(0.02)
    die("fusionize run did not start")


def alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # A zombie has exited too.
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def stop(args):
    d = args[0]
    sig = "INT"
    twice = "--twice" in args
    if "--signal" in args:
        sig = args[args.index("--signal") + 1]
    with open(os.path.join(d, "pid")) as f:
        pid = int(f.read())
    if "--wait-only" not in args:
        os.kill(pid, getattr(signal, "SIG" + sig))
    if "--no-wait" in args:
        return
    if twice:
        time.sleep(0.2)
        if alive(pid):
            os.kill(pid, getattr(signal, "SIG" + sig))
    for _ in range(6000):
        if not alive(pid):
            return
        time.sleep(0.02)
    die("fusionize run did not stop")


def status(args):
    s = get(args[0], "/fusionize/v1/status")
    for f in s["functions"]:
        if f["name"] == args[1]:
            print("instances %d" % len(f["instances"]))
            for i in sorted(f["instances"], key=lambda i: i["id"]):
                print("instance %s %s served %d" % (i["id"], i["state"],
                                                     i["served"]))
            print("in_use %d pending %d queued_events %d" %
                  (f["in_use"], f["pending"], f["queued_events"]))
            return
    die("no function " + args[1])


def wait(args):
    d, expr = args[0], args[1]
    for _ in range(600):
        s = get(d, "/fusionize/v1/summary")
        if eval(expr, {"s": s}):
            return
        time.sleep(0.1)
    die("timed out waiting for " + expr + "; summary: " + json.dumps(s))


def lines(args):
    path, n = args[0], int(args[1])
    for _ in range(600):
        if os.path.exists(path):
            with open(path) as f:
                if len(f.read().splitlines()) >= n:
                    return
        time.sleep(0.1)
    die("timed out waiting for %d lines in %s" % (n, path))


def busy(args):
    d, fn = args[0], args[1]
    n = int(args[2]) if len(args) > 2 else 1
    for _ in range(3000):
        s = get(d, "/fusionize/v1/status")
        if [f for f in s["functions"] if f["name"] == fn][0]["in_use"] >= n:
            return
        time.sleep(0.02)
    die("%s never had %d invocations in flight" % (fn, n))


def contains(args):
    path, text = args[0], args[1]
    for _ in range(600):
        if os.path.exists(path) and text in open(path).read():
            return
        time.sleep(0.1)
    die("timed out waiting for %r in %s" % (text, path))


def main(argv):
    fusionize, testfn = "fusionize", None
    while argv and argv[0].startswith("--"):
        if argv[0] == "--fusionize":
            fusionize = argv[1]
        elif argv[0] == "--testfn":
            testfn = argv[1]
        argv = argv[2:]
    if not argv:
        die(__doc__)
    cmd, args = argv[0], argv[1:]
    if cmd == "start":
        start(args, fusionize, testfn)
    elif cmd == "stop":
        stop(args)
    elif cmd == "get":
        print(json.dumps(get(args[0], args[1]), indent=1, sort_keys=True))
    elif cmd == "status":
        status(args)
    elif cmd == "wait":
        wait(args)
    elif cmd == "lines":
        lines(args)
    elif cmd == "busy":
        busy(args)
    elif cmd == "contains":
        contains(args)
    else:
        die("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv[1:])
