#!/usr/bin/env python3
"""A minimal Lambda Invoke API for end-to-end tests of group executables.

    mini_invoker.py PORT FUNCTION=URL [FUNCTION=URL ...]

Serves POST /2015-03-31/functions/<name>/invocations on 127.0.0.1:PORT and
forwards the payload to URL (a group executable in HTTP mode, e.g.
http://127.0.0.1:9101/invoke/price). RequestResponse invocations return the
function's response and its X-Amz-Function-Error header; Event invocations are
answered 202 and delivered on a thread. It is deliberately tiny: the real
platform is `fusionize run`; this only lets the compiler's tests run group
executables against each other.
"""
import http.server
import sys
import threading
import urllib.error
import urllib.request

ROUTES = {}
PENDING = []


def forward(url, body, headers):
    req = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read(), r.headers.get("X-Amz-Function-Error")
    except urllib.error.HTTPError as e:
        return e.code, e.read(), e.headers.get("X-Amz-Function-Error")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body=b"", error=None):
        self.send_response(code)
        if error:
            self.send_header("X-Amz-Function-Error", error)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        parts = self.path.split("/")
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if len(parts) != 5 or parts[1] != "2015-03-31" or parts[4] != "invocations":
            return self.reply(404, b'{"message":"unknown path"}')
        url = ROUTES.get(parts[3])
        if url is None:
            return self.reply(404, b'{"Type":"User","message":"Function not found"}')
        headers = {"Content-Type": "application/json"}
        if self.headers.get("traceparent"):
            headers["traceparent"] = self.headers["traceparent"]
        if self.headers.get("X-Amz-Invocation-Type") == "Event":
            t = threading.Thread(target=forward, args=(url, body, headers))
            t.start()
            PENDING.append(t)
            return self.reply(202)
        code, out, error = forward(url, body, headers)
        self.reply(200 if code in (200, 500) else code, out, error)


def main():
    port = int(sys.argv[1])
    for spec in sys.argv[2:]:
        name, url = spec.split("=", 1)
        ROUTES[name] = url
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
