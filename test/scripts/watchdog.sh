#!/usr/bin/env bash
# Runs a long test command (a whole optimize loop, the demo) with a time
# limit, its output going to a log, and makes a failure readable in CI:
#
#   watchdog.sh SECONDS LOG [LOGDIR...] -- COMMAND [ARG...]
#
# COMMAND runs in a session of its own with stdout and stderr in LOG. If it
# is still running after SECONDS, the watchdog prints the processes of that
# session (with what each thread waits in) before stopping them (SIGTERM,
# then SIGKILL after 10 s). When COMMAND fails or is stopped, it prints the
# end of LOG and of every *.log file under the LOGDIRs (the platform's
# logs of an optimize run; of a function's log, what it printed, without
# the platform's START, END and REPORT lines). Exits with COMMAND's status, or 124 on timeout.
set -uo pipefail
if [ $# -lt 4 ]; then
  echo "usage: $0 SECONDS LOG [LOGDIR...] -- COMMAND [ARG...]" >&2
  exit 2
fi
limit=$1 log=$2
shift 2
dirs=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do dirs+=("$1"); shift; done
[ "${1:-}" = -- ] && shift
if [ $# -eq 0 ]; then
  echo "watchdog.sh: no command after --" >&2
  exit 2
fi

setsid "$@" >"$log" 2>&1 </dev/null &
pid=$!
deadline=$(( $(date +%s) + limit ))
timed_out=0
while kill -0 "$pid" 2>/dev/null; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    timed_out=1
    break
  fi
  sleep 1
done

if [ $timed_out = 1 ]; then
  echo "watchdog: \`$*\` still running after $limit s; its processes:"
  ps -s "$pid" -o pid,ppid,stat,etime,time,wchan:24,args --forest 2>/dev/null |
    cut -c1-300
  for p in $(ps -s "$pid" -o pid= 2>/dev/null); do
    for t in /proc/"$p"/task/*; do
      [ -r "$t/wchan" ] || continue
      printf '  pid %s thread %s: state %s, waits in %s\n' "$p" "${t##*/}" \
        "$(cut -d' ' -f3 "$t/stat" 2>/dev/null)" "$(cat "$t/wchan" 2>/dev/null)"
    done
  done
  kill -TERM -- -"$pid" 2>/dev/null
  for _ in $(seq 10); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
  kill -KILL -- -"$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  rc=124
else
  wait "$pid"
  rc=$?
fi

if [ $rc -ne 0 ]; then
  echo "watchdog: \`$*\` exited with status $rc; the end of $log:"
  tail -n 60 "$log" | sed 's/^/  | /'
  for d in "${dirs[@]}"; do
    [ -d "$d" ] || continue
    find "$d" -name '*.log' -type f -size +0 | sort | while read -r f; do
        # A function's log: what it printed, not its START/END/REPORT lines.
        lines=$(grep -Ev '^[0-9T:.Z-]+ (START|END|REPORT) RequestId' "$f" |
          tail -n 20)
        [ -n "$lines" ] || continue
        echo "watchdog: the end of $f:"
        printf '%s\n' "$lines" | sed 's/^/  | /'
      done
  done
fi
exit $rc
