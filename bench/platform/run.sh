#!/usr/bin/env bash
# Platform overhead, side by side in one run (docs/benchmarks.md):
#   1. a no-op invocation through `fusionize run` (--emulate none) against a
#      raw loopback HTTP round trip to nginx answering "null": p50 and
#      throughput, the same client for both;
#   2. a cold start (spawn until the instance's first GET /next) against
#      spawning /bin/true and waiting for it.
#
#   bench/platform/run.sh [BUILD_DIR]     (default: $FUSIONIZE_BUILD_DIR or build)
#
# Environment: REQUESTS (5000 per round), THREADS (4), SECONDS_EACH (3),
# RUNS (100 cold starts), ROUNDS (5 interleaved rounds of the warm rows),
# INTERLEAVED (20000: round trips per server alternating request by request,
# the figure the p50 target is read from).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-${FUSIONIZE_BUILD_DIR:-$root/build}}" && pwd)
bench=$build/bin/fusionize-bench-platform
requests=${REQUESTS:-5000} threads=${THREADS:-4} seconds=${SECONDS_EACH:-3} runs=${RUNS:-100}
rounds=${ROUNDS:-5} interleaved=${INTERLEAVED:-20000}
for exe in "$bench" "$build/bin/fusionize" "$build/bin/fusionize-bench-minimal-runtime" \
           "$build/bin/fusionize-platform-testfn"; do
  [ -x "$exe" ] || { echo "run.sh: $exe is missing; build the benchmarks first" >&2; exit 1; }
done
command -v nginx >/dev/null || { echo "run.sh: nginx is not installed (nginx-light)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/fz-bench-platform-XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# nginx with a private configuration on a free port: one worker, no logs.
nginx_port=$(free_port)
cat > "$tmp/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 60s;
  client_body_temp_path $tmp/body;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/json; return 200 "null"; }
  }
}
CONF
nginx -c "$tmp/nginx.conf" -p "$tmp" &
pids+=($!)

