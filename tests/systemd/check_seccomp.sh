#!/usr/bin/env bash
# freshd works under the system-call filter of its unit. systemd is not PID 1 on CI machines, so
# the filter is applied here the way systemd applies it: the allow-list is derived from the
# unit's SystemCallFilter= lines (@default, then each value in order, @groups expanded by
# `systemd-analyze syscall-filter`, ~values removed), a filtered call does what
# SystemCallErrorNumber= says (kills the process with SIGSYS when it is absent), and
# seccomp_exec loads the filter (NO_NEW_PRIVS, native architecture only) before it executes
# freshd. Under it: --version, check-config (ExecStartPre), once over a directory and an HTTP
# page, and run (sd_notify READY/WATCHDOG/RELOADING/STOPPING, /healthz, /metrics,
# /api/v1/search, a SIGHUP reload, exit 0 on SIGTERM). Then the same again in strict mode, where
# every call outside the filter kills the process: a call the daemon would survive with EPERM
# is a call the unit refuses, and it is caught too. A failure names the command; with strace
# installed it also names the first system call outside the filter.
#
# Usage: check_seccomp.sh UNIT FRESHD SECCOMP_EXEC   (ctest: systemd_unit_seccomp_filter)
set -euo pipefail
unit=$1
freshd=$2
seccomp_exec=$3
here=$(cd "$(dirname "$0")" && pwd)
command -v python3 > /dev/null ||
  { echo "FAIL: needs python3 (free ports, the notification socket)"; exit 1; }
sigsys=$((128 + $(kill -l SYS)))

