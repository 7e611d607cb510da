#!/usr/bin/env bash
# `freshd once` over N documents (default 1000) listed in a sitemap served by nginx on
# loopback: wall time and peak RSS of the first pass (every document new) and the second
# (every document answers 304). Usage: bench/once_pass.sh [N]   (after scripts/build.sh;
# URLWATCH=0 skips the urlwatch baseline)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-1000}
freshd=${FRESHD:-build/daemon/freshd}
[ -x "$freshd" ] || { echo "build first: scripts/build.sh" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

work=$(mktemp -d)
nginx_pid=""
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/site/docs"
{
  echo '<?xml version="1.0" encoding="UTF-8"?>'
  echo '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
  for i in $(seq 1 "$count"); do
    printf '<html><head><title>Doc %d</title></head><body><nav>menu</nav><main><h1>Document %d</h1>' "$i" "$i" \
      > "$work/site/docs/$i.html"
    for p in $(seq 1 20); do
      printf '<p>Paragraph %d of document %d: policies change, and the assistant must know.</p>' "$p" "$i" \
        >> "$work/site/docs/$i.html"
    done
    echo '</main></body></html>' >> "$work/site/docs/$i.html"
    echo "<url><loc>http://127.0.0.1:$port/docs/$i.html</loc></url>"
  done
  echo '</urlset>'
} > "$work/site/sitemap.xml"

scripts/nginx-serve.sh "$work/site" "$port" "$work/nginx" &
nginx_pid=$!
for _ in $(seq 1 100); do (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done

cat > "$work/freshd.yaml" <<YAML
state_dir: $work/state
log: { level: warn }
defaults: { interval: 1h, timeout: 10s, host_concurrency: 8 }
workloads:
  - name: bench
    strategy: rag
    sources:
      - name: corpus
        sitemap: { url: "http://127.0.0.1:$port/sitemap.xml" }
YAML

pass() {
  /usr/bin/time -f "%e %M" -o "$work/time" "$freshd" once -c "$work/freshd.yaml" > "$work/out"
  read -r wall rss < "$work/time"
  printf '%-28s %8.2f s %8.1f MiB   %s\n' "$1" "$wall" "$(echo "$rss / 1024" | bc -l)" \
    "$(tail -1 "$work/out")"
}
# The baseline, measured in the same run on the same pages: urlwatch, the classic page
# watcher (10 worker threads), when it is installed.
urlwatch_pass() {
  HOME="$work/home" /usr/bin/time -f "%e %M" -o "$work/time" urlwatch --urls "$work/urls.yaml" \
    --config "$work/urlwatch.yaml" --cache "$work/cache.db" > /dev/null 2>&1 || true
  read -r wall rss < "$work/time"
  printf '%-28s %8.2f s %8.1f MiB\n' "$1" "$wall" "$(echo "$rss / 1024" | bc -l)"
  echo "$wall"  > "$work/urlwatch_$2"
}

echo "freshd once over $count documents (nginx on loopback, $(nproc) cores)"
pass "first pass (all new)"
cp "$work/time" "$work/freshd_first"
pass "second pass (all 304)"
cp "$work/time" "$work/freshd_second"
if [ "${URLWATCH:-1}" != 0 ] && command -v urlwatch >/dev/null; then
  mkdir -p "$work/home"
  for i in $(seq 1 "$count"); do
    echo "url: http://127.0.0.1:$port/docs/$i.html"; echo "---"
  done > "$work/urls.yaml"
  printf 'report:\n  text: {enabled: false}\n  stdout: {enabled: false}\n' > "$work/urlwatch.yaml"
  urlwatch_pass "urlwatch first pass" first
  urlwatch_pass "urlwatch second pass" second
  for p in first second; do
    read -r f _ < "$work/freshd_$p"
    printf 'urlwatch / freshd wall time, %s pass: %.1fx\n' "$p" \
      "$(echo "$(cat "$work/urlwatch_$p") / ($f + 0.001)" | bc -l)"
  done
fi