# For scale: nginx as a reverse proxy (another process, keep-alive upstream)
# in front of the first: the cost of any relay, which the platform is.
proxy_port=$(free_port)
cat > "$tmp/proxy.conf" <<CONF
worker_processes 1;
daemon off;
pid $tmp/proxy.pid;
error_log $tmp/proxy-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 10000000;
  upstream origin { server 127.0.0.1:$nginx_port; keepalive 16; }
  server {
    listen 127.0.0.1:$proxy_port;
    location / { proxy_pass http://origin; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
CONF
nginx -c "$tmp/proxy.conf" -p "$tmp" &
pids+=($!)

# The platform, serving a no-op function from two runtimes: the minimal C
# runtime (the platform's own cost) and the cpp-httplib test runtime.
cat > "$tmp/manifest.json" <<JSON
{"format": "fusionize-manifest/1", "application": "bench",
 "groups": [{"name": "minimal", "executable": "$build/bin/fusionize-bench-minimal-runtime"},
            {"name": "testfn", "executable": "$build/bin/fusionize-platform-testfn"}],
 "functions": [{"name": "minimal", "group": "minimal", "handler": "noop"},
               {"name": "noop", "group": "testfn", "handler": "noop"}]}
JSON
"$build/bin/fusionize" run "$tmp/manifest.json" --port 0 --port-file "$tmp/port" \
  --emulate none --state-dir "$tmp/state" --quiet 2> "$tmp/run.err" &
pids+=($!)
for _ in $(seq 500); do
  [ -s "$tmp/port" ] && [ -s "$tmp/nginx.pid" ] && [ -s "$tmp/proxy.pid" ] && break
  sleep 0.02
done
port=$(cat "$tmp/port")

# A real application (test/platform/Inputs/app, fusionize_add_application:
# plugin, pass, Fusionize runtime), when this build has the plugin: its
# no-op task `whoami` through a second platform.
app_port=
if [ -f "$build/lib/fusionize.so" ] && [ -f "$build/FusionizeConfig.cmake" ]; then
  if python3 "$root/test/platform/Inputs/build_app.py" --cmake cmake \
       --cxx "$(command -v clang++-19 || echo /usr/lib/llvm-19/bin/clang++)" \
       --fusionize-dir "$build" "$root/test/platform/Inputs/app" "$tmp/app" >&2; then
    "$build/bin/fusionize" run "$tmp/app/pfapp.fusion/manifest.json" --port 0 \
      --port-file "$tmp/app-port" --emulate none --state-dir "$tmp/app-state" --quiet 2>> "$tmp/run.err" &
    pids+=($!)
    for _ in $(seq 500); do [ -s "$tmp/app-port" ] && break; sleep 0.02; done
    app_port=$(cat "$tmp/app-port")
  fi
fi

echo "# $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) CPUs, $(uname -r), $rounds round(s)"
# The warm rows run interleaved, ROUNDS times (nginx, relay, platform...,
# then again), so a drift of the shared machine's speed hits every server
# alike; each row reports the median over the rounds of its p50 and of its
# p50 divided by nginx's p50 in the same round.
targets=(nginx "http://127.0.0.1:$nginx_port/"
         proxy "http://127.0.0.1:$proxy_port/"
         minimal "http://127.0.0.1:$port/2015-03-31/functions/minimal/invocations"
         noop "http://127.0.0.1:$port/2015-03-31/functions/noop/invocations")
[ -n "$app_port" ] && targets+=(app "http://127.0.0.1:$app_port/2015-03-31/functions/whoami/invocations")
: > "$tmp/warm.jsonl"
for r in $(seq "$rounds"); do
  for ((i = 0; i < ${#targets[@]}; i += 2)); do
    j=$("$bench" http "${targets[i+1]}" --requests "$requests" --threads "$threads" --seconds "$seconds")
    echo "{\"round\": $r, \"name\": \"${targets[i]}\", \"result\": $j}" >> "$tmp/warm.jsonl"
  done
done
warm_json=$(python3 - "$tmp/warm.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {}
for r in rows:
    by.setdefault(r["name"], []).append(r)
nginx = {r["round"]: r["result"]["p50_us"] for r in by["nginx"]}
out = {}
for name, rs in by.items():
    med = lambda k: statistics.median(r["result"][k] for r in rs)
    out[name] = {k: med(k) for k in ("p50_us", "p90_us", "p99_us", "throughput_rps")}
    out[name]["ratio"] = statistics.median(r["result"]["p50_us"] / nginx[r["round"]] for r in rs)
    out[name]["ratios"] = [round(r["result"]["p50_us"] / nginx[r["round"]], 2) for r in rs]
print(json.dumps(out))
PY
)
nginx_json=$(echo "$warm_json" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["nginx"]))')
proxy_json=$(echo "$warm_json" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["proxy"]))')
minimal_json=$(echo "$warm_json" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["minimal"]))')
noop_json=$(echo "$warm_json" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["noop"]))')
# Latency once more, request by request: one round trip to each server in
# turn, so every server sees the same moments of the shared machine.
urls=()
for ((i = 1; i < ${#targets[@]}; i += 2)); do urls+=("${targets[i]}"); done
inter_json=$("$bench" interleave "${urls[@]}" --requests "$interleaved")
cold_minimal=$("$bench" coldstart "$tmp/manifest.json" minimal --runs "$runs")
cold_noop=$("$bench" coldstart "$tmp/manifest.json" noop --runs "$runs")
app_json=null cold_app=null
if [ -n "$app_port" ]; then
  app_json=$(echo "$warm_json" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["app"]))')
  cold_app=$("$bench" coldstart "$tmp/app/pfapp.fusion/manifest.json" whoami --runs "$runs")
fi

python3 - "$nginx_json" "$proxy_json" "$minimal_json" "$noop_json" "$cold_minimal" "$cold_noop" "$app_json" "$cold_app" "$inter_json" <<'PY'
import json, sys
nginx, proxy, minimal, noop, cm, cn, app, ca, inter = (json.loads(a) for a in sys.argv[1:])
print("\nwarm round trip (sequential, keep-alive; medians over rounds)  p50 us   p90 us   p99 us   x nginx p50 (per round)   throughput req/s")
for name, r in (("nginx, raw loopback HTTP", nginx),
                ("nginx reverse proxy -> nginx (a relay)", proxy),
                ("platform, no-op (minimal C runtime)", minimal),
                ("platform, no-op (cpp-httplib runtime)", noop),
                ("platform, no-op task (Fusionize runtime)", app)):
    if r is None:
        continue
    print("  %-45s %8.1f %8.1f %8.1f %8.2fx %-16s %12.0f" % (name, r["p50_us"], r["p90_us"], r["p99_us"],
          r["ratio"], str(r["ratios"]), r["throughput_rps"]))
names = ["nginx, raw loopback HTTP", "nginx reverse proxy -> nginx (a relay)",
         "platform, no-op (minimal C runtime)", "platform, no-op (cpp-httplib runtime)",
         "platform, no-op task (Fusionize runtime)"]
print("\ninterleaved request by request (%d round trips each)        p50 us   p90 us   p99 us   x nginx p50" % inter["requests"])
for name, r in zip(names, inter["rows"]):
    print("  %-45s %8.1f %8.1f %8.1f %8.2fx" % (name, r["p50_us"], r["p90_us"], r["p99_us"], r["ratio"]))
print("\ncold start (spawn until ready)                   p50 ms   p90 ms   extra vs /bin/true (p50)")
print("  %-46s %8.2f %8.2f" % ("/bin/true: spawn + exit + wait", cm["bin_true_p50_ms"], cm["bin_true_p90_ms"]))
for name, r in (("platform, minimal C runtime", cm), ("platform, cpp-httplib runtime", cn),
                ("platform, group executable (Fusionize runtime)", ca)):
    if r is None:
        continue
    print("  %-46s %8.2f %8.2f %+10.2f ms" % (name, r["init_p50_ms"], r["init_p90_ms"],
          r["init_p50_ms"] - r["bin_true_p50_ms"]))
print("  (/bin/true measured again before each row: p50 %s ms)" %
      ", ".join("%.2f" % r["bin_true_p50_ms"] for r in (cm, cn, ca) if r))
PY