work=$(mktemp -d)
pids=()  # every background process started here
alive() {  # PID: running (not exited, and not a zombie yet to be waited for)
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  [[ ${stat##*) } != Z* ]]
}
stop() {  # PID...: SIGTERM, then SIGKILL after 10 s
  local pid _
  for pid in "$@"; do
    kill "$pid" 2>/dev/null || continue
    for _ in $(seq 1 100); do alive "$pid" || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
}
reap() {  # PID: waits for a process that has exited; its exit code in $reaped
  reaped=0
  wait "$1" || reaped=$?
  local kept=() pid
  for pid in "${pids[@]}"; do [ "$pid" = "$1" ] || kept+=("$pid"); done
  pids=("${kept[@]}")
}
cleanup() { stop "${pids[@]}"; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- the filter, from the unit -------------------------------------------------------------
# Values of KEY= in the unit's [Service] section, in order (continuation lines joined).
unit_values() {
  awk -v key="$1" '
    { while (/\\$/ && (getline next_line) > 0) { sub(/\\$/, " "); $0 = $0 next_line } }
    /^[ \t]*[#;]/ { next }
    /^[ \t]*\[/ { section = $0; gsub(/[ \t]/, "", section); next }
    section == "[Service]" && match($0, "^[ \t]*" key "[ \t]*=") {
      value = substr($0, RLENGTH + 1)
      gsub(/^[ \t]+|[ \t]+$/, "", value)
      print value
    }' "$unit"
}
# The system calls ENTRY stands for: itself, or a @group expanded recursively (groups list other
# groups: `systemd-analyze syscall-filter @system-service` prints @basic-io, @file-system, ...).
expand() {
  local entry=$1 listing member
  if [[ $entry != @* ]]; then echo "$entry"; return; fi
  listing=$(systemd-analyze --no-pager syscall-filter "$entry" 2>&1) ||
    fail "systemd-analyze syscall-filter $entry: $listing"
  # The group's name, a "# description" line, then one member a line.
  while read -r member; do
    case $member in '' | '#'* | "$entry") continue ;; esac
    expand "$member"
  done <<< "$listing"
}

declare -A allowed=()
filter_values=()
allow_list=""
while IFS= read -r value; do
  if [ -z "$value" ]; then allowed=(); allow_list=""; filter_values=(); continue; fi  # a reset
  filter_values+=("$value")
  invert=""
  [[ $value == "~"* ]] && { invert=1; value=${value#\~}; }
  if [ -z "$allow_list" ]; then
    [ -z "$invert" ] ||
      fail "$unit: a deny-list SystemCallFilter= (first value ~...) is not supported here"
    allow_list=1
    names=$(expand @default)  # systemd allows @default in every allow-list
    for name in $names; do allowed[$name]=1; done
  fi
  read -ra entries <<< "$value"
  for entry in "${entries[@]}"; do
    [[ $entry != *:* ]] || fail "$unit: per-call error numbers ($entry) are not supported here"
    names=$(expand "$entry")
    for name in $names; do
      if [ -n "$invert" ]; then unset "allowed[$name]"; else allowed[$name]=1; fi
    done
  done
done < <(unit_values SystemCallFilter)
[ -n "$allow_list" ] || fail "$unit has no SystemCallFilter="
printf '%s\n' "${!allowed[@]}" | sort > "$work/allowed.txt"

error_number=$(unit_values SystemCallErrorNumber | tail -n 1)
unit_action=${error_number:-kill}
architectures=$(unit_values SystemCallArchitectures | paste -sd ' ')
echo "filter of $(basename "$unit"): SystemCallFilter=${filter_values[*]} (and @default):" \
  "$(wc -l < "$work/allowed.txt") names; any other call: ${error_number:-kills (SIGSYS)};" \
  "SystemCallArchitectures=${architectures:-(all)}"

# ---- what freshd reads and fetches ---------------------------------------------------------
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for_port() {
  local _
  for _ in $(seq 1 100); do
    (echo > "/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.05
  done
  fail "nothing listens on 127.0.0.1:$1"
}
mkdir -p "$work/docs" "$work/site"
printf '# Refund policy\n\nRefunds are granted within 30 days.\n' > "$work/docs/refund.md"
printf '<html><body><main><h1>Status</h1><p>All systems nominal.</p></main></body></html>\n' \
  > "$work/site/status.html"
web_port=$(free_port)
"$here/../../scripts/nginx-serve.sh" "$work/site" "$web_port" "$work/nginx" \
  > "$work/nginx.log" 2>&1 &
pids+=($!)
wait_for_port "$web_port"

# systemd's notification socket, for Type=notify: every datagram, one line each.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], "ab", buffering=0) as log:
    while True:
        log.write(s.recv(4096).replace(b"\n", b" ") + b"\n")
' "$work/notify.sock" "$work/notify.log" &
pids+=($!)
for _ in $(seq 1 100); do [ -S "$work/notify.sock" ] && break; sleep 0.05; done
[ -S "$work/notify.sock" ] || fail "the notification socket's listener did not start"

write_config() {  # FILE STATE_DIR PORT INTERVAL
  cat > "$1" <<YAML
state_dir: $2
listen: 127.0.0.1:$3
log: { level: info }
defaults: { interval: $4, timeout: 5s }
workloads:
  - name: docs
    strategy: rag
    sources:
      - name: handbook
        directory: { path: $work/docs, glob: "**/*.md" }
      - name: status
        http: { url: "http://127.0.0.1:$web_port/status.html" }
YAML
}

# ---- running under the filter --------------------------------------------------------------
action=""  # the current mode's seccomp_exec --action

# Re-runs a command with every call outside the filter trapped, under strace, which prints the
# first one's name (si_syscall); a daemon still running after 10 s is stopped. In a subshell
# whose stderr is discarded: bash's own "Bad system call" job report is noise here.
diagnose() {
  command -v strace > /dev/null || { echo "  (install strace to name the system call)"; return 0; }
  local trace=$work/strace.txt name
  (
    strace -f -qq -e trace=none -e signal=SIGSYS -o "$trace" \
      "$seccomp_exec" --action trap "$work/allowed.txt" "$@" > /dev/null 2>&1 &
    tracer=$!
    trap 'stop $(cat "/proc/$tracer/task/$tracer/children" 2>/dev/null) "$tracer"' EXIT
    for _ in $(seq 1 100); do alive "$tracer" || break; sleep 0.1; done
  ) 2> /dev/null
  name=$(grep -o 'si_syscall=__NR_[a-z0-9_]*' "$trace" | head -n 1 | sed 's/.*__NR_//' || true)
  if [ -n "$name" ]; then
    echo "  first system call outside the filter: $name"
  else
    echo "  no system call outside the filter within 10 s under strace"
  fi
}
# LABEL RC LOG COMMAND...: reports a failed command with its output, and fails.
report() {
  local label=$1 rc=$2 log=$3
  shift 3
  if [ "$rc" -eq "$sigsys" ]; then
    echo "FAIL [$mode] $label: KILLED BY SIGSYS, a system call outside the unit's filter: $*" >&2
  else
    echo "FAIL [$mode] $label: exit $rc under the unit's filter: $*" >&2
  fi
  [ ! -s "$log" ] || tail -n 20 "$log" | sed 's/^/  | /' >&2
  diagnose "$@" >&2
  exit 1
}
# LABEL LOG COMMAND...: COMMAND under the filter must exit 0; its output goes to LOG (and bash's
# own "Bad system call" report nowhere: report() says it).
expect_success() {
  local label=$1 log=$2 rc=0
  shift 2
  { "$seccomp_exec" --action "$action" "$work/allowed.txt" "$@" > "$log" 2>&1; } 2> /dev/null ||
    rc=$?
  [ "$rc" -eq 0 ] || report "$label" "$rc" "$log" "$@"
}

http_get() {  # PORT PATH: the response, status line first
  # shellcheck disable=SC2016  # $0 and $1 are the inner shell's
  timeout 5 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" &&
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n" "$1" >&3 && cat <&3' "$1" "$2" 2>/dev/null
}
# LABEL PORT PATH PATTERN: polls PATH for up to 10 s until it answers 200 with PATTERN in it.
expect_http() {
  local label=$1 port=$2 path=$3 pattern=$4 response="" _
  for _ in $(seq 1 100); do
    alive "$daemon" || break
    response=$(http_get "$port" "$path" || true)
    [[ $response == "HTTP/1."?" 200 "* ]] && grep -q -- "$pattern" <<< "$response" && {
      echo "  $label: 200, has '$pattern'"; return 0; }
    sleep 0.1
  done
  if ! alive "$daemon"; then
    reap "$daemon"
    report "run, while waiting for $path" "$reaped" "$run_log" "${run_command[@]}"
  fi
  echo "FAIL [$mode] $label: GET $path did not answer 200 with '$pattern': ${response:0:300}" >&2
  tail -n 20 "$run_log" | sed 's/^/  | /' >&2
  exit 1
}
expect_notify() {  # MESSAGE COUNT: polls for up to 10 s until the daemon sent MESSAGE COUNT times
  local _
  for _ in $(seq 1 100); do
    [ "$(grep -c -- "$1" "$work/notify.log" || true)" -ge "$2" ] && return 0
    sleep 0.1
  done
  fail "[$mode] run: no $1 (x$2) on the notification socket: $(tr '\n' '|' < "$work/notify.log")"
}

suite() {  # MODE ACTION
  mode=$1
  action=$2
  local dir=$work/$mode port
  mkdir -p "$dir"
  echo "[$mode] any call outside the filter: $action"

  expect_success "--version" "$dir/version.log" "$freshd" --version
  grep -q '^freshd [0-9]' "$dir/version.log" || fail "[$mode] --version: $(cat "$dir/version.log")"
  echo "  --version: $(cat "$dir/version.log")"

  port=$(free_port)
  write_config "$dir/once.yaml" "$dir/state-once" "$port" 1h
  expect_success "check-config" "$dir/check.log" "$freshd" check-config -c "$dir/once.yaml"
  echo "  check-config: ok"
  expect_success "once" "$dir/once.log" "$freshd" once -c "$dir/once.yaml"
  grep -Eq '^2 sources, 2 documents checked, .*[^0-9]0 sources failing' "$dir/once.log" ||
    { sed 's/^/  | /' "$dir/once.log" >&2; fail "[$mode] once: not the summary expected"; }
  echo "  once: $(grep 'documents checked' "$dir/once.log")"

  # run, as systemd starts it: a notification socket, the watchdog on (every second here). The
  # first checks are spread over the interval: 1 s, so that they (and the next ones, 304s) come.
  port=$(free_port)
  write_config "$dir/run.yaml" "$dir/state-run" "$port" 1s
  : > "$work/notify.log"
  run_log=$dir/run.log
  run_command=("$freshd" run -c "$dir/run.yaml")
  # $! is the daemon itself: seccomp_exec executes it.
  NOTIFY_SOCKET=$work/notify.sock WATCHDOG_USEC=1000000 \
    "$seccomp_exec" --action "$action" "$work/allowed.txt" "${run_command[@]}" > "$run_log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
  expect_http "/healthz" "$port" /healthz ok
  expect_notify READY=1 1
  expect_http "/api/v1/search (directory source)" "$port" "/api/v1/search?q=refund" refund.md
  expect_http "/api/v1/search (HTTP source)" "$port" "/api/v1/search?q=nominal" status.html
  expect_http "/metrics" "$port" /metrics freshd_source_checks_total
  expect_notify WATCHDOG=1 2
  kill -HUP "$daemon"
  expect_notify RELOADING=1 1
  expect_notify READY=1 2
  expect_http "/healthz after SIGHUP" "$port" /healthz ok
  echo "  sd_notify: READY=1, WATCHDOG=1, RELOADING=1 and READY=1 after SIGHUP"
  kill -TERM "$daemon"
  local _
  for _ in $(seq 1 300); do alive "$daemon" || break; sleep 0.1; done  # TimeoutStopSec=30s
  alive "$daemon" && fail "[$mode] run: still running 30 s after SIGTERM"
  reap "$daemon"
  [ "$reaped" -eq 0 ] || report "run, stopped with SIGTERM" "$reaped" "$run_log" "${run_command[@]}"
  expect_notify STOPPING=1 1
  echo "  run: SIGTERM, exit 0"
}

suite unit "$unit_action"
if [ "$unit_action" != kill ]; then
  suite strict kill
fi
echo "ok: freshd runs under the system-call filter of $(basename "$unit")"
