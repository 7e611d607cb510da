#!/usr/bin/env bash
# Start-up and reload of `freshd run` over a state store of N documents (default 1000): a
# folder of N small .md files is recorded by one `freshd once`, then `freshd run` is started
# RUNS times (default 3) with NOTIFY_SOCKET set to a datagram socket of our own, and each
# time we measure the wall time from the start to READY=1, the daemon's memory (VmRSS, and
# the peak VmHWM, from /proc/PID/status) right after READY, then after a SIGHUP reload
# (done when the log says "configuration reloaded"; timed to the READY=1 sent right after
# that line) and after a second one, and the time a
# SIGTERM takes to stop it. The page cache is warm (the files and the store were just
# written). Usage: bench/start_ready.sh [N] [RUNS]   (after scripts/build.sh; FRESHD= for
# another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
runs=${2:-3}
freshd=${FRESHD:-build/daemon/freshd}
[ -x "$freshd" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
command -v python3 >/dev/null || { echo "needs python3" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# N files of a few lines, 1,000 to a folder.
python3 - "$work/docs" "$count" <<'PY'
import os, sys
root, count = sys.argv[1], int(sys.argv[2])
for i in range(count):
    folder = os.path.join(root, f"part{i // 1000:04d}")
    if i % 1000 == 0:
        os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, f"doc{i}.md"), "w") as f:
        f.write(f"# Document {i}\n\nRefunds are accepted within {i % 90 + 1} days.\n")
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/freshd.yaml" <<YAML
state_dir: $work/state
listen: 127.0.0.1:$port
log: { level: info }
defaults: { interval: 24h }
workloads:
  - name: bench
    strategy: rag
    sources:
      - name: corpus
        directory: { path: $work/docs, glob: "**/*.md" }
YAML

echo "freshd run over a store of $count documents ($(nproc) cores, $("$freshd" --version))"
once_started=$(date +%s.%N)
"$freshd" once -c "$work/freshd.yaml" > "$work/once.out" 2> "$work/once.log"
printf 'recorded by freshd once in %.1f s: %s\n' "$(echo "$(date +%s.%N) - $once_started" | bc -l)" \
  "$(grep 'documents checked' "$work/once.out")"
echo "state store: $(du -sh "$work/state" | cut -f1)"

# The interval (24 h) keeps the source from running during the measurement: after a restart
# it resumes at its last run + interval. What is timed is opening the store, loading the
# sources' counters from it, building the schedule and listening.
python3 - "$freshd" "$work" "$runs" <<'PY'
import os, signal, socket, subprocess, sys, time

freshd, work, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
config = os.path.join(work, "freshd.yaml")


def memory(pid):
    """VmRSS and VmHWM in MiB."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                fields[name] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


def wait_for_log(path, needle, occurrences, timeout=600):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(path, errors="replace") as log:
            if log.read().count(needle) >= occurrences:
                return
        time.sleep(0.005)
    sys.exit(f"timed out waiting for '{needle}' in {path}")


def wait_for_ready(notify, timeout=600):
    notify.settimeout(timeout)
    while True:
        message = notify.recv(65536).decode(errors="replace")
        if "READY=1" in message.split("\n"):
            return


def one_run(run):
    path = os.path.join(work, f"notify{run}.sock")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(path)
    log_path = os.path.join(work, f"run{run}.log")
    row = {}
    with open(log_path, "w") as log:
        started = time.monotonic()
        daemon = subprocess.Popen([freshd, "run", "-c", config], stdout=log, stderr=log,
                                  env=dict(os.environ, NOTIFY_SOCKET=path))
        wait_for_ready(notify)
        row["ready"] = time.monotonic() - started
        row["rss_ready"] = memory(daemon.pid)
        for reload in (1, 2):
            started = time.monotonic()
            daemon.send_signal(signal.SIGHUP)
            # READY=1 follows the log line at once: it times the reload to the millisecond.
            wait_for_ready(notify)
            row[f"reload{reload}"] = time.monotonic() - started
            wait_for_log(log_path, "configuration reloaded", reload)
            row[f"rss_reload{reload}"] = memory(daemon.pid)
        started = time.monotonic()
        daemon.send_signal(signal.SIGTERM)
        code = daemon.wait(timeout=600)
        row["stop"] = time.monotonic() - started
        if code != 0:
            sys.exit(f"freshd exited with {code}: see {log_path}")
    notify.close()
    return row


def ms(seconds):
    return f"{seconds * 1000:.1f} ms" if seconds < 0.01 else f"{seconds * 1000:.0f} ms"


def mib(pair):
    return f"{pair[0]:.1f} ({pair[1]:.1f})"


print(f"{'run':<4} {'start to READY':>15} {'RSS at READY':>14} {'1st reload':>11} "
      f"{'RSS after':>14} {'2nd reload':>11} {'RSS after':>14} {'SIGTERM to exit':>16}")
for run in range(1, runs + 1):
    r = one_run(run)
    print(f"{run:<4} {ms(r['ready']):>15} {mib(r['rss_ready']):>14} {ms(r['reload1']):>11} "
          f"{mib(r['rss_reload1']):>14} {ms(r['reload2']):>11} {mib(r['rss_reload2']):>14} "
          f"{ms(r['stop']):>16}")
print("RSS in MiB: VmRSS (peak VmHWM so far). A reload is timed from SIGHUP to the READY=1 "
      "that follows the log's \"configuration reloaded\"")
PY
